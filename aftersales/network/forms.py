"""The public finder page's forms.

Where the customer is comes from one place, `FinderForm.customer_point`: the browser's
coordinates (`lat`, `lon`, filled by "use my location"), else the typed `address` resolved
offline (network.address.address_resolve, the chosen city as its hint) to its district's seat.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aftersales.common.messages import message_text
from aftersales.network.address import address_resolve
from aftersales.network.selectors import MAX_QUERY_LENGTH, FinderQuery
from aftersales.policy.pack import current_pack


class FinderForm(forms.Form):
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    address = forms.CharField(label=_("Address"), required=False, max_length=200, strip=True)
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
        self.language = language
        self.resolved_point: tuple[float, float] | None = None
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
        if data.get("address") and data.get("lat") is None:
            self._resolve_address(data)
        return data

    def _resolve_address(self, data: dict[str, Any]) -> None:
        """Search around the typed address; the chosen city only tells its readings apart."""
        city_hint = data.get("city") or None
        found = address_resolve(address=data["address"], city_hint=city_hint)
        if found.resolved and found.lat is not None and found.lon is not None:
            self.resolved_point = (found.lat, found.lon)
            data["city"] = ""  # near the address, not the city's best three
            return
        if found.ambiguous:
            places = "、".join(
                "".join(dict.fromkeys(p for p in (c["province"], c["city"], c["district"]) if p))
                for c in found.candidates
            )
            self.add_error("address", message_text("address_ambiguous", self.language, candidates=places))
        elif found.reason == "address_only_province":
            self.add_error(
                "address", message_text("address_only_province", self.language, province=found.province)
            )
        else:
            self.add_error("address", message_text(found.reason or "address_no_place", self.language))

    def customer_point(self) -> tuple[float, float] | None:
        """Where the customer is (WGS-84 degrees), or None: the one place a resolved address joins."""
        data = self.cleaned_data
        if data.get("lat") is not None and data.get("lon") is not None:
            return (data["lat"], data["lon"])
        return self.resolved_point

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
