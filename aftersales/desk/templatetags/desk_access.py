"""`{{ user|may:"permission" }}`: whether a staff member's role holds a permission (accounts.roles),
so that a page links only to what its reader may open. The views check again."""

from typing import Any

from django import template

from aftersales.accounts.roles import role_may

register = template.Library()


@register.filter
def may(user: Any, permission: str) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and role_may(getattr(user, "role", ""), permission)
