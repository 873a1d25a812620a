from django.core.management.base import BaseCommand

from aftersales.complaints.models import Complaint
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
        self.stdout.write(
            "service desk for staff: http://127.0.0.1:8000/desk/ (add ?lang=en for English); "
            "administrators: http://127.0.0.1:8000/admin/"
        )
        self.stdout.write(f"demo staff, all with password {DEMO_PASSWORD}:")
        for username, role, team in STAFF:
            self.stdout.write(f"  {username:14} {role:18} {team}")
