"""Staff work complaints here until the agent workspace exists. Actions call the services."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from aftersales.accounts.actors import staff_actor
from aftersales.common.errors import DomainError
from aftersales.common.language import request_language
from aftersales.common.messages import message_text
from aftersales.complaints import services
from aftersales.complaints.models import Complaint, Message, TimelineEvent
from aftersales.complaints.selectors import QUEUE_ORDER, narrow_to_staff_view


class TimelineInline(admin.TabularInline):
    model = TimelineEvent
    fields = ("seq", "kind", "at", "actor", "payload")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class MessageInline(admin.TabularInline):
    model = Message
    fields = ("direction", "channel", "body", "author", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def _workflow_action(action: str, label: str):  # type: ignore[no-untyped-def]
    def run(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Complaint]) -> None:
        actor = staff_actor(request.user)  # type: ignore[arg-type]
        language = request_language(request)
        moved = 0
        for complaint in queryset.order_by("pk"):
            try:
                services.complaint_transition(
                    actor=actor, complaint=complaint, action=action, reason=f"admin: {label}"
                )
                moved += 1
            except DomainError as error:
                text = message_text(error.code, language, **error.params)
                modeladmin.message_user(request, f"{complaint.number}: {text}", messages.ERROR)
        if moved:
            text = message_text("workflow_action_done", language, count=moved, action=label)
            modeladmin.message_user(request, text, messages.SUCCESS)

    run.__name__ = f"action_{action}"
    return admin.action(description=label)(run)


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "state",
        "level",
        "priority",
        "category",
        "team",
        "owner",
        "earliest_due_at",
        "channel",
    )
    list_filter = ("state", "level", "priority", "team", "channel", "category")
    search_fields = ("number",)
    # Open complaints as in the work queues (most overdue first, paused last), then the finished ones.
    ordering = ("-is_open", *QUEUE_ORDER)  # type: ignore[assignment]  # Django takes expressions here
    list_select_related = ("owner",)
    show_full_result_count = False
    inlines = [MessageInline, TimelineInline]
    actions = [
        _workflow_action("start_processing", "开始处理 Start processing"),
        _workflow_action("wait_for_customer", "等待客户 Wait for customer"),
        _workflow_action("resume", "恢复处理 Resume"),
        _workflow_action("escalate", "升级 Escalate"),
        _workflow_action("resolve", "解决 Resolve"),
        _workflow_action("reopen", "重开 Reopen"),
        _workflow_action("close", "关闭 Close without resolution"),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Complaint]:
        # The same visibility as the API: outlet staff see their own outlet's complaints.
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return narrow_to_staff_view(staff_actor(request.user), queryset, through="pk")  # type: ignore[arg-type]

    def get_readonly_fields(self, request: HttpRequest, obj: Complaint | None = None) -> list[str]:
        # Every change goes through a service so that it lands on the timeline.
        return [field.name for field in Complaint._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Complaint | None = None) -> bool:
        return False
