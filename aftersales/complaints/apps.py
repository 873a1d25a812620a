from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "aftersales.complaints"
    label = "complaints"

    def ready(self) -> None:
        from aftersales.complaints import privacy

        privacy.register()
