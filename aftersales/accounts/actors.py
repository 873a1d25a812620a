"""The actor: who is acting, as every service receives it."""

from dataclasses import dataclass

from aftersales.accounts.models import User
from aftersales.accounts.roles import Role, role_may


@dataclass(frozen=True)
class Actor:
    kind: str  # staff | customer | tracking | system | anonymous
    role: str
    user: User | None = None
    customer_id: int | None = None
    # A tracking token grants access to exactly one complaint.
    complaint_id: int | None = None

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    def may(self, permission: str) -> bool:
        return role_may(self.role, permission)

    @property
    def ref(self) -> str:
        """Who acted, as recorded on the timeline: an id, never a name or a phone number."""
        if self.kind == "staff" and self.user is not None:
            return f"staff:{self.user.pk}"
        if self.kind in ("customer", "tracking") and self.customer_id is not None:
            return f"customer:{self.customer_id}"
        return self.kind


SYSTEM = Actor(kind="system", role="system")
ANONYMOUS = Actor(kind="anonymous", role="anonymous")


def staff_actor(user: User) -> Actor:
    return Actor(kind="staff", role=user.role, user=user)


def customer_actor(customer_id: int) -> Actor:
    return Actor(kind="customer", role=Role.CUSTOMER, customer_id=customer_id)


def tracking_actor(*, customer_id: int, complaint_id: int) -> Actor:
    return Actor(kind="tracking", role=Role.CUSTOMER, customer_id=customer_id, complaint_id=complaint_id)
