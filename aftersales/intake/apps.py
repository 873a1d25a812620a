from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "aftersales.intake"
    label = "intake"

    def ready(self) -> None:
        from aftersales.intake.attachments import privacy

        privacy.register()
