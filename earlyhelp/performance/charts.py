"""Month-by-month charts, drawn on the server as inline SVG: no chart library, no script, no style attribute
(the Content-Security-Policy allows neither), colours from classes in static/css/performance.css.

A chart is a picture for those who would rather look than read: role="img", named by its title and a short
description that gives the trend in words. The table beside it is the accessible alternative, with every number.
"""

import calendar
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from earlyhelp.services.measures import Figure, Kind, Measure

# About the size it is drawn at in half the page's width, so that its words are the size of the page's small print.
WIDTH, HEIGHT = 460, 250
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 46


@dataclass(frozen=True)
class Point:
    month: date
    value: float | None  # None: nothing to show that month (a share of nothing)
    words: str  # the value as a person reads it: "75%", "12", "3.5 days"


def value_of(measure: Measure, figure: Figure) -> float | None:
    if measure.kind == Kind.SHARE:
        return figure.percentage
    if measure.kind == Kind.AVERAGE_DAYS:
        return round(figure.average_days, 1) if figure.average_days is not None else None
    return figure.total


def words_for(measure: Measure, figure: Figure) -> str:
    """A figure as the page writes it."""
    value = value_of(measure, figure)
    if value is None:
        return "none"
    if measure.kind == Kind.SHARE:
        return f"{value}%"
    if measure.kind == Kind.AVERAGE_DAYS:
        return f"{value:g} day" if value == 1 else f"{value:g} days"
    return f"{value:g}"


def points(measure: Measure, months: list[tuple[date, Figure]]) -> list[Point]:
    return [Point(month, value_of(measure, figure), words_for(measure, figure)) for month, figure in months]


def month_words(month: date) -> str:
    """'August 2027'. (earlyhelp/clock.py has no month-and-year form yet: calendar's English names, as clock's.)"""
    return f"{calendar.month_name[month.month]} {month.year}"


_month = month_words


def trend(measure: Measure, series: list[Point]) -> str:
    """The trend in words: first and last months with something to show, the highest and the lowest."""
    shown = [point for point in series if point.value is not None]
    if not shown:
        return f"No {measure.total_words or 'figures'} in these months."
    first, last = shown[0], shown[-1]
    if len(shown) == 1:
        return f"{first.words} in {_month(first.month)}, the only month with {measure.total_words or 'figures'}."
    if last.value > first.value:
        change = "Rose"
    elif last.value < first.value:
        change = "Fell"
    else:
        change = "Stayed the same"
    sentence = f"{change} from {first.words} in {_month(first.month)} to {last.words} in {_month(last.month)}"
    if change == "Stayed the same":
        sentence = f"{first.words} in {_month(first.month)} and in {_month(last.month)}"
    highest = max(shown, key=lambda point: point.value)
    lowest = min(shown, key=lambda point: point.value)
    sentence += (
        f". Highest {highest.words} in {_month(highest.month)}; lowest {lowest.words} in {_month(lowest.month)}."
    )
    if measure.lower_is_better:
        sentence += " Lower is better."
    return sentence


def _ceiling(measure: Measure, series: list[Point]) -> float:
    if measure.kind == Kind.SHARE:
        return 100
    return _round_top(max((point.value for point in series if point.value is not None), default=0))


def _round_top(top: float) -> float:
    magnitude = 1
    while True:  # a round step (1, 2 or 5 times a power of ten) whose four steps reach the highest value
        for step in (1, 2, 5):
            if step * magnitude * 4 >= top:
                return step * magnitude * 4
        magnitude *= 10


def _axis_words(measure: Measure, value: float) -> str:
    if measure.kind == Kind.SHARE:
        return f"{value:g}%"
    return f"{value:g}"


def month_chart(measure: Measure, months: list[tuple[date, Figure]], *, element_id: str) -> Markup:
    """A bar for each month (a gap where there is nothing to show), the scale at the left, months below."""
    series = points(measure, months)
    ceiling = _ceiling(measure, series) or 1
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(series), 1)
    every = max(1, round(len(series) / 12 + 0.49))  # no more than about 12 month labels
    parts = [
        f'<svg class="app-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" focusable="false"'
        f' aria-labelledby="{element_id}-title {element_id}-description" id="{element_id}">',
        f'<title id="{element_id}-title">{escape(measure.title)}, month by month</title>',
        f'<desc id="{element_id}-description">{escape(trend(measure, series))}</desc>',
    ]
    for step in range(5):
        value = ceiling * step / 4
        y = TOP + plot_height - plot_height * step / 4
        parts.append(f'<line class="app-chart__grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="app-chart__scale" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_axis_words(measure, value))}</text>"
        )
    for index, point in enumerate(series):
        x = LEFT + slot * index
        if point.value is not None:
            height = max(plot_height * min(point.value, ceiling) / ceiling, 2)  # a zero shows, unlike no figure
            parts.append(
                f'<rect class="app-chart__bar" x="{x + slot * 0.15:.1f}" y="{TOP + plot_height - height:.1f}"'
                f' width="{slot * 0.7:.1f}" height="{height:.1f}"/>'
            )
        if index % every == 0:
            middle = x + slot / 2
            parts.append(
                f'<text class="app-chart__month" x="{middle:.1f}" y="{HEIGHT - BOTTOM + 18}"'
                f' text-anchor="middle">{calendar.month_abbr[point.month.month]}</text>'
            )
            new_year = point.month.month <= every  # the first label of a year
            first_of_many = index == 0 and not (point.month.month + every > 12 and len(series) > every)
            if new_year or first_of_many:  # the year under each January, and under the first month unless one follows
                parts.append(
                    f'<text class="app-chart__month" x="{middle:.1f}" y="{HEIGHT - BOTTOM + 36}"'
                    f' text-anchor="middle">{point.month.year}</text>'
                )
    parts.append(
        f'<line class="app-chart__axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_height}"'
        f' y2="{TOP + plot_height}"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text in it is escaped above)


# Comparisons: a measure broken down (by worker, by team, by partner agency), one horizontal bar for each label.

BAR_WIDTH = 460
BAR_LEFT, BAR_RIGHT, BAR_ROW, BAR_TOP, BAR_BOTTOM = 170, 56, 26, 8, 30
LABEL_LETTERS = 24  # a longer label is cut short in the picture (the table beside it has it whole)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_LETTERS else label[: LABEL_LETTERS - 1].rstrip() + "…"


def comparison_words(measure: Measure, breakdown_words: str, series: list[tuple[str, float | None, str]]) -> str:
    """The comparison in words: the highest and the lowest, and which way is better."""
    shown = [(label, value, words) for label, value, words in series if value is not None]
    what = breakdown_words.lower()
    if not shown:
        return f"Nothing to compare by {what}."
    if len(shown) == 1:
        label, _value, words = shown[0]
        return f"{words} for {label}, the only {what} with {measure.total_words or 'figures'}."
    highest = max(shown, key=lambda item: item[1])
    lowest = min(shown, key=lambda item: item[1])
    if highest[1] == lowest[1]:
        sentence = f"{highest[2]} for each of the {len(shown)}."
    else:
        sentence = f"Highest {highest[2]} for {highest[0]}; lowest {lowest[2]} for {lowest[0]}."
    if measure.lower_is_better:
        sentence += " Lower is better."
    return sentence


def comparison_chart(
    measure: Measure, breakdown: list[tuple[str, Figure]], *, element_id: str, title: str, breakdown_words: str
) -> Markup:
    """A bar for each label of the breakdown (in the table's order), its value written at the end of the bar."""
    series = [
        (label or "None given", value_of(measure, figure), words_for(measure, figure)) for label, figure in breakdown
    ]
    top = max((value for _label, value, _words in series if value is not None), default=0)
    ceiling = 100 if measure.kind == Kind.SHARE else (_round_top(top) or 1)
    plot_width = BAR_WIDTH - BAR_LEFT - BAR_RIGHT
    height = BAR_TOP + BAR_ROW * len(series) + BAR_BOTTOM
    parts = [
        f'<svg class="app-chart app-chart--comparison" viewBox="0 0 {BAR_WIDTH} {height}" role="img"'
        f' focusable="false" aria-labelledby="{element_id}-title {element_id}-description" id="{element_id}">',
        f'<title id="{element_id}-title">{escape(title)}</title>',
        f'<desc id="{element_id}-description">{escape(comparison_words(measure, breakdown_words, series))}</desc>',
    ]
    for index, (label, value, words) in enumerate(series):
        y = BAR_TOP + BAR_ROW * index
        parts.append(
            f'<text class="app-chart__month" x="{BAR_LEFT - 6}" y="{y + BAR_ROW * 0.65:.1f}" text-anchor="end">'
            f"{escape(_short(label))}</text>"
        )
        if value is None:
            continue
        width = max(plot_width * min(value, ceiling) / ceiling, 2)  # a zero shows, unlike nothing to show
        parts.append(
            f'<rect class="app-chart__bar" x="{BAR_LEFT}" y="{y + BAR_ROW * 0.15:.1f}"'
            f' width="{width:.1f}" height="{BAR_ROW * 0.7:.1f}"/>'
        )
        parts.append(
            f'<text class="app-chart__scale" x="{BAR_LEFT + width + 4:.1f}" y="{y + BAR_ROW * 0.65:.1f}">'
            f"{escape(words)}</text>"
        )
    bottom = BAR_TOP + BAR_ROW * len(series)
    parts.append(f'<line class="app-chart__axis" x1="{BAR_LEFT}" x2="{BAR_LEFT}" y1="{BAR_TOP}" y2="{bottom}"/>')
    for step in (0, 2, 4):
        x = BAR_LEFT + plot_width * step / 4
        parts.append(
            f'<text class="app-chart__scale" x="{x:.1f}" y="{bottom + 20}" text-anchor="middle">'
            f"{escape(_axis_words(measure, ceiling * step / 4))}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text in it is escaped above)
