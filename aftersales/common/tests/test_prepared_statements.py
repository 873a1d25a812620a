"""PostgreSQL: a statement the platform runs again on a connection is prepared on the server
(config/settings.py, DB_PREPARED_STATEMENTS), so its parse and plan are paid once."""

import pytest
from django.db import connection

from aftersales.complaints.models import Complaint

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="prepared statements are PostgreSQL's"),
]


def prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [row[0] for row in cursor.fetchall()]


def test_an_orm_read_run_again_is_prepared_with_its_values_as_parameters():  # type: ignore[no-untyped-def]
    for number in ("OP-20261201-00001-8", "OP-20261201-00002-6", "OP-20261201-00003-4"):
        assert not Complaint.objects.filter(number=number).exists()
    statements = [s for s in prepared() if "complaints_complaint" in s and '"number" = $2' in s]
    assert len(statements) == 1, prepared()
