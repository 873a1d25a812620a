from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "aftersales.common"
    label = "common"
