from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "aftersales.evidence"
    label = "evidence"

    def ready(self) -> None:
        from aftersales.evidence import privacy

        privacy.register()
