from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "aftersales.complaints"
    label = "complaints"
