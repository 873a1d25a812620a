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
