from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import User


class DeskAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, for active staff members only (central and outlet staff alike)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "not_staff": _("This account may not sign in to the workspace."),
    }

    def confirm_login_allowed(self, user: User) -> None:  # type: ignore[override]
        super().confirm_login_allowed(user)
        if not user.is_staff_member:
            raise ValidationError(self.error_messages["not_staff"], code="not_staff")
