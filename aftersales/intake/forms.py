import secrets

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aftersales.intake.submission import FIELD_LIMITS

StrOrPromise = str | Promise


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django's documented pattern); judged by the intake service."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ATTACHMENT_ACCEPT}))
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self, data: object, initial: object = None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


# What the browser offers to pick; the bytes decide (intake.attachments.judging).
ATTACHMENT_ACCEPT = (
    "image/jpeg,image/png,image/heic,image/heif,image/webp,video/mp4,video/quicktime,.heic,.mov"
)


class ComplaintForm(forms.Form):
    """The public web form. Validation of substance is the intake service's; this only shapes input.

    Lengths come from intake's one table (submission.FIELD_LIMITS) so the browser stops
    at the same limit the service enforces. `submission_key` is drawn when the form is
    shown and sent with it: a double click or a browser retry sends the same key, and the
    intake service answers the second like the first (its Idempotency-Key).

    The page shows the fields in `SECTIONS` (one card each, in order); a field in no section
    is shown in a last card, so a new field appears without touching the template.
    """

    SECTIONS: tuple[tuple[str, StrOrPromise, tuple[str, ...]], ...] = (
        ("problem", _("What is wrong?"), ("text", "attachments")),
        ("device", _("Your device"), ("imei", "device_model", "purchase_date", "purchase_channel")),
        ("place", _("Where are you?"), ("city", "lat", "lon")),
        ("contact", _("How we reach you"), ("name", "phone", "email", "language")),
    )

    text = forms.CharField(
        label=_("Describe the problem"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("What happens, since when, and what you already tried."),
    )
    name = forms.CharField(
        label=_("Name"), required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        help_text=_("A mobile number gets text updates and can sign in to follow the complaint."),
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.CharField(
        label=_("E-mail"),
        required=False,
        widget=forms.TextInput(attrs={"type": "email", "inputmode": "email", "autocomplete": "email"}),
    )
    imei = forms.CharField(
        label=_("IMEI"),
        required=False,
        help_text=_("Dial *#06# to see it, or find it on the box."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    device_model = forms.CharField(label=_("Model"), required=False)
    purchase_date = forms.DateField(
        label=_("Purchase date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    purchase_channel = forms.CharField(label=_("Where you bought it"), required=False)
    city = forms.CharField(
        label=_("City"),
        required=False,
        help_text=_("With your city, or your location, we send your complaint to a service outlet near you."),
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    # From the browser's "use my location" (both or neither; used once to find an outlet, never stored).
    lat = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)
    language = forms.ChoiceField(
        label=_("Language for our replies"), choices=[("zh-hans", "简体中文"), ("en", "English")]
    )
    attachments = MultipleFileField(label=_("Photos or the unboxing video (several at once)"), required=False)
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name, limit in FIELD_LIMITS.items():
            if name in self.fields:
                self.fields[name].widget.attrs["maxlength"] = str(limit)
        if not self.is_bound:
            self.initial["submission_key"] = secrets.token_urlsafe(24)

    def sections(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        """(name, heading, visible fields) per card, the fields of no section last."""
        placed = {name for _, _, names in self.SECTIONS for name in names}
        cards = [
            (
                key,
                str(heading),
                [self[name] for name in names if name in self.fields and not self[name].is_hidden],
            )
            for key, heading, names in self.SECTIONS
        ]
        rest = [field for field in self.visible_fields() if field.name not in placed]
        if rest:
            cards.append(("more", str(_("More")), rest))
        return cards
