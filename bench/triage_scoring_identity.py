"""Whether a change to the classifier's scoring leaves every probability bit for bit as it was.

    PYTHONPATH=<tree A> .venv/bin/python bench/triage_scoring_identity.py --dump /tmp/a.npz
    PYTHONPATH=<tree B> .venv/bin/python bench/triage_scoring_identity.py --compare /tmp/a.npz

Reads, one at a time as intake does (`TriageModel.read`, encoder deferred: the few-texts path
of `classifier._build_scorer`), every text of the labelled dev file (--dev) and of the
platform's own training corpus with the installed model, and keeps each text's evidence
(EVIDENCE x categories) and its ranked probabilities. `--dump` writes them; `--compare`
reads them again with the tree on PYTHONPATH (the scoring code under test) and prints how
many texts differ in any bit (exit status 1 if any does). Run the dump with the tree before
the change and the compare with the tree after it; the same file of texts and the same
model are used by both (the texts' digest is checked).
"""

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(ROOT))


def texts_to_read(dev: Path) -> list[str]:
    from aftersales.triage.corpus import composed_examples, own_examples, written_examples

    texts = []
    if dev.exists():
        texts += [json.loads(line)["text"] for line in dev.read_text(encoding="utf-8").splitlines() if line]
    texts += [example.text for example in [*composed_examples(), *written_examples(), *own_examples()]]
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "data" / "complaints_dev.jsonl")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--dump", type=Path)
    action.add_argument("--compare", type=Path)
    args = parser.parse_args()

    import django

    django.setup()
    import numpy as np

    from aftersales.triage import classifier, encoder

    model = classifier.load_model()
    assert model is not None, "no triage model installed"
    texts = texts_to_read(args.dev)
    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()
    evidence = []
    ranked = []
    with encoder.deferred():
        for text in texts:
            evidence.append(model.evidence([text]))
            (reading,) = model.read([text], top=len(model.categories))
            ranked.append([probability for _, probability in reading.ranked])
    found = {"evidence": np.concatenate(evidence), "ranked": np.asarray(ranked)}
    if args.dump:
        np.savez(args.dump, digest=np.asarray(digest), version=np.asarray(model.version), **found)
        print(json.dumps({"texts": len(texts), "model": model.version, "written": str(args.dump)}))
        return
    kept = np.load(args.compare)
    assert str(kept["digest"]) == digest, "another set of texts than the dump's"
    assert str(kept["version"]) == model.version, "another model than the dump's"
    differing = {
        name: int(sum(a.tobytes() != b.tobytes() for a, b in zip(kept[name], found[name], strict=True)))
        for name in found
    }
    print(json.dumps({"texts": len(texts), "model": model.version, "texts_differing": differing}))
    sys.exit(1 if any(differing.values()) else 0)


if __name__ == "__main__":
    main()
