"""Unlabelled complaint texts from the public review corpora in ../shared/data/raw/, for distillation.

    .venv/bin/python bench/triage_unlabelled.py --out var/triage-pool.jsonl

A fixed, seeded draw of reviews that nobody labelled: negative reviews of phones, tablets
and computers, some positive phone reviews (the pool must also show what is not a
complaint), and the English unlocked-phone reviews. None is in the dev file, among the
labelled or held-out reviews (bench/labels/), or a duplicate of another (spaces and case
ignored). One JSON object a line: {"text", "lang", "source"}; no label. The texts stay in
the published files; this output is built at training time and never shipped.
"""

import argparse
import csv
import io
import json
import random
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.triage_raw_labels import (  # noqa: E402
    ENGLISH_LABELS,
    ENGLISH_REVIEWS,
    HELDOUT_LABELS,
    LABELS,
    SHARED_DATA,
    read_english_reviews,
    read_labels,
    squeeze,
    write_lines,
)

# (product category in the archive, its sentiment label, how many to draw; None: all)
DRAWS = (("手机", "0", None), ("平板", "0", 2000), ("计算机", "0", 600), ("手机", "1", 400))
SEED = 20261201
MIN_CHARACTERS = 6


def read_archive(archive: Path) -> list[dict]:
    with zipfile.ZipFile(archive) as bundle:
        name = next(n for n in bundle.namelist() if n.endswith(".csv"))
        with bundle.open(name) as raw:
            return list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig")))


def build(*, archive: Path, dev: Path) -> list[dict]:
    rows = read_archive(archive)
    labelled = set(read_labels(LABELS)) | set(read_labels(HELDOUT_LABELS))
    seen = {squeeze(rows[i]["review"]) for i in labelled}
    if dev.exists():
        with open(dev, encoding="utf-8") as handle:
            seen |= {squeeze(json.loads(line)["text"]) for line in handle if line.strip()}
    rng = random.Random(SEED)
    lines = []

    def take(text: str, lang: str, source: str) -> None:
        key = squeeze(text)
        if len(key) >= MIN_CHARACTERS and key not in seen:
            seen.add(key)
            lines.append({"text": text, "lang": lang, "source": source})

    for category, sentiment, count in DRAWS:
        candidates = [i for i, r in enumerate(rows) if r["cat"] == category and r["label"] == sentiment]
        candidates = [i for i in candidates if i not in labelled]
        drawn = candidates if count is None else rng.sample(candidates, min(count, len(candidates)))
        for i in sorted(drawn):
            take(rows[i]["review"].replace("\ufeff", "").strip(), "zh", f"os10 row {i}")
    if ENGLISH_REVIEWS.exists():
        english_labelled = set(read_labels(ENGLISH_LABELS))
        for i, text in enumerate(read_english_reviews(ENGLISH_REVIEWS)):
            if i not in english_labelled:
                take(text.strip(), "en", f"amazon-unlocked row {i}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--archive", default=str(SHARED_DATA / "raw" / "online_shopping_10_cats.zip"))
    parser.add_argument("--dev", default=str(SHARED_DATA / "complaints_dev.jsonl"))
    parser.add_argument("--out", default="-")
    args = parser.parse_args()
    lines = build(archive=Path(args.archive), dev=Path(args.dev))
    write_lines(lines, args.out)
    print(f"{len(lines)} unlabelled lines", file=sys.stderr)


if __name__ == "__main__":
    main()
