"""The workspace's own rows: saved queue filters, reply templates (macros) and who has a complaint open.

None of them holds a customer's personal data: filters keep query parameters from a fixed set
(desk.filters), macros keep placeholders that are filled from the complaint when used
(desk.macros), presence rows reference a complaint and a staff member by id.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class SavedFilter(models.Model):
    """A queue and its narrowing (category, state, priority, channel) saved under a name.

    Personal when `team` is empty; shared with every member of `team` otherwise (only staff
    who may share filters create those: desk.services.saved_filter_create).
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=60)
    # {"queue": "team", "category": "screen", ...}: only the keys of desk.filters.FILTER_KEYS.
    query = models.JSONField(default=dict)
    team = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "已保存的筛选 Saved filter"
        verbose_name_plural = "已保存的筛选 Saved filters"
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"], condition=Q(team=""), name="saved_filter_personal_name_unique"
            ),
            models.UniqueConstraint(
                fields=["team", "name"], condition=~Q(team=""), name="saved_filter_team_name_unique"
            ),
        ]
        # The sidebar: a staff member's own filters and their team's (saved_filters_for).
        indexes = [
            models.Index(fields=["owner", "name"], name="saved_filter_owner_idx"),
            models.Index(fields=["team", "name"], name="saved_filter_team_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Macro(models.Model):
    """A reply template in one language, kept by administrators in Django admin.

    `body` may name placeholders in braces ({customer_name}, {complaint_number}, {deadline},
    {outlet}; desk.macros.PLACEHOLDERS); they are filled from the complaint when an agent picks
    the macro, so the template never holds a customer's data.
    """

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", "简体中文 Simplified Chinese"
        EN = "en", "English"

    name = models.CharField(max_length=80)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ZH_HANS)
    body = models.TextField()
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "回复模板 Reply template"
        verbose_name_plural = "回复模板 Reply templates"
        constraints = [
            models.UniqueConstraint(fields=["name", "language"], name="macro_name_language_unique"),
        ]
        ordering = ["name", "language"]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class ComplaintPresence(models.Model):
    """A staff member had the complaint page open at `seen_at` (refreshed by the page's polling).

    One row per complaint and staff member; rows older than desk.presence.PRESENCE_WINDOW count
    as gone and are deleted by the next write on that complaint.
    """

    class Activity(models.TextChoices):
        VIEWING = "viewing", "查看 Viewing"
        REPLYING = "replying", "回复 Replying"

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    activity = models.CharField(max_length=8, choices=Activity.choices, default=Activity.VIEWING)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["complaint", "user"], name="presence_complaint_user_unique"),
        ]
