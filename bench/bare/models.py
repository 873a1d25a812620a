from django.db import models


class Entry(models.Model):
    """One submitted complaint text, stored as it came: the bare floor's one row."""

    channel = models.CharField(max_length=16)
    text = models.TextField()
    phone = models.CharField(max_length=40)
    name = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
