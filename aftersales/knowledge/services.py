"""The solution library: self-check steps and the rules that apply, per fault category."""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

ARTICLES = Path(__file__).resolve().parent / "articles.json"


@dataclass(frozen=True)
class SelfHelp:
    article: str
    title: str
    steps: list[str]
    rules: list[str]


@lru_cache(maxsize=1)
def _library() -> dict[str, list[dict]]:
    return json.loads(ARTICLES.read_text(encoding="utf-8"))


def self_help_for(*, category: str, language: str) -> list[SelfHelp]:
    """The articles for a category in the reader's language (Chinese when missing)."""

    def pick(labels: dict[str, Any]) -> Any:
        return labels.get(language) or labels["zh-hans"]

    return [
        SelfHelp(
            article=a["id"],
            title=pick(a["title"]),
            steps=list(pick(a["steps"])),
            rules=list(pick(a["rules"])),
        )
        for a in _library().get(category, [])
    ]
