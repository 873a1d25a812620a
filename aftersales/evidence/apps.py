from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "aftersales.evidence"
    label = "evidence"
