"""Draw small self-contained SVG charts for the evaluation report.

Every function returns one inline `<svg>` element as a string: no JavaScript, no
external assets, every label escaped. Empty input gives a small "no data" chart.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import TypeGuard

WIDTH = 640
HEIGHT = 320
PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#7f7f7f",
    "#000000",
)
_MARGIN_TOP = 40
_MARGIN_BOTTOM = 56
_MARGIN_LEFT = 64
_MARGIN_RIGHT_WITH_LEGEND = 140
_MARGIN_RIGHT = 24
_FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12"'
_AXIS_COLOUR = "#444444"
_GRID_COLOUR = "#e3e3e3"


def line_chart(
    title: str,
    x_label: str,
    y_label: str,
    series: dict[str, list[tuple[float, float]]],
) -> str:
    """Draw one line with point markers per series; y is expected in [0, 1]."""
    cleaned = {
        name: sorted((x, y) for x, y in points if _finite(x) and _finite(y))
        for name, points in series.items()
    }
    cleaned = {name: points for name, points in cleaned.items() if points}
    if not cleaned:
        return no_data_chart(title)
    xs = [x for points in cleaned.values() for x, _ in points]
    ys = [y for points in cleaned.values() for _, y in points]
    x_low, x_high = _padded_range(min(xs), max(xs))
    y_low, y_high = min(0.0, min(ys)), max(1.0, max(ys))
    plot = _PlotArea(legend=len(cleaned) > 1)
    parts = [_svg_open(title), _title_text(title)]
    parts.append(_y_axis(plot, y_low, y_high, _ticks(y_low, y_high), y_label))
    x_ticks = _integer_ticks(xs) or _ticks(x_low, x_high)
    parts.append(_x_baseline(plot))
    for tick in x_ticks:
        x = plot.x_position(tick, x_low, x_high)
        parts.append(_tick_label(x, plot.bottom + 18, _format_number(tick)))
    parts.append(_x_axis_label(plot, x_label))
    for index, (name, points) in enumerate(cleaned.items()):
        colour = PALETTE[index % len(PALETTE)]
        coordinates = [
            (plot.x_position(x, x_low, x_high), plot.y_position(y, y_low, y_high))
            for x, y in points
        ]
        if len(coordinates) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" '
                'stroke-width="2" stroke-linejoin="round"/>'
            )
        for (x, y), (value_x, value_y) in zip(coordinates, points, strict=True):
            tooltip = f"{name}: {_format_number(value_x)} → {_format_number(value_y)}"
            parts.append(
                f'<circle class="marker" cx="{x:.1f}" cy="{y:.1f}" r="3.5" '
                f'fill="{colour}" stroke="#ffffff" stroke-width="1">'
                f"<title>{_escape(tooltip)}</title></circle>"
            )
    if len(cleaned) > 1:
        parts.append(_legend(plot, list(cleaned)))
    parts.append("</svg>")
    return "\n".join(parts)


def grouped_bar_chart(
    title: str,
    y_label: str,
    groups: list[str],
    series: dict[str, list[float | None]],
) -> str:
    """Draw one bar per series within each group; None leaves a gap."""
    values = {
        name: [_value_at(row, index) for index in range(len(groups))]
        for name, row in series.items()
    }
    present = [value for row in values.values() for value in row if value is not None]
    if not groups or not present:
        return no_data_chart(title)
    y_low, y_high = min(0.0, min(present)), max(1.0, max(present))
    plot = _PlotArea(legend=len(values) > 1)
    parts = [_svg_open(title), _title_text(title)]
    parts.append(_y_axis(plot, y_low, y_high, _ticks(y_low, y_high), y_label))
    parts.append(_x_baseline(plot))
    group_width = plot.width / len(groups)
    bar_width = group_width * 0.8 / max(1, len(values))
    zero = plot.y_position(0.0, y_low, y_high)
    for group_index, group in enumerate(groups):
        group_left = plot.left + group_index * group_width + group_width * 0.1
        centre = plot.left + (group_index + 0.5) * group_width
        parts.append(_tick_label(centre, plot.bottom + 18, group, group_width))
        for series_index, (name, row) in enumerate(values.items()):
            value = row[group_index]
            if value is None:
                continue
            top = plot.y_position(value, y_low, y_high)
            x = group_left + series_index * bar_width
            tooltip = f"{name}, {group}: {_format_number(value)}"
            height = abs(zero - top)
            parts.append(
                _bar(x, min(top, zero), bar_width, height, series_index, tooltip)
            )
    if len(values) > 1:
        parts.append(_legend(plot, list(values)))
    parts.append("</svg>")
    return "\n".join(parts)


def histogram(
    title: str,
    x_label: str,
    series: dict[str, list[float]],
    bins: int = 10,
    value_range: tuple[float, float] = (0.0, 1.0),
) -> str:
    """Count values into equal bins, bars side by side per series; y is the count.

    Values outside `value_range` are counted in the first or last bin.
    """
    bin_count = max(1, int(bins))
    low, high = value_range
    if not (_finite(low) and _finite(high)) or high <= low:
        low = low if _finite(low) else 0.0
        high = low + 1.0
    counts = {
        name: _bin_counts(values, bin_count, low, high)
        for name, values in series.items()
        if any(_finite(value) for value in values)
    }
    if not counts:
        return no_data_chart(title)
    top_count = max(max(row) for row in counts.values())
    y_high = float(max(1, top_count))
    y_ticks = [tick for tick in _ticks(0.0, y_high) if tick == int(tick)]
    plot = _PlotArea(legend=len(counts) > 1)
    parts = [_svg_open(title), _title_text(title)]
    parts.append(_y_axis(plot, 0.0, y_high, y_ticks, "count"))
    parts.append(_x_baseline(plot))
    bin_width = plot.width / bin_count
    bar_width = bin_width * 0.9 / len(counts)
    zero = plot.bottom
    step = (high - low) / bin_count
    for bin_index in range(bin_count):
        bin_left = plot.left + bin_index * bin_width + bin_width * 0.05
        for series_index, (name, row) in enumerate(counts.items()):
            count = row[bin_index]
            if count == 0:
                continue
            top = plot.y_position(float(count), 0.0, y_high)
            x = bin_left + series_index * bar_width
            start, end = low + bin_index * step, low + (bin_index + 1) * step
            tooltip = f"{name}, {_format_number(start)}–{_format_number(end)}: {count}"
            parts.append(_bar(x, top, bar_width, zero - top, series_index, tooltip))
    label_every = max(1, math.ceil(bin_count / 10))
    for edge_index in range(0, bin_count + 1, label_every):
        x = plot.left + edge_index * bin_width
        label = _format_number(low + edge_index * step)
        parts.append(_tick_label(x, plot.bottom + 18, label))
    parts.append(_x_axis_label(plot, x_label))
    if len(counts) > 1:
        parts.append(_legend(plot, list(counts)))
    parts.append("</svg>")
    return "\n".join(parts)


def no_data_chart(title: str) -> str:
    """Draw a small placeholder chart that says "no data"."""
    width, height = 320, 80
    return "\n".join(
        [
            _svg_open(title, width, height),
            f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" '
            f'fill="#fafafa" stroke="{_GRID_COLOUR}"/>',
            f'<text x="{width / 2}" y="26" text-anchor="middle" '
            f'font-weight="600">{_escape(_shorten(title, 48))}</text>',
            f'<text x="{width / 2}" y="54" text-anchor="middle" '
            'fill="#777777">no data</text>',
            "</svg>",
        ]
    )


class _PlotArea:
    """The rectangle data is drawn in, and the mapping of values into it."""

    def __init__(self, *, legend: bool) -> None:
        right_margin = _MARGIN_RIGHT_WITH_LEGEND if legend else _MARGIN_RIGHT
        self.left = float(_MARGIN_LEFT)
        self.right = float(WIDTH - right_margin)
        self.top = float(_MARGIN_TOP)
        self.bottom = float(HEIGHT - _MARGIN_BOTTOM)
        self.width = self.right - self.left
        self.height = self.bottom - self.top

    def x_position(self, value: float, low: float, high: float) -> float:
        """Map a data value to a horizontal pixel position."""
        return self.left + (value - low) / (high - low) * self.width

    def y_position(self, value: float, low: float, high: float) -> float:
        """Map a data value to a vertical pixel position (up is larger)."""
        return self.bottom - (value - low) / (high - low) * self.height


def _svg_open(title: str, width: int = WIDTH, height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="{_escape(title)}" {_FONT}>'
        f"<title>{_escape(title)}</title>"
    )


def _title_text(title: str) -> str:
    return (
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="14" '
        f'font-weight="600">{_escape(_shorten(title, 80))}</text>'
    )


def _y_axis(
    plot: _PlotArea, low: float, high: float, ticks: Sequence[float], label: str
) -> str:
    parts = [
        f'<line x1="{plot.left}" y1="{plot.top}" x2="{plot.left}" '
        f'y2="{plot.bottom}" stroke="{_AXIS_COLOUR}"/>'
    ]
    for tick in ticks:
        y = plot.y_position(tick, low, high)
        parts.append(
            f'<line x1="{plot.left}" y1="{y:.1f}" x2="{plot.right}" y2="{y:.1f}" '
            f'stroke="{_GRID_COLOUR}"/>'
        )
        parts.append(
            f'<text x="{plot.left - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'fill="{_AXIS_COLOUR}">{_escape(_format_number(tick))}</text>'
        )
    middle = (plot.top + plot.bottom) / 2
    parts.append(
        f'<text x="16" y="{middle:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 16 {middle:.1f})">{_escape(_shorten(label, 40))}'
        "</text>"
    )
    return "\n".join(parts)


def _x_baseline(plot: _PlotArea) -> str:
    return (
        f'<line x1="{plot.left}" y1="{plot.bottom}" x2="{plot.right}" '
        f'y2="{plot.bottom}" stroke="{_AXIS_COLOUR}"/>'
    )


def _x_axis_label(plot: _PlotArea, label: str) -> str:
    centre = (plot.left + plot.right) / 2
    return (
        f'<text x="{centre:.1f}" y="{HEIGHT - 12}" text-anchor="middle">'
        f"{_escape(_shorten(label, 60))}</text>"
    )


def _tick_label(x: float, y: float, label: str, room: float | None = None) -> str:
    limit = max(4, int(room / 7)) if room is not None else 16
    shown = _shorten(label, limit)
    full = f"<title>{_escape(label)}</title>" if shown != label else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" '
        f'fill="{_AXIS_COLOUR}">{full}{_escape(shown)}</text>'
    )


def _bar(
    x: float, y: float, width: float, height: float, colour_index: int, tooltip: str
) -> str:
    colour = PALETTE[colour_index % len(PALETTE)]
    return (
        f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
        f'height="{height:.1f}" fill="{colour}"><title>{_escape(tooltip)}</title>'
        "</rect>"
    )


def _legend(plot: _PlotArea, names: list[str]) -> str:
    parts = ['<g class="legend">']
    for index, name in enumerate(names):
        y = plot.top + index * 20
        colour = PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="{plot.right + 16}" y="{y:.1f}" width="12" height="12" '
            f'fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{plot.right + 34}" y="{y + 10:.1f}">'
            f"{_escape(_shorten(name, 14))}</text>"
        )
    parts.append("</g>")
    return "\n".join(parts)


def _bin_counts(
    values: Iterable[float], bins: int, low: float, high: float
) -> list[int]:
    counts = [0] * bins
    for value in values:
        if not _finite(value):
            continue
        position = int((value - low) / (high - low) * bins)
        counts[min(bins - 1, max(0, position))] += 1
    return counts


def _ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Choose round tick values that cover [low, high]."""
    span = high - low
    if span <= 0:
        return [low]
    raw_step = span / target
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(
        factor * magnitude
        for factor in (1.0, 2.0, 2.5, 5.0, 10.0)
        if factor * magnitude >= raw_step
    )
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    return [round(index * step, 10) for index in range(first, last + 1)]


def _integer_ticks(values: Sequence[float]) -> list[float]:
    distinct = sorted(set(values))
    if len(distinct) <= 12 and all(value == int(value) for value in distinct):
        return distinct
    return []


def _padded_range(low: float, high: float) -> tuple[float, float]:
    if high > low:
        return low, high
    return low - 0.5, high + 0.5


def _value_at(row: Sequence[float | None], index: int) -> float | None:
    value = row[index] if index < len(row) else None
    return float(value) if _finite(value) else None


def _finite(value: object) -> TypeGuard[float]:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _format_number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"


def _escape(text: str) -> str:
    return html.escape(text, quote=True)
