import secrets

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from aftersales.accounts.actors import ANONYMOUS
from aftersales.common.client_address import client_address
from aftersales.common.errors import Conflict, ValidationFailed
from aftersales.common.messages import message_text
from aftersales.common.pages import page_language, public_page
from aftersales.intake.forms import ComplaintForm
from aftersales.intake.services import complaint_submit
from aftersales.intake.submission import Submission


@public_page
def submit_page(request: HttpRequest) -> HttpResponse:
    """The public complaint form; on success, straight to the complaint's tracking page."""
    form = ComplaintForm(request.POST or None, initial={"language": page_language()})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "") or k == "text"}
        key = data.pop("submission_key", "")
        try:
            result = complaint_submit(
                actor=ANONYMOUS,
                submission=Submission(channel="web", **data),
                idempotency_key=f"web-form:{key}" if key else "",
                client_address=client_address(request),
            )
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
