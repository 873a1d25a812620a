from django.core.management.base import BaseCommand

from aftersales.complaints.services import complaint_sweep_deadlines


class Command(BaseCommand):
    help = "Act on passed service-level deadlines once (what Celery beat runs every minute)."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"acted on {complaint_sweep_deadlines()} complaints")
