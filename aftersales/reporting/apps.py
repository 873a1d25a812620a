from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "aftersales.reporting"
    label = "reporting"
