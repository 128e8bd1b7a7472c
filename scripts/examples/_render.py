"""How examples turn numbers into page material: tensors as tables and sentences, and one look for every figure.

Three things live here, used by every example:

- [tensor_table][] writes a tensor the way the pages show numbers: a Markdown table, four decimals, as torch
  prints them. [vector_text][] writes a vector the same way inside a sentence.
- [step_tab][] writes one step of a recurrent model as a content tab (the pages show one tab per step),
  [carried_state][] the sentence saying which state that step starts from, and [steps_text][] the values of
  every step as sentences, for a figure's alt text.
- [figure_style][] is the matplotlib style of every figure on the site. Figures are drawn in dark ink on a
  transparent background. On the light palette they sit on the white page; on the dark palette
  `docs/stylesheets/extra.css` puts each figure on a light card of its own (`img.seqdocs-figure`), so one SVG
  reads in both palettes and no colour has to be chosen twice. Lines cycle through Okabe and Ito's palette,
  which colour-blind readers can tell apart.

Examples:
    >>> import torch
    >>> print(tensor_table(torch.tensor([[0.33669, -0.12880], [-0.0, 1.0]]), ["a", "b"], ["unit 1", "unit 2"]), end="")
    |  | unit 1 | unit 2 |
    | :-- | --: | --: |
    | a | 0.3367 | -0.1288 |
    | b | 0.0000 | 1.0000 |
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

INK = "#1f2328"
"""Text, axes and ticks: near-black, readable on the white page and on the light card of the dark palette."""

QUIET_INK = "#57606a"
"""Grid lines and secondary text."""

CYCLE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")
"""Okabe and Ito's colour-blind-safe palette (without black and yellow), the default order for lines."""

FIGURE_STYLE: dict[str, Any] = {
    # Transparent, so the page (light) or the card behind the image (dark palette, see extra.css) shows through.
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": QUIET_INK,
    "axes.titlecolor": INK,
    "xtick.color": QUIET_INK,
    "ytick.color": QUIET_INK,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "grid.color": "#d0d7de",
    "legend.labelcolor": INK,
    "legend.edgecolor": QUIET_INK,
    "image.cmap": "RdBu_r",
    # SVG text stays text (selectable, searchable, sharp): the reader's browser picks the first font it has
    # from matplotlib's list of sans-serif fonts, which ends in the generic "sans-serif".
    "font.family": "sans-serif",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "mathtext.fontset": "dejavusans",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "none",
}
"""The rcParams every figure is drawn with (see the module docstring for why)."""


@contextlib.contextmanager
def figure_style() -> Iterator[None]:
    """Draw with the site's figure style; everything created inside the block keeps it.

    Create the figure and draw inside the block; saving it with `out.figure` may happen after the block.

    Yields:
        Nothing; the style is undone when the block ends.

    Examples:
        >>> import matplotlib.pyplot as plt
        >>> with figure_style():
        ...     figure, axes = plt.subplots()
        >>> plt.close(figure)
    """
    import matplotlib as mpl  # imported here so that tensor_table works without matplotlib

    with mpl.rc_context({**FIGURE_STYLE, "axes.prop_cycle": mpl.cycler(color=list(CYCLE))}):
        yield


def format_number(value: float, digits: int = 4) -> str:
    """A number as torch prints it with this many decimals; negative zero is shown as zero.

    Args:
        value: The number.
        digits: Decimals to show.

    Returns:
        The number as text, e.g. `"0.3367"`, `"-0.1288"`, `"0.0000"`, `"nan"`.

    Examples:
        >>> format_number(-0.00001), format_number(0.336690), format_number(float("inf"))
        ('0.0000', '0.3367', 'inf')
    """
    if math.isnan(value):
        return "nan"
    text = f"{value:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]  # "-0.0000" says nothing that "0.0000" does not
    return text


def escape_cell(label: str) -> str:
    r"""A label made safe for one cell of a Markdown table; Markdown in it (`**bold**`, `$x_t$`) still works.

    Only what would break the table is escaped: a `|` would end the cell, a line break the row, and a `<`
    would start raw HTML. Inside math write `\vert` rather than `|`.

    Examples:
        >>> print(escape_cell("a|b <pad>\nnext"))
        a\|b &lt;pad> next
    """
    text = " ".join(str(label).split())
    return text.replace("|", "\\|").replace("<", "&lt;")


def _as_rows(values: Any) -> list[list[float]]:
    if hasattr(values, "detach"):  # a torch tensor, possibly on another device or needing grad
        values = values.detach().cpu()
    if hasattr(values, "tolist"):
        values = values.tolist()
    if not isinstance(values, Sequence) or isinstance(values, str) or not values:
        raise ValueError(f"tensor_table needs a non-empty 1-D or 2-D tensor, got {values!r}")
    if not isinstance(values[0], Sequence):
        return [[float(value) for value in values]]  # a 1-D tensor is one row
    if any(isinstance(cell, Sequence) for row in values for cell in row):
        raise ValueError("tensor_table needs a 1-D or 2-D tensor, got more dimensions")
    return [[float(cell) for cell in row] for row in values]


def tensor_table(
    values: Any,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    digits: int = 4,
) -> str:
    """A 1-D or 2-D tensor as a Markdown table, each number with `digits` decimals as torch prints it.

    Args:
        values: A torch tensor, NumPy array or nested list, (rows, columns); a 1-D one is a single row.
        row_labels: One label per row, shown in the first column (Markdown allowed).
        column_labels: One label per column, shown in the header (Markdown allowed).
        digits: Decimals shown for every number.

    Returns:
        The table's Markdown, ending with a newline: an empty corner cell, then the column labels; numbers
        right-aligned.

    Raises:
        ValueError: If the tensor is empty or has more than two dimensions, or a label count does not match.

    Examples:
        >>> print(tensor_table([0.5, -0.25], ["x"], ["first", "second"], digits=2), end="")
        |  | first | second |
        | :-- | --: | --: |
        | x | 0.50 | -0.25 |
    """
    rows = _as_rows(values)
    if len(row_labels) != len(rows):
        raise ValueError(f"tensor_table got {len(row_labels)} row labels for {len(rows)} rows")
    widths = {len(row) for row in rows}
    if widths != {len(column_labels)}:
        raise ValueError(f"tensor_table got {len(column_labels)} column labels for rows of {sorted(widths)} numbers")
    lines = [
        "|  | " + " | ".join(escape_cell(label) for label in column_labels) + " |",
        "| :-- | " + " | ".join("--:" for _ in column_labels) + " |",
    ]
    for label, row in zip(row_labels, rows):
        lines.append(f"| {escape_cell(label)} | " + " | ".join(format_number(value, digits) for value in row) + " |")
    return "\n".join(lines) + "\n"


def vector_text(vector: Iterable[float]) -> str:
    """A vector as a sentence on a page writes it: its numbers as [tensor_table][] shows them, in brackets.

    Args:
        vector: A 1-D tensor, array or list.

    Returns:
        The vector as text, e.g. `"(0.3367, -0.1288)"`.

    Examples:
        >>> vector_text([0.33669, -0.12881, -0.00001])
        '(0.3367, -0.1288, 0.0000)'
    """
    return "(" + ", ".join(format_number(float(value)) for value in vector) + ")"


def subscript(number: int) -> str:
    """A number in subscript digits, for labels in figures and table headers, where a page's LaTeX does not reach.

    Examples:
        >>> subscript(3), subscript(12)
        ('₃', '₁₂')
    """
    return "".join(chr(0x2080 + int(digit)) for digit in str(number))


def indent_for_tab(text: str) -> str:
    r"""Markdown indented by four spaces, as the body of a content tab (`=== "Title"`) must be.

    Blank lines stay blank, so that no line of the tab ends in stray spaces.

    Examples:
        >>> print(indent_for_tab("First line.\n\n| a |\n"), end="")
            First line.
        <BLANKLINE>
            | a |
        <BLANKLINE>
    """
    return "".join(f"    {line}" if line.strip() else line for line in text.splitlines(keepends=True)) + "\n"


def carried_state(step: Any) -> str:
    """The sentence saying which hidden state a step of an RNN or a GRU starts from.

    Args:
        step: A `seqdocs.Step` holding the tensor `previous_hidden`.

    Returns:
        "Starts from the blank state ..." for the first step, "Carries ... from the step before." for the others.

    Examples:
        >>> import torch, seqdocs
        >>> carried_state(seqdocs.Step(1, "b", {"previous_hidden": torch.tensor([0.5, -0.25])}))
        'Carries $h_1$ = (0.5000, -0.2500) from the step before.'
    """
    state = f"$h_{step.index}$ = {vector_text(step['previous_hidden'])}"
    if step.index == 0:
        return f"Starts from the blank state {state}."
    return f"Carries {state} from the step before."


def steps_text(steps: Iterable[Any], quantities: Sequence[tuple[str, str]]) -> str:
    """Some of each step's vectors in words, one sentence per step: the numbers a figure's alt text must carry.

    Args:
        steps: `seqdocs.Step`s, in order.
        quantities: (word, name) pairs: how the sentence calls a vector, and its name in the step.

    Returns:
        "Step 1, a: word (...), word (...)." for each step, joined by spaces.

    Examples:
        >>> import torch, seqdocs
        >>> step = seqdocs.Step(0, "a", {"forget_gate": torch.tensor([0.25, 1.0]), "cell": torch.tensor([0.5, -0.5])})
        >>> steps_text([step], [("forget gate", "forget_gate"), ("cell", "cell")])
        'Step 1, a: forget gate (0.2500, 1.0000), cell (0.5000, -0.5000).'
    """
    return " ".join(
        f"Step {step.index + 1}, {step.token}: "
        + ", ".join(f"{word} {vector_text(step[name])}" for word, name in quantities)
        + "."
        for step in steps
    )


def step_tab(step: Any, carried: str, table: str) -> str:
    r"""One step of a recurrent model as a content tab: its title, what it reads, what it carries, its table.

    Join the tabs of all steps with a newline and the page shows them as one set of tabs.

    Args:
        step: A `seqdocs.Step` holding the tensor `input`, the token's vector.
        carried: The sentence saying which state the step starts from, e.g. from [carried_state][].
        table: The Markdown table of what the step computes, e.g. from [tensor_table][].

    Returns:
        The tab's Markdown, titled "Step t · token", its body indented under the title.

    Examples:
        >>> import torch, seqdocs
        >>> step = seqdocs.Step(0, "a", {"input": torch.tensor([1.0, 0.0]), "previous_hidden": torch.zeros(2)})
        >>> print(step_tab(step, carried_state(step), "| table |\n"), end="")
        === "Step 1 · a"
        <BLANKLINE>
            Reads `a`: $x_1$ = (1.0000, 0.0000). Starts from the blank state $h_0$ = (0.0000, 0.0000).
        <BLANKLINE>
            | table |
        <BLANKLINE>
    """
    t = step.index + 1
    body = f"Reads `{step.token}`: $x_{t}$ = {vector_text(step['input'])}. {carried}\n\n{table}"
    return f'=== "Step {t} · {step.token}"\n\n' + indent_for_tab(body)
