"""The RNN page: every tensor of each step as a table, and the hidden state moving through the plane."""

import math

import matplotlib.pyplot as plt
import torch
from _artifacts import Artifacts
from _figures import arrow, foreground, plane, token_colour
from _render import carried_state, figure_style, step_tab, tensor_table, vector_text

import seqdocs
import seqdocs.experiments

UNITS = ["unit 1", "unit 2"]
SCALE_SEEDS = tuple(range(100))
"""The seeds of the comparison of weight sizes: one RNN and one sequence per seed."""
OFTEN = 0.1
"""A share of sums outside the square from which the page remarks on it (one sum in ten)."""
LABEL_OFFSETS = [(0, -12), (-10, -4), (6, -10)]  # where each state's label sits in the path figure, in points


def step_tabs(trace: seqdocs.Trace) -> str:
    """One tab per step: what the step reads, then each quantity it computes, one row each."""
    tabs = []
    for step in trace.steps:
        t = step.index + 1
        rows = [
            (f"from the input, $x_{t} W_{{xh}}$", step["input_contribution"]),
            (f"from the memory, $h_{t - 1} W_{{hh}}$", step["recurrent_contribution"]),
            ("sum, before the tanh", step["pre_activation"]),
            (f"**new hidden state** $h_{t}$", step["hidden"]),
        ]
        table = tensor_table(torch.stack([row for _, row in rows]), [label for label, _ in rows], UNITS)
        tabs.append(step_tab(step, carried_state(step), table))
    return "\n".join(tabs)


def weight_scale_rows(setup: seqdocs.Setup) -> list[dict[str, float | int | str]]:
    """How far the RNN's sums go, with standard normal weights (the toy's) and with PyTorch's initialisation.

    Each seed gets its own RNN and its own sequence of standard normal token vectors, as long as the toy's,
    at two sizes: the toy's, and the Gradients chapter's. The weights come from
    [init_gradient_weights][seqdocs.experiments.init_gradient_weights] (PyTorch's: uniform in ±1/√H, biases too).

    Returns:
        One row per size and kind of weight: the share of the sums before the tanh (every step, unit and seed)
        that land outside the square [-1, 1], their median size, and the median slope of the tanh there.
    """
    gradients = seqdocs.experiments.GradientConfig()
    sizes = [("the toy's", setup.embedding_size, setup.rnn.hidden_size),
             ("the Gradients chapter's", gradients.embedding_size, gradients.hidden_size)]
    rows = []
    for size, embedding_size, hidden_size in sizes:
        for kind, weight_scale in (("standard normal", 1.0), ("PyTorch's", None)):
            config = seqdocs.experiments.GradientConfig(length=len(setup.tokens), embedding_size=embedding_size,
                                            hidden_size=hidden_size, seeds=SCALE_SEEDS, weight_scale=weight_scale,
                                            dtype="float32")
            weights = seqdocs.experiments.init_gradient_weights("rnn", config)  # (S, E, H), (S, H, H), (S, 1, H)
            inputs = seqdocs.experiments.gradient_inputs(config)  # (S, 1, T, E)
            hidden = inputs.new_zeros(inputs.shape[:2] + (hidden_size,))  # (S, 1, H)
            sums = []
            for position in range(config.length):
                step = seqdocs.rnn_cell(inputs[:, :, position], hidden, weights)
                hidden = step["hidden"]  # (S, 1, H)
                sums.append(step["pre_activation"])  # (S, 1, H)
            sums = torch.stack(sums)  # (T, S, 1, H)
            rows.append({
                "size": size, "E": embedding_size, "H": hidden_size, "kind": kind,
                "outside": float((sums.abs() > 1).float().mean()),
                "median_size": float(sums.abs().median()),
                "median_slope": float((1 - torch.tanh(sums) ** 2).median()),  # the tanh's slope at each sum
            })
    return rows


def weight_scale_story(rows: list[dict[str, float | int | str]]) -> str:
    """The sentences under the table, chosen by its numbers."""
    sentences = []
    for size in dict.fromkeys(row["size"] for row in rows):
        normal, pytorch = (next(row for row in rows if row["size"] == size and row["kind"] == kind)
                           for kind in ("standard normal", "PyTorch's"))
        if normal["outside"] > pytorch["outside"]:
            verdict = (f"{normal['outside'] / pytorch['outside']:.1f} times as many as" if pytorch["outside"]
                       else "more than")
            comparison = (f"standard normal weights put {normal['outside']:.0%} of the sums outside the square, "
                          f"{verdict} PyTorch's {pytorch['outside']:.0%}")
        else:
            comparison = (f"standard normal weights put {normal['outside']:.0%} of the sums outside the square, "
                          f"no more than PyTorch's {pytorch['outside']:.0%}")
        sentences.append(f"At {size} size ($E = {normal['E']}$, $H = {normal['H']}$), {comparison}.")
        if pytorch["outside"] >= OFTEN:
            sentences.append(
                f"Even PyTorch's scale puts {pytorch['outside']:.0%} of the sums there outside the square, "
                f"{'more than' if pytorch['outside'] > OFTEN else 'as many as'} one in {round(1 / OFTEN)}: with "
                f"$H = {pytorch['H']}$ its bound $1/\\sqrt{{H}}$ = {1 / math.sqrt(pytorch['H']):.2f} is not small."
            )
    return " ".join(sentences)


def build(out: Artifacts) -> None:
    setup = seqdocs.make_setup()
    trace = seqdocs.rnn_trace(setup)
    hidden = trace.stacked("hidden")  # (T, H)
    pre_activation = trace.stacked("pre_activation")  # (T, H)
    start = trace.steps[0]["previous_hidden"]  # (H,), zeros

    out.markdown("steps", step_tabs(trace))
    # The weights, with a row per input component or hidden unit they multiply (x @ W reads W by rows).
    out.markdown(
        "weights",
        tensor_table(
            torch.cat([setup.rnn.input_to_hidden, setup.rnn.hidden_to_hidden]),
            [f"$W_{{xh}}$ row {row + 1}" for row in range(setup.embedding_size)]
            + [f"$W_{{hh}}$ row {row + 1}" for row in range(setup.rnn.hidden_size)],
            UNITS,
        ),
    )
    out.value("final_hidden", vector_text(trace.final("hidden")))
    last = trace.steps[-1]
    # The sentence about the last step says where its sum landed, which only the numbers can tell.
    outside = bool((last["pre_activation"].abs() > 1).any())
    out.value(
        "last_squash",
        f"At step {last.index + 1} the sum lands at {vector_text(last['pre_activation'])}, "
        + ("outside the square, and the tanh pulls it back in to " if outside else "and the tanh moves it to ")
        + f"{vector_text(last['hidden'])}.",
    )

    # The toy's weights are standard normal; PyTorch would start an RNN of this size smaller (see the Setup page).
    rows = weight_scale_rows(setup)
    lines = ["| size | weights | sums outside the square | median size of a sum | median slope of the tanh |",
             "| :--- | :--- | ---: | ---: | ---: |"]
    lines += [
        f"| {row['size']}, $E = {row['E']}$, $H = {row['H']}$ | {row['kind']} | {row['outside']:.0%} "
        f"| {row['median_size']:.2f} | {row['median_slope']:.4f} |"
        for row in rows
    ]
    out.markdown("weight_scales", "\n".join(lines) + "\n")
    out.value("scale_story", weight_scale_story(rows))
    out.value("scale_seeds", str(len(SCALE_SEEDS)))
    out.value("scale_length", str(len(setup.tokens)))
    out.json("weight_scales", {"seeds": list(SCALE_SEEDS), "length": len(setup.tokens), "rows": rows})

    with figure_style():
        points = torch.cat([start[None], hidden]).tolist()
        # Trajectory: each arrow is one step; hollow circles mark where the sum landed before the tanh.
        figure, axes = plt.subplots(figsize=(5.2, 4.5))
        plane(axes, points + pre_activation.tolist(), square=True, margin=0.25, labels=UNITS)
        for step in trace.steps:
            colour = token_colour(step.index)
            t = step.index + 1
            arrow(axes, step["previous_hidden"].tolist(), step["hidden"].tolist(), colour=colour, linewidth=2.2)
            axes.plot(*step["hidden"].tolist(), "o", color=colour, markersize=7, zorder=4)
            axes.plot(*step["pre_activation"].tolist(), "o", markerfacecolor="none", markeredgecolor=colour,
                      markersize=8, zorder=4)
            axes.annotate("", xy=step["hidden"].tolist(), xytext=step["pre_activation"].tolist(),
                          arrowprops={"arrowstyle": "->", "color": colour, "linestyle": "dotted", "linewidth": 1.3,
                                      "shrinkA": 5, "shrinkB": 5})
            # Placed by hand for these three points, clear of the arrows and the hollow circles.
            offset = LABEL_OFFSETS[step.index % len(LABEL_OFFSETS)]
            axes.annotate(f"$h_{t}$ after {step.token}", xy=step["hidden"].tolist(), xytext=offset,
                          textcoords="offset points", color=colour, fontweight="bold",
                          ha="center" if offset[0] == 0 else "left" if offset[0] > 0 else "right",
                          va="top" if offset[1] < 0 else "bottom")
        axes.plot(0, 0, "o", color=foreground(), markersize=5, zorder=4)
        axes.annotate("$h_0$", xy=(0, 0), xytext=(-6, -6), textcoords="offset points", ha="right", va="top")
        axes.annotate("the tanh keeps $h$\ninside this square", xy=(-1, 1), xytext=(4, -4), textcoords="offset points",
                      ha="left", va="top", fontsize=8.5, alpha=0.85)
        axes.plot([], [], "o", markerfacecolor="none", markeredgecolor=foreground(), label="sum before the tanh")
        axes.plot([], [], "o", color=foreground(), label="hidden state after it")
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False, fontsize=8.5)
        figure.tight_layout()
    alt = (
        "The RNN's two-number hidden state drawn as a point in the plane, moving once per token inside the dashed "
        "square from -1 to 1 that the tanh allows. It starts at the origin, h0; "
        + "; ".join(
            f"after {step.token} the sum lands at {vector_text(step['pre_activation'])} and the tanh pulls it to "
            f"{vector_text(step['hidden'])}"
            for step in trace.steps
        )
        + "."
    )
    out.figure("path", figure, alt=alt)

    with figure_style():
        # One panel per step: the two shares added head to tail, then the tanh squashing the sum.
        figure, panels = plt.subplots(1, len(trace.steps), figsize=(7.2, 3.1), sharex=True, sharey=True)
        everything = [point for step in trace.steps for name in ("recurrent_contribution", "pre_activation", "hidden")
                      for point in [step[name].tolist()]]
        for step, axes in zip(trace.steps, panels):
            t = step.index + 1
            colour = token_colour(step.index)
            plane(axes, everything, square=True, margin=0.2)
            memory = step["recurrent_contribution"].tolist()
            total = step["pre_activation"].tolist()
            if any(abs(value) > 0 for value in memory):
                arrow(axes, (0, 0), memory, colour=foreground(), linewidth=1.6)
            arrow(axes, memory, total, colour=colour, linewidth=2.2)
            axes.plot(*total, "o", markerfacecolor="none", markeredgecolor=colour, markersize=8, zorder=4)
            axes.annotate("", xy=step["hidden"].tolist(), xytext=total,
                          arrowprops={"arrowstyle": "->", "color": colour, "linestyle": "dotted", "linewidth": 1.3,
                                      "shrinkA": 5, "shrinkB": 4})
            axes.plot(*step["hidden"].tolist(), "o", color=colour, markersize=7, zorder=4)
            axes.set_title(f"Step {t} · {step.token}", color=colour, fontweight="bold")
            axes.set_xlabel("unit 1")
        panels[0].set_ylabel("unit 2")
        panels[0].plot([], [], color=foreground(), linewidth=1.6, label="from the memory, $h_{t-1} W_{hh}$")
        panels[0].plot([], [], color=token_colour(0), linewidth=2.2, label="from the input, $x_t W_{xh}$")
        panels[0].plot([], [], "o", markerfacecolor="none", markeredgecolor=foreground(), label="their sum")
        panels[0].plot([], [], "o", color=foreground(), label="$h_t$ = tanh(sum)")
        figure.legend(loc="lower center", ncol=4, frameon=False, fontsize=8.5, bbox_to_anchor=(0.5, 0.0))
        figure.tight_layout(rect=(0, 0.09, 1, 1))
    alt = (
        "Three panels, one per step, each adding the memory's share and the input's share head to tail. "
        + " ".join(
            f"Step {step.index + 1}, {step.token}: memory {vector_text(step['recurrent_contribution'])} plus input "
            f"{vector_text(step['input_contribution'])} gives {vector_text(step['pre_activation'])}, which the tanh "
            f"maps to {vector_text(step['hidden'])}."
            for step in trace.steps
        )
    )
    out.figure("sums", figure, alt=alt)
    out.provenance(setup.seed, checks=[seqdocs.check_rnn(setup)])


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
