import secrets

from django import forms

from aftersales.intake.submission import FIELD_LIMITS


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
    """

    text = forms.CharField(label="问题描述 Describe the problem", widget=forms.Textarea, required=False)
    name = forms.CharField(label="姓名 Name", required=False)
    phone = forms.CharField(
        label="联系电话 Phone (a mobile gets SMS updates and can sign in)", required=False
    )
    email = forms.CharField(label="电子邮箱 E-mail", required=False)
    imei = forms.CharField(label="IMEI(拨 *#06# 查看) IMEI (dial *#06#)", required=False)
    device_model = forms.CharField(label="机型 Model", required=False)
    purchase_date = forms.DateField(
        label="购买日期 Purchase date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    purchase_channel = forms.CharField(label="购买渠道 Where you bought it", required=False)
    city = forms.CharField(label="城市 City", required=False)
    language = forms.ChoiceField(label="语言 Language", choices=[("zh-hans", "简体中文"), ("en", "English")])
    attachments = MultipleFileField(
        label="照片或开箱视频(可多选)Photos or the unboxing video (several at once)", required=False
    )
    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name, limit in FIELD_LIMITS.items():
            if name in self.fields:
                self.fields[name].widget.attrs["maxlength"] = str(limit)
        if not self.is_bound:
            self.initial["submission_key"] = secrets.token_urlsafe(24)
