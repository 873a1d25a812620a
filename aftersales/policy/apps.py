from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "aftersales.policy"
    label = "policy"

    def ready(self) -> None:
        from aftersales.policy.checks import register_checks

        register_checks()
