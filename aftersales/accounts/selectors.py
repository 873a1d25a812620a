from django.http import HttpRequest

from aftersales.accounts.actors import ANONYMOUS, Actor, staff_actor
from aftersales.accounts.services import (
    CUSTOMER_SESSION_PREFIX,
    STAFF_TOKEN_PREFIX,
    customer_from_session_token,
    staff_from_api_token,
)
from aftersales.common.errors import Unauthenticated

CUSTOMER_SESSION_KEY = "customer_session"


def customer_from_browser_session(request: HttpRequest) -> Actor | None:
    """The customer signed in on this browser (pages only; the API takes bearer tokens)."""
    token = request.session.get(CUSTOMER_SESSION_KEY)
    return customer_from_session_token(token) if token else None


def actor_from_request(request: HttpRequest) -> Actor:
    """Who is calling: a staff bearer token, a customer session token, a staff browser session, or nobody.

    A bearer token that is present but invalid is refused rather than treated as anonymous,
    so a client with an expired token learns it instead of silently losing access.
    """
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        token = header[len("Bearer ") :].strip()
        if token.startswith(STAFF_TOKEN_PREFIX):
            user = staff_from_api_token(token)
            if user is not None and user.is_staff_member:
                return staff_actor(user)
        elif token.startswith(CUSTOMER_SESSION_PREFIX):
            actor = customer_from_session_token(token)
            if actor is not None:
                return actor
        raise Unauthenticated()
    user = getattr(request, "user", None)
    # Browser sessions are honoured for reads only: writes need a token (no CSRF exposure).
    if (
        user is not None
        and user.is_authenticated
        and request.method in ("GET", "HEAD")
        and user.is_staff_member
    ):
        return staff_actor(user)
    return ANONYMOUS


def staff_actor_from_request(request: HttpRequest) -> Actor:
    """The caller of a staff-only endpoint, as `actor_from_request` finds them.

    Nobody signed in is refused with 401 Unauthenticated(staff_sign_in_required), the answer
    every staff-only endpoint gives; a customer, or staff without the permission, is left to
    the endpoint's own 403.
    """
    actor = actor_from_request(request)
    if actor.kind == ANONYMOUS.kind:
        raise Unauthenticated("staff_sign_in_required")
    return actor
