"""The cost page's wall times: forward, and forward + backward, as T doubles to 1024.

Wall times change from run to run, so this example is NONDETERMINISTIC: the build runs it alone, after every
other unit, so that nothing else on the machine disturbs its clock. Only the timing runs here; the exact counts
(memory and dependent steps), which need no clock, come from `cost.py`, which runs beside the other units.
The settings, the rules and the figures' style are cost.py's, so both halves of the page follow one set.
"""

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
from _artifacts import Artifacts
from _render import figure_style
from cost import (
    BATCH,
    LABELS,
    LENGTHS,
    MODELS,
    NAMES,
    OURS,
    RECURRENT,
    SEED,
    SHORT,
    THREADS,
    WIDTH,
    compare,
    comparison,
    enclose_in_ticks,
    from_shortest_to_longest,
    legend_below,
    log_axes,
    name_list,
    plot_models,
    slope_guides,
    verdict,
    workloads,
)

import seqdocs
import seqdocs.experiments

NONDETERMINISTIC = True
"""This example records wall-clock times, which differ on every run."""

REPEATS = 3
"""Timed calls per model, length and pass. Three is the fewest whose median is not one run's time: one slow call
(the machine busy for a moment) moves the slowest, not the median; the bars and the comparison rule need the
fastest and the slowest, which one call cannot give. Each repeat is one more round over every model at every
length, and this unit runs alone, so each one lengthens the site's build by its whole time."""


@dataclass(frozen=True)
class Times:
    """The timed fields of `seqdocs.experiments.CostMeasurement` for one model at one length."""

    forward: seqdocs.experiments.Timing
    forward_backward: seqdocs.experiments.Timing


def measure_times() -> dict[tuple[str, int], Times]:
    """Every model in MODELS timed at every length, forward and forward + backward, REPEATS times each."""
    runs = workloads()
    passes = {key: (("forward", workload.run_forward), ("forward_backward", workload.run_forward_backward))
              for key, workload in runs.items()}
    # One untimed round first: it pays every call's one-off costs (the first use of each operation, the
    # allocator finding memory for each size), so that no timed run does.
    for key in runs:
        for _, call in passes[key]:
            call()
    # Rounds: each round times every model at every length once. A slow spell of the shared machine then
    # lands on one round of many lengths, where the median discards it, not on every repeat of one length.
    seconds = {(key, field): [] for key in runs for field in ("forward", "forward_backward")}
    for _ in range(REPEATS):
        for key in runs:
            for field, call in passes[key]:
                seconds[key, field].append(seqdocs.experiments.time_call(call, repeats=1, warmup=0).median)
    return {
        key: Times(*(seqdocs.experiments.Timing.from_seconds(seconds[key, field]) for field in ("forward", "forward_backward")))
        for key in runs
    }


def milliseconds(seconds: float) -> str:
    """Three significant figures: 0.0123, 1.23, 123."""
    value = seconds * 1e3
    digits = max(0, 2 - math.floor(math.log10(value))) if value > 0 else 0
    return f"{value:,.{digits}f}"


def slope(costs: dict, model: str, field: str, lengths: tuple[int, ...] | None = None) -> float:
    """The log-log slope of the median time over `lengths` (the three longest): 1 means ∝ T, 2 means ∝ T²."""
    lengths = LENGTHS[-3:] if lengths is None else lengths
    times = [getattr(costs[model, length], field).median for length in lengths]
    return float(np.polyfit(np.log(lengths), np.log(times), 1)[0])


TIME_WORDS = {"less": "faster", "more": "slower", "tie": "too close to call"}


def spread(field: str):
    """(fastest, slowest) of a timing, for `comparison`."""
    return lambda costs, model, length: (getattr(costs[model, length], field).fastest,
                                         getattr(costs[model, length], field).slowest)


def comparison_table(costs: dict) -> str:
    """Self-attention against each other model: where it took less time and where more, by `comparison`."""

    def timing(field: str):
        return lambda model, length: spread(field)(costs, model, length)

    lines = [
        "| self-attention against | forward time | forward + backward time |",
        "| :--- | :--- | :--- |",
    ]
    for model in (*RECURRENT, "torch_lstm"):
        cells = [
            comparison(timing("forward"), model, TIME_WORDS),
            comparison(timing("forward_backward"), model, TIME_WORDS),
        ]
        lines.append(f"| {LABELS[model]} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def times_sentence(costs: dict, length: int, field: str) -> str:
    parts = [
        f"{SHORT[model]}'s {milliseconds(getattr(costs[model, length], field).median)} ms"
        for model in (*RECURRENT, "torch_lstm")
    ]
    attention = milliseconds(getattr(costs["attention", length], field).median)
    return f"self-attention took {attention} ms, " + name_list(parts)


def speed_sentence(costs: dict, model: str, reference: str, length: int) -> str:
    """How the reference's forward time compared with a model's, by `compare`, in words."""
    ours, theirs = (spread("forward")(costs, name, length) for name in (reference, model))
    outcome = compare(ours, theirs)
    ratio = costs[model, length].forward.median / costs[reference, length].forward.median
    if outcome == "less":
        return f"{ratio:,.0f} times as fast as the package's {NAMES[model]} (median against median)"
    if outcome == "more":
        return f"slower than the package's {NAMES[model]}, {1 / ratio:,.1f} times its time (median against median)"
    return f"too close to the package's {NAMES[model]} to call: their ranges of times overlap"


def settings_table(machine: dict[str, str]) -> str:
    rows = [
        ("Sequence lengths T", ", ".join(f"{length:,}" for length in LENGTHS), "doubling"),
        ("Batch B", str(BATCH), "sequences read at once"),
        ("Width $E = H = d_{\\text{model}}$", str(WIDTH), "inputs, hidden states, queries, keys and values; "
         "attention has one head, so $d_k = d_{\\text{model}}$"),
        ("Inputs", "standard normal, seed " + str(SEED), "fixed data: gradients are taken for the weights only"),
        ("Peak memory", "1 run of each", "untimed, with PyTorch's profiler recording every allocation and free; "
         "the same bytes come out on every run"),
        ("Timed runs", f"{REPEATS} of each", "in rounds, each timing every model at every length once, after one "
         "untimed round; the plots show the median, with bars from the fastest to the slowest"),
        ("Fused attention", "memory only", "`F.scaled_dot_product_attention` with the same weights: what it keeps "
         "for the backward pass is counted, its time is not taken"),
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
    header = "| T | " + " | ".join(f"{NAMES[model]}" for model in MODELS) + " |"
    lines = [header, "| ---: | " + " | ".join("---:" for _ in MODELS) + " |"]
    for length in LENGTHS:
        cells = []
        for model in MODELS:
            timing = getattr(costs[model, length], field)
            spread = f"{milliseconds(timing.fastest)}–{milliseconds(timing.slowest)}"
            cells.append(f"{milliseconds(timing.median)}<br><small>{spread}</small>")
        lines.append(f"| {length:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def millisecond_label(value: float, _position) -> str:
    return f"{value * 1e3:,g}"


def in_milliseconds(seconds: float) -> str:
    return f"{milliseconds(seconds)} ms"


def time_figure(out: Artifacts, costs: dict) -> None:
    with figure_style():
        figure, panels = plt.subplots(1, 2, figsize=(8.4, 4.4), sharey=True)
        for axes, field, title in zip(panels, ("forward", "forward_backward"), ("forward", "forward + backward")):
            plot_models(axes, costs, MODELS, lambda cost, f=field: getattr(cost, f).median,
                        spread=lambda cost, f=field: (getattr(cost, f).fastest, getattr(cost, f).slowest))
            log_axes(axes, "milliseconds (median)" if field == "forward" else "", millisecond_label)
            axes.set_title(title, fontsize=10)
            longest = LENGTHS[-1]
            lowest = min(getattr(costs[model, longest], field).median for model in MODELS)
            slope_guides(axes, lowest / 8)
        enclose_in_ticks(panels, 10)
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


def build(out: Artifacts) -> None:
    torch.set_num_threads(THREADS)
    machine = seqdocs.experiments.describe_machine(threads=torch.get_num_threads())
    costs = measure_times()
    shortest, longest = LENGTHS[0], LENGTHS[-1]

    out.markdown("settings", settings_table(machine))
    out.markdown("time_forward", time_table(costs, "forward"))
    out.markdown("time_forward_backward", time_table(costs, "forward_backward"))
    out.markdown("comparisons", comparison_table(costs))
    out.json(
        "measurements",
        {
            "machine": machine,
            "settings": {"lengths": LENGTHS, "batch": BATCH, "width": WIDTH, "repeats": REPEATS, "seed": SEED},
            "measurements": [
                {"model": model, "length": length, "forward_seconds": vars(times.forward),
                 "forward_backward_seconds": vars(times.forward_backward)}
                for (model, length), times in costs.items()
            ],
        },
    )
    out.value("repeats", str(REPEATS))

    # Wall time: these change on every run, so every sentence about them is built here.
    out.value("forward_shortest", times_sentence(costs, shortest, "forward"))
    out.value("forward_longest", times_sentence(costs, longest, "forward"))
    for field in ("forward", "forward_backward"):
        for model in MODELS:
            out.value(f"{field}_slope_{model}", f"{slope(costs, model, field):.2f}")
        out.value(f"{field}_time_verdict", verdict({model: slope(costs, model, field) for model in OURS},
                                                   {"rnn": 1, "lstm": 1, "gru": 1, "attention": 2}))
    for model in RECURRENT:
        ratio = costs[model, longest].forward_backward.median / costs[model, longest].forward.median
        out.value(f"{model}_backward_ratio", f"{ratio:.1f}")
    for model in RECURRENT:
        per_step = costs[model, longest].forward.median / longest
        out.value(f"{model}_microseconds_per_step", f"{per_step * 1e6:.0f}")
    products = 2 * (2 * BATCH * longest * longest * WIDTH)  # Q K^T and weights @ V, a multiply and an add each
    # The whole forward pass's time, projections and softmax included, is longer than the two products' alone:
    # dividing by it gives a rate the products reached at least, not their rate.
    attention_forward = costs["attention", longest].forward.median
    rate = products / attention_forward  # floating-point operations per second, a lower bound for the products
    out.value("attention_gflop", f"{products / 1e9:.2f}")
    out.value("attention_gflops", f"{rate / 1e9:.1f}")
    out.value("attention_forward_longest", f"{milliseconds(attention_forward)} ms")
    # The matrix products of one step (2 x B x in x out each); the element-wise operations add far less.
    step_products = {"rnn": 2 * BATCH * (WIDTH + WIDTH) * WIDTH, "lstm": 2 * BATCH * (WIDTH + WIDTH) * 4 * WIDTH}
    for model, count in step_products.items():
        out.value(f"{model}_step_flop", f"{count:,}")
        out.value(f"{model}_step_arithmetic_us", f"{count / rate * 1e6:.1f}")  # at most: the rate is a lower bound
    short_slope = slope(costs, "attention", "forward", LENGTHS[:3])
    long_slope = slope(costs, "attention", "forward")
    out.value("attention_short_slope", f"$T^{{{short_slope:.2f}}}$")
    out.value("attention_long_slope", f"$T^{{{long_slope:.2f}}}$")
    out.value("attention_steepens", "in this run it did steepen" if short_slope < long_slope
              else "in this run it did not steepen")
    loop_slopes = [slope(costs, model, field) for model in RECURRENT for field in ("forward", "forward_backward")]
    attention_slopes = [slope(costs, "attention", field) for field in ("forward", "forward_backward")]
    out.value("loop_slopes", f"{min(loop_slopes):.2f} to {max(loop_slopes):.2f}")
    out.value("attention_slopes", f"{min(attention_slopes):.2f} to {max(attention_slopes):.2f}")
    out.value("torch_lstm_speed", speed_sentence(costs, "lstm", "torch_lstm", longest))


    time_figure(out, costs)  # the page shows cost.py's provenance: the same torch, the same seed


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
