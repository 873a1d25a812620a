import json

from django import forms
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from bench.bare.models import Entry


class EntryForm(forms.Form):
    channel = forms.CharField(max_length=16)
    text = forms.CharField(max_length=2000)
    phone = forms.CharField(max_length=40)
    name = forms.CharField(max_length=100, required=False)
    city = forms.CharField(max_length=100, required=False)


@require_POST
def entry_create(request: HttpRequest) -> HttpResponse:
    """Parse the JSON body, validate it with a form, insert one row, answer 201 with its id."""
    try:
        body = json.loads(request.body)
    except ValueError:
        return JsonResponse({"error": "body is not JSON"}, status=400)
    form = EntryForm(body if isinstance(body, dict) else {})
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=422)
    entry = Entry.objects.create(**form.cleaned_data, created_at=timezone.now())
    return JsonResponse({"id": entry.pk}, status=201)


def ready(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("api/v1/complaints", entry_create), path("api/v1/policy", ready)]
