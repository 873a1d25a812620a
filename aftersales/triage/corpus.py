"""Training data: the platform's own labelled corpus, agents' corrections, and optional extra files.

The own corpus has two parts, both written for the platform: symptom phrases per category
(corpus/symptoms.json) composed with the ways customers frame them (corpus/framing.json:
openers, praise before a contrast word "外观挺好看的，但是…", closers), and whole
complaints per category (corpus/written/<category>.txt). Composition is seeded, so a
given corpus version always yields the same examples.
"""

import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aftersales.policy.pack import KeywordLexicon

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    source: str


def symptom_lexicon() -> "KeywordLexicon":
    """The policy pack's symptom words per category, as the classifier's lexicon features."""
    from aftersales.policy.pack import current_pack

    lexicon = current_pack().category_keywords
    assert lexicon is not None
    return lexicon


def composed_examples(*, per_phrase: int = 10, seed: int = 7) -> list[Example]:
    """Each symptom phrase in several framings, plain and as 'praise, but <symptom>'."""
    rng = random.Random(seed)
    symptoms = json.loads((CORPUS_DIR / "symptoms.json").read_text(encoding="utf-8"))
    framing = json.loads((CORPUS_DIR / "framing.json").read_text(encoding="utf-8"))
    examples = []
    for category, by_language in symptoms.items():
        for language, phrases in by_language.items():
            frame = framing[language]
            for phrase in phrases:
                examples.append(Example(phrase, category, "own:plain"))
                for _ in range(per_phrase):
                    other = rng.choice(phrases)
                    body = phrase if rng.random() < 0.6 or other == phrase else _join(language, phrase, other)
                    if rng.random() < 0.7:
                        body = rng.choice(frame["praise"]) + rng.choice(frame["contrast"]) + body
                    text = rng.choice(frame["openers"]) + body + rng.choice(frame["closers"])
                    examples.append(Example(text, category, "own:composed"))
    return examples


def written_examples(*, framed: int = 1, seed: int = 11) -> list[Example]:
    """Whole complaints written per category (corpus/written/<category>.txt, one per line),
    as they are and `framed` more times after praise of another aspect."""
    rng = random.Random(seed)
    framing = json.loads((CORPUS_DIR / "framing.json").read_text(encoding="utf-8"))
    examples = []
    for path in sorted((CORPUS_DIR / "written").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            text = line.strip()
            if not text:
                continue
            examples.append(Example(text, path.stem, "own:written"))
            frame = framing["en" if text.isascii() else "zh"]
            for _ in range(framed):
                praised = rng.choice(frame["praise"]) + rng.choice(frame["contrast"]) + text
                examples.append(Example(praised, path.stem, "own:written-framed"))
    return examples


def own_examples() -> list[Example]:
    """The platform's whole own corpus: composed symptom phrases and written complaints."""
    return composed_examples() + written_examples()


def _join(language: str, first: str, second: str) -> str:
    return f"{first}，而且{second}" if language == "zh" else f"{first} and {second}"


class LabelledFileError(ValueError):
    """A line of a labelled file that cannot be read, with its number and the reason."""


def jsonl_examples(path: Path, source: str, *, categories: Iterable[str] | None = None) -> Iterator[Example]:
    """Labelled lines of a JSON-lines file ({"text": ..., "label": ...}).

    "category" is read as the label when "label" is missing, and a byte-order mark is
    ignored, so that files written by other tools read as they are. With `categories`,
    a label outside them is an error: counting it as a miss would distort an
    evaluation, and training on it would invent a category the platform cannot route.
    """
    known = set(categories) if categories is not None else None
    with open(path, encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield _labelled_line(line, f"{path}, line {number}", source, known)


def _labelled_line(line: str, where: str, source: str, known: set[str] | None) -> Example:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise LabelledFileError(f"{where}: not JSON ({exc.msg})") from exc
    if not isinstance(row, dict):
        raise LabelledFileError(f"{where}: expected an object with text and label")
    text, label = row.get("text"), row.get("label", row.get("category"))
    if not isinstance(text, str):
        raise LabelledFileError(f"{where}: text: missing or not a string")
    if not isinstance(label, str) or not label:
        raise LabelledFileError(f"{where}: label: missing or not a string")
    if known is not None:
        label = label.strip().lower()  # " Screen" is the category screen
        if label not in known:
            raise LabelledFileError(
                f"{where}: label: {label!r} is not a category ({', '.join(sorted(known))})"
            )
    return Example(text, label, source)


def correction_examples() -> list[Example]:
    """Categories corrected by agents, on the customer's first message (while not erased)."""
    from aftersales.triage.models import TriageCorrection

    rows = TriageCorrection.objects.select_related("message").filter(message__erased_at__isnull=True)
    return [Example(row.message.body, row.corrected_category, "corrections") for row in rows]


def count_sources(examples: Iterable[Example]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for example in examples:
        counts[example.source] = counts.get(example.source, 0) + 1
    return counts
