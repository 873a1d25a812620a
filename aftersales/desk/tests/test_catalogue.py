"""The workspace's Chinese catalogue: every phrase translated, and the committed .mo compiled from the .po.

The .mo is committed so that `make install` and `make demo` need no gettext; `make messages`
rebuilds both. These tests catch a phrase added without its translation and a .po edited
without recompiling.
"""

import ast
import gettext
import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"
ENTRY = re.compile(
    r'^(?:msgctxt (?P<ctx>".*")\n)?msgid (?P<id>(?:".*"\n)+)(?:msgid_plural (?P<plural>(?:".*"\n)+))?'
    r'msgstr(?:\[0\])? (?P<str>(?:".*"\n?)+)',
    re.M,
)


def _unquote(block: str) -> str:
    return "".join(ast.literal_eval(line) for line in block.strip().splitlines())


def po_entries() -> list[tuple[str | None, str, str]]:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = []
    for match in ENTRY.finditer(text):
        msgid = _unquote(match["id"])
        if msgid:
            ctx = _unquote(match["ctx"]) if match["ctx"] else None
            entries.append((ctx, msgid, _unquote(match["str"])))
    return entries


def test_the_catalogue_translates_every_phrase_of_the_workspace() -> None:
    entries = po_entries()
    assert len(entries) > 100
    assert [msgid for _ctx, msgid, msgstr in entries if not msgstr] == []
    # A fuzzy entry is left out of the compiled catalogue: the page would fall back to English.
    assert "fuzzy" not in (LOCALE / "django.po").read_text(encoding="utf-8")


def test_the_committed_mo_says_what_the_po_says() -> None:
    with (LOCALE / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    for ctx, msgid, msgstr in po_entries():
        found = catalogue.pgettext(ctx, msgid) if ctx else catalogue.gettext(msgid)
        if msgid.startswith("%(n)s complaint"):
            found = catalogue.ngettext(msgid, msgid, 1)
        assert found == msgstr, f"django.mo is stale for {msgid!r}: run `make messages`"


def test_placeholders_survive_translation() -> None:
    for _ctx, msgid, msgstr in po_entries():
        assert sorted(re.findall(r"%\(\w+\)[sd]", msgid)) == sorted(re.findall(r"%\(\w+\)[sd]", msgstr)), (
            msgid
        )
