"""Prepared reads give what their queryset gives, statement built once; what they cannot send as
given is refused when the statement is built. Alice is central staff; the complaints are hers to read."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.common.prepared import PreparedRead
from aftersales.common.schemas import DictSchema
from aftersales.complaints.models import Complaint, TimelineEvent
from aftersales.complaints.tests.factories import submit_complaint

pytestmark = pytest.mark.django_db

COMPLAINT_BY_NUMBER = PreparedRead(
    lambda number: Complaint.objects.select_related("customer", "device", "owner").filter(number=number)[:1],
    number=str,
)
EVENTS_OF = PreparedRead(
    lambda complaint_id: (
        TimelineEvent.objects.filter(complaint_id=complaint_id)
        .exclude(kind=TimelineEvent.Kind.NOTE)
        .order_by("seq")
        .values("seq", "kind", "at", "payload", "message__body")
    ),
    complaint_id=int,
)


def test_it_reads_the_instances_and_relations_the_queryset_reads_in_one_statement():  # type: ignore[no-untyped-def]
    complaint = submit_complaint()
    expected = Complaint.objects.select_related("customer", "device", "owner").get(number=complaint.number)
    with CaptureQueriesContext(connection) as queries:
        (found,) = COMPLAINT_BY_NUMBER(number=complaint.number)
        customer, device, owner = found.customer, found.device, found.owner
    assert len(queries.captured_queries) == 1
    assert [getattr(found, f.attname) for f in Complaint._meta.concrete_fields] == [
        getattr(expected, f.attname) for f in Complaint._meta.concrete_fields
    ]
    assert (customer.phone, device.imei, owner) == (expected.customer.phone, expected.device.imei, None)
    assert COMPLAINT_BY_NUMBER(number="OP-00000000-00000-0") == []


def test_it_reads_values_with_their_converters_and_keeps_the_querys_constants():  # type: ignore[no-untyped-def]
    complaint = submit_complaint()
    columns = ("seq", "kind", "at", "payload", "message__body")
    expected = list(
        TimelineEvent.objects.filter(complaint_id=complaint.pk)
        .exclude(kind=TimelineEvent.Kind.NOTE)
        .order_by("seq")
        .values(*columns)
    )
    rows = EVENTS_OF(complaint_id=complaint.pk)
    assert rows == expected and len(rows) >= 2
    assert isinstance(rows[0]["payload"], dict)


def test_it_refuses_arguments_it_could_not_send_as_given():  # type: ignore[no-untyped-def]
    like = PreparedRead(lambda number: Complaint.objects.filter(number__icontains=number), number=str)
    with pytest.raises(TypeError, match="not found as given"):
        like(number="OP")
    with pytest.raises(TypeError, match="not supported"):
        PreparedRead(lambda at: Complaint.objects.filter(created_at=at), at=float)(at=1.0)
    with pytest.raises(TypeError, match="int given"):
        COMPLAINT_BY_NUMBER(number=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="takes"):
        COMPLAINT_BY_NUMBER(code="x")


class Reading(DictSchema):
    seq: int
    body: str | None = None


def test_a_dict_schema_validates_a_dict_as_the_schema_says_and_refuses_what_it_refuses():  # type: ignore[no-untyped-def]
    from pydantic import ValidationError

    assert Reading.model_validate({"seq": 3, "extra": "dropped"}).model_dump() == {"seq": 3, "body": None}
    with pytest.raises(ValidationError):
        Reading.model_validate({"seq": "three"})

    class Row:  # anything else is read through Ninja's getter, as before
        seq = 4
        body = "hello"

    assert Reading.model_validate(Row()).model_dump() == {"seq": 4, "body": "hello"}


def test_a_dict_schema_with_a_resolver_still_resolves_a_dict():  # type: ignore[no-untyped-def]
    class Resolved(DictSchema):
        seq: int

        @staticmethod
        def resolve_seq(obj):  # type: ignore[no-untyped-def]
            return 7

    assert Resolved.model_validate({"seq": 1}).seq == 7
