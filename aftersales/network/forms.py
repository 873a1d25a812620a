"""The public finder page's forms.

Where the customer is comes from one place, `FinderForm.customer_point`: today the browser's
coordinates (`lat`, `lon`, filled by "use my location"); an `address` field resolved to
coordinates is added there and in the form's fields, nowhere else.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.network.selectors import MAX_QUERY_LENGTH, FinderQuery
from aftersales.policy.pack import current_pack


class FinderForm(forms.Form):
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    city = forms.ChoiceField(
        label=_("City"), required=False, error_messages={"invalid_choice": _("Choose a city from the list.")}
    )
    open_now = forms.BooleanField(label=_("Open now"), required=False)
    speciality = forms.ChoiceField(
        label=_("Speciality"),
        required=False,
        error_messages={"invalid_choice": _("Choose a speciality from the list.")},
    )
    max_wait = forms.IntegerField(
        label=_("Longest wait (minutes)"), required=False, min_value=0, max_value=10_000
    )

    def __init__(self, *args: Any, cities: list[tuple[str, str]], language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pack = current_pack()
        self.fields["city"].choices = [("", _("Near me")), *cities]  # type: ignore[attr-defined]
        self.fields["speciality"].choices = [  # type: ignore[attr-defined]
            ("", _("Any")),
            *((code, pack.label(s.labels, language)) for code, s in pack.network.specialities.items()),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lat") is None) != (data.get("lon") is None):
            raise forms.ValidationError(_("Your location was incomplete; try again."))
        return data

    def customer_point(self) -> tuple[float, float] | None:
        """Where the customer is (WGS-84 degrees), or None: the one place a resolved address joins."""
        data = self.cleaned_data
        if data.get("lat") is not None and data.get("lon") is not None:
            return (data["lat"], data["lon"])
        return None

    def finder_query(self) -> FinderQuery:
        data = self.cleaned_data
        point = self.customer_point()
        return FinderQuery(
            lat=point[0] if point else None,
            lon=point[1] if point else None,
            city=data.get("city") or None,
            open_now=bool(data.get("open_now")),
            speciality=data.get("speciality") or None,
            max_wait_minutes=data.get("max_wait"),
        )


class VerifyForm(forms.Form):
    q = forms.CharField(
        label=_("Shop name, phone number or unified social credit code"),
        max_length=MAX_QUERY_LENGTH,
        strip=True,
    )
