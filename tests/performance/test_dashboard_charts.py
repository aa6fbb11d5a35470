"""The dashboard's charts, drawn on the server: the trend in words, the scale, and nothing the CSP would block."""

from datetime import date

from bs4 import BeautifulSoup

from earlyhelp.performance.charts import comparison_chart, month_chart, points, trend
from earlyhelp.services.measures import Figure, Kind, Measure

OVERDUE = Measure(
    key="steps_overdue",
    section="Next steps",
    title="Next steps overdue",
    definition="Next steps past their due date.",
    kind=Kind.COUNT,
    rows=None,
    total_words="next steps overdue",
    lower_is_better=True,
)
MONTHS = [(date(2027, month, 1), Figure(total, total)) for month, total in ((6, 3), (7, 0), (8, 17))]


def test_the_trend_is_said_in_words_with_which_way_is_better():
    assert trend(OVERDUE, points(OVERDUE, MONTHS)) == (
        "Rose from 3 in June 2027 to 17 in August 2027. Highest 17 in August 2027; lowest 0 in July 2027."
        " Lower is better."
    )


def test_a_chart_has_a_round_scale_a_bar_for_every_month_and_no_style_or_script():
    chart = BeautifulSoup(month_chart(OVERDUE, MONTHS, element_id="chart-x"), "html.parser").svg
    assert [text.get_text() for text in chart.select(".app-chart__scale")] == ["0", "5", "10", "15", "20"]
    assert len(chart.select("rect.app-chart__bar")) == 3  # a zero shows as a sliver, unlike a month with no figure
    assert [text.get_text() for text in chart.select(".app-chart__month")] == ["Jun", "2027", "Jul", "Aug"]
    assert not chart.find_all(attrs={"style": True}) and not chart.find_all("script")


def test_a_title_with_markup_in_it_is_text_in_the_chart():
    hostile = Measure(**{**OVERDUE.__dict__, "title": "<script>alert(1)</script>"})
    chart = str(month_chart(hostile, MONTHS, element_id="chart-x"))
    assert "<script>" not in chart and "&lt;script&gt;" in chart


def test_a_comparison_has_a_bar_for_each_worker_says_highest_and_lowest_and_keeps_names_as_text():
    breakdown = [("<b>Pat</b> Ostler", Figure(9, 9)), ("Sam Reed", Figure(2, 2))]
    chart = comparison_chart(
        OVERDUE, breakdown, element_id="compare-x", title="Next steps overdue, by owner", breakdown_words="Owner"
    )
    svg = BeautifulSoup(chart, "html.parser").svg
    assert "<b>" not in str(chart) and "&lt;b&gt;Pat&lt;/b&gt;" in str(chart)
    assert len(svg.select("rect.app-chart__bar")) == 2
    assert svg.desc.get_text() == "Highest 9 for <b>Pat</b> Ostler; lowest 2 for Sam Reed. Lower is better."
    assert not svg.find_all(attrs={"style": True}) and not svg.find_all("script")
