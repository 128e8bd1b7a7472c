"""Drawing helpers shared by the examples: labelled heatmaps, a path through the plane, arrows from the origin.

Every helper draws onto a matplotlib `Axes` you give it, so a figure can mix them. Draw inside
`figure_style()` (from `_render`): the helpers take their ink from it. Figures are dark ink on a transparent
background; on the dark palette the site sets each figure on a light card, so one set of colours serves both.
Colours come from Okabe and Ito's palette, which colour-blind readers can tell apart, starting with the ones
that keep a 3:1 contrast with white, so that coloured labels stay readable.

Examples:
    >>> import matplotlib
    >>> matplotlib.use("svg")
    >>> import matplotlib.pyplot as plt
    >>> figure, axes = plt.subplots()
    >>> image = heatmap(axes, [[0.1, -0.5]], ["forget gate"], ["unit 1", "unit 2"])
    >>> plane(axes, [(0.6657, -0.1784)], square=True)
    >>> plt.close(figure)
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import matplotlib.colors as mcolors
import numpy as np
from matplotlib.axes import Axes
from matplotlib.image import AxesImage

from _render import format_number

# Okabe & Ito (2008), without black and yellow; the first four keep a contrast of at least 3:1 on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
"""Colours for tokens, in the order of the sequence: a token has the same colour in every figure."""

SIGNED = "RdBu_r"
"""Colour map for values of either sign: blue below zero, white at zero, red above (safe for red-green blindness)."""

SHARES = "Blues"
"""Colour map for values from 0 to 1 that are parts of a whole, such as attention weights."""

GATES = "Greys"
"""Colour map for gates, from 0 (white, shut) to 1 (black, open): a hue of its own, so that a gate is never
mistaken for a state of either sign drawn in [SIGNED][] beside it, whatever the reader's colour vision."""

GATE_SCALE = ((0.0, 1.0), GATES)
"""The fixed colour scale of a gate on every page that draws one."""

STATE_SCALE = ((-1.0, 1.0), SIGNED)
"""The fixed colour scale of a candidate or a state on the LSTM and GRU pages: -1 to 1, beyond it the end colour."""


def token_colour(position: int) -> str:
    """The colour of the token at this position of the sequence."""
    return PALETTE[position % len(PALETTE)]


def foreground() -> str:
    """The current style's text colour, used for axes, labels and arrows that carry no meaning of their own."""
    return mpl.rcParams["text.color"]


def text_colour_on(fill: str | tuple[float, ...]) -> str:
    """Near-black or white, whichever reads better on an opaque fill of this colour (WCAG luminance)."""
    rgba = mcolors.to_rgba(fill)
    channels = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3]]
    luminance = 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]
    return "#111111" if luminance > 0.22 else "#ffffff"


def heatmap(
    axes: Axes,
    values: Sequence[Sequence[float]],
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    *,
    limits: tuple[float, float] = (-1.0, 1.0),
    colour_map: str = SIGNED,
    digits: int = 4,
    column_groups: Sequence[str] | None = None,
    blank: Sequence[Sequence[bool]] | None = None,
    row_scales: Sequence[tuple[tuple[float, float], str]] | None = None,
) -> AxesImage:
    """A grid of coloured cells with each value printed in its cell and every row and column labelled.

    Args:
        axes: Where to draw.
        values: (rows, columns) the numbers.
        row_labels: One label per row, shown on the left.
        column_labels: One label per column, shown on top.
        limits: The values the two ends of the colour map stand for.
        colour_map: A matplotlib colour map name, e.g. [SIGNED][] or [SHARES][].
        digits: Decimals printed in each cell (4, as torch prints a tensor).
        column_groups: If given, one name per group of equally many columns (e.g. one per step); the groups
            are named above the column labels and separated by a gap line.
        blank: (rows, columns) `True` where a cell holds no value (e.g. a masked attention pair): drawn
            hatched, with a dash instead of a number.
        row_scales: If given, one (limits, colour map) per row, in place of `limits` and `colour_map`: rows
            that hold different kinds of number (gates from 0 to 1, states of either sign) each keep a fixed
            scale of their own.

    Returns:
        The image, for `figure.colorbar` if the figure wants a colour key (with `row_scales`, the first row's).
    """
    grid = np.asarray(values, dtype=float)
    rows, columns = grid.shape
    scales = list(row_scales) if row_scales is not None else [(limits, colour_map)] * rows
    if len(scales) != rows:
        raise ValueError(f"row_scales has {len(scales)} entries for {rows} rows: give one per row")
    hidden = np.zeros_like(grid, dtype=bool) if blank is None else np.asarray(blank, dtype=bool)
    images = {}
    for scale in dict.fromkeys(scales):  # each distinct scale once, in the order the rows first use it
        others = np.array([row_scale != scale for row_scale in scales])[:, None]  # (rows, 1)
        shown = np.ma.masked_array(grid, mask=hidden | others)
        images[scale] = axes.imshow(shown, cmap=mpl.colormaps[scale[1]], norm=mcolors.Normalize(*scale[0]),
                                    aspect="auto", interpolation="nearest")
    image = images[scales[0]]
    for row in range(rows):
        for column in range(columns):
            if hidden[row, column]:
                axes.add_patch(
                    mpl.patches.Rectangle(
                        (column - 0.5, row - 0.5), 1, 1, fill=False, hatch="///", edgecolor=foreground(),
                        linewidth=0, alpha=0.45,
                    )
                )
                axes.text(column, row, "–", ha="center", va="center", color=foreground())
                continue
            value = grid[row, column]
            (low, high), name = scales[row]
            fill = mpl.colormaps[name](mcolors.Normalize(low, high)(value))
            axes.text(column, row, format_number(value, digits), ha="center", va="center", color=text_colour_on(fill))
    axes.set_xticks(range(columns), column_labels)
    axes.set_yticks(range(rows), row_labels)
    axes.xaxis.tick_top()
    axes.tick_params(length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    # Thin gaps between cells in the page colour would need to know the page; white lines read on both.
    axes.set_xticks(np.arange(columns + 1) - 0.5, minor=True)
    axes.set_yticks(np.arange(rows + 1) - 0.5, minor=True)
    axes.grid(which="minor", color="white", linewidth=1.5)
    axes.grid(which="major", visible=False)
    axes.tick_params(which="minor", length=0)
    if column_groups:
        width = columns // len(column_groups)
        for index, name in enumerate(column_groups):
            centre = index * width + (width - 1) / 2
            axes.annotate(
                name, xy=(centre, 1), xycoords=("data", "axes fraction"), xytext=(0, 16),
                textcoords="offset points", ha="center", va="bottom", fontweight="bold",
            )
            if index:
                axes.axvline(index * width - 0.5, color="white", linewidth=5)
    return image


def steps_heatmap(
    axes: Axes,
    values: Sequence[Sequence[Sequence[float]]],
    row_labels: Sequence[str],
    tokens: Sequence[str],
    *,
    gate_rows: int,
    row_scales: Sequence[tuple[tuple[float, float], str]] | None = None,
) -> AxesImage:
    """A recurrent model's gates and states at every step, as one [heatmap][]: a row per quantity, a column per unit.

    The columns are grouped by step, each group named after the token the step reads, so a row read from left
    to right follows one quantity through the sequence.

    Args:
        axes: Where to draw.
        values: (rows, steps, units) each quantity at each step, in the order the model computes them.
        row_labels: One label per quantity.
        tokens: The token each step reads, one per step.
        gate_rows: How many of the first rows are gates: a line sets them apart from the states they produce.
        row_scales: If given, one (limits, colour map) per quantity, as for [heatmap][]: e.g. [GATE_SCALE][]
            for the gates and [STATE_SCALE][] for the rest.

    Returns:
        The image, for `figure.colorbar` if the figure wants a colour key.
    """
    grid = np.asarray(values, dtype=float)
    rows, steps, units = grid.shape
    image = heatmap(
        axes,
        grid.reshape(rows, steps * units),  # columns step by step, the units of a step side by side
        row_labels,
        [f"unit {unit + 1}" for _ in range(steps) for unit in range(units)],
        column_groups=[f"Step {t} · {token}" for t, token in enumerate(tokens, 1)],
        row_scales=row_scales,
    )
    for tick in axes.get_xticklabels():
        tick.set_fontsize(8)  # the unit labels repeat in every group; the step names above them matter more
    axes.axhline(gate_rows - 0.5, color="white", linewidth=5)
    return image


def plane(
    axes: Axes,
    points: Sequence[Sequence[float]],
    *,
    square: bool = False,
    margin: float = 0.25,
    ticks: Sequence[float] | None = None,
    labels: Sequence[str] | None = None,
) -> None:
    """Set up the axes as a plane: equal scales, axes lines through the origin, room for every point.

    Args:
        axes: Where to draw.
        points: Every point the figure will show, so that all of them fit.
        square: Mark the square from -1 to 1 on both axes, the only place a tanh can reach.
        margin: Room to leave around the points, in data units.
        ticks: Tick positions for both axes; by default matplotlib's.
        labels: What the two coordinates are, e.g. `("unit 1", "unit 2")`: the labels of the x and y axes.
    """
    coordinates = np.asarray(points, dtype=float).reshape(-1, 2)
    coordinates = np.vstack([coordinates, [[0.0, 0.0]]] + ([[[-1.0, -1.0], [1.0, 1.0]]] if square else []))
    low = coordinates.min(axis=0) - margin
    high = coordinates.max(axis=0) + margin
    axes.set_xlim(low[0], high[0])
    axes.set_ylim(low[1], high[1])
    axes.set_aspect("equal")
    axes.axhline(0, color=foreground(), linewidth=0.6, alpha=0.5, zorder=0)
    axes.axvline(0, color=foreground(), linewidth=0.6, alpha=0.5, zorder=0)
    if square:
        axes.add_patch(
            mpl.patches.Rectangle(
                (-1, -1), 2, 2, fill=False, linestyle=(0, (4, 3)), linewidth=1, edgecolor=foreground(), alpha=0.6,
                zorder=0,
            )
        )
    if ticks is not None:
        axes.set_xticks(ticks)
        axes.set_yticks(ticks)
    if labels is not None:
        axes.set_xlabel(labels[0])
        axes.set_ylabel(labels[1])
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def arrow(
    axes: Axes,
    start: Sequence[float],
    end: Sequence[float],
    *,
    colour: str,
    label: str | None = None,
    label_offset: tuple[float, float] = (6, 6),
    style: str = "-|>",
    linestyle: str = "solid",
    linewidth: float = 2.0,
    shrink: float = 0.0,
) -> None:
    """An arrow from one point of the plane to another, with an optional label at its head.

    Args:
        axes: Where to draw.
        start: (x, y) the tail.
        end: (x, y) the head.
        colour: The arrow's colour.
        label: Text written next to the head.
        label_offset: Where the label sits relative to the head, in points.
        style: A matplotlib arrow style.
        linestyle: A matplotlib line style, e.g. "dashed" for a step that is not a vector sum.
        linewidth: The shaft's width in points.
        shrink: How far short of the head point the arrow stops, in points (to clear a marker drawn there).
    """
    axes.annotate(
        "", xy=tuple(end), xytext=tuple(start),
        arrowprops={
            "arrowstyle": style, "color": colour, "linewidth": linewidth, "linestyle": linestyle,
            "shrinkA": 0, "shrinkB": shrink, "mutation_scale": 14,
        },
    )
    if label:
        axes.annotate(
            label, xy=tuple(end), xytext=label_offset, textcoords="offset points", color=colour,
            fontweight="bold", ha="center" if label_offset[0] == 0 else "left" if label_offset[0] > 0 else "right",
            va="bottom" if label_offset[1] >= 0 else "top",
        )


def arrows_from_origin(
    axes: Axes,
    vectors: Sequence[Sequence[float]],
    labels: Sequence[str],
    colours: Sequence[str],
    *,
    label_offsets: Sequence[tuple[float, float]] | None = None,
    linestyle: str = "solid",
) -> None:
    """One arrow from the origin to each vector, labelled at its head.

    Args:
        axes: Where to draw.
        vectors: (n, 2) the vectors.
        labels: One label per vector.
        colours: One colour per vector.
        label_offsets: Where each label sits relative to its arrow's head, in points; by default out along
            the arrow.
        linestyle: A matplotlib line style for every shaft.
    """
    for index, (vector, label, colour) in enumerate(zip(vectors, labels, colours)):
        if label_offsets is not None:
            offset = label_offsets[index]
        else:
            x, y = vector
            length = max(float(np.hypot(x, y)), 1e-9)
            offset = (10 * x / length, 10 * y / length)
        arrow(axes, (0, 0), vector, colour=colour, label=label, label_offset=offset, linestyle=linestyle)


def path(
    axes: Axes,
    points: Sequence[Sequence[float]],
    labels: Sequence[str],
    *,
    colours: str | Sequence[str],
    marker: str = "o",
    label_offsets: Sequence[tuple[float, float]] | None = None,
    linestyle: str = "solid",
) -> None:
    """A path through the plane, one arrow per step, each point labelled: a state moving as tokens are read.

    Args:
        axes: Where to draw.
        points: (steps + 1, 2) the points in order, starting point included.
        labels: One label per point ("" for none).
        colours: One colour for the whole path, or one per step (the colour of the token that step reads);
            a point takes the colour of the step that led to it, the start the foreground colour.
        marker: A matplotlib marker for the points.
        label_offsets: Where each label sits relative to its point, in points; by default up and right.
        linestyle: A matplotlib line style for the arrows.
    """
    coordinates = np.asarray(points, dtype=float)
    steps = len(coordinates) - 1
    step_colours = [colours] * steps if isinstance(colours, str) else list(colours)
    point_colours = [foreground()] + step_colours
    for start, end, colour in zip(coordinates[:-1], coordinates[1:], step_colours):
        arrow(axes, start, end, colour=colour, linestyle=linestyle, linewidth=1.6, shrink=5)
    for point, colour in zip(coordinates, point_colours):
        axes.plot(*point, linestyle="none", marker=marker, markersize=7, color=colour, zorder=3)
    for index, (point, label) in enumerate(zip(coordinates, labels)):
        if not label:
            continue
        offset = label_offsets[index] if label_offsets is not None else (7, 7)
        axes.annotate(
            label, xy=tuple(point), xytext=offset, textcoords="offset points", color=point_colours[index],
            ha="left" if offset[0] >= 0 else "right", va="bottom" if offset[1] >= 0 else "top",
        )


def scale_keys(figure, axes: Axes, keys: Sequence[tuple[tuple[tuple[float, float], str], str]]) -> None:
    """One colour bar per scale beside the axes, each labelled: the key to a heatmap that mixes fixed scales.

    Args:
        figure: The figure the axes belong to.
        axes: The heatmap's axes; the bars take room from its right side.
        keys: ((limits, colour map), label) per bar, left to right, e.g. `(GATE_SCALE, "gates")`.
    """
    from mpl_toolkits.axes_grid1 import make_axes_locatable

    divider = make_axes_locatable(axes)
    for index, ((limits, colour_map), label) in enumerate(keys):
        # Each bar in a slot of its own, the later ones past the earlier bar's tick labels and title.
        bar_axes = divider.append_axes("right", size=0.12, pad=0.12 if index == 0 else 0.62)
        mappable = mpl.cm.ScalarMappable(norm=mcolors.Normalize(*limits), cmap=mpl.colormaps[colour_map])
        bar = figure.colorbar(mappable, cax=bar_axes)
        bar.set_label(label, fontsize=8.5)
        bar.ax.tick_params(labelsize=8, length=2)
        bar.outline.set_visible(False)
