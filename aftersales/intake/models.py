from django.db import models

from aftersales.complaints.models import Complaint


class IdempotencyKey(models.Model):
    """Remembers a client's Idempotency-Key so that a retried submission returns the first result."""

    key = models.CharField(max_length=100, unique=True)
    request_hash = models.CharField(max_length=64)
    complaint = models.ForeignKey(Complaint, null=True, on_delete=models.CASCADE)
    linked_to_existing = models.BooleanField(default=False)
    # What the first request was allowed to see, so that a replay answers the same.
    caller_may_see = models.BooleanField(default=True)
    created_at = models.DateTimeField()
