from django.apps import AppConfig


class RepairsConfig(AppConfig):
    name = "aftersales.repairs"
    label = "repairs"

    def ready(self) -> None:
        from aftersales.repairs import privacy

        privacy.register()
