from django.apps import AppConfig


class DevicesConfig(AppConfig):
    name = "aftersales.devices"
    label = "devices"

    def ready(self) -> None:
        from aftersales.devices import privacy

        privacy.register()
