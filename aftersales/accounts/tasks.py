"""Celery adapters of the privacy services: each takes ids, calls one service, owns its retry."""

from celery import shared_task

from aftersales.accounts.actors import SYSTEM
from aftersales.accounts.privacy import services


@shared_task(name="privacy.erasure_sweep")
def erasure_sweep_task() -> list[int]:
    """Beat: run the erasure requests whose cooling-off period has ended (holds permitting)."""
    return services.erasure_sweep()


@shared_task(name="privacy.data_export_build", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def data_export_build_task(export_id: int) -> None:
    services.data_export_build(export_id=export_id)


@shared_task(name="privacy.data_export_sweep")
def data_export_sweep_task() -> list[int]:
    """Beat: build exports whose task was lost, so that every export is ready within the hour."""
    return services.data_export_sweep()


@shared_task(name="privacy.retention_purge")
def retention_purge_task() -> int:
    """Beat, daily: purge each data kind past the pack's retention period; returns the run's id."""
    return services.retention_purge(actor=SYSTEM).pk
