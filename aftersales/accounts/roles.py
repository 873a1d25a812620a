"""Who may do what. Every endpoint and service asks `role_may(role, permission)`."""

from django.db import models


class Role(models.TextChoices):
    CUSTOMER = "customer", "客户 Customer"
    AGENT = "agent", "客服坐席 Agent (L1)"
    TECHNICAL = "technical", "技术团队 Technical team (L2)"
    EXPERT = "expert", "总部专家 HQ expert (L3)"
    OUTLET_TECHNICIAN = "outlet_technician", "网点工程师 Outlet technician"
    OUTLET_MANAGER = "outlet_manager", "网点经理 Outlet manager"
    ADMIN = "admin", "管理员 Administrator"


CENTRAL_STAFF = frozenset({Role.AGENT, Role.TECHNICAL, Role.EXPERT, Role.ADMIN})
OUTLET_STAFF = frozenset({Role.OUTLET_TECHNICIAN, Role.OUTLET_MANAGER})
ALL_STAFF = CENTRAL_STAFF | OUTLET_STAFF

# permission -> roles that hold it. Transitions carry their own roles in complaints/status.py.
PERMISSIONS: dict[str, frozenset[str]] = {
    # Outlet staff see only complaints dispatched to their team; central staff see all.
    "complaint.view_any": CENTRAL_STAFF,
    "complaint.view_team": ALL_STAFF,
    "complaint.note": ALL_STAFF,
    "complaint.reply": ALL_STAFF,
    "complaint.inspect": frozenset({Role.TECHNICAL, Role.EXPERT, Role.ADMIN}) | OUTLET_STAFF,
    "complaint.transfer_ownership": frozenset({Role.AGENT, Role.TECHNICAL, Role.EXPERT, Role.ADMIN}),
    "complaint.transfer_any_ownership": frozenset({Role.EXPERT, Role.ADMIN}),
    "complaint.set_category": frozenset({Role.AGENT, Role.TECHNICAL, Role.EXPERT, Role.ADMIN}),
    # How the pre-diagnosis fares on the complaints it triaged (counts across all complaints).
    "triage.view_quality": CENTRAL_STAFF,
    # Send a complaint to an outlet (or to another one), choosing the outlet or letting the rules choose.
    "complaint.dispatch": CENTRAL_STAFF,
    # Call the next walk-in ticket: the outlet's own staff (checked by team) and administrators.
    "outlet.serve_queue": OUTLET_STAFF | {Role.ADMIN},
    # Ask for a customer's erasure, place and release legal holds (docs/privacy.md).
    "privacy.erase_any": frozenset({Role.ADMIN}),
    "privacy.legal_hold": frozenset({Role.ADMIN}),
    # Read the access log and erasure records.
    "privacy.audit": frozenset({Role.ADMIN}),
    # The hotline (intake/channels/hotline): who looks a caller up by phone (outlet staff see the
    # number and name masked and only their team's complaints), plays recordings, works call-backs.
    "customer.lookup": ALL_STAFF,
    "customer.unmasked": CENTRAL_STAFF,
    "hotline.recording": CENTRAL_STAFF,
    "hotline.call_back": CENTRAL_STAFF,
    # The workspace: mark a complaint as repeating another; share a saved queue filter with one's team.
    "complaint.link_duplicate": CENTRAL_STAFF,
    "desk.share_filter": frozenset({Role.EXPERT, Role.ADMIN, Role.OUTLET_MANAGER}),
    # The manager dashboard's figures and exports (reporting.dashboard): HQ experts, outlet
    # managers and administrators. Aggregates only, no customer's personal data.
    "report.view": frozenset({Role.EXPERT, Role.OUTLET_MANAGER, Role.ADMIN}),
}


def role_may(role: str, permission: str) -> bool:
    return role in PERMISSIONS.get(permission, frozenset())
