"""The prepared INSERTs intake writes a complaint with (common.sql) store what the ORM would.

Run on SQLite and on PostgreSQL (DATABASE_URL): the statements are the two dialects' common
subset, and each backend converts the values its own way.
"""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.forms.models import model_to_dict

from aftersales.accounts.models import Customer, CustomerIdentity
from aftersales.accounts.services import _customer_create, _identity
from aftersales.accounts.tests.factories import CustomerFactory
from aftersales.common import clock
from aftersales.common.sql import row_insert_unless_taken, rows_insert
from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.complaints.tests.factories import submit_complaint
from aftersales.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _stored(model, pk):  # type: ignore[no-untyped-def]
    """Every column of the row as read back from the database."""
    return model_to_dict(model.objects.get(pk=pk))


def test_a_complaint_inserted_prepared_reads_back_as_one_the_orm_saved():  # type: ignore[no-untyped-def]
    opened = submit_complaint(text="电池鼓包,充电时发烫", phone="+8613800138001")
    now = clock.now()
    columns = {
        field.attname: getattr(opened, field.attname)
        for field in Complaint._meta.concrete_fields
        if field.name not in ("id", "number")
    }
    by_orm = Complaint(**{**columns, "number": "T-1", "created_at": now})
    by_orm.save(force_insert=True)
    prepared = Complaint(**{**columns, "number": "T-2", "created_at": now})
    rows_insert([prepared])

    assert prepared.pk is not None and not prepared._state.adding
    stored_by_orm = _stored(Complaint, by_orm.pk)
    stored_prepared = _stored(Complaint, prepared.pk)
    for row in (stored_by_orm, stored_prepared):
        row.pop("id"), row.pop("number")
    assert stored_prepared == stored_by_orm
    # Aware datetimes, lists and dicts in JSON columns, booleans come back as they went in.
    assert stored_prepared["created_at"] == now
    assert stored_prepared["triage_reasons"] == opened.triage_reasons
    assert stored_prepared["is_open"] is True


def test_rows_insert_writes_several_rows_in_one_statement_with_their_keys_in_order():  # type: ignore[no-untyped-def]
    complaint = submit_complaint(phone="+8613800138002")
    at = clock.now()
    events = [
        TimelineEvent(
            complaint=complaint,
            seq=100 + i,
            kind="note",
            at=at + timedelta(seconds=i),
            actor="system",
            payload={"i": i},
        )
        for i in range(3)
    ]
    with _counting() as counted:
        rows_insert(events)
    assert counted == [1]
    assert [TimelineEvent.objects.get(pk=e.pk).payload for e in events] == [{"i": 0}, {"i": 1}, {"i": 2}]


def test_a_related_row_saved_after_it_was_assigned_gives_its_key():  # type: ignore[no-untyped-def]
    customer = Customer(name="Erin", language="en", created_at=clock.now())
    identity = CustomerIdentity(
        customer=customer, kind="email", value="erin@example.com", created_at=clock.now()
    )
    rows_insert([customer])
    rows_insert([identity])

    assert CustomerIdentity.objects.get(pk=identity.pk).customer_id == customer.pk


def test_a_taken_key_is_skipped_and_the_transaction_goes_on():  # type: ignore[no-untyped-def]
    complaint = submit_complaint(phone="+8613800138003")
    at = clock.now()

    def outbox_row() -> OutboxMessage:
        return OutboxMessage(
            key="once",
            channel="sms",
            recipient="customer:1",
            reason="acknowledgement",
            complaint_id=complaint.pk,
            next_attempt_at=at,
            created_at=at,
        )

    with transaction.atomic():
        first, second = outbox_row(), outbox_row()
        assert row_insert_unless_taken(first, unique=["key"]) is True
        assert row_insert_unless_taken(second, unique=["key"]) is False
        # On PostgreSQL a refused INSERT would have aborted the transaction: this read works.
        assert OutboxMessage.objects.filter(key="once").count() == 1
    assert second.pk is None


def test_a_refusal_other_than_the_unique_key_still_raises():  # type: ignore[no-untyped-def]
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        row_insert_unless_taken(
            CustomerIdentity(
                customer_id=999_999_999, kind="email", value="x@example.com", created_at=clock.now()
            )
        )
        # SQLite checks foreign keys at COMMIT: make it check now.
        connection.check_constraints(table_names=[CustomerIdentity._meta.db_table])


def test_the_phone_owner_read_finds_what_the_orm_finds():  # type: ignore[no-untyped-def]
    carol = CustomerFactory(phone="+8613800138004", name="Carol")
    found = _identity(CustomerIdentity.Kind.PHONE, "+8613800138004")

    expected = CustomerIdentity.objects.select_related("customer").get(kind="phone", value="+8613800138004")
    assert model_to_dict(found) == model_to_dict(expected)
    assert model_to_dict(found.customer) == model_to_dict(carol)
    assert found.customer.created_at == carol.created_at and found.customer.is_vip is False


def test_the_phone_owner_read_prefers_the_verified_identity_and_skips_erased_customers():  # type: ignore[no-untyped-def]
    at = clock.now()
    erased = CustomerFactory(phone=None, erased_at=at)
    claimed = CustomerFactory(phone=None)
    verified = CustomerFactory(phone=None)
    CustomerIdentity.objects.create(
        customer_id=erased.pk, kind="email", value="x@example.com", created_at=at - timedelta(days=3)
    )
    CustomerIdentity.objects.create(
        customer_id=claimed.pk, kind="email", value="x@example.com", created_at=at - timedelta(days=2)
    )
    CustomerIdentity.objects.create(
        customer_id=verified.pk,
        kind="email",
        value="x@example.com",
        created_at=at - timedelta(days=1),
        verified_at=at,
    )

    assert _identity(CustomerIdentity.Kind.EMAIL, "x@example.com").customer == verified
    CustomerIdentity.objects.filter(customer_id=verified.pk).delete()
    assert _identity(CustomerIdentity.Kind.EMAIL, "x@example.com").customer == claimed
    assert _identity(CustomerIdentity.Kind.EMAIL, "nobody@example.com") is None


def test_a_new_customer_whose_phone_was_taken_meanwhile_is_the_one_who_took_it():  # type: ignore[no-untyped-def]
    dave = CustomerFactory(phone="+8613900139005", name="Dave")
    customers = Customer.objects.count()

    with transaction.atomic():
        customer, created, identity = _customer_create(
            phone="+8613900139005", email=None, name="Someone", language="zh-hans", city="", at=clock.now()
        )
        assert Customer.objects.count() == customers  # the transaction is still usable

    assert (customer, created, identity) == (dave, False, None)


def test_a_new_customer_whose_phone_identity_is_someone_elses_is_not_left_behind():  # type: ignore[no-untyped-def]
    # Eve's phone is one of her identities but not her customer row's phone.
    eve = CustomerFactory(phone=None, name="Eve")
    CustomerIdentity.objects.create(
        customer_id=eve.pk, kind="phone", value="+8613900139006", created_at=clock.now()
    )
    customers = Customer.objects.count()

    with transaction.atomic():
        customer, created, identity = _customer_create(
            phone="+8613900139006", email=None, name="Someone", language="zh-hans", city="", at=clock.now()
        )

    assert (customer, created, identity) == (eve, False, None)
    assert Customer.objects.count() == customers


class _counting:
    """Counts the statements run inside the block (into a one-item list)."""

    def __enter__(self) -> list[int]:
        self.count = [0]
        self.wrapper = connection.execute_wrapper(self._count)
        self.wrapper.__enter__()
        return self.count

    def __exit__(self, *exc: object) -> None:
        self.wrapper.__exit__(*exc)

    def _count(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.count[0] += 1
        return execute(sql, params, many, context)
