from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "aftersales.accounts"
    label = "accounts"

    def ready(self) -> None:
        from aftersales.accounts.privacy import customer_data

        customer_data.register()
