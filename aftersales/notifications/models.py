from django.db import models


class Notification(models.Model):
    """A message the platform sent (or will send) to a staff member or a customer."""

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "SMS"
        IN_APP = "in_app", "In app"

    recipient = models.CharField(max_length=40)  # "staff:3", "customer:9", "team:agents"
    channel = models.CharField(max_length=8, choices=Channel.choices)
    complaint_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    reason = models.CharField(max_length=40)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
