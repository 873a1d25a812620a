"""Administrators keep the reply templates (macros) here; a template with an unknown placeholder is refused."""

from django import forms
from django.contrib import admin
from django.utils.translation import get_language

from aftersales.common.errors import ValidationFailed
from aftersales.common.messages import message_text
from aftersales.desk.macros import PLACEHOLDERS, macro_check
from aftersales.desk.models import Macro


class MacroForm(forms.ModelForm):
    class Meta:
        model = Macro
        fields = ("name", "language", "body", "is_active")
        help_texts = {
            "body": "占位符 Placeholders: "
            + ", ".join(
                "{" + p.name + "} " + p.words["zh-hans"] + " " + p.words["en"] for p in PLACEHOLDERS.values()
            ),
        }

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        try:
            macro_check(body)
        except ValidationFailed as error:
            language = "en" if (get_language() or "").startswith("en") else "zh-hans"
            issue = error.fields["body"]
            raise forms.ValidationError(message_text(issue.code, language, **issue.params)) from None
        return body


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    form = MacroForm
    list_display = ("name", "language", "is_active", "updated_at")
    list_filter = ("language", "is_active")
    search_fields = ("name", "body")
