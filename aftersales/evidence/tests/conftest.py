import pytest

from aftersales.evidence.signing import signing_key_generate


@pytest.fixture
def signing_key(db, settings, tmp_path):  # type: ignore[no-untyped-def]
    """A throwaway platform key in a temporary folder."""
    settings.EVIDENCE_KEY_DIR = tmp_path / "evidence-keys"
    return signing_key_generate()
