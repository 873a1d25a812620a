import logging

from celery import shared_task

from aftersales.accounts.actors import SYSTEM
from aftersales.evidence.services import seal_all
from aftersales.evidence.signing import SigningKeyUnavailable

log = logging.getLogger("aftersales.evidence")


@shared_task(name="evidence.seal")
def seal_task() -> int:
    """Run by beat every EVIDENCE_SEAL_SECONDS (hourly by default): seal what was appended since."""
    try:
        return len(seal_all(actor=SYSTEM))
    except SigningKeyUnavailable as exc:
        log.error("evidence entries left unsealed: %s", exc.params.get("reason"))
        return 0


@shared_task(name="evidence.service_record")
def service_record_generate_task(record_id: int) -> str:
    """Generate a large service record in the background; its status is polled by the client."""
    from aftersales.evidence.services import service_record_generate

    try:
        return service_record_generate(record_id=record_id, actor=SYSTEM).status
    except Exception:
        log.exception("service record %s failed", record_id)
        return "failed"
