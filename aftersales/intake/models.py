from django.db import models

from aftersales.complaints.models import Complaint


class IdempotencyKey(models.Model):
    """Remembers a client's Idempotency-Key so that a retried submission returns the first result.

    A key belongs to the caller that sent it (`scope`): a staff user, a signed-in customer, or an
    anonymous client address. The same key from another caller is another request, so a replay
    never hands one caller's answer (a tracking token) to another.
    """

    # `staff:<user id>`, `customer:<customer id>` or `client:<keyed hash of the address>`.
    scope = models.CharField(max_length=80, default="")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    complaint = models.ForeignKey(Complaint, null=True, on_delete=models.CASCADE)
    linked_to_existing = models.BooleanField(default=False)
    # What the first request was allowed to see, so that a replay answers the same.
    caller_may_see = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            # One first request per key and caller; a concurrent retry waits on it, then replays.
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_per_caller"),
        ]
