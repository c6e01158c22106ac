"""Charts of the HTML annual report, drawn with matplotlib as inline SVG.

The SVG goes into the page as it is, so a chart needs no JavaScript, no file beside the page
and no network. Labels come from case data and scraped pages: matplotlib writes text into the
SVG XML-escaped, and mathtext is switched off so that a `$` in a reason is just a `$`. The
output is deterministic (fixed ids, no date), so an unchanged warehouse gives an unchanged page.
Suppressed cells (text such as ``<5``) and missing values are left out of a chart, never drawn
as a number.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, MaxNLocator

STYLE = {
    "svg.fonttype": "none",  # text stays text: searchable, crisp, small
    "svg.hashsalt": "feedback-pipeline",  # stable element ids
    "text.parse_math": False,
    "font.family": ["DejaVu Sans", "sans-serif"],
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
}
PALETTE = ["#1d4f91", "#e07b00", "#5b8c2a", "#8e3b8a", "#c0392b", "#6b6b6b", "#2a9d8f"]
HIGHLIGHT = "#c0392b"
MUTED = "#9bb3d1"


def number(value: Any) -> float | None:
    """The value as a number to draw, or None when it is missing or suppressed text."""
    if value is None or isinstance(value, str):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(result) else result


def _drawable(series: dict[str, Sequence[Any]]) -> dict[str, list[float | None]]:
    """The series as numbers to draw (None where missing or suppressed), without series that
    have nothing to draw."""
    numbers = {name: [number(v) for v in values] for name, values in series.items()}
    return {name: values for name, values in numbers.items() if any(v is not None for v in values)}


def _svg(fig: plt.Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    # Inline in HTML: drop the XML prolog and DOCTYPE, keep the <svg> element, and make its
    # ids (figure_1, clip paths ...) unique in the page, deterministically.
    svg = text[text.index("<svg") :]
    prefix = "c" + hashlib.sha1(svg.encode("utf-8")).hexdigest()[:8] + "-"
    svg = re.sub(r'\bid="', f'id="{prefix}', svg)
    svg = svg.replace("url(#", f"url(#{prefix}").replace('href="#', f'href="#{prefix}')
    return svg


def _percent_axis(axis: Any) -> None:
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}"))


def horizontal_bars(
    labels: Sequence[str],
    values: Sequence[Any],
    title: str,
    *,
    as_percent: bool = False,
    money: bool = False,
    highlight: str | None = None,
    reference: tuple[str, float] | None = None,
) -> str | None:
    """A bar per label, largest first at the top; None when nothing can be drawn."""
    pairs = [(str(label), number(v)) for label, v in zip(labels, values, strict=True)]
    pairs = [(label, v) for label, v in pairs if v is not None]
    if not pairs:
        return None
    pairs.sort(key=lambda pair: pair[1])
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.0, 0.6 + 0.28 * len(pairs)))
        colours = [
            HIGHLIGHT if highlight is not None and label == highlight else PALETTE[0]
            for label, _ in pairs
        ]
        if highlight is not None:
            colours = [c if c == HIGHLIGHT else MUTED for c in colours]
        ax.barh([label for label, _ in pairs], [v for _, v in pairs], color=colours)
        if as_percent:
            _percent_axis(ax.xaxis)
        elif money:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"£{v:,.0f}"))
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        if reference is not None:
            name, value = reference
            ax.axvline(value, color="#333333", linestyle="--", linewidth=1)
            ax.annotate(
                name,
                (value, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, 2),
                textcoords="offset points",
                fontsize=8,
            )
        ax.set_title(title, loc="left")
        ax.tick_params(axis="y", labelsize=8)
        return _svg(fig)


def lines(
    x_labels: Sequence[str],
    series: dict[str, Sequence[Any]],
    title: str,
    *,
    tick_every: int = 3,
) -> str | None:
    """One line per series over the x labels (months); gaps where a value is missing."""
    drawable = _drawable(series)
    if not drawable or not x_labels:
        return None
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.5, 3.0))
        positions = list(range(len(x_labels)))
        for colour, (name, values) in zip(PALETTE, drawable.items(), strict=False):
            ax.plot(
                positions,
                [math.nan if v is None else v for v in values],
                label=name,
                color=colour,
                linewidth=1.6,
            )
        ax.set_xticks(positions[::tick_every], [x_labels[i] for i in positions[::tick_every]])
        ax.tick_params(axis="x", labelsize=7)
        plt.setp(ax.get_xticklabels(), rotation=45, ha="right", rotation_mode="anchor")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_ylim(bottom=0)
        ax.legend(frameon=False, fontsize=8)
        ax.set_title(title, loc="left")
        return _svg(fig)


def stacked_columns(
    x_labels: Sequence[str],
    stacks: dict[str, Sequence[Any]],
    title: str,
    *,
    tick_every: int = 1,
) -> str | None:
    """Columns over the x labels, each made of the stacks in order (missing values as 0 height
    would mislead, so a column with a missing part is drawn without that part)."""
    drawable = _drawable(stacks)
    if not drawable or not x_labels:
        return None
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(7.5, 3.0))
        positions = list(range(len(x_labels)))
        bottoms = [0.0] * len(x_labels)
        for colour, (name, values) in zip(PALETTE, drawable.items(), strict=False):
            heights = [0.0 if v is None else v for v in values]
            ax.bar(positions, heights, bottom=bottoms, label=name, color=colour, width=0.8)
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        ax.set_xticks(positions[::tick_every], [x_labels[i] for i in positions[::tick_every]])
        ax.tick_params(axis="x", labelsize=7)
        plt.setp(ax.get_xticklabels(), rotation=45, ha="right", rotation_mode="anchor")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.legend(frameon=False, fontsize=8, ncols=min(len(drawable), 4))
        ax.set_title(title, loc="left")
        return _svg(fig)
