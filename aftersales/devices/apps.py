from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "aftersales.devices"
    label = "devices"
