from django.db import models


def fill_missing(instance: models.Model, values: dict[str, object]) -> list[str]:
    """Set each given value on `instance` where the field is still empty; return the fields changed.

    Used where a later contact tells us more about a known customer or device: what we
    already know is never overwritten by what a form says.
    """
    changed = []
    for field, value in values.items():
        if value and not getattr(instance, field):
            setattr(instance, field, value)
            changed.append(field)
    return changed


class RateLimitKey(models.Model):
    """One (scope, client) pair that has made limited requests: the row locked while a request for
    it is decided, so that simultaneous requests on any web worker are counted one at a time.

    `key` is `<scope>:<client hash>` (common/throttle.py).
    """

    key = models.CharField(max_length=120, unique=True)


class RateLimitHit(models.Model):
    """One request counted against a (scope, client) limit; rows older than the window are removed
    by the next request of the same key."""

    key = models.CharField(max_length=120)
    at = models.DateTimeField()

    class Meta:
        # A key's hits within the window, oldest first: the count and the wait (throttle_hit).
        indexes = [models.Index(fields=["key", "at"], name="rate_limit_hit_key_at")]
