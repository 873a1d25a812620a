"""Labelled training lines from the public review corpora in ../shared/data/raw/.

    .venv/bin/python bench/triage_raw_labels.py --out var/triage-raw.jsonl [--no-english]
    .venv/bin/python bench/triage_raw_labels.py --heldout --out var/triage-heldout.jsonl

The repository holds only the labels, given by reading each review by the labelling
convention of ../shared/data/README.md: bench/labels/online_shopping_10_cats.tsv (data row,
category; Chinese e-commerce reviews) and bench/labels/amazon_unlocked_mobile.tsv (data row,
category; English reviews of unlocked phones, included unless --no-english). The review
texts stay in the published files and are joined to their labels here, at training time.
Texts that are also in the dev file are left out, so that the dev file stays unseen by a
model trained on this output.
"""

import argparse
import csv
import html
import io
import json
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
LABELS = Path(__file__).resolve().parent / "labels" / "online_shopping_10_cats.tsv"
# Labelled the same way but never used for training or tuning: a check of generalisation.
HELDOUT_LABELS = Path(__file__).resolve().parent / "labels" / "online_shopping_10_cats_heldout.tsv"
ENGLISH_LABELS = Path(__file__).resolve().parent / "labels" / "amazon_unlocked_mobile.tsv"
ENGLISH_REVIEWS = SHARED_DATA / "raw" / "amazon_unlocked_mobile_VinodkumarKonduru_sample.csv"


def read_labels(path: Path) -> dict[int, str]:
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            row, category = line.split("\t")
            labels[int(row)] = category.strip()
    return labels


def read_reviews(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as bundle:
        name = next(n for n in bundle.namelist() if n.endswith(".csv"))
        with bundle.open(name) as raw:
            reader = csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig"))
            return [row["review"] for row in reader]


def read_english_reviews(path: Path) -> list[str]:
    """The "Reviews" column of the unlocked-phone sample, one per data row, HTML entities
    decoded as in the dev file (so that a dev text is recognised and left out)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return [html.unescape(row["Reviews"]) for row in csv.DictReader(handle)]


def squeeze(text: str) -> str:
    return "".join(text.split()).lower()


def labelled_lines(
    *,
    archive: Path,
    labels: dict[int, str],
    exclude: set[str],
    reviews: list[str] | None = None,
    lang: str = "zh",
    source: str = "os10",
) -> list[dict]:
    """One line per labelled row ({"text", "label", "lang", "source"}), in row order, but
    none whose text (spaces and case ignored) is in `exclude`. `reviews`
    (the texts by data row) are read from the Chinese `archive` when not given."""
    if reviews is None:
        reviews = read_reviews(archive)
    lines = []
    for row, category in sorted(labels.items()):
        text = reviews[row].replace("\ufeff", "").strip()
        if squeeze(text) not in exclude:
            lines.append({"text": text, "label": category, "lang": lang, "source": f"{source} row {row}"})
    return lines


def build(
    *,
    archive: Path = SHARED_DATA / "raw" / "online_shopping_10_cats.zip",
    dev: Path = SHARED_DATA / "complaints_dev.jsonl",
    labels: Path = LABELS,
    english: bool = True,
    english_reviews: Path = ENGLISH_REVIEWS,
    english_labels: Path = ENGLISH_LABELS,
) -> list[dict]:
    """The labelled lines of `labels` (Chinese reviews), followed, unless `english` is off or
    the held-out labels are asked for, by those of `english_labels` when the English sample
    is here; none that is also in the dev file or among the held-out reviews."""
    exclude = set()
    if dev.exists():
        with open(dev, encoding="utf-8") as handle:
            exclude = {squeeze(json.loads(line)["text"]) for line in handle if line.strip()}
    if labels != HELDOUT_LABELS:
        # The same review posted twice must not be trained on when one copy is held out.
        held_out = labelled_lines(archive=archive, labels=read_labels(HELDOUT_LABELS), exclude=set())
        exclude |= {squeeze(line["text"]) for line in held_out}
    lines = labelled_lines(archive=archive, labels=read_labels(labels), exclude=exclude)
    if english and labels != HELDOUT_LABELS and english_reviews.exists():
        lines += labelled_lines(
            archive=english_reviews,
            labels=read_labels(english_labels),
            exclude=exclude,
            reviews=read_english_reviews(english_reviews),
            lang="en",
            source="amazon-unlocked",
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--archive", default=str(SHARED_DATA / "raw" / "online_shopping_10_cats.zip"))
    parser.add_argument("--dev", default=str(SHARED_DATA / "complaints_dev.jsonl"))
    parser.add_argument("--out", default="-")
    parser.add_argument("--heldout", action="store_true", help="the held-out labels instead")
    parser.add_argument(
        "--labels", help="another labels file for the Chinese archive (to compare label sets)"
    )
    parser.add_argument("--no-english", action="store_true", help="leave out the English reviews")
    args = parser.parse_args()
    labels = HELDOUT_LABELS if args.heldout else Path(args.labels) if args.labels else LABELS
    lines = build(archive=Path(args.archive), dev=Path(args.dev), labels=labels, english=not args.no_english)
    write_lines(lines, args.out)
    print(f"{len(lines)} labelled lines", file=sys.stderr)


def write_lines(lines: list[dict], out_path: str) -> None:
    """`lines` as JSON lines to `out_path` ("-": standard output), its folder made if need be."""
    if out_path != "-":
        Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    out = sys.stdout if out_path == "-" else open(out_path, "w", encoding="utf-8")  # noqa: SIM115
    with out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
