from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "aftersales.pricing"
    label = "pricing"
