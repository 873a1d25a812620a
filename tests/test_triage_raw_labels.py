"""The hand labels of public reviews are joined to their texts only at training time."""

import csv
import io
import zipfile

from bench.triage_raw_labels import (
    ENGLISH_LABELS,
    HELDOUT_LABELS,
    LABELS,
    labelled_lines,
    read_english_reviews,
    read_labels,
)


def archive_with(tmp_path, reviews):  # type: ignore[no-untyped-def]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["cat", "label", "review"])
    for review in reviews:
        writer.writerow(["平板", "0", review])
    path = tmp_path / "reviews.zip"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("reviews.csv", "\ufeff" + text.getvalue())
    return path


def test_labels_are_joined_by_row_and_dev_texts_are_left_out(tmp_path):  # type: ignore[no-untyped-def]
    archive = archive_with(tmp_path, ["\ufeff充电很慢", "屏幕 有亮点", "物流太慢"])
    lines = labelled_lines(
        archive=archive,
        labels={0: "battery_charging", 1: "screen", 2: "logistics"},
        exclude={"屏幕有亮点"},
    )
    assert [(line["text"], line["label"]) for line in lines] == [
        ("充电很慢", "battery_charging"),
        ("物流太慢", "logistics"),
    ]


def test_english_reviews_are_read_by_data_row_with_entities_decoded_and_dev_texts_left_out(tmp_path):  # type: ignore[no-untyped-def]
    sample = tmp_path / "phones.csv"
    with open(sample, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Product Name", "Brand Name", "Price", "Rating", "Reviews", "Review Votes"])
        writer.writerow(["Phone A", "A", "99", "1", "Battery dies by noon &amp; gets hot", "0"])
        writer.writerow(["Phone B", "B", "99", "2", "No signal at home", "3"])
        writer.writerow(["Phone C", "C", "99", "1", "Screen cracked", "0"])
    reviews = read_english_reviews(sample)
    lines = labelled_lines(
        archive=sample,
        labels={0: "battery_charging", 1: "signal_network_call", 2: "screen"},
        exclude={"nosignalathome"},
        reviews=reviews,
        lang="en",
        source="amazon-unlocked",
    )
    assert [(line["text"], line["label"], line["lang"]) for line in lines] == [
        ("Battery dies by noon & gets hot", "battery_charging", "en"),
        ("Screen cracked", "screen", "en"),
    ]
    assert lines[1]["source"] == "amazon-unlocked row 2"


def test_the_committed_labels_use_the_packs_categories_and_keep_the_held_out_apart():  # type: ignore[no-untyped-def]
    import json
    from pathlib import Path

    pack = json.loads(
        (Path(__file__).resolve().parent.parent / "aftersales/policy/packs/default.json").read_text()
    )
    labels, heldout = read_labels(LABELS), read_labels(HELDOUT_LABELS)
    english = read_labels(ENGLISH_LABELS)
    assert len(labels) > 400 and len(heldout) > 100 and len(english) > 50
    assert set(labels.values()) | set(heldout.values()) | set(english.values()) <= set(pack["categories"])
    # A held-out review must never be trained on.
    assert not set(labels) & set(heldout)
