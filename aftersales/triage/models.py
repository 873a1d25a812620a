from django.conf import settings
from django.db import models


class TriageCorrection(models.Model):
    """An agent's correction of a pre-diagnosed category: training data for the next model."""

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="triage_corrections"
    )
    # The text is the customer's message, referenced so that erasing it also drops it from training.
    message = models.ForeignKey("complaints.Message", on_delete=models.CASCADE)
    predicted_category = models.CharField(max_length=32)
    corrected_category = models.CharField(max_length=32)
    model_version = models.CharField(max_length=40)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField()
