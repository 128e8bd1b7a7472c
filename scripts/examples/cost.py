"""The cost page: wall time, memory (kept for backward, and at its peak) and dependent steps as T doubles to 1024.

Every setting is fixed here before anything runs. Wall times change from run to run (NONDETERMINISTIC); the
memory and step counts are exact and come out the same on every run. Every sentence that states a result is
built from the measurements below, whichever way they come out.
"""

import math
from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
import torch
from _artifacts import Artifacts
from _figures import PALETTE, foreground
from _render import figure_style
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullLocator

import seqdocs

NONDETERMINISTIC = True
"""This example records wall-clock times, which differ on every run."""

LENGTHS = (16, 32, 64, 128, 256, 512, 1024)
"""Sequence lengths T, doubling: on log axes each doubling is one equal step."""

BATCH = 4
WIDTH = 64
"""E = H = D: input, hidden state, query, key and value all have this size."""
REPEATS = 3
"""Timed calls per measurement: the build's budget for this page is about fourteen seconds of one core."""
THREADS = 1
SEED = 0

RECURRENT = ("rnn", "lstm", "gru")
OURS = (*RECURRENT, "attention")
NAMES = {
    "rnn": "RNN",
    "lstm": "LSTM",
    "gru": "GRU",
    "attention": "self-attention",
    "torch_lstm": "nn.LSTM (reference)",
}
LABELS = {
    "rnn": "RNN (rnn_forward)",
    "lstm": "LSTM (lstm_forward)",
    "gru": "GRU (gru_forward)",
    "attention": "self-attention (self_attention)",
    "torch_lstm": "nn.LSTM, PyTorch's fused loop (reference)",
}
SHORT = {"rnn": "the RNN", "lstm": "the LSTM", "gru": "the GRU", "attention": "self-attention", "torch_lstm": "nn.LSTM"}
"""Names as a sentence uses them, before "'s"."""
COLOURS = dict(zip(OURS, PALETTE))
# The LSTM and the GRU keep exactly as many bytes per token: the GRU's bigger diamonds stay visible around the
# LSTM's squares drawn on top of them.
MARKER_SIZES = {"lstm": 4, "gru": 7}
MARKERS = {"rnn": "o", "lstm": "s", "gru": "D", "attention": "^", "torch_lstm": "v"}


def measure_all() -> dict[tuple[str, int], seqdocs.CostMeasurement]:
    workloads = {
        (model, length): seqdocs.make_workload(model, length, batch=BATCH, width=WIDTH, seed=SEED)
        for length in LENGTHS
        for model in seqdocs.COST_MODELS
    }
    # The counts come out the same every time, so each is taken once, before the timed rounds: the profiler
    # that finds the peaks slows the calls it watches. Those runs also pay every first call's costs, so no
    # timed run does.
    counts = {}
    for key, workload in workloads.items():
        outputs = []  # one forward pass serves two counts: saved_memory runs it, dependent_steps walks its graph
        saved = seqdocs.saved_memory(lambda: outputs.append(workload.forward()), not_counted=workload.leaves)
        counts[key] = {
            "saved": saved,
            "dependent_steps": seqdocs.dependent_steps(outputs.pop()),
            "forward_peak": seqdocs.peak_memory(workload.run_forward),
            "forward_backward_peak": seqdocs.peak_memory(workload.run_forward_backward),
        }
    # Rounds: each round times every model at every length once. A slow spell of the shared machine then
    # lands on one round of many lengths, where the median discards it, not on every repeat of one length.
    seconds = {(key, field): [] for key in workloads for field in ("forward", "forward_backward")}
    for _ in range(REPEATS):
        for (model, length), workload in workloads.items():
            for field, call in (("forward", workload.run_forward), ("forward_backward", workload.run_forward_backward)):
                seconds[(model, length), field].append(seqdocs.time_call(call, repeats=1, warmup=0).median)
    costs = {}
    for key, workload in workloads.items():
        costs[key] = seqdocs.CostMeasurement(
            model=workload.model,
            length=key[1],
            batch=BATCH,
            width=WIDTH,
            forward=seqdocs.Timing.from_seconds(seconds[key, "forward"]),
            forward_backward=seqdocs.Timing.from_seconds(seconds[key, "forward_backward"]),
            threads=torch.get_num_threads(),
            **counts[key],
        )
    return costs


def milliseconds(seconds: float) -> str:
    """Three significant figures: 0.0123, 1.23, 123."""
    value = seconds * 1e3
    digits = max(0, 2 - math.floor(math.log10(value))) if value > 0 else 0
    return f"{value:,.{digits}f}"


def size(bytes_: float) -> str:
    """Bytes in the largest binary unit that keeps the number at least 1: 1 KiB = 1,024 bytes."""
    for unit, scale in (("MiB", 2**20), ("KiB", 2**10)):
        if bytes_ >= scale:
            value = bytes_ / scale
            return f"{value:,.0f} {unit}" if value == int(value) else f"{value:,.1f} {unit}"
    return f"{bytes_:,.0f} bytes"


def name_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def slope(costs: dict, model: str, field: str) -> float:
    """The log-log slope of the median time over the three longest lengths: 1 means ∝ T, 2 means ∝ T²."""
    lengths = LENGTHS[-3:]
    times = [getattr(costs[model, length], field).median for length in lengths]
    return float(np.polyfit(np.log(lengths), np.log(times), 1)[0])


def comparison(amount, model: str, less: str, more: str) -> str:
    """Where self-attention's `amount` was below a model's and where above, in words.

    `amount(model, length)` gives the number compared; `less` and `more` are the words for below and above
    ("faster", "slower"). Written for any outcome, since wall times differ from run to run.
    """
    below = [length for length in LENGTHS if amount("attention", length) < amount(model, length)]
    above = [length for length in LENGTHS if length not in below]
    if not above:
        return f"{less} at every length"
    if not below:
        return f"{more} at every length"
    if below == list(LENGTHS[: len(below)]):
        return f"{less} up to T = {below[-1]:,}, {more} from T = {above[0]:,} on"
    return (
        f"{less} at T = {name_list([f'{length:,}' for length in below])}; "
        f"{more} at T = {name_list([f'{length:,}' for length in above])}"
    )


def comparison_table(costs: dict) -> str:
    """Self-attention against each other model: where it took less time, and where it kept less memory."""

    def median(field: str):
        return lambda model, length: getattr(costs[model, length], field).median

    def saved(model: str, length: int) -> int:
        return costs[model, length].saved.total_bytes

    lines = [
        "| self-attention against | forward time | forward + backward time | memory kept for backward |",
        "| :--- | :--- | :--- | :--- |",
    ]
    for model in (*RECURRENT, "torch_lstm"):
        cells = [
            comparison(median("forward"), model, "faster", "slower"),
            comparison(median("forward_backward"), model, "faster", "slower"),
            comparison(saved, model, "less", "more"),
        ]
        lines.append(f"| {LABELS[model]} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def peak_comparison_table(costs: dict) -> str:
    """Self-attention against each other model: where its peak memory was below theirs and where above."""

    def peak(field: str):
        return lambda model, length: getattr(costs[model, length], field).peak_bytes

    lines = [
        "| self-attention against | peak memory, forward | peak memory, forward + backward |",
        "| :--- | :--- | :--- |",
    ]
    for model in (*RECURRENT, "torch_lstm"):
        cells = [comparison(peak(field), model, "less", "more") for field in ("forward_peak", "forward_backward_peak")]
        lines.append(f"| {LABELS[model]} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def times_sentence(costs: dict, length: int, field: str) -> str:
    parts = [
        f"{SHORT[model]}'s {milliseconds(getattr(costs[model, length], field).median)} ms"
        for model in (*RECURRENT, "torch_lstm")
    ]
    attention = milliseconds(getattr(costs["attention", length], field).median)
    return f"self-attention took {attention} ms, " + name_list(parts)


def peak_sentence(costs: dict, length: int) -> str:
    """How self-attention's peak for forward + backward compared with each other model's at one length."""
    attention = costs["attention", length].forward_backward_peak.peak_bytes
    below, above = [], []
    for model in (*RECURRENT, "torch_lstm"):
        other = costs[model, length].forward_backward_peak.peak_bytes
        (below if attention < other else above).append(f"{SHORT[model]}'s {size(other)}")
    parts = []
    if below:
        parts.append("below " + name_list(below))
    if above:
        parts.append("above " + name_list(above))
    return f"self-attention's forward and backward passes peaked at {size(attention)}, " + ", and ".join(parts)


def settings_table(machine: dict[str, str]) -> str:
    rows = [
        ("Sequence lengths T", ", ".join(f"{length:,}" for length in LENGTHS), "doubling"),
        ("Batch B", str(BATCH), "sequences read at once"),
        ("Width E = H = D", str(WIDTH), "inputs, hidden states, queries, keys and values"),
        ("Inputs", "standard normal, seed " + str(SEED), "fixed data: gradients are taken for the weights only"),
        ("Peak memory", "1 run of each", "untimed, with PyTorch's profiler recording every allocation and free; "
         "the same bytes come out on every run"),
        ("Timed runs", f"{REPEATS} of each", "in rounds, each timing every model at every length once, after the "
         "untimed runs; the plots show the median, with bars from the fastest to the slowest"),
        ("Forward", "autograd off", "as when the model is only used"),
        ("Forward + backward", "autograd on", "`output.sum().backward()` finds every weight's gradient, as a "
         "training step does before the optimizer"),
        ("Threads", machine["threads"], "`torch.set_num_threads`, so a parallel step gets no help from extra cores"),
        ("CPU", machine["cpu"], f"{machine['cores']} logical cores seen by the operating system"),
        ("Versions", f"torch {machine['torch']}, Python {machine['python']}", ""),
    ]
    lines = ["| Setting | Value | Note |", "| --- | --- | --- |"]
    lines += [f"| {name} | {value} | {note} |" for name, value, note in rows]
    return "\n".join(lines) + "\n"


def time_table(costs: dict, field: str) -> str:
    header = "| T | " + " | ".join(f"{NAMES[model]}" for model in seqdocs.COST_MODELS) + " |"
    lines = [header, "| ---: | " + " | ".join("---:" for _ in seqdocs.COST_MODELS) + " |"]
    for length in LENGTHS:
        cells = []
        for model in seqdocs.COST_MODELS:
            timing = getattr(costs[model, length], field)
            spread = f"{milliseconds(timing.fastest)}–{milliseconds(timing.slowest)}"
            cells.append(f"{milliseconds(timing.median)}<br><small>{spread}</small>")
        lines.append(f"| {length:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def memory_table(costs: dict) -> str:
    header = "| T | " + " | ".join(f"{NAMES[model]}" for model in seqdocs.COST_MODELS) + " |"
    lines = [header, "| ---: | " + " | ".join("---:" for _ in seqdocs.COST_MODELS) + " |"]
    for length in LENGTHS:
        saved = [costs[model, length].saved for model in seqdocs.COST_MODELS]
        cells = [f"{size(one.total_bytes)}<br><small>largest {size(one.largest_bytes)}</small>" for one in saved]
        lines.append(f"| {length:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def peak_table(costs: dict) -> str:
    header = "| T | " + " | ".join(f"{NAMES[model]}" for model in seqdocs.COST_MODELS) + " |"
    lines = [header, "| ---: | " + " | ".join("---:" for _ in seqdocs.COST_MODELS) + " |"]
    for length in LENGTHS:
        cells = [
            f"{size(costs[model, length].forward_backward_peak.peak_bytes)}"
            f"<br><small>forward {size(costs[model, length].forward_peak.peak_bytes)}</small>"
            for model in seqdocs.COST_MODELS
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
        # Bytes read best in powers of two: ticks every factor of 8, at 4 KiB, 32 KiB, 256 KiB, 2 MiB, ...
        axes.set_yscale("log", base=2)
        axes.yaxis.set_major_locator(LogLocator(base=8))
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


GUIDE_START = 128
"""Where the slope guides start: three doublings before the longest length, in the plots' empty lower right."""


def slope_guides(axes, end_value: float) -> None:
    """Two grey lines ending at (longest T, end_value) that rise ∝ T and ∝ T², to hold a measured line against.

    They are drawn where no measurement is, so only their slopes mean anything: a measured line that runs
    parallel to one of them grows with that power of T.
    """
    lengths = np.array([GUIDE_START, LENGTHS[-1]], dtype=float)
    for power, label in ((1, "∝ T"), (2, "∝ T²")):
        line = end_value * (lengths / LENGTHS[-1]) ** power
        axes.plot(lengths, line, color=foreground(), linestyle=(0, (4, 2)), linewidth=1.2, alpha=0.7, zorder=1)
        axes.annotate(label, xy=(lengths[0], line[0]), xytext=(-4, 0), textcoords="offset points",
                      color=foreground(), fontsize=9, ha="right", va="center")


def plot_models(
    axes, costs: dict, models, value, spread=None, *, overlapping: bool = False, on_top: tuple[str, ...] = ("lstm",)
) -> None:
    for model in models:
        values = [value(costs[model, length]) for length in LENGTHS]
        reference = model == "torch_lstm"
        colour = foreground() if reference else COLOURS[model]
        style = {
            "color": colour, "marker": MARKERS[model], "markersize": MARKER_SIZES.get(model, 5) if overlapping else 5,
            "linewidth": 1.6, "linestyle": (0, (3, 1, 1, 1)) if reference else "solid", "label": LABELS[model],
            "markerfacecolor": "none" if reference else colour, "zorder": 4 if model in on_top else 3,
        }
        if spread is None:
            axes.plot(LENGTHS, values, **style)
        else:
            low, high = zip(*(spread(costs[model, length]) for length in LENGTHS))
            errors = [np.array(values) - np.array(low), np.array(high) - np.array(values)]
            axes.errorbar(LENGTHS, values, yerr=errors, capsize=0, elinewidth=1.2, **style)


def millisecond_label(value: float, _position) -> str:
    return f"{value * 1e3:g}"


def byte_label(value: float, _position) -> str:
    return size(value)


def legend_below(figure, axes) -> None:
    """One legend for all panels, under them, from the lines of `axes`."""
    handles, labels = axes.get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=3, frameon=False, fontsize=8.5)
    figure.tight_layout(rect=(0, 0.12, 1, 1))


def in_milliseconds(seconds: float) -> str:
    return f"{milliseconds(seconds)} ms"


def from_shortest_to_longest(
    costs: dict, value: Callable[[seqdocs.CostMeasurement], float], show: Callable[[float], str]
) -> str:
    """Each model's value at the shortest and the longest T, as sentences for a figure's alt text."""
    return " ".join(
        f"{NAMES[model]}: from {show(value(costs[model, LENGTHS[0]]))} at T = {LENGTHS[0]} "
        f"to {show(value(costs[model, LENGTHS[-1]]))} at T = {LENGTHS[-1]:,}."
        for model in seqdocs.COST_MODELS
    )


def time_figure(out: Artifacts, costs: dict) -> None:
    with figure_style():
        figure, panels = plt.subplots(1, 2, figsize=(8.4, 4.4), sharey=True)
        for axes, field, title in zip(panels, ("forward", "forward_backward"), ("forward", "forward + backward")):
            plot_models(axes, costs, seqdocs.COST_MODELS, lambda cost, f=field: getattr(cost, f).median,
                        spread=lambda cost, f=field: (getattr(cost, f).fastest, getattr(cost, f).slowest))
            log_axes(axes, "milliseconds (median)" if field == "forward" else "", millisecond_label)
            axes.set_title(title, fontsize=10)
            longest = LENGTHS[-1]
            lowest = min(getattr(costs[model, longest], field).median for model in seqdocs.COST_MODELS)
            slope_guides(axes, lowest / 8)
        legend_below(figure, panels[0])

    alt = (
        "Two log-log plots of wall time in milliseconds against sequence length T from "
        f"{LENGTHS[0]} to {LENGTHS[-1]:,}, one line per model with bars from the fastest to the slowest repeat, "
        "and two dashed guide lines, drawn apart from the data, rising like T and like T squared. Left, the "
        "forward pass: " + from_shortest_to_longest(costs, lambda cost: cost.forward.median, in_milliseconds)
        + " Right, forward and backward: "
        + from_shortest_to_longest(costs, lambda cost: cost.forward_backward.median, in_milliseconds)
    )
    out.figure("time", figure, alt=alt)


def memory_figure(out: Artifacts, costs: dict) -> None:
    with figure_style():
        figure, (total, largest) = plt.subplots(1, 2, figsize=(8.4, 4.4))
        plot_models(total, costs, seqdocs.COST_MODELS, lambda cost: cost.saved.total_bytes, overlapping=True)
        log_axes(total, "bytes kept for the backward pass", byte_label, in_bytes=True)
        total.set_title("all tensors saved for backward", fontsize=10)
        longest = LENGTHS[-1]
        slope_guides(total, min(costs[model, longest].saved.total_bytes for model in seqdocs.COST_MODELS) / 8)
        plot_models(largest, costs, seqdocs.COST_MODELS, lambda cost: cost.saved.largest_bytes, overlapping=True)
        log_axes(largest, "bytes of the largest one", byte_label, in_bytes=True)
        largest.set_title("the largest single tensor saved", fontsize=10)
        # Between the flat lines and attention's, where this panel is empty.
        slope_guides(largest, costs["attention", longest].saved.largest_bytes / 32)
        legend_below(figure, total)

    alt = (
        "Two log-log plots of memory against sequence length T, one line per model, with two dashed guide "
        "lines rising like T and like T squared. Left, all the bytes autograd keeps for the backward pass: "
        + from_shortest_to_longest(costs, lambda cost: cost.saved.total_bytes, size)
        + " Right, the largest single tensor kept: "
        + from_shortest_to_longest(costs, lambda cost: cost.saved.largest_bytes, size)
    )
    out.figure("memory", figure, alt=alt)


def peak_figure(out: Artifacts, costs: dict) -> None:
    fields = ("forward_peak", "forward_backward_peak")
    with figure_style():
        figure, panels = plt.subplots(1, 2, figsize=(8.4, 4.4), sharey=True)
        for axes, field, title in zip(panels, fields, ("forward, autograd off", "forward + backward")):
            # With autograd off the RNN and the GRU peak at the same bytes: the RNN's circles go on top of the
            # GRU's bigger diamonds, the LSTM's squares on top of both.
            plot_models(axes, costs, seqdocs.COST_MODELS, lambda cost, f=field: getattr(cost, f).peak_bytes,
                        overlapping=True, on_top=("lstm", "rnn"))
            log_axes(axes, "peak bytes held at once" if field == "forward_peak" else "", byte_label, in_bytes=True)
            axes.yaxis.set_tick_params(labelleft=True)
            axes.set_title(title, fontsize=10)
            longest = LENGTHS[-1]
            slope_guides(axes, min(getattr(costs[model, longest], field).peak_bytes
                                   for model in seqdocs.COST_MODELS) / 8)
        legend_below(figure, panels[0])

    alt = (
        "Two log-log plots of the most memory held at one time against sequence length T, one line per model, "
        "with two dashed guide lines rising like T and like T squared. Left, the forward pass with autograd off: "
        + from_shortest_to_longest(costs, lambda cost: cost.forward_peak.peak_bytes, size)
        + " Right, the forward pass and the backward pass: "
        + from_shortest_to_longest(costs, lambda cost: cost.forward_backward_peak.peak_bytes, size)
    )
    rnn_is_gru = all(costs["rnn", length].forward_peak.peak_bytes == costs["gru", length].forward_peak.peak_bytes
                     for length in LENGTHS)
    caption = "With autograd off the RNN and the GRU peak at the same bytes at every length: their lines coincide." \
        if rnn_is_gru else None
    out.figure("peak", figure, alt=alt, caption=caption)


def steps_figure(out: Artifacts, costs: dict) -> None:
    with figure_style():
        figure, axes = plt.subplots(figsize=(7.2, 3.8))
        plot_models(axes, costs, OURS, lambda cost: cost.dependent_steps)
        log_axes(axes, "operations in a row", lambda value, _: f"{value:,.0f}")
        axes.legend(loc="center right", frameon=False, fontsize=8.5)
        figure.tight_layout()
    alt = (
        "Log-log plot of the longest chain of dependent operations against sequence length T. "
        + " ".join(
            f"{NAMES[model]}: {costs[model, LENGTHS[0]].dependent_steps:,} at T = {LENGTHS[0]}, "
            f"{costs[model, LENGTHS[-1]].dependent_steps:,} at T = {LENGTHS[-1]:,}."
            for model in OURS
        )
        + " The recurrent models' chains grow in proportion to T; self-attention's stays the same length."
    )
    out.figure("steps", figure, alt=alt)


def build(out: Artifacts) -> None:
    torch.set_num_threads(THREADS)
    machine = seqdocs.describe_machine(threads=torch.get_num_threads())
    costs = measure_all()
    shortest, longest, half = LENGTHS[0], LENGTHS[-1], LENGTHS[-2]

    out.markdown("settings", settings_table(machine))
    out.markdown("time_forward", time_table(costs, "forward"))
    out.markdown("time_forward_backward", time_table(costs, "forward_backward"))
    out.markdown("memory_table", memory_table(costs))
    out.markdown("peak_table", peak_table(costs))
    out.markdown("peak_comparisons", peak_comparison_table(costs))
    out.markdown("steps_table", steps_table(costs))
    out.markdown("comparisons", comparison_table(costs))
    out.json(
        "measurements",
        {
            "machine": machine,
            "settings": {"lengths": LENGTHS, "batch": BATCH, "width": WIDTH, "repeats": REPEATS, "seed": SEED},
            "measurements": [
                {
                    "model": cost.model, "length": cost.length,
                    "forward_seconds": vars(cost.forward), "forward_backward_seconds": vars(cost.forward_backward),
                    "saved": vars(cost.saved), "dependent_steps": cost.dependent_steps,
                    "forward_peak": vars(cost.forward_peak), "forward_backward_peak": vars(cost.forward_backward_peak),
                }
                for cost in costs.values()
            ],
        },
    )

    out.value("batch", str(BATCH))
    out.value("width", str(WIDTH))
    out.value("repeats", str(REPEATS))
    out.value("shortest", f"{shortest:,}")
    out.value("longest", f"{longest:,}")
    out.value("half", f"{half:,}")

    # Dependent steps: exact counts, a fixed number per token for the recurrent models.
    for model in RECURRENT:
        per_token = (costs[model, longest].dependent_steps - costs[model, half].dependent_steps) / (longest - half)
        out.value(f"{model}_steps_per_token", f"{per_token:g}")
        out.value(f"{model}_steps_longest", f"{costs[model, longest].dependent_steps:,}")
    attention_steps = {costs["attention", length].dependent_steps for length in LENGTHS}
    out.value("attention_steps", ", ".join(f"{count:,}" for count in sorted(attention_steps)))
    fused_steps = {costs["torch_lstm", length].dependent_steps for length in LENGTHS}
    out.value("torch_lstm_steps", ", ".join(f"{count:,}" for count in sorted(fused_steps)))

    # Memory: exact bytes.
    for model in (*RECURRENT, "torch_lstm"):
        per_token = (costs[model, longest].saved.total_bytes - costs[model, half].saved.total_bytes) / (longest - half)
        out.value(f"{model}_bytes_per_token", f"{per_token:,.0f}")
    out.value("lstm_largest", size(costs["lstm", longest].saved.largest_bytes))
    for model in OURS:
        ratio = costs[model, longest].saved.total_bytes / costs[model, half].saved.total_bytes
        out.value(f"{model}_memory_ratio", f"{ratio:.2f}")
    out.value("attention_saved_longest", size(costs["attention", longest].saved.total_bytes))
    out.value("attention_largest", size(costs["attention", longest].saved.largest_bytes))
    out.value("attention_weights_formula", f"{BATCH} × {longest:,} × {longest:,} × 4 bytes")
    out.value("hidden_state_bytes", f"{BATCH * WIDTH * 4:,}")

    # Peak memory: exact bytes, from the allocator's reports.
    state_bytes = BATCH * longest * WIDTH * 4  # all T hidden states of the batch, float32
    for field in ("forward_peak", "forward_backward_peak"):
        for model in seqdocs.COST_MODELS:
            peak = getattr(costs[model, longest], field).peak_bytes
            out.value(f"{field}_{model}", size(peak))
            growth = peak / getattr(costs[model, half], field).peak_bytes
            out.value(f"{field}_growth_{model}", f"{growth:.2f}")
            out.value(f"{field}_retained_{model}", size(getattr(costs[model, longest], field).retained_bytes))
        attention = getattr(costs["attention", longest], field).peak_bytes
        for model in (*RECURRENT, "torch_lstm"):
            out.value(f"{field}_ratio_{model}", f"{attention / getattr(costs[model, longest], field).peak_bytes:.1f}")
        growths = [getattr(costs[model, longest], field).peak_bytes / getattr(costs[model, half], field).peak_bytes
                   for model in RECURRENT]
        low, high = f"{min(growths):.2f}", f"{max(growths):.2f}"
        out.value(f"{field}_growth_recurrent", low if low == high else f"{low} to {high}")
    for model in RECURRENT:
        out.value(f"{model}_forward_peak_states", f"{costs[model, longest].forward_peak.peak_bytes / state_bytes:.2f}")
        out.value(f"{model}_forward_backward_peak_states",
                  f"{costs[model, longest].forward_backward_peak.peak_bytes / state_bytes:.2f}")
    out.value("state_bytes", size(state_bytes))
    out.value("attention_matrix", size(BATCH * longest * longest * 4))
    out.value("attention_peak_matrices",
              f"{costs['attention', longest].forward_peak.peak_bytes / (BATCH * longest * longest * 4):.2f}")
    out.value("peak_shortest", peak_sentence(costs, shortest))
    out.value("allocated_lstm", size(costs["lstm", longest].forward_backward_peak.allocated_bytes))
    out.value("allocations_lstm", f"{costs['lstm', longest].forward_backward_peak.allocations:,}")
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
        f"But at T = {shortest} self-attention's peak was below the "
        f"{'peak' if len(below_at_shortest) == 1 else 'peaks'} of {name_list(below_at_shortest)}: at short lengths "
        "the part of a peak that does not grow with T decides"
        if below_at_shortest
        else "Its peak was above every recurrent model's at every length measured",
    )
    fused, ours = (costs[model, longest].forward_backward_peak.peak_bytes for model in ("torch_lstm", "lstm"))
    out.value("torch_lstm_peak_word", "above" if fused > ours else "below")

    # Wall time: these change on every run, so every sentence about them is built here.
    out.value("forward_shortest", times_sentence(costs, shortest, "forward"))
    out.value("forward_longest", times_sentence(costs, longest, "forward"))
    for field in ("forward", "forward_backward"):
        for model in seqdocs.COST_MODELS:
            out.value(f"{field}_slope_{model}", f"{slope(costs, model, field):.2f}")
    for model in RECURRENT:
        ratio = costs[model, longest].forward_backward.median / costs[model, longest].forward.median
        out.value(f"{model}_backward_ratio", f"{ratio:.1f}")
    for model in RECURRENT:
        per_step = costs[model, longest].forward.median / longest
        out.value(f"{model}_microseconds_per_step", f"{per_step * 1e6:.0f}")
    products = 2 * (2 * BATCH * longest * longest * WIDTH)  # Q K^T and weights @ V, a multiply and an add each
    rate = products / costs["attention", longest].forward.median  # floating-point operations per second
    out.value("attention_gflop", f"{products / 1e9:.2f}")
    out.value("attention_gflops", f"{rate / 1e9:.1f}")
    # The matrix products of one step (2 x B x in x out each); the element-wise operations add far less.
    step_products = {"rnn": 2 * BATCH * (WIDTH + WIDTH) * WIDTH, "lstm": 2 * BATCH * (WIDTH + WIDTH) * 4 * WIDTH}
    for model, count in step_products.items():
        out.value(f"{model}_step_flop", f"{count:,}")
        out.value(f"{model}_step_arithmetic_us", f"{count / rate * 1e6:.1f}")
    loop_slopes = [slope(costs, model, field) for model in RECURRENT for field in ("forward", "forward_backward")]
    attention_slopes = [slope(costs, "attention", field) for field in ("forward", "forward_backward")]
    out.value("loop_slopes", f"{min(loop_slopes):.2f} to {max(loop_slopes):.2f}")
    out.value("attention_slopes", f"{min(attention_slopes):.2f} to {max(attention_slopes):.2f}")
    speedup = costs["lstm", longest].forward.median / costs["torch_lstm", longest].forward.median
    out.value("fused_speedup", f"{speedup:.0f}")

    steps_figure(out, costs)
    memory_figure(out, costs)
    peak_figure(out, costs)
    time_figure(out, costs)
    out.provenance(SEED)


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
