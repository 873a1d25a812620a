import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("aftersales")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_file_broker_folder(sender: Celery, **_kwargs: object) -> None:
    """The broker-less default keeps messages in files; its folder must exist before the first send."""
    folder = sender.conf.broker_transport_options.get("data_folder_in")
    if folder:
        os.makedirs(folder, exist_ok=True)
