"""A demo data set: staff for every role and a few thousand complaints at every stage.

Complaints go through the real intake service and workflow services with the clock
moved back in time, so every timeline is what the platform itself would have written.
"""

import contextlib
import random
from datetime import timedelta

from stdnum import luhn

from aftersales.accounts.actors import staff_actor
from aftersales.accounts.models import User
from aftersales.accounts.roles import Role
from aftersales.accounts.services import api_token_create, staff_enable_workspace
from aftersales.common import clock
from aftersales.common.errors import DomainError
from aftersales.complaints import services as complaint_services
from aftersales.complaints.models import Complaint
from aftersales.demo.calls import seed_calls
from aftersales.demo.outlets import city_table, seed_outlets
from aftersales.demo.phrases import CITIES, ESCALATION_TAILS, MODELS, PHRASES, SURNAMES
from aftersales.demo.repairs import seed_repairs
from aftersales.intake.services import complaint_submit
from aftersales.intake.submission import Submission
from aftersales.policy.pack import current_pack
from aftersales.reporting.daily import complaint_figures_refresh
from aftersales.reporting.services import outlet_kpi_report_due

DEMO_PASSWORD = "demo-pass-2026"
# Complaints taken through repair orders (demo/repairs.py), on top of the others: a tenth of them at most.
REPAIRS = 200
# Hotline calls pushed by the simulated call centre (demo/calls.py), with recordings and call-backs.
CALLS = 60
STAFF = [
    ("admin", Role.ADMIN, "agents"),
    ("agent1", Role.AGENT, "agents"),
    ("agent2", Role.AGENT, "agents"),
    ("tech1", Role.TECHNICAL, "technical"),
    ("expert1", Role.EXPERT, "hq-experts"),
    # Staff of the demo outlet beijing-01 (demo/outlets.py): its team is outlet-<code>.
    ("outlet-tech1", Role.OUTLET_TECHNICIAN, "outlet-beijing-01"),
    ("outlet-mgr1", Role.OUTLET_MANAGER, "outlet-beijing-01"),
]
INSPECTION_FINDINGS = [
    "到店检测:电池健康度 78%,充电口有氧化痕迹",
    "到店检测:屏幕排线松动,重新扣合后触控正常",
    "到店检测:主板供电异常,需返厂维修",
    "到店检测:外观无损,系统日志显示异常重启,已刷机观察",
    "到店检测:听筒进灰,清洁后恢复",
]
# Customers' ratings of resolved complaints (complaints.services.complaint_record_satisfaction):
# about three in five rate, within three days of the resolution, mostly 4 and 5 (the brand
# publishes 94.6 % satisfied, seed 一).
RATED_SHARE = 0.6
SCORE_WEIGHTS = {5: 66, 4: 28, 3: 3, 2: 1, 1: 2}
RATING_COMMENTS = ["", "", "", "处理很及时,谢谢", "网点工程师很专业", "等得有点久", "Quick fix, thanks 👍"]
MOBILE_PREFIXES = ["33", "35", "36", "37", "38", "39", "50", "51", "58", "59", "77", "86", "87", "88", "89"]
CHANNEL_WEIGHTS = {
    "hotline": 30,
    "app": 25,
    "web": 10,
    "email": 8,
    "wechat": 12,
    "weibo": 5,
    "douyin": 4,
    "store": 4,
    "outlet": 2,
}


def make_imei(rng: random.Random) -> str:
    body = "86" + "".join(str(rng.randrange(10)) for _ in range(12))
    return body + luhn.calc_check_digit(body)


def seed_staff() -> dict[str, User]:
    staff = {}
    for index, (username, role, team) in enumerate(STAFF, start=1):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "role": role,
                "team": team,
                "employee_id": f"E{index:05d}",
                "is_superuser": role == Role.ADMIN,
                "email": f"{username}@aftersales.example",
            },
        )
        if created:
            staff_enable_workspace(user=user, password=DEMO_PASSWORD)
        staff[username] = user
    return staff


def seed_complaints(*, count: int, staff: dict[str, User], seed: int = 2026, days: int = 45) -> int:
    """Create `count` complaints over the last `days` days and move them along realistically."""
    rng = random.Random(seed)
    # Ratings draw from their own sequence, so the complaints themselves stay as they were.
    ratings = random.Random(seed + 1)
    agents = [staff["agent1"], staff["agent2"]]
    channels = list(CHANNEL_WEIGHTS)
    weights = list(CHANNEL_WEIGHTS.values())
    start = clock.now() - timedelta(days=days)
    created = 0
    for index in range(count):
        at = start + timedelta(seconds=rng.randrange(days * 86400 - 3600))
        category = rng.choice(list(PHRASES))
        english = rng.random() < 0.12
        texts = [t for t in PHRASES[category] if t.isascii() == english] or PHRASES[category]
        text = rng.choice(texts) + (rng.choice(ESCALATION_TAILS) if not english else "")
        with_device = rng.random() < 0.8
        channel = rng.choices(channels, weights)[0]
        city = rng.choice(CITIES)
        # The app and the web form may share where the customer is: the complaint goes to an outlet at once.
        location = _near(city, rng) if channel in LOCATED_CHANNELS and rng.random() < 0.7 else None
        submission = Submission(
            channel=channel,
            text=text,
            name=rng.choice(SURNAMES) + rng.choice(["先生", "女士"]),
            phone=f"1{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}",
            email=f"customer{index}@mail.example" if rng.random() < 0.3 else "",
            language="en" if english else "zh-hans",
            city=city,
            imei=make_imei(rng) if with_device else "",
            device_model=rng.choice(MODELS) if with_device else "",
            purchase_date=(at - timedelta(days=rng.randrange(20, 900))).date() if with_device else None,
            lat=location[0] if location else None,
            lon=location[1] if location else None,
        )
        with clock.travel_to(at):
            result = complaint_submit(
                actor=_actor_for(submission.channel, agents, rng), submission=submission
            )
        created += int(result.created)
        _advance(result.complaint, at=at, age=clock.now() - at, staff=staff, rng=rng, ratings=ratings)
    return created


LOCATED_CHANNELS = frozenset({"app", "web", "wechat"})


def _city_centres() -> dict[str, tuple[float, float]]:
    """The demo cities' centres by short name (北京, 深圳), from the demo network's city table."""
    return {c["city"].removesuffix("市"): (c["lat"], c["lon"]) for c in city_table()}


def _near(city: str, rng: random.Random) -> tuple[float, float] | None:
    """A point within a few kilometres of the city's centre, or None for a city without outlets."""
    centre = _city_centres().get(city)
    if centre is None:
        return None
    return (round(centre[0] + rng.uniform(-0.05, 0.05), 5), round(centre[1] + rng.uniform(-0.05, 0.05), 5))


def dispatch_waiting(*, staff: dict[str, User], within: timedelta = timedelta(days=3)) -> int:
    """An agent dispatches the recent open complaints that need an outlet and wait for one (those
    filed without a location: calls, e-mails) to the best outlet near the customer's city.

    Returns how many were dispatched. Complaints of a city without demo outlets stay waiting.
    """
    from aftersales.network.services import Location, complaint_dispatch

    pack = current_pack()
    policy = pack.network.dispatch
    centres = _city_centres()
    agent = staff_actor(staff["agent1"])
    waiting = Complaint.objects.filter(
        is_open=True,
        created_at__gte=clock.now() - within,
        category__in=sorted(policy.categories),
        level__in=sorted(policy.automatic_levels),
        dispatched_at__isnull=True,
    ).exclude(team=pack.triage_team)
    dispatched = 0
    for complaint in waiting.order_by("created_at"):
        centre = centres.get(complaint.city.removesuffix("市"))
        if centre is None:
            continue
        try:
            complaint_dispatch(complaint=complaint, actor=agent, location=Location(*centre))
        except DomainError:
            continue
        dispatched += 1
    return dispatched


def _actor_for(channel: str, agents: list[User], rng: random.Random):  # type: ignore[no-untyped-def]
    from aftersales.accounts.actors import ANONYMOUS

    # Calls are logged by the agent who answers them; other channels arrive on their own.
    return staff_actor(rng.choice(agents)) if channel == "hotline" else ANONYMOUS


def _advance(complaint, *, at, age, staff, rng: random.Random, ratings: random.Random) -> None:  # type: ignore[no-untyped-def]
    """Play out the complaint's life up to today, as far as its age allows; `ratings` decides
    whether and how the customer rates it once resolved."""
    worker = staff_actor(staff["tech1"] if complaint.level == "L2" else staff["agent1"])
    if complaint.level == "L3":
        worker = staff_actor(staff["expert1"])
    steps: list[tuple[timedelta, str, str]] = []
    if age > timedelta(hours=2) and rng.random() < 0.9:
        steps.append((timedelta(minutes=rng.randrange(5, 90)), "start_processing", ""))
        if rng.random() < 0.15:
            steps.append((timedelta(hours=rng.randrange(2, 20)), "wait_for_customer", "等待客户提供购买凭证"))
            steps.append((timedelta(hours=rng.randrange(21, 30)), "resume", ""))
        if age > timedelta(days=2) and rng.random() < 0.8:
            resolved_after = timedelta(hours=rng.randrange(30, 110))
            steps.append((resolved_after, "resolve", "已在网点完成检测并更换配件"))
            if ratings.random() < RATED_SHARE:
                steps.append((resolved_after + timedelta(hours=ratings.randrange(1, 72)), "rate", ""))
        elif rng.random() < 0.05:
            steps.append((timedelta(hours=rng.randrange(5, 40)), "close", "客户撤回投诉"))
    if complaint.dispatched_at is not None and age > timedelta(hours=6):
        # The outlet inspects the device within a day or so (by its own staff in the demo's Beijing outlet).
        inspector = staff.get("outlet-tech1") if complaint.team == staff["outlet-tech1"].team else None
        steps.append((timedelta(hours=rng.randrange(3, 30)), "inspect", ""))
        steps.sort(key=lambda step: step[0])
    else:
        inspector = None
    for offset, action, reason in steps:
        moment = at + offset
        if moment >= clock.now():
            break
        with clock.travel_to(moment):
            if action == "rate":
                _rate(complaint, ratings)
                continue
            if action == "inspect":
                # Not while the complaint waits on the customer: then the inspection is skipped.
                with contextlib.suppress(DomainError):
                    complaint_services.complaint_record_inspection(
                        actor=staff_actor(inspector or staff["tech1"]),
                        complaint=complaint,
                        findings=rng.choice(INSPECTION_FINDINGS),
                    )
                continue
            try:
                if action == "start_processing":
                    complaint_services.complaint_reply(
                        actor=worker, complaint=complaint, body="您好,我们已收到您的问题,正在处理。"
                    )
                complaint = complaint_services.complaint_transition(
                    actor=worker, complaint=complaint, action=action, reason=reason
                )
            except DomainError:
                break


def _rate(complaint: Complaint, ratings: random.Random) -> None:
    """The customer rates the resolved complaint through its tracking link, as the page does."""
    from aftersales.accounts.actors import tracking_actor

    score = ratings.choices(list(SCORE_WEIGHTS), list(SCORE_WEIGHTS.values()))[0]
    customer = tracking_actor(customer_id=complaint.customer_id, complaint_id=complaint.pk)
    # Not when it was reopened or closed meanwhile: then there is nothing to rate.
    with contextlib.suppress(DomainError):
        complaint_services.complaint_record_satisfaction(
            actor=customer, complaint=complaint, score=score, comment=ratings.choice(RATING_COMMENTS)
        )


def seed_demo(*, count: int) -> dict[str, str]:
    from aftersales.notifications.services import notifications_suppressed

    staff = seed_staff()
    seed_outlets()
    # History is laid down, not lived: nobody is notified about complaints of last month.
    with notifications_suppressed():
        seed_complaints(count=count, staff=staff)
        dispatch_waiting(staff=staff)
        seed_repairs(count=max(0, min(REPAIRS, count // 10)), staff=staff)
        seed_calls(count=max(4, min(CALLS, count // 50)), staff=staff)
        complaint_services.complaint_sweep_deadlines(batch=100_000)
    # The dashboard's figures of every day and the outlet KPI reports, so that the desk's
    # dashboard shows the whole demo at once (else they wait for the scheduler).
    complaint_figures_refresh(days=None)
    outlet_kpi_report_due()
    return {"agent1": api_token_create(user=staff["agent1"], name="demo")}
