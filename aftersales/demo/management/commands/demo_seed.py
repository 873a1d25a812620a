from django.conf import settings
from django.core.management.base import BaseCommand

from aftersales.accounts.roles import Role
from aftersales.common import clock
from aftersales.complaints.models import Complaint
from aftersales.demo.calls import demo_call_centre, demo_call_curl
from aftersales.demo.outlets import seed_outlets
from aftersales.demo.seed import DEMO_PASSWORD, STAFF, seed_demo
from aftersales.network.models import Outlet


class Command(BaseCommand):
    help = "Load the demo data set (staff of every role, a few thousand complaints) unless already loaded."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--complaints", type=int, default=3000)

    def handle(self, *args: object, complaints: int, **options: object) -> None:
        if Complaint.objects.exists():
            if not Outlet.objects.exists():
                self.stdout.write(f"loaded {seed_outlets()} outlets")
            self.stdout.write("demo data already loaded")
            self._where_to_sign_in()
            return
        tokens = seed_demo(count=complaints)
        self.stdout.write(
            f"loaded {Complaint.objects.count()} complaints and {Outlet.objects.count()} outlets"
        )
        self._where_to_sign_in()
        self.stdout.write(f"API token for agent1: {tokens['agent1']}")

    def _where_to_sign_in(self) -> None:
        base = "http://127.0.0.1:8000"
        self.stdout.write("where each role signs in (add ?lang=en to any page for English):")
        self.stdout.write(
            f"  customers       {base}/ to complain, {base}/signin/ by phone (the code is printed on this "
            f"console), then {base}/my/"
        )
        self.stdout.write(
            f"  staff           {base}/desk/ (queues and complaints; outlet staff: {base}/desk/outlet/)"
        )
        self.stdout.write(
            f"  managers        {base}/desk/reports/ (HQ experts, outlet managers, administrators)"
        )
        self.stdout.write(f"  administrators  {base}/admin/ (reply templates, outbox, settings data)")
        self._call_centre(base)
        self.stdout.write(f"demo staff, all with password {DEMO_PASSWORD}:")
        for username, role, team in STAFF:
            self.stdout.write(f"  {username:14} {Role(role).label:34} {team}")

    def _call_centre(self, base: str) -> None:
        centre = demo_call_centre()
        if centre is None:
            configured = ", ".join(sorted(settings.HOTLINE_SYSTEMS)) or "none (AFTERSALES_HOTLINE_SYSTEMS)"
            self.stdout.write(
                f"  call centre     {base}/api/v1/channels/hotline/calls; systems: {configured}"
            )
            return
        system, secret = centre
        self.stdout.write(
            f"  call centre     {base}/api/v1/channels/hotline/calls as system {system}, "
            f"secret {secret} (docs/channels.md); push a call with:"
        )
        self.stdout.write("    " + demo_call_curl(base=base, system=system, secret=secret, now=clock.now()))
