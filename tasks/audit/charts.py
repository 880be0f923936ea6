"""Small inline SVG charts for the HTML audit report: no JavaScript, no CDN (the report is read offline)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

BAR_COLOR = "#3b6ea5"
WARN_COLOR = "#c0392b"
FONT = "font-family=\"sans-serif\" font-size=\"12\""


def horizontal_bars(items: Sequence[tuple[str, int]], *, title: str, width: int = 640,
                    chart_id: str = "") -> str:
    """One bar per (label, count), longest first as given; counts written at the bar's end."""
    if not items:
        return _empty(title, width, chart_id)
    row, label_width, top = 24, 220, 30
    height = top + row * len(items) + 10
    longest = max(count for _, count in items) or 1
    span = width - label_width - 60
    parts = [_open(width, height, title, chart_id)]
    for index, (label, count) in enumerate(items):
        y = top + index * row
        bar = max(span * count / longest, 1)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" {FONT}>{escape(label)}</text>'
            f'<rect class="bar" x="{label_width}" y="{y + 4}" width="{bar:.1f}" height="{row - 8}" fill="{BAR_COLOR}">'
            f"<title>{escape(label)}: {count}</title></rect>"
            f'<text x="{label_width + bar + 6:.1f}" y="{y + 16}" {FONT}>{count}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def histogram(values: Sequence[float], *, title: str, bin_width: float = 5.0, width: int = 640,
              height: int = 260, highlight_below: float | None = None, highlight_above: float | None = None,
              chart_id: str = "") -> str:
    """Counts of `values` in bins of `bin_width` (e.g. execution rates in 5-point bands)."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return _empty(title, width, chart_id)
    low = math.floor(min(finite) / bin_width) * bin_width
    high = math.floor(max(finite) / bin_width) * bin_width + bin_width
    n_bins = max(int(round((high - low) / bin_width)), 1)
    counts = [0] * n_bins
    for value in finite:
        counts[min(int((value - low) // bin_width), n_bins - 1)] += 1
    left, bottom, top = 40, 40, 30
    plot_w, plot_h = width - left - 10, height - top - bottom
    step = plot_w / n_bins
    tallest = max(counts)
    parts = [_open(width, height, title, chart_id),
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#555"/>',
             f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" {FONT}>{tallest}</text>']
    label_every = max(1, math.ceil(n_bins / 12))
    for index, count in enumerate(counts):
        start = low + index * bin_width
        bar_h = plot_h * count / tallest if tallest else 0
        x = left + index * step
        outside = ((highlight_below is not None and start + bin_width <= highlight_below)
                   or (highlight_above is not None and start >= highlight_above))
        color = WARN_COLOR if outside else BAR_COLOR
        parts.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{top + plot_h - bar_h:.1f}" width="{max(step - 2, 1):.1f}" '
            f'height="{bar_h:.1f}" fill="{color}"><title>{start:g}–{start + bin_width:g}%: {count}</title></rect>'
        )
        if index % label_every == 0:
            parts.append(f'<text x="{x:.1f}" y="{top + plot_h + 16}" {FONT}>{start:g}</text>')
    parts.append(f'<text x="{width - 10}" y="{height - 6}" text-anchor="end" {FONT}>%</text></svg>')
    return "".join(parts)


def _open(width: int, height: int, title: str, chart_id: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
            f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" aria-label="{escape(title)}">'
            f'<title>{escape(title)}</title>'
            f'<text x="4" y="18" font-family="sans-serif" font-size="14" font-weight="bold">{escape(title)}</text>')


def _empty(title: str, width: int, chart_id: str) -> str:
    return _open(width, 60, title, chart_id) + f'<text x="4" y="44" {FONT}>（无数据）</text></svg>'
