"""Charts drawn on the server as SVG: no JavaScript library, the same picture on screen and in the PDF.

Every chart is an ``<svg role="img">`` named by its ``<title>`` and ``<desc>``; the description
states the figures in words, and the pages also give them in a table, so a screen reader
(or a reader of the PDF without colours) loses nothing. Colours meet WCAG contrast on white and
are never the only carrier of a meaning (values are written beside bars and in the legend).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from vigie.reports import formatting

# Colours of the series, in order (dark enough for text on white and for 3:1 against each other's neighbours).
PALETTE = ("#1f5fbf", "#c2410c", "#1e7b34", "#6b3fa0", "#8a5a00", "#0b5060")
MET = "#1e7b34"
MISSED = "#b3261e"
TRACK = "#e3e7ee"
GRID = "#d9dee6"
INK = "#1b2330"
MUTED = "#556070"
FONT = "DejaVu Sans, system-ui, sans-serif"

Formatter = Callable[[float], str]


def _plain(value: float) -> str:
    return formatting.number(value, 0 if float(value).is_integer() else 1)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    color: str = ""


def _identifier(*parts: object) -> str:
    digest = hashlib.sha1(repr(parts).encode("utf-8"), usedforsecurity=False).hexdigest()[:10]
    return f"chart-{digest}"


def _svg(width: int, height: int, title: str, description: str, body: list[str], css_class: str) -> SafeString:
    identifier = _identifier(title, description, body)
    # Every text below went through escape().
    return mark_safe(
        f'<svg class="chart {css_class}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{identifier}-title {identifier}-desc" '
        f'font-family="{FONT}" font-size="11">'
        f'<title id="{identifier}-title">{escape(title)}</title>'
        f'<desc id="{identifier}-desc">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, content: str, *, anchor: str = "start", fill: str = INK, size: int = 11, weight: str = "") -> str:
    bold = ' font-weight="bold"' if weight else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" font-size="{size}"{bold}>{escape(content)}</text>'


def nice_ceiling(maximum: float, ticks: int = 4) -> tuple[float, float]:
    """An axis top at or above ``maximum`` and a round step (1, 2 or 5 × 10^n) dividing it."""
    if maximum <= 0:
        return 1.0, 1.0 / ticks
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return step * math.ceil(maximum / step), step


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts = []
    for index, item in enumerate(series):
        color = item.color or PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{color}"/>')
        parts.append(_text(x + 14, y, item.name))
        x += 22 + 7 * len(item.name)
    return parts


def _describe(labels: Sequence[str], series: Sequence[Series], formatter: Formatter) -> str:
    lines = []
    for item in series:
        values = ", ".join(
            f"{label}: {formatter(value) if value is not None else formatting.NOTHING}"
            for label, value in zip(labels, item.values, strict=False)
        )
        lines.append(f"{item.name} — {values}" if len(series) > 1 or item.name else values)
    return "; ".join(lines)


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    description: str = "",
    formatter: Formatter = _plain,
    width: int = 560,
    color: str = PALETTE[0],
) -> SafeString:
    """Horizontal bars, one per labelled value, largest scale at the longest bar (categories, channels)."""
    row, label_width, value_width = 24, min(220, width // 2.6), 70
    height = max(row * len(items) + 8, 30)
    top = max((value for _label, value in items), default=0)
    span = width - label_width - value_width
    body = []
    if not items:
        body.append(_text(width / 2, 20, formatting.NOTHING, anchor="middle", fill=MUTED))
    for index, (label, value) in enumerate(items):
        y = 4 + index * row
        length = 0 if top <= 0 else max(span * value / top, 1 if value else 0)
        shown = label if len(label) <= 34 else label[:33] + "…"
        body.append(_text(label_width - 6, y + 15, shown, anchor="end"))
        body.append(f'<rect x="{label_width:.1f}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" rx="2" fill="{color}"/>')
        body.append(_text(label_width + length + 5, y + 15, formatter(value), fill=INK))
    summary = description or "; ".join(f"{label}: {formatter(value)}" for label, value in items)
    return _svg(width, height, title, summary, body, "chart--bars")


def column_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str = "",
    formatter: Formatter = _plain,
    width: int = 640,
    height: int = 220,
) -> SafeString:
    """Vertical columns per label (a month), one column per series side by side (opened, resolved)."""
    left, right, top, bottom = 44, 8, 24, 34
    plot_width, plot_height = width - left - right, height - top - bottom
    values = [value for item in series for value in item.values if value is not None]
    ceiling, step = nice_ceiling(max(values, default=0))
    body = _grid(left, top, plot_width, plot_height, ceiling, step, formatter)
    group = plot_width / max(len(labels), 1)
    column = min(group * 0.8 / max(len(series), 1), 28)
    for index, label in enumerate(labels):
        x0 = left + index * group + (group - column * len(series)) / 2
        for number, item in enumerate(series):
            value = item.values[index] if index < len(item.values) else None
            if value is None:
                continue
            bar = plot_height * value / ceiling
            color = item.color or PALETTE[number % len(PALETTE)]
            body.append(
                f'<rect x="{x0 + number * column:.1f}" y="{top + plot_height - bar:.1f}" width="{column - 1:.1f}" '
                f'height="{bar:.1f}" fill="{color}"/>'
            )
        body.append(_text(left + index * group + group / 2, height - bottom + 14, label, anchor="middle", fill=MUTED, size=10))
    if len(series) > 1 or any(item.name for item in series):
        body.extend(_legend(series, left, 12))
    return _svg(width, height, title, description or _describe(labels, series, formatter), body, "chart--columns")


def _grid(left: float, top: float, width: float, height: float, ceiling: float, step: float, formatter: Formatter) -> list[str]:
    parts = []
    ticks = round(ceiling / step)
    for tick in range(ticks + 1):
        value = step * tick
        y = top + height - height * value / ceiling
        parts.append(
            f'<line x1="{left:.1f}" x2="{left + width:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(left - 5, y + 4, formatter(value), anchor="end", fill=MUTED, size=10))
    return parts


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    description: str = "",
    formatter: Formatter = _plain,
    width: int = 640,
    height: int = 220,
    ceiling: float | None = None,
) -> SafeString:
    """Lines over labelled points (a trend by month); a missing value breaks the line."""
    left, right, top, bottom = 54, 12, 24, 34
    plot_width, plot_height = width - left - right, height - top - bottom
    values = [value for item in series for value in item.values if value is not None]
    top_value, step = nice_ceiling(ceiling if ceiling is not None else max(values, default=0))
    body = _grid(left, top, plot_width, plot_height, top_value, step, formatter)
    gap = plot_width / max(len(labels) - 1, 1)

    def x_of(index: int) -> float:
        return left + (index * gap if len(labels) > 1 else plot_width / 2)

    for index, label in enumerate(labels):
        body.append(_text(x_of(index), height - bottom + 14, label, anchor="middle", fill=MUTED, size=10))
    for number, item in enumerate(series):
        color = item.color or PALETTE[number % len(PALETTE)]
        segments: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(item.values[: len(labels)]):
            if value is None:
                segments.append([])
                continue
            segments[-1].append((x_of(index), top + plot_height - plot_height * min(value, top_value) / top_value))
        for segment in segments:
            if len(segment) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
                body.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2.5"/>')
            for x, y in segment:
                body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"/>')
    if len(series) > 1 or any(item.name for item in series):
        body.extend(_legend(series, left, 12))
    return _svg(width, height, title, description or _describe(labels, series, formatter), body, "chart--line")


def gauge(rate: float | None, *, title: str, description: str = "", width: int = 180) -> SafeString:
    """A half-ring filled to ``rate`` (a compliance rate), the figure written in its middle."""
    height = width * 0.62
    cx, cy, radius, thickness = width / 2, width / 2, width / 2 - 12, 16
    shown = formatting.percent(rate)

    def arc(fraction: float) -> str:
        angle = math.pi * (1 - fraction)
        x, y = cx + radius * math.cos(angle), cy - radius * math.sin(angle)
        return f"M {cx - radius:.1f} {cy:.1f} A {radius:.1f} {radius:.1f} 0 0 1 {x:.2f} {y:.2f}"

    body = [f'<path d="{arc(1)}" fill="none" stroke="{TRACK}" stroke-width="{thickness}"/>']
    if rate is not None and rate > 0:
        color = MET if rate >= 0.9 else (PALETTE[4] if rate >= 0.75 else MISSED)
        body.append(f'<path d="{arc(min(rate, 0.9999))}" fill="none" stroke="{color}" stroke-width="{thickness}"/>')
    body.append(_text(cx, cy - 4, shown, anchor="middle", size=20, weight="bold"))
    return _svg(int(width), int(height), title, description or f"{title}: {shown}", body, "chart--gauge")


def compliance_bar(met: int, total: int, *, title: str, met_label: str, missed_label: str, width: int = 260) -> SafeString:
    """A 100 % bar split into met (green) and missed (red), with the counts written below it."""
    height = 40
    body = [f'<rect x="0" y="2" width="{width}" height="14" rx="3" fill="{TRACK}"/>']
    if total:
        met_width = width * met / total
        body.append(f'<rect x="0" y="2" width="{met_width:.1f}" height="14" fill="{MET}"/>')
        body.append(f'<rect x="{met_width:.1f}" y="2" width="{width - met_width:.1f}" height="14" fill="{MISSED}"/>')
    text = f"{met_label}: {met} · {missed_label}: {total - met}" if total else formatting.NOTHING
    body.append(_text(0, 32, text, fill=MUTED, size=10))
    return _svg(width, height, title, f"{title}: {text}", body, "chart--stacked")
