"""The outlet list: refused rows named by row, column and reason while good rows land; the
same list twice changes nothing; an edited row updates its outlet in place; the export
imports back unchanged; the command reads CSV (UTF-8 or GB18030) and JSON lines."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from aftersales.accounts.actors import SYSTEM
from aftersales.network.files import read_outlet_rows, write_outlet_rows
from aftersales.network.models import NetworkVersion, Outlet, OutletEvent, OutletPhone, OutletQueue
from aftersales.network.records import COLUMNS
from aftersales.network.selectors import outlet_export_rows
from aftersales.network.services import outlets_import
from aftersales.network.tests.factories import outlet_row

pytestmark = pytest.mark.django_db


def load(*rows):  # type: ignore[no-untyped-def]
    return outlets_import(actor=SYSTEM, rows=list(enumerate(rows, start=2)), source="test.csv")


def refusals(report):  # type: ignore[no-untyped-def]
    return {(p.row, p.column, p.code) for p in report.problems}


BAD_ROWS = [
    ({"uscc": "91440300MA5F000001"}, "uscc", "uscc_invalid"),
    ({"lat": "51.5072", "lon": "-0.1276"}, "lat", "coordinates_outside_china"),
    # Latitude and longitude swapped.
    ({"lat": "114.0579", "lon": "22.5431"}, "lat", "coordinate_invalid"),
    # Seoul is inside China's bounding box, but not in Guangdong.
    ({"lat": "37.5665", "lon": "126.9780"}, "lat", "coordinates_outside_province"),
    ({"lat": "NaN"}, "lat", "coordinate_invalid"),
    ({"lon": "1e999"}, "lon", "coordinate_invalid"),
    ({"specialities": "screen_no_disassembly; teleportation"}, "specialities", "speciality_unknown"),
    ({"hours": "Mo-Fr 09:00-25:00"}, "hours", "hours_time"),
    ({"hours": "Mo-Fr 09:00-12:00,11:30-18:00"}, "hours", "hours_overlap"),
    ({"hours": "Mo-Fr 18:00-18:00"}, "hours", "hours_empty_span"),
    ({"province_adcode": "440100"}, "province_adcode", "adcode_invalid"),
    ({"city_adcode": "110100"}, "city_adcode", "adcode_outside_province"),
    ({"district_adcode": "44030"}, "district_adcode", "adcode_invalid"),
    ({"kind": "repair shop"}, "kind", "outlet_kind_unknown"),
    ({"authorisation": "maybe"}, "authorisation", "authorisation_unknown"),
    ({"authorised_from": "2024-02-30"}, "authorised_from", "date_invalid"),
    (
        {"authorised_from": "2025-01-01", "authorised_until": "2024-12-31"},
        "authorised_until",
        "authorisation_dates",
    ),
    ({"authorised_from": ""}, "authorised_from", "required"),
    ({"code": "深圳 01"}, "code", "outlet_code_invalid"),
    ({"name": ""}, "name", "required"),
    ({"name": "x" * 201}, "name", "text_too_long"),
    ({"address": "深圳\x00福田"}, "address", "control_characters"),
    ({"capacity_per_day": "-3"}, "capacity_per_day", "number_invalid"),
    ({"timezone": "Mars/Olympus"}, "timezone", "timezone_unknown"),
    # JSON lines can carry structures where one value belongs.
    ({"name": ["a", "b"]}, "name", "one_value_expected"),
    ({"lat": {"deg": 22}}, "lat", "one_value_expected"),
]


@pytest.mark.parametrize(("overrides", "column", "code"), BAD_ROWS)
def test_a_bad_row_is_refused_by_row_and_column_while_the_good_rows_land(overrides, column, code):  # type: ignore[no-untyped-def]
    report = load(outlet_row("good-1"), {**outlet_row("bad-1"), **overrides}, outlet_row("good-2"))
    assert (3, column, code) in refusals(report)
    assert report.created == 2 and report.refused_rows == 1
    assert sorted(Outlet.objects.values_list("code", flat=True)) == ["good-1", "good-2"]


def test_every_problem_of_a_row_is_reported_at_once():  # type: ignore[no-untyped-def]
    report = load(outlet_row("bad", uscc="123", hours="always", specialities="flying"))
    assert refusals(report) == {
        (2, "uscc", "uscc_invalid"),
        (2, "hours", "hours_syntax"),
        (2, "specialities", "speciality_unknown"),
    }


def test_a_code_twice_in_one_file_refuses_the_later_row():  # type: ignore[no-untyped-def]
    report = load(outlet_row("twin", name="first"), outlet_row("TWIN", name="second"))
    assert refusals(report) == {(3, "code", "duplicate_in_file")}
    assert Outlet.objects.get(code="twin").name == "first"


def test_importing_the_same_list_twice_changes_nothing_the_second_time():  # type: ignore[no-untyped-def]
    rows = [outlet_row(f"sz-{n:02d}") for n in range(5)]
    first = load(*rows)
    token = NetworkVersion.objects.get().token
    ids = dict(Outlet.objects.values_list("code", "pk"))
    second = load(*rows)
    assert (first.created, first.updated) == (5, 0)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 5)
    assert dict(Outlet.objects.values_list("code", "pk")) == ids
    assert OutletPhone.objects.count() == 10 and OutletQueue.objects.count() == 10
    assert OutletEvent.objects.count() == 5
    # Nothing changed, so the finder keeps its index.
    assert NetworkVersion.objects.get().token == token


def test_an_edited_row_updates_its_outlet_in_place():  # type: ignore[no-untyped-def]
    load(outlet_row("sz-01"), outlet_row("sz-02"))
    outlet = Outlet.objects.get(code="sz-01")
    report = load(
        outlet_row("sz-01", hours="Mo-Sa 10:00-22:00; Su off", phones="0755-8888 6666; 13800138000"),
        outlet_row("sz-02"),
    )
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    outlet.refresh_from_db()
    assert outlet.hours == "Mo-Sa 10:00-22:00; Su off"
    assert list(outlet.phones.values_list("e164", flat=True)) == ["+8675588886666", "+8613800138000"]
    event = OutletEvent.objects.filter(outlet=outlet, kind="updated").get()
    assert event.payload["fields"] == ["hours", "phones"]


def test_a_malformed_published_number_is_kept_as_written_and_flagged():  # type: ignore[no-untyped-def]
    load(outlet_row("sz-01", phones="０７５５－８８８８ ６６６６；95588；0755-8888 6666 转 8001"))
    phones = list(Outlet.objects.get(code="sz-01").phones.values_list("raw", "e164", "valid"))
    assert phones == [
        ("０７５５－８８８８ ６６６６", "+8675588886666", True),
        ("95588", "", False),
        ("0755-8888 6666 转 8001", "+8675588886666", True),
    ]


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_the_export_imports_back_unchanged(tmp_path, suffix):  # type: ignore[no-untyped-def]
    load(
        outlet_row("sz-01", notes='键盘, "引号"\n和换行', phones="0755-8888 6666; 95588"),
        outlet_row(
            "urumqi-01",
            province="新疆维吾尔自治区",
            province_adcode="650000",
            city="乌鲁木齐市",
            city_adcode="650100",
            district="天山区",
            district_adcode="650102",
            lat="43.8256",
            lon="87.6168",
            timezone="Asia/Urumqi",
            authorised_until="2027-12-31",
            specialities="",
        ),
    )
    path = tmp_path / f"outlets.{suffix}"
    assert write_outlet_rows(path, outlet_export_rows()) == 2
    rows, ignored = read_outlet_rows(path)
    assert ignored == []
    report = outlets_import(actor=SYSTEM, rows=rows, source=path.name)
    assert (report.created, report.updated, report.unchanged, report.problems) == (0, 0, 2, [])


def write_csv(path: Path, rows: list[dict], encoding: str = "utf-8-sig") -> Path:
    import csv

    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*COLUMNS, "remark"])
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "remark": "x"})
    return path


def test_the_command_reports_refusals_and_lands_the_rest_from_a_gb18030_csv(tmp_path, capsys):  # type: ignore[no-untyped-def]
    path = write_csv(
        tmp_path / "outlets.csv",
        [outlet_row("sz-01"), outlet_row("sz-02", uscc="91440300MA5F000001"), outlet_row("sz-03", lat="0")],
        encoding="gb18030",
    )
    call_command("outlets", "import", str(path), "--no-progress", "--report", str(tmp_path / "refused.jsonl"))
    out = capsys.readouterr().out
    assert "row 3, uscc: Not a valid unified social credit code" in out
    assert "row 4, lat:" in out and "outside China" in out
    assert "ignored columns: remark" in out
    assert json.loads(out.strip().splitlines()[-1]) == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "refused": 2,
    }
    refused = [
        json.loads(line) for line in (tmp_path / "refused.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert [(r["row"], r["column"], r["code"]) for r in refused] == [
        (3, "uscc", "uscc_invalid"),
        (4, "lat", "coordinates_outside_china"),
    ]
    assert list(Outlet.objects.values_list("code", flat=True)) == ["sz-01"]


def test_the_command_reads_json_lines_and_names_unreadable_lines(tmp_path, capsys):  # type: ignore[no-untyped-def]
    good = outlet_row(
        "sz-01", phones=["0755-8888 6666"], specialities=["battery_green_channel"], lat=22.5431, lon=114.0579
    )
    path = tmp_path / "outlets.jsonl"
    path.write_text(json.dumps(good, ensure_ascii=False) + "\n{broken\n[1, 2]\n", encoding="utf-8")
    call_command("outlets", "import", str(path), "--no-progress")
    out = capsys.readouterr().out
    assert "row 2: Not an outlet: not valid JSON" in out and "row 3: Not an outlet: not a JSON object" in out
    assert Outlet.objects.get(code="sz-01").specialities == ["battery_green_channel"]
