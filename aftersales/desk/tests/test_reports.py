"""The manager dashboard's pages and exports (desk/reports.py) on the fixture week of
aftersales/reporting/tests/fixtures.py.

Personas: Mei is an HQ expert who reads the dashboard; Max manages the Futian outlet
(sz-futian-01) and reads it for his outlet's complaints only; Lei is a first-line agent, who may not.
"""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from aftersales.accounts.roles import Role
from aftersales.accounts.tests.factories import StaffFactory
from aftersales.common import clock
from aftersales.complaints.models import Complaint
from aftersales.reporting.daily import complaint_figures_refresh
from aftersales.reporting.tests.fixtures import NOW, make_week

pytestmark = pytest.mark.django_db

WEEK_QUERY = "?from=2026-11-01&to=2026-11-07"


@pytest.fixture
def mei(client):  # type: ignore[no-untyped-def]
    client.force_login(StaffFactory(username="mei", role=Role.EXPERT, team="hq-experts"))
    return client


@pytest.fixture
def week():  # type: ignore[no-untyped-def]
    made = make_week()
    with clock.travel_to(NOW):
        complaint_figures_refresh(days=60)
    return made


def visible_text(response) -> str:  # type: ignore[no-untyped-def]
    html = re.sub(r"<script.*?</script>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_dashboard_shows_the_weeks_figures_in_chinese(mei, week) -> None:  # type: ignore[no-untyped-def]
    response = mei.get("/desk/reports/" + WEEK_QUERY)
    assert response.status_code == 200
    text = visible_text(response)
    assert "管理看板" in text
    assert "66.7%" in text  # satisfaction: two of three scores are 4 or 5
    assert "94.6%" in text  # the brand's published figure beside it
    assert "75.0%" in text  # resolution rate
    assert "服务 App" in text and "深圳" in text
    assert "仅统计本网点" not in text  # HQ sees every outlet
    assert "chart.umd.js" in response.content.decode()
    assert 'id="report-charts"' in response.content.decode()


def test_english_is_one_link_away(mei, week) -> None:  # type: ignore[no-untyped-def]
    chinese = mei.get("/desk/reports/" + WEEK_QUERY).content.decode()
    assert 'href="?from=2026-11-01&amp;to=2026-11-07&amp;lang=en"' in chinese  # the period stays
    text = visible_text(mei.get("/desk/reports/" + WEEK_QUERY + "&lang=en"))
    assert "Dashboard" in text and "Resolution rate" in text and "Service app" in text
    assert "管理看板" not in text


def test_an_agent_is_refused(client, week) -> None:  # type: ignore[no-untyped-def]
    client.force_login(StaffFactory(username="lei", role=Role.AGENT))
    response = client.get("/desk/reports/" + WEEK_QUERY)
    assert response.status_code == 403
    assert "您无权查看管理看板" in visible_text(response)
    assert client.get("/desk/reports/summary.csv" + WEEK_QUERY).status_code == 403
    # The agent's pages do not link to it.
    assert "/desk/reports/" not in client.get("/desk/").content.decode()


def test_an_outlet_manager_reads_only_his_outlets_figures_and_ranking_row(client, week) -> None:  # type: ignore[no-untyped-def]
    # The Futian outlet's team works C1, C2 and C6 (one of them in 上海); C3 and C5 are Tianhe's.
    Complaint.objects.filter(number__in=["T-20261101-C1", "T-20261101-C2", "T-20261101-C6"]).update(
        team=week.outlet_a.team
    )
    client.force_login(StaffFactory(username="max", role=Role.OUTLET_MANAGER, team=week.outlet_a.team))
    assert "/desk/reports/" in client.get("/desk/").content.decode()
    page = client.get("/desk/reports/" + WEEK_QUERY)
    assert page.status_code == 200
    text = visible_text(page)
    assert "sz-futian-01" in text
    assert "gz-tianhe-01" not in text and "广州" not in text
    assert "仅统计本网点 sz-futian-01 的投诉" in text
    ranking = list(
        csv.reader(
            io.StringIO(client.get("/desk/reports/ranking.csv" + WEEK_QUERY).content.decode("utf-8-sig"))
        )
    )
    assert [row[:3] for row in ranking[1:]] == [["1", week.outlet_a.code + " " + week.outlet_a.name, "3"]]
    summary = list(
        csv.reader(
            io.StringIO(client.get("/desk/reports/summary.csv" + WEEK_QUERY).content.decode("utf-8-sig"))
        )
    )
    assert summary[1][:2] == ["新建投诉", "3"]
    # Mei, at headquarters, still sees both outlets.
    client.force_login(StaffFactory(username="mei", role=Role.EXPERT, team="hq-experts"))
    ranking = client.get("/desk/reports/ranking.csv" + WEEK_QUERY).content.decode("utf-8-sig")
    assert "sz-futian-01" in ranking and "gz-tianhe-01" in ranking


def test_the_city_export_writes_a_word_for_no_city_and_merges_a_trailing_shi(mei, week) -> None:  # type: ignore[no-untyped-def]
    Complaint.objects.filter(number="T-20261101-C6").update(city="")
    Complaint.objects.filter(number="T-20261101-C3").update(city="广州市 ")
    with clock.travel_to(NOW):
        complaint_figures_refresh(days=60)
    for language, word in (("zh-hans", "未填写城市"), ("en", "No city given")):
        body = mei.get("/desk/reports/city.csv" + WEEK_QUERY + f"&lang={language}").content.decode(
            "utf-8-sig"
        )
        counts = {row[0]: row[1] for row in list(csv.reader(io.StringIO(body)))[1:]}
        assert counts == {"深圳": "3", "广州": "2", word: "1"}
        assert "'-" not in body
    sheet = load_workbook(
        io.BytesIO(mei.get("/desk/reports/outlet.xlsx" + WEEK_QUERY + "&lang=zh-hans").content)
    ).active
    labels = [row[0] for row in list(sheet.iter_rows(values_only=True))[1:]]
    assert "未派往网点" in labels and "'-" not in labels


def test_a_signed_out_visitor_goes_to_sign_in(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/desk/reports/")
    assert response.status_code == 302 and "/desk/signin/" in response["Location"]


def test_a_reversed_period_is_refused_beside_the_field(mei, week) -> None:  # type: ignore[no-untyped-def]
    response = mei.get("/desk/reports/?from=2026-11-07&to=2026-11-01")
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="period-to-error"' in html and "结束日期不能早于开始日期(2026-11-07)" in html
    assert 'aria-invalid="true"' in html


def test_the_page_takes_the_same_queries_however_many_complaints(mei, week) -> None:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as few:
        assert mei.get("/desk/reports/" + WEEK_QUERY).status_code == 200
    # Forty more complaints in the week, over more cities and channels, then the figures again.
    base = Complaint.objects.get(number="T-20261101-C1")
    for index in range(40):
        base.pk = None
        base.number = f"T-20261101-X{index}"
        base.city = f"城市{index}"
        base.channel = ("web", "email", "weibo")[index % 3]
        base.save()
    with clock.travel_to(NOW):
        complaint_figures_refresh(days=60)
    with CaptureQueriesContext(connection) as many:
        assert mei.get("/desk/reports/" + WEEK_QUERY).status_code == 200
    assert len(many) == len(few) <= 12, [q["sql"][:120] for q in many.captured_queries]


def test_the_csv_export_names_the_period_and_neutralises_formulas(mei, week) -> None:  # type: ignore[no-untyped-def]
    hostile = ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]
    for index, city in enumerate(hostile):
        Complaint.objects.filter(number=f"T-20261101-C{index + 1}").update(city=city)
    with clock.travel_to(NOW):
        complaint_figures_refresh(days=60)
    response = mei.get("/desk/reports/city.csv" + WEEK_QUERY)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="dashboard-city-20261101-20261107.csv"'
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][0] == "城市"
    cities = sorted(row[0] for row in rows[1:])
    assert cities == sorted("'" + city for city in hostile)


def test_the_xlsx_export_keeps_numbers_and_neutralises_formulas(mei, week) -> None:  # type: ignore[no-untyped-def]
    Complaint.objects.filter(number="T-20261101-C3").update(city="=1+1")
    with clock.travel_to(NOW):
        complaint_figures_refresh(days=60)
    response = mei.get("/desk/reports/city.xlsx" + WEEK_QUERY + "&lang=en")
    assert response.status_code == 200
    assert "dashboard-city-20261101-20261107.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("City", "Complaints")
    by_city = {row[0]: row for row in rows[1:]}
    assert "'=1+1" in by_city and "=1+1" not in by_city
    assert by_city["深圳"][1] == 3  # C1, C2 and C5, a number
    assert by_city["深圳"][7] == pytest.approx(0.5)  # satisfaction: C1's 5 and C2's 3, a fraction shown as %
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_an_unknown_table_is_not_found(mei, week) -> None:  # type: ignore[no-untyped-def]
    assert mei.get("/desk/reports/secrets.csv" + WEEK_QUERY).status_code == 404
