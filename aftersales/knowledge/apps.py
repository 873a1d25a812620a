from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "aftersales.knowledge"
    label = "knowledge"
