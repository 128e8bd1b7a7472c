"""The cost page's exact counts: memory (kept for backward, and at its peak) and dependent steps as T doubles to 1024.

Every setting is fixed here before anything runs. The memory and step counts are exact and come out the same
on every run, so this unit runs beside the others; the wall times, which change from run to run, are taken by
`cost_time.py`, which runs alone (NONDETERMINISTIC) and shares this file's settings and rules. Every sentence
that states a result is built from the measurements, whichever way they come out, by the rules the page
states: GROWTH_TOLERANCE names how a quantity grows, `compare` says which of two models took less, and
`verdict` says whether a part of the usual story held.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
from _artifacts import Artifacts
from _figures import PALETTE, foreground
from _render import figure_style
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullLocator

import seqdocs
import seqdocs.experiments

LENGTHS = (16, 32, 64, 128, 256, 512, 1024)
"""Sequence lengths T, doubling: on log axes each doubling is one equal step."""

BATCH = 4
WIDTH = 64
"""E = H = d_model: input, hidden state, query, key and value all have this size."""
THREADS = 1
"""Every count, and every time in cost_time.py, is taken on one thread."""
SEED = 0

RECURRENT = ("rnn", "lstm", "gru")
OURS = (*RECURRENT, "attention")
MODELS = (*OURS, "torch_lstm")
"""The models timed and measured in full."""
SAVED_ONLY = "fused_attention"
"""PyTorch's fused attention: only its memory kept for the backward pass is measured, to keep the build's time."""
GROWTH_TOLERANCE = 0.1
"""A quantity grows like T^k (k = 0, 1, 2) when its measured exponent is within this of k."""
NAMES = {
    "rnn": "RNN",
    "lstm": "LSTM",
    "gru": "GRU",
    "attention": "self-attention",
    "torch_lstm": "nn.LSTM",
    "fused_attention": "fused attention",
}
"""Names for table headers and alt text; the page says where the last two are PyTorch's references."""
LABELS = {
    "rnn": "RNN (rnn_forward)",
    "lstm": "LSTM (lstm_forward)",
    "gru": "GRU (gru_forward)",
    "attention": "self-attention (self_attention)",
    "torch_lstm": "nn.LSTM, PyTorch's fused loop (reference)",
    "fused_attention": "F.scaled_dot_product_attention, fused (reference)",
}
SHORT = {
    "rnn": "the RNN", "lstm": "the LSTM", "gru": "the GRU", "attention": "self-attention", "torch_lstm": "nn.LSTM",
    "fused_attention": "fused attention",
}
"""Names as a sentence uses them, before "'s"."""
COLOURS = dict(zip(OURS, PALETTE))
COLOURS["fused_attention"] = COLOURS["attention"]  # the same function as self_attention, drawn dashed
# Where two lines coincide (see `coinciding`), the one drawn on top is dashed with smaller markers, so that the
# one beneath still shows between its dashes and around its markers.
MARKERS = {"rnn": "o", "lstm": "s", "gru": "D", "attention": "^", "torch_lstm": "v", "fused_attention": "^"}
REFERENCES = ("torch_lstm", "fused_attention")


def workloads() -> dict[tuple[str, int], seqdocs.experiments.Workload]:
    """Every model in MODELS ready to read its batch at every length, by (model, length)."""
    return {
        (model, length): seqdocs.experiments.make_workload(model, length, batch=BATCH, width=WIDTH, seed=SEED)
        for length in LENGTHS
        for model in MODELS
    }


@dataclass(frozen=True)
class Counts:
    """The exact measurements of one model at one length: the fields of `seqdocs.experiments.CostMeasurement` that are
    counted, not timed."""

    saved: seqdocs.experiments.SavedMemory
    dependent_steps: int
    forward_peak: seqdocs.experiments.PeakMemory
    forward_backward_peak: seqdocs.experiments.PeakMemory


def measure_counts() -> tuple[dict[tuple[str, int], Counts], dict[int, seqdocs.experiments.SavedMemory]]:
    """Every model in MODELS counted at every length; and the memory fused attention keeps, by length."""
    counts = {}
    for key, workload in workloads().items():
        outputs = []  # one forward pass serves two counts: saved_memory runs it, dependent_steps walks its graph
        saved = seqdocs.experiments.saved_memory(lambda: outputs.append(workload.forward()), not_counted=workload.leaves)
        counts[key] = Counts(
            saved=saved,
            dependent_steps=seqdocs.experiments.dependent_steps(outputs.pop()),
            forward_peak=seqdocs.experiments.peak_memory(workload.run_forward),
            forward_backward_peak=seqdocs.experiments.peak_memory(workload.run_forward_backward),
        )
    fused = {}
    for length in LENGTHS:
        workload = seqdocs.experiments.make_workload(SAVED_ONLY, length, batch=BATCH, width=WIDTH, seed=SEED)
        fused[length] = seqdocs.experiments.saved_memory(workload.forward, not_counted=workload.leaves)
    return counts, fused


def size(bytes_: float) -> str:
    """Bytes in the largest binary unit that keeps the number at least 1, always to three significant figures.

    1 KiB = 1,024 bytes. Three figures everywhere, so that a table never shows "2 MiB" beside "2.0 MiB":
    "17.0 KiB", "128 KiB", "2.00 MiB". Below 1 KiB, whole bytes. A no-break space keeps the number and its
    unit on one line in a narrow table column.
    """
    for unit, scale in (("MiB", 2**20), ("KiB", 2**10)):
        value = bytes_ / scale
        if value >= 0.9995:  # what rounds to 1.00 at three figures is written in this unit
            text = f"{value:,.0f}" if value >= 999.5 else f"{value:#.3g}".rstrip(".")
            return f"{text}\u00a0{unit}"
    return f"{bytes_:,.0f}\u00a0bytes"


def tick_size(bytes_: float, _position=None) -> str:
    """An axis tick in bytes: the ticks are powers of two, so no decimals are needed ("4 KiB", "2 MiB")."""
    for unit, scale in (("MiB", 2**20), ("KiB", 2**10)):
        if bytes_ >= scale:
            return f"{bytes_ / scale:,g} {unit}"
    return f"{bytes_:,g} bytes"


def name_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def exponent(smaller: float, larger: float) -> float:
    """k in "grows like T^k", from a quantity at one length and at twice that length: log2 of their ratio."""
    return math.log2(larger / smaller)


def growth_power(k: float) -> int | None:
    """0, 1 or 2 when the exponent k is within GROWTH_TOLERANCE of it: the page's rule for naming a growth."""
    nearest = round(k)
    return nearest if nearest in (0, 1, 2) and abs(k - nearest) <= GROWTH_TOLERANCE else None


def growth_name(k: float) -> str:
    """The page's words for an exponent: "does not grow", "linear in T", "quadratic in T", or the exponent itself."""
    power = growth_power(k)
    if power is not None:
        return ("does not grow with $T$", "linear in $T$", "quadratic in $T$")[power]
    if 1 < k < 2:
        return f"faster than linear, slower than quadratic (like $T^{{{k:.2f}}}$)"
    return f"like $T^{{{k:.2f}}}$"


def verdict(exponents: dict[str, float], told: dict[str, int]) -> str:
    """Whether measured exponents bear out the usual story's, by the GROWTH_TOLERANCE rule, in words.

    `exponents` maps a model to its measured k; `told` maps it to the story's power (0, 1 or 2).
    """
    missed = [model for model in told if growth_power(exponents[model]) != told[model]]
    if not missed:
        return "as told"
    story = {0: "not to grow", 1: "to grow like $T$", 2: "to grow like $T^2$"}
    return "not as told: " + "; ".join(
        f"{SHORT[model]} grew like $T^{{{exponents[model]:.2f}}}$, where the story has it {story[told[model]]}"
        for model in missed
    )


def compare(ours: tuple[float, float], theirs: tuple[float, float]) -> str:
    """"less", "more" or "tie": the page's rule for which of two models took less.

    Each side is (lowest, highest) of what was measured: the fastest and slowest timed run, or an exact count
    twice. "less" only when all of ours was below all of theirs, "more" the other way round; ranges that
    overlap, or equal counts, are a tie.
    """
    if ours[1] < theirs[0]:
        return "less"
    if ours[0] > theirs[1]:
        return "more"
    return "tie"


def comparison(interval, model: str, words: dict[str, str]) -> str:
    """Where self-attention took less than a model and where more, length by length, in words.

    `interval(model, length)` gives the (lowest, highest) compared; `words` names the outcomes of `compare`,
    e.g. {"less": "faster", "more": "slower", "tie": "too close to call"}. Runs of lengths with the same
    outcome are named together. Written for any outcome, since wall times differ from run to run.
    """
    outcomes = [compare(interval("attention", length), interval(model, length)) for length in LENGTHS]
    runs: list[tuple[str, list[int]]] = []
    for length, outcome in zip(LENGTHS, outcomes):
        if runs and runs[-1][0] == outcome:
            runs[-1][1].append(length)
        else:
            runs.append((outcome, [length]))
    if len(runs) == 1:
        return f"{words[outcomes[0]]} at every length"
    parts = []
    for outcome, lengths in runs:
        # No-break spaces keep "T = 128" on one line in a narrow table cell.
        if len(lengths) == 1:
            where = f"at T\u00a0=\u00a0{lengths[0]:,}"
        elif lengths[0] == LENGTHS[0]:
            where = f"up to T\u00a0=\u00a0{lengths[-1]:,}"
        elif lengths[-1] == LENGTHS[-1]:
            where = f"from T\u00a0=\u00a0{lengths[0]:,} on"
        else:
            where = f"from T\u00a0=\u00a0{lengths[0]:,} to {lengths[-1]:,}"
        parts.append(f"{words[outcome]} {where}")
    return "; ".join(parts)


MEMORY_WORDS = {"less": "less", "more": "more", "tie": "the same"}


def memory_comparison_table(costs: dict) -> str:
    """Self-attention against each other model: where it kept less memory for backward, and held less at its peak."""

    def saved(model: str, length: int) -> tuple[int, int]:
        return (costs[model, length].saved.total_bytes,) * 2

    def peak(field: str):
        return lambda model, length: (getattr(costs[model, length], field).peak_bytes,) * 2

    lines = [
        "| self-attention against | memory kept for backward | peak memory, forward "
        "| peak memory, forward + backward |",
        "| :--- | :--- | :--- | :--- |",
    ]
    for model in (*RECURRENT, "torch_lstm"):
        cells = [comparison(saved, model, MEMORY_WORDS)]
        cells += [comparison(peak(field), model, MEMORY_WORDS) for field in ("forward_peak", "forward_backward_peak")]
        lines.append(f"| {LABELS[model]} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def peak_sentence(costs: dict, length: int) -> str:
    """How self-attention's peak for forward + backward compared with each other model's at one length."""
    attention = costs["attention", length].forward_backward_peak.peak_bytes
    groups: dict[str, list[str]] = {"less": [], "more": [], "tie": []}
    for model in (*RECURRENT, "torch_lstm"):
        other = costs[model, length].forward_backward_peak.peak_bytes
        groups[compare((attention, attention), (other, other))].append(f"{SHORT[model]}'s {size(other)}")
    words = {"less": "below", "more": "above", "tie": "equal to"}
    parts = [f"{words[outcome]} {name_list(names)}" for outcome, names in groups.items() if names]
    # Only a peak below some other model's goes against the long-sequence story: then short sequences differ.
    lead = "Short sequences are another matter. " if groups["less"] else ""
    return (f"{lead}At $T$ = {length:,}, self-attention's forward and backward passes peaked at {size(attention)}, "
            + ", and ".join(parts))


def memory_table(saved: dict, models: tuple[str, ...]) -> str:
    """`saved[model, length]` is a SavedMemory, for every model in MODELS and for SAVED_ONLY."""
    header = "| T | " + " | ".join(f"{NAMES[model]}" for model in models) + " |"
    lines = [header, "| ---: | " + " | ".join("---:" for _ in models) + " |"]
    for length in LENGTHS:
        kept = [saved[model, length] for model in models]
        cells = [f"{size(one.total_bytes)}<br><small>largest {size(one.largest_bytes)}</small>" for one in kept]
        lines.append(f"| {length:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def peak_table(costs: dict) -> str:
    header = "| T | " + " | ".join(f"{NAMES[model]}" for model in MODELS) + " |"
    lines = [header, "| ---: | " + " | ".join("---:" for _ in MODELS) + " |"]
    for length in LENGTHS:
        cells = [
            f"{size(costs[model, length].forward_backward_peak.peak_bytes)}"
            f"<br><small>forward {size(costs[model, length].forward_peak.peak_bytes)}</small>"
            for model in MODELS
        ]
        lines.append(f"| {length:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def steps_table(costs: dict) -> str:
    models = (*OURS, "torch_lstm")
    lines = ["| T | " + " | ".join(NAMES[model] for model in models) + " |", "| ---: |" + " ---: |" * len(models)]
    for length in LENGTHS:
        counts = [f"{costs[model, length].dependent_steps:,}" for model in models]
        lines.append(f"| {length:,} | " + " | ".join(counts) + " |")
    return "\n".join(lines) + "\n"


def log_axes(axes, ylabel: str, formatter=None, *, in_bytes: bool = False) -> None:
    axes.set_xscale("log", base=2)
    if in_bytes:
        # Bytes read best in powers of two: ticks every factor of 4, at 1 KiB, 4 KiB, 16 KiB, 64 KiB, ...
        axes.set_yscale("log", base=2)
        axes.yaxis.set_major_locator(LogLocator(base=BYTE_TICKS))
        axes.yaxis.set_minor_locator(NullLocator())
    else:
        axes.set_yscale("log")
    axes.xaxis.set_major_locator(FixedLocator(LENGTHS))
    axes.xaxis.set_minor_locator(NullLocator())
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    if formatter is not None:
        axes.yaxis.set_major_formatter(FuncFormatter(formatter))
    axes.set_xlabel("sequence length T")
    axes.set_ylabel(ylabel)
    axes.grid(which="major", alpha=0.25)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


BYTE_TICKS = 4
"""Byte axes have a tick at every power of this."""

GUIDE_START = 128
"""Where the slope guides start: three doublings before the longest length, in the plots' empty lower right."""


def slope_guides(axes, end_value: float, start: int = GUIDE_START) -> None:
    """Two grey lines ending at (longest T, end_value) that rise ∝ T and ∝ T², to hold a measured line against.

    They are drawn where no measurement is, so only their slopes mean anything: a measured line that runs
    parallel to one of them grows with that power of T.
    """
    lengths = np.array([start, LENGTHS[-1]], dtype=float)
    for power, label in ((1, "∝ T"), (2, "∝ T²")):
        line = end_value * (lengths / LENGTHS[-1]) ** power
        axes.plot(lengths, line, color=foreground(), linestyle=(0, (4, 2)), linewidth=1.2, alpha=0.7, zorder=1)
        axes.annotate(label, xy=(lengths[0], line[0]), xytext=(-4, 0), textcoords="offset points",
                      color=foreground(), fontsize=9, ha="right", va="center")


def coinciding(costs: dict, models, value) -> list[tuple[str, str]]:
    """Pairs of models (earlier, later in `models`) whose values are equal at every length: their lines coincide."""
    values = {model: [value(costs[model, length]) for length in LENGTHS] for model in models}
    return [(first, second) for index, first in enumerate(models) for second in models[index + 1:]
            if values[first] == values[second]]


def plot_models(axes, costs: dict, models, value, spread=None, on_top: frozenset[str] = frozenset()) -> None:
    """One line per model.

    The models in `on_top` are drawn over the others, dashed and with smaller markers, so that a line they
    coincide with (see `coinciding`) shows between the dashes and around the markers. A figure passes the same
    `on_top` to all its panels, so that a model looks the same in each and the one legend fits them all.
    """
    for model in models:
        values = [value(costs[model, length]) for length in LENGTHS]
        reference = model in REFERENCES
        colour = foreground() if model == "torch_lstm" else COLOURS[model]
        if model in on_top:
            line_style = (0, (2, 2))
        elif reference:
            line_style = (0, (3, 1, 1, 1))
        else:
            line_style = "solid"
        style = {
            "color": colour, "marker": MARKERS[model], "markersize": 3.5 if model in on_top else 6,
            "linewidth": 1.6, "linestyle": line_style, "label": LABELS[model],
            "markerfacecolor": "none" if reference else colour, "zorder": 4 if model in on_top else 3,
        }
        if spread is None:
            axes.plot(LENGTHS, values, **style)
        else:
            low, high = zip(*(spread(costs[model, length]) for length in LENGTHS))
            errors = [np.array(values) - np.array(low), np.array(high) - np.array(values)]
            axes.errorbar(LENGTHS, values, yerr=errors, capsize=0, elinewidth=1.2, **style)


def enclose_in_ticks(panels, base: float) -> None:
    """Set the y limits of log-scaled panels (sharing one axis) so that a tick lies below every line and above it.

    Ticks are at powers of `base`; without this, a line lower than the lowest tick has no label to be read by.
    """
    low = min(axes.dataLim.y0 for axes in panels)
    high = max(axes.dataLim.y1 for axes in panels)
    below = base ** math.floor(math.log(low, base) + 1e-9)
    above = base ** math.ceil(math.log(high, base) - 1e-9)
    margin = base ** 0.1  # room for the markers on the lowest and highest ticks
    for axes in panels:
        axes.set_ylim(below / margin, above * margin)


def coincidence_caption(pairs_by_panel: dict[str, list[tuple[str, str]]]) -> str | None:
    """A caption naming the lines that coincide in each panel, or None if none do."""
    sentences = []
    for panel, pairs in pairs_by_panel.items():
        for first, second in pairs:
            sentences.append(f"{panel}, {SHORT[first]} and {SHORT[second]} have the same bytes at every length: "
                             f"{SHORT[second]}'s dashed line lies on {SHORT[first]}'s.")
    return " ".join(sentence[0].upper() + sentence[1:] for sentence in sentences) or None


def legend_below(figure, axes) -> None:
    """One legend for all panels, under them, from the lines of `axes`."""
    handles, labels = axes.get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=3, frameon=False, fontsize=8.5)
    figure.tight_layout(rect=(0, 0.12, 1, 1))


def from_shortest_to_longest(costs: dict, value: Callable, show: Callable[[float], str], models=MODELS) -> str:
    """Each model's value at the shortest and the longest T, as sentences for a figure's alt text."""
    return " ".join(
        f"{NAMES[model]}: from {show(value(costs[model, LENGTHS[0]]))} at T = {LENGTHS[0]} "
        f"to {show(value(costs[model, LENGTHS[-1]]))} at T = {LENGTHS[-1]:,}."
        for model in models
    )


def memory_figure(out: Artifacts, saved: dict) -> None:
    """`saved[model, length]` is a SavedMemory, for every model in MODELS and for SAVED_ONLY."""
    models = (*MODELS, SAVED_ONLY)
    longest = LENGTHS[-1]
    with figure_style():
        figure, (total, largest) = plt.subplots(1, 2, figsize=(8.4, 4.6))
        total_pairs = coinciding(saved, models, lambda one: one.total_bytes)
        largest_pairs = coinciding(saved, models, lambda one: one.largest_bytes)
        on_top = frozenset(second for _, second in total_pairs + largest_pairs)
        plot_models(total, saved, models, lambda one: one.total_bytes, on_top=on_top)
        log_axes(total, "bytes kept for the backward pass", tick_size, in_bytes=True)
        total.set_title("all tensors saved for backward", fontsize=10)
        slope_guides(total, min(saved[model, longest].total_bytes for model in models) / 8)
        plot_models(largest, saved, models, lambda one: one.largest_bytes, on_top=on_top)
        log_axes(largest, "bytes of the largest one", tick_size, in_bytes=True)
        largest.set_title("the largest single tensor saved", fontsize=10)
        # Between the flat lines and fused attention's, where this panel is empty; shorter than elsewhere, so
        # that the T^2 guide stays above the flat lines.
        slope_guides(largest, saved[SAVED_ONLY, longest].largest_bytes / 8, start=LENGTHS[-3])
        for axes in (total, largest):
            enclose_in_ticks([axes], BYTE_TICKS)
        legend_below(figure, total)

    caption = coincidence_caption({"left": total_pairs, "right": largest_pairs})
    alt = (
        "Two log-log plots of memory against sequence length T, one line per model, with two dashed guide "
        "lines rising like T and like T squared. Left, all the bytes autograd keeps for the backward pass: "
        + from_shortest_to_longest(saved, lambda one: one.total_bytes, size, models)
        + " Right, the largest single tensor kept: "
        + from_shortest_to_longest(saved, lambda one: one.largest_bytes, size, models)
        + (" " + caption if caption else "")
    )
    out.figure("memory", figure, alt=alt, caption=caption)


def peak_figure(out: Artifacts, costs: dict) -> None:
    fields = ("forward_peak", "forward_backward_peak")
    pairs = {side: coinciding(costs, MODELS, lambda cost, f=field: getattr(cost, f).peak_bytes)
             for side, field in zip(("left", "right"), fields)}
    on_top = frozenset(second for side_pairs in pairs.values() for _, second in side_pairs)
    with figure_style():
        figure, panels = plt.subplots(1, 2, figsize=(8.4, 4.6), sharey=True)
        for axes, field, title in zip(panels, fields, ("forward, autograd off", "forward + backward")):
            plot_models(axes, costs, MODELS, lambda cost, f=field: getattr(cost, f).peak_bytes, on_top=on_top)
            log_axes(axes, "peak bytes held at once" if field == "forward_peak" else "", tick_size, in_bytes=True)
            axes.yaxis.set_tick_params(labelleft=True)
            axes.set_title(title, fontsize=10)
            longest = LENGTHS[-1]
            slope_guides(axes, min(getattr(costs[model, longest], field).peak_bytes
                                   for model in MODELS) / 8)
        enclose_in_ticks(panels, BYTE_TICKS)
        legend_below(figure, panels[0])

    caption = coincidence_caption(pairs)
    alt = (
        "Two log-log plots of the most memory held at one time against sequence length T, one line per model, "
        "with two dashed guide lines rising like T and like T squared. Left, the forward pass with autograd off: "
        + from_shortest_to_longest(costs, lambda cost: cost.forward_peak.peak_bytes, size)
        + " Right, the forward pass and the backward pass: "
        + from_shortest_to_longest(costs, lambda cost: cost.forward_backward_peak.peak_bytes, size)
        + (" " + caption if caption else "")
    )
    out.figure("peak", figure, alt=alt, caption=caption)


def steps_figure(out: Artifacts, costs: dict) -> None:
    with figure_style():
        figure, axes = plt.subplots(figsize=(7.2, 3.8))
        plot_models(axes, costs, OURS, lambda cost: cost.dependent_steps)
        log_axes(axes, "operations in a row", lambda value, _: f"{value:,.0f}")
        enclose_in_ticks([axes], 10)
        axes.legend(loc="center right", frameon=False, fontsize=8.5)
        figure.tight_layout()
    half, longest = LENGTHS[-2], LENGTHS[-1]
    growths = "; ".join(
        f"{NAMES[model]}'s chain "
        # Alt text is read as plain text: no maths markers.
        + growth_name(exponent(costs[model, half].dependent_steps, costs[model, longest].dependent_steps)).replace("$", "")
        for model in OURS
    )
    alt = (
        "Log-log plot of the longest chain of dependent operations against sequence length T. "
        + " ".join(
            f"{NAMES[model]}: {costs[model, LENGTHS[0]].dependent_steps:,} at T = {LENGTHS[0]}, "
            f"{costs[model, LENGTHS[-1]].dependent_steps:,} at T = {LENGTHS[-1]:,}."
            for model in OURS
        )
        + f" Over the last doubling of T: {growths}."
    )
    out.figure("steps", figure, alt=alt)


def exact(holds: bool, claim: str) -> None:
    """Stop the build if an exact count no longer bears out what the page says of it."""
    if not holds:
        raise RuntimeError(f"the cost page says {claim}, but this build's exact counts say otherwise: "
                           "change docs/cost.md together with the measurement")


def one_count(counts: set[int], what: str) -> str:
    exact(len(counts) == 1, f"{what} is the same at every length")
    return f"{counts.pop():,}"


def build(out: Artifacts) -> None:
    torch.set_num_threads(THREADS)
    costs, fused = measure_counts()
    saved = {key: cost.saved for key, cost in costs.items()} | {(SAVED_ONLY, length): fused[length] for length in LENGTHS}
    shortest, longest, half = LENGTHS[0], LENGTHS[-1], LENGTHS[-2]

    out.markdown("memory_table", memory_table(saved, MODELS))
    out.markdown("fused_memory_table", memory_table(saved, ("attention", SAVED_ONLY)))
    out.markdown("peak_table", peak_table(costs))
    out.markdown("memory_comparisons", memory_comparison_table(costs))
    out.markdown("steps_table", steps_table(costs))
    out.json(
        "measurements",
        {
            "settings": {"lengths": LENGTHS, "batch": BATCH, "width": WIDTH, "threads": THREADS, "seed": SEED},
            "measurements": [
                {
                    "model": model, "length": length,
                    "saved": vars(cost.saved), "dependent_steps": cost.dependent_steps,
                    "forward_peak": vars(cost.forward_peak), "forward_backward_peak": vars(cost.forward_backward_peak),
                }
                for (model, length), cost in costs.items()
            ] + [{"model": SAVED_ONLY, "length": length, "saved": vars(fused[length])} for length in LENGTHS],
        },
    )

    out.value("batch", str(BATCH))
    out.value("width", str(WIDTH))
    out.value("shortest", f"{shortest:,}")
    out.value("longest", f"{longest:,}")
    out.value("half", f"{half:,}")
    out.value("tolerance", f"{GROWTH_TOLERANCE:g}")
    out.value("linear_factors", f"{2 ** (1 - GROWTH_TOLERANCE):.2f} to {2 ** (1 + GROWTH_TOLERANCE):.2f}")
    out.value("quadratic_factors", f"{2 ** (2 - GROWTH_TOLERANCE):.2f} to {2 ** (2 + GROWTH_TOLERANCE):.2f}")

    def last_doubling(value: Callable[[str], Callable[[int], float]]) -> Callable[[str], float]:
        return lambda model: exponent(value(model)(half), value(model)(longest))

    # Dependent steps: exact counts, a fixed number per token for the recurrent models.
    for model in RECURRENT:
        per_token = (costs[model, longest].dependent_steps - costs[model, half].dependent_steps) / (longest - half)
        out.value(f"{model}_steps_per_token", f"{per_token:g}")
        out.value(f"{model}_steps_longest", f"{costs[model, longest].dependent_steps:,}")
    out.value("attention_steps", one_count({costs["attention", length].dependent_steps for length in LENGTHS},
                                           "self-attention's chain"))
    out.value("torch_lstm_steps", one_count({costs["torch_lstm", length].dependent_steps for length in LENGTHS},
                                            "nn.LSTM's chain"))
    steps_exponent = last_doubling(lambda model: lambda length: costs[model, length].dependent_steps)
    steps_verdict = verdict({model: steps_exponent(model) for model in OURS},
                            {"rnn": 1, "lstm": 1, "gru": 1, "attention": 0})
    exact(steps_verdict == "as told", "the recurrent chains grow like T and self-attention's not at all")
    out.value("steps_verdict", steps_verdict)

    # Memory kept for the backward pass: exact bytes.
    for model in (*RECURRENT, "torch_lstm"):
        per_token = (costs[model, longest].saved.total_bytes - costs[model, half].saved.total_bytes) / (longest - half)
        out.value(f"{model}_bytes_per_token", f"{per_token:,.0f}")
    for model in RECURRENT:
        exact(len({costs[model, length].saved.largest_bytes for length in LENGTHS}) == 1,
              "no recurrent model keeps a tensor bigger than one step's at any length")
    out.value("lstm_largest", size(costs["lstm", longest].saved.largest_bytes))
    saved_exponent = last_doubling(lambda model: lambda length: saved[model, length].total_bytes)
    for model in (*OURS, "torch_lstm", SAVED_ONLY):
        out.value(f"{model}_memory_ratio", f"{2 ** saved_exponent(model):.2f}")
        out.value(f"{model}_memory_growth", growth_name(saved_exponent(model)))
    recurrent_names = {growth_name(saved_exponent(model)) for model in RECURRENT}
    out.value("recurrent_memory_growth", recurrent_names.pop() if len(recurrent_names) == 1 else "not the same")
    out.value("memory_verdict", verdict({model: saved_exponent(model) for model in OURS},
                                        {"rnn": 1, "lstm": 1, "gru": 1, "attention": 2}))
    out.value("attention_saved_longest", size(costs["attention", longest].saved.total_bytes))
    exact(costs["attention", longest].saved.largest_bytes == BATCH * longest * longest * 4,
          "the T x T weights are the largest tensor self-attention keeps")
    out.value("attention_largest", size(costs["attention", longest].saved.largest_bytes))
    out.value("attention_weights_formula", f"{BATCH} × {longest:,} × {longest:,} × 4 bytes")
    out.value("hidden_state_bytes", f"{BATCH * WIDTH * 4:,}")
    fused_largest_share = costs["torch_lstm", longest].saved.largest_bytes / costs["torch_lstm", longest].saved.total_bytes
    out.value("torch_lstm_largest_share", f"{fused_largest_share:.0%}")
    # What the fused kernel keeps, by hand: queries, keys, values and output, (B, T, d_model) each, and one
    # float32 per query (the log of its softmax's denominator, to compute the weights again in backward).
    for length in LENGTHS:
        by_hand = (4 * BATCH * length * WIDTH + BATCH * length) * 4
        exact(fused[length].total_bytes == by_hand,
              "fused attention keeps its queries, keys, values, output and one number per query")
    out.value("fused_saved_longest", size(fused[longest].total_bytes))
    out.value("fused_largest_longest", size(fused[longest].largest_bytes))
    out.value("fused_against_attention",
              f"{costs['attention', longest].saved.total_bytes / fused[longest].total_bytes:.1f}")

    # Peak memory: exact bytes, from the allocator's reports.
    state_bytes = BATCH * longest * WIDTH * 4  # all T hidden states of the batch, float32
    for field in ("forward_peak", "forward_backward_peak"):
        peak_exponent = last_doubling(lambda model, f=field: lambda length: getattr(costs[model, length], f).peak_bytes)
        for model in MODELS:
            peak = getattr(costs[model, longest], field).peak_bytes
            out.value(f"{field}_{model}", size(peak))
            out.value(f"{field}_growth_{model}", f"{2 ** peak_exponent(model):.2f}")
            out.value(f"{field}_retained_{model}", size(getattr(costs[model, longest], field).retained_bytes))
        attention = getattr(costs["attention", longest], field).peak_bytes
        for model in (*RECURRENT, "torch_lstm"):
            out.value(f"{field}_ratio_{model}", f"{attention / getattr(costs[model, longest], field).peak_bytes:.1f}")
        growths = [2 ** peak_exponent(model) for model in RECURRENT]
        low, high = f"{min(growths):.2f}", f"{max(growths):.2f}"
        out.value(f"{field}_growth_recurrent", low if low == high else f"{low} to {high}")
        names = {growth_name(peak_exponent(model)) for model in RECURRENT}
        out.value(f"{field}_growth_name_recurrent", names.pop() if len(names) == 1 else "not the same for all three")
        out.value(f"{field}_growth_name_attention", growth_name(peak_exponent("attention")))
        out.value(f"{field}_verdict", verdict({model: peak_exponent(model) for model in OURS},
                                              {"rnn": 1, "lstm": 1, "gru": 1, "attention": 2}))
    for model in RECURRENT:
        out.value(f"{model}_forward_peak_states", f"{costs[model, longest].forward_peak.peak_bytes / state_bytes:.2f}")
    out.value("state_bytes", size(state_bytes))
    out.value("attention_matrix", size(BATCH * longest * longest * 4))
    out.value("attention_peak_matrices",
              f"{costs['attention', longest].forward_peak.peak_bytes / (BATCH * longest * longest * 4):.2f}")
    out.value("peak_shortest", peak_sentence(costs, shortest))
    # The LSTM's peak for a training step at short lengths as a + b T, from the two shortest lengths.
    second = LENGTHS[1]
    lstm_peaks = [costs["lstm", length].forward_backward_peak.peak_bytes for length in (shortest, second)]
    per_token = (lstm_peaks[1] - lstm_peaks[0]) / (second - shortest)
    out.value("second", f"{second:,}")
    out.value("lstm_peak_per_token", f"{per_token:,.0f}")
    out.value("lstm_peak_fixed", size(lstm_peaks[0] - per_token * shortest))
    below_at_shortest = [
        SHORT[model] for model in (*RECURRENT, "torch_lstm")
        if costs["attention", shortest].forward_backward_peak.peak_bytes
        < costs[model, shortest].forward_backward_peak.peak_bytes
    ]
    out.value(
        "peak_short_story",
        f"But at $T$ = {shortest} self-attention's peak was below the "
        f"{'peak' if len(below_at_shortest) == 1 else 'peaks'} of {name_list(below_at_shortest)}: at short lengths "
        "the part of a peak that does not grow with $T$ decides"
        if below_at_shortest
        else "Its peak was above every recurrent model's at every length measured",
    )
    fused_peak, ours_peak = (costs[model, longest].forward_backward_peak.peak_bytes for model in ("torch_lstm", "lstm"))
    out.value("torch_lstm_peak_word",
              {"less": "below", "more": "above", "tie": "equal to"}[compare((fused_peak,) * 2, (ours_peak,) * 2)])

    steps_figure(out, costs)
    memory_figure(out, saved)
    peak_figure(out, costs)
    out.provenance(SEED)


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
