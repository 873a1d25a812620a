from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "aftersales.intake"
    label = "intake"
