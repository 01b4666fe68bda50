"""Server-side SVG charts and figures in words: accessible, escaped, localised."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest
from django.utils import translation

from tests.reports_support import at
from vigie.reports import charts, formatting
from vigie.reports.kpis import Compliance
from vigie.reports.periods import Month, period

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def test_a_chart_is_an_image_named_by_its_title_and_figures():
    svg = charts.bar_chart([("Réseau", 9), ("Imprimantes", 12)], title="Top categories")
    root = parsed(svg)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == title_id and root.find(f"{SVG}title").text == "Top categories"
    assert root.find(f"{SVG}desc").get("id") == desc_id and root.find(f"{SVG}desc").text == "Réseau: 9; Imprimantes: 12"
    bars = root.findall(f"{SVG}rect")
    assert [float(bar.get("width")) for bar in bars][1] > float(bars[0].get("width"))  # 12 drawn longer than 9


def test_labels_are_escaped():
    svg = charts.bar_chart([('<script>alert("x")</script>', 3)], title="A & B <i>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert parsed(svg).find(f"{SVG}title").text == "A & B <i>"


def test_a_line_breaks_where_a_month_has_no_figure():
    svg = charts.line_chart(
        ["Jan", "Feb", "Mar", "Apr", "May"], [charts.Series("MTTR", [4.0, 5.0, None, 3.0, 2.0])], title="MTTR"
    )
    root = parsed(svg)
    lines = root.findall(f"{SVG}polyline")
    assert [len(line.get("points").split()) for line in lines] == [2, 2]
    assert len(root.findall(f"{SVG}circle")) == 4
    assert "Mar: —" in root.find(f"{SVG}desc").text


def test_columns_side_by_side_with_a_legend():
    svg = charts.column_chart(
        ["Jan", "Feb"], [charts.Series("Opened", [10, 20]), charts.Series("Resolved", [8, 0])], title="Volumes"
    )
    root = parsed(svg)
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "Opened" in texts and "Resolved" in texts and "Jan" in texts
    assert root.find(f"{SVG}desc").text == "Opened — Jan: 10, Feb: 20; Resolved — Jan: 8, Feb: 0"


@pytest.mark.parametrize(
    ("maximum", "ceiling", "step"),
    [(0, 1.0, 0.25), (7, 8, 2), (10, 10, 5), (47, 60, 20), (3.2, 4, 1), (100, 100, 50), (101, 150, 50)],
)
def test_axis_tops_are_round(maximum, ceiling, step):
    top, tick = charts.nice_ceiling(maximum)
    assert top >= maximum and top == pytest.approx(ceiling) and tick == pytest.approx(step)


def test_gauge_and_stacked_bar_state_their_figure():
    with translation.override("en"):
        assert "88.6 %" in charts.gauge(39 / 44, title="Resolution SLA met")
        assert "—" in charts.gauge(None, title="Resolution SLA met")
        full = parsed(charts.gauge(1.0, title="x"))
        assert len(full.findall(f"{SVG}path")) == 2
        stacked = charts.compliance_bar(39, 44, title="Resolution", met_label="Met", missed_label="Missed")
    assert "Met: 39 · Missed: 5" in stacked


def test_figures_in_words_follow_the_language():
    with translation.override("en"):
        assert formatting.percent(0.9756) == "97.6 %"
        assert formatting.percent(None) == "—"
        assert formatting.compliance(Compliance(39, 44)) == "39 of 44 (88.6 %)"
        assert formatting.compliance(Compliance(0, 0)) == "—"
        assert formatting.duration(20) == "under a minute"
        assert formatting.duration(45 * 60) == "45 min"
        assert formatting.duration(3 * 3600 + 20 * 60) == "3 h 20 min"
        assert formatting.duration(2 * 3600) == "2 h"
        assert formatting.duration(50 * 3600) == "2 d 2 h"
        assert formatting.month_name(Month(2025, 1)) == "January 2025"
    with translation.override("fr"):
        assert formatting.percent(0.9756) == "97,6 %"
        assert formatting.month_name(Month(2025, 1)).lower() == "janvier 2025"
    assert re.match(r"^\d", formatting.number(1234.5, 1))


def test_months_and_periods_in_the_provider_time_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    assert Month.parse("2025-03").start.isoformat() == "2025-03-01T00:00:00+01:00"
    assert Month.parse("2025-03").end.isoformat() == "2025-04-01T00:00:00+02:00"  # DST began in between
    assert Month.parse("2024-12").next() == Month(2025, 1) and Month(2025, 1).previous() == Month(2024, 12)
    for bad in ("2025-13", "2025-1", "janvier", "1969-12", ""):
        with pytest.raises(ValueError):
            Month.parse(bad)
    # 23:30 UTC on 31 January is already February in Paris.
    assert Month.containing(at("2025-02-01 00:30")) == Month(2025, 2)
    now = at("2025-02-10 12:00")
    assert Month.last(now) == Month(2025, 1)
    assert (period("last_month", now).start, period("last_month", now).end) == (Month(2025, 1).start, Month(2025, 2).start)
    assert period("this_month", now).end == now
    assert period("last_3_months", now).start == Month(2024, 12).start
    assert period("last_12_months", now).start == Month(2024, 3).start
    assert period("nonsense", now).key == "this_month"
