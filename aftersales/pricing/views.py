"""The public price page (no sign-in): a model's repair prices and trade-in prices in force today."""

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from aftersales.common import clock
from aftersales.common.pages import bounded_query, public_page
from aftersales.pricing.selectors import models_with_prices, prices_public, trade_in_public

# Every parts.models.Component in words (a test checks none is missing).
COMPONENTS = {
    "screen": _("Screen"),
    "battery": _("Battery"),
    "camera": _("Camera"),
    "speaker": _("Speaker"),
    "microphone": _("Microphone"),
    "charging_port": _("Charging port"),
    "mainboard": _("Mainboard"),
    "antenna": _("Antenna"),
    "back_cover": _("Back cover"),
}
CONDITIONS = {
    "like_new": _("Like new"),
    "good": _("Good"),
    "fair": _("Fair"),
    "poor": _("Poor"),
}


class ModelForm(forms.Form):
    model = forms.ChoiceField(
        label=_("Device model"), error_messages={"invalid_choice": _("Choose a model from the list.")}
    )

    def __init__(self, *args: Any, models: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = models  # type: ignore[attr-defined]


@require_GET
@public_page
def prices_page(request: HttpRequest) -> HttpResponse:
    """The chosen model's (else the first model's) repair price list per part and its trade-in table."""
    today = clock.localdate(clock.now())
    models = models_with_prices(on=today)
    asked = "model" in request.GET
    form = ModelForm(bounded_query(request.GET) if asked else None, models=models)
    code = (
        form.cleaned_data["model"]
        if asked and form.is_valid()
        else (models[0][0] if models and not asked else None)
    )
    repairs: list[dict[str, Any]] = []
    trade_in: list[dict[str, Any]] = []
    if code is not None:
        repairs = [
            {**row, "component_text": COMPONENTS.get(row["component"], row["component"])}
            for row in prices_public(model_code=code, on=today)
        ]
        trade_in = [
            {**row, "condition_text": CONDITIONS.get(row["condition"], row["condition"])}
            for row in trade_in_public(model_code=code, condition=None, on=today)
        ]
    return render(
        request,
        "pricing/prices.html",
        {
            "page": "prices",
            "form": form,
            "model": dict(models).get(code or ""),
            "today": today,
            "repairs": repairs,
            "trade_in": trade_in,
        },
        status=422 if form.errors else 200,
    )
