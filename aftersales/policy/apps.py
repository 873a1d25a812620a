from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "aftersales.policy"
    label = "policy"
