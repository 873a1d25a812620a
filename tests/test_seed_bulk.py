"""The benchmark seed's SQL copies: each copied search document carries its own id range,
so that the search's newest-ranges-first reading finds the copies (complaints.search)."""

import pytest
from django.db import connection

from aftersales.complaints.search import INDEX_TABLE

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="bulk_copy is PostgreSQL SQL"),
]


def id_ranges() -> dict[int, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT complaint_id, array(SELECT lexeme FROM unnest(terms) WHERE lexeme LIKE 'id:%%' "
            f"ORDER BY 1) FROM {INDEX_TABLE}"
        )
        return dict(cursor.fetchall())


def test_every_copied_document_names_the_id_range_of_its_own_complaint(monkeypatch):  # type: ignore[no-untyped-def]
    from bench import seed_bulk

    seed_bulk.bulk_seed(complaints=12, days=30, copies=0, detail_first=False)
    originals = id_ranges()
    top = max(originals)
    # Ranges of 5 ids, so that the copies (ids top+1 .. 3*top) fall in ranges of their own.
    monkeypatch.setattr(seed_bulk, "ID_RANGE", 5)
    seed_bulk.bulk_copy(copies=2)
    copied = {pk: terms for pk, terms in id_ranges().items() if pk > top}
    assert len(copied) == 2 * len(originals)
    assert copied == {pk: [f"id:{pk // 5}"] for pk in copied}
