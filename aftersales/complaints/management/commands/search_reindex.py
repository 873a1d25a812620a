from argparse import ArgumentParser

from django.core.management.base import BaseCommand
from django.db import transaction

from aftersales.complaints.models import Complaint
from aftersales.complaints.search import search_index_missing, search_index_refresh

BATCH = 2000


class Command(BaseCommand):
    help = (
        "Index the complaints the search index lacks (after an erasure dropped their documents), "
        "or with --all rebuild every document."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--all", action="store_true", help="rebuild every complaint's document")

    def handle(self, *args: object, **options: object) -> None:
        done = 0
        if options["all"]:
            ids = list(Complaint.objects.order_by("pk").values_list("pk", flat=True))
            batches = [ids[start : start + BATCH] for start in range(0, len(ids), BATCH)]
            for batch in batches:
                with transaction.atomic():
                    search_index_refresh(complaint_ids=batch)
                done += len(batch)
        else:
            previous: list[int] = []
            while (missing := search_index_missing(limit=BATCH)) and missing != previous:
                previous = missing
                with transaction.atomic():
                    search_index_refresh(complaint_ids=missing)
                done += len(missing)
        self.stdout.write(f"indexed {done} complaints")
