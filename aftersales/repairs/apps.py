from django.apps import AppConfig


class RepairsConfig(AppConfig):
    name = "aftersales.repairs"
    label = "repairs"
