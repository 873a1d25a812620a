from argparse import ArgumentParser

from django.core.management.base import BaseCommand

from aftersales.reporting.daily import RECENT_DAYS, complaint_figures_refresh


class Command(BaseCommand):
    help = (
        "Recompute the manager dashboard's complaint figures of the recent days, or with --all of "
        "every day since the first complaint (after an import or a restore)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--days", type=int, default=RECENT_DAYS, help="local days up to today")
        parser.add_argument("--all", action="store_true", help="every day since the first complaint")

    def handle(self, *args: object, **options: object) -> None:
        days = None if options["all"] else int(options["days"])  # type: ignore[call-overload]
        refreshed = complaint_figures_refresh(days=days)
        self.stdout.write(f"{refreshed} days of complaint figures refreshed")
