from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "aftersales.desk"
    label = "desk"
    verbose_name = "Agent workspace"
