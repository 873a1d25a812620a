from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "aftersales.triage"
    label = "triage"
