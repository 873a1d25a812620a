import secrets

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from aftersales.accounts.actors import ANONYMOUS
from aftersales.common.client_address import client_address
from aftersales.common.errors import Conflict, ValidationFailed
from aftersales.common.messages import message_text
from aftersales.common.pages import page_language, public_page
from aftersales.intake.attachments.services import (
    attachments_attach,
    attachments_store_judged,
    attachments_upload_many,
)
from aftersales.intake.forms import ComplaintForm
from aftersales.intake.services import complaint_submit
from aftersales.intake.submission import Submission


@public_page
def submit_page(request: HttpRequest) -> HttpResponse:
    """The public complaint form; on success, straight to the complaint's tracking page."""
    form = ComplaintForm(request.POST or None, request.FILES or None, initial={"language": page_language()})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "") or k == "text"}
        key = data.pop("submission_key", "")
        files = request.FILES.getlist("attachments")
        data.pop("attachments", None)
        try:
            # The files are judged before anything is filed, and stored once it is.
            judged = attachments_upload_many(uploads=files)
            result = complaint_submit(
                actor=ANONYMOUS,
                submission=Submission(channel="web", **data),
                idempotency_key=f"web-form:{key}" if key else "",
                client_address=client_address(request),
            )
            if judged and not result.replayed:
                stored = attachments_store_judged(
                    actor=ANONYMOUS, uploads=files, judged=judged, channel="web"
                )
                attachments_attach(actor=ANONYMOUS, complaint=result.complaint, attachments=stored)
        except Conflict:
            # The same form sent again after an edit (Back, change, submit): a new submission.
            data = request.POST.copy()
            data["submission_key"] = secrets.token_urlsafe(24)
            form = ComplaintForm(data)
            form.is_valid()
            form.add_error(None, message_text("form_resubmitted", page_language()))
            return render(request, "intake/submit.html", {"form": form, "page": "submit"})
        except ValidationFailed as failure:
            language = page_language()
            for field, issue in failure.fields.items():
                form.add_error(
                    field if field in form.fields else None,
                    message_text(issue.code, language, **issue.params),
                )
        else:
            if not result.caller_may_see:
                # Joined someone's open complaint: say so, show nothing of it.
                return render(request, "intake/added.html", status=200)
            url = reverse("track", args=[result.complaint.number])
            return redirect(f"{url}?token={result.tracking_token}&new={int(result.created)}")
    return render(request, "intake/submit.html", {"form": form, "page": "submit"})
