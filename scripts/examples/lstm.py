"""The LSTM page: every gate and state of each step as a table, as a heatmap, and as paths in the plane."""

import matplotlib.pyplot as plt
import torch
from _artifacts import Artifacts
from _figures import GATE_SCALE, STATE_SCALE, foreground, path, plane, scale_keys, steps_heatmap, token_colour
from _render import figure_style, step_tab, steps_text, subscript, tensor_table, vector_text

import seqdocs

UNITS = ["unit 1", "unit 2"]
GATES = ("input_gate", "forget_gate", "output_gate")
"""The quantities that are gates, between 0 and 1; the candidate g, from a tanh, is not one."""

# What each step computes, in the order the page explains it: the name in the trace, a row label for the
# tables (LaTeX), and one for the figure (plain text). The three gates come with the candidate, in the order
# PyTorch stores their blocks: i, f, g, o.
QUANTITIES = [
    ("input_gate", "input gate $i_t$", "input gate i"),
    ("forget_gate", "forget gate $f_t$", "forget gate f"),
    ("cell_candidate", "cell candidate $g_t$", "candidate g"),
    ("output_gate", "output gate $o_t$", "output gate o"),
    ("kept_memory", r"kept memory $f_t \odot c_{t-1}$", "kept memory f⊙c"),
    ("new_information", r"new information $i_t \odot g_t$", "new information i⊙g"),
    ("cell", "**cell** $c_t$", "cell c"),
    ("hidden", "**hidden state** $h_t$", "hidden h"),
]


def step_tabs(trace: seqdocs.Trace) -> str:
    """One tab per step: what the step reads, then every gate and state it computes, one row each."""
    tabs = []
    for step in trace.steps:
        t = step.index + 1
        labels = [label.replace("_t", f"_{t}").replace("_{t-1}", f"_{t - 1}") for _, label, _ in QUANTITIES]
        table = tensor_table(torch.stack([step[name] for name, _, _ in QUANTITIES]), labels, UNITS)
        states = (
            f"the hidden state $h_{t - 1}$ = {vector_text(step['previous_hidden'])} and the cell "
            f"$c_{t - 1}$ = {vector_text(step['previous_cell'])}"
        )
        carried = f"Starts from zeros: {states}." if step.index == 0 else f"Carries {states} from the step before."
        tabs.append(step_tab(step, carried, table))
    return "\n".join(tabs)


def build(out: Artifacts) -> None:
    setup = seqdocs.make_setup()
    trace = seqdocs.lstm_trace(setup)
    hidden_size = setup.lstm.hidden_size
    embedding_size = setup.embedding_size

    out.markdown("steps", step_tabs(trace))
    out.markdown(
        "weights",
        tensor_table(
            setup.lstm.weight,
            [f"input, component {row + 1}" for row in range(embedding_size)]
            + [f"hidden, unit {row + 1}" for row in range(hidden_size)],
            [f"{gate}{subscript(unit + 1)}" for gate in "ifgo" for unit in range(hidden_size)],  # i₁, i₂, f₁, ...
        ),
    )
    out.value("final_hidden", vector_text(trace.final("hidden")))
    out.value("final_cell", vector_text(trace.final("cell")))
    forget = trace.stacked("forget_gate")  # (T, H)
    out.value("last_forget_gate", vector_text(forget[-1]))
    out.value("last_token", trace.steps[-1].token)

    with figure_style():
        values = torch.stack([trace.stacked(name) for name, _, _ in QUANTITIES])  # (Q, T, H)
        figure, axes = plt.subplots(figsize=(7.4, 4.4))
        # The first four rows are the three gates and the candidate, read from [x, h]; the last four are what
        # they make. Gates and states each keep one fixed colour scale, the same on the GRU page.
        scales = [GATE_SCALE if name in GATES else STATE_SCALE for name, _, _ in QUANTITIES]
        steps_heatmap(axes, values.tolist(), [label for _, _, label in QUANTITIES], trace.tokens, gate_rows=4,
                      row_scales=scales)
        scale_keys(figure, axes, [(GATE_SCALE, "gates"), (STATE_SCALE, "candidate and states")])
        figure.tight_layout()
    alt = (
        "Heatmap of the LSTM's gates and states: one row per quantity (input gate, forget gate, cell candidate, "
        "output gate, kept memory, new information, cell, hidden state), two columns per step for the two units, "
        "each cell with its value printed. The three gates are coloured on a fixed scale from white (0) to black "
        "(1); every other row on a fixed scale from blue (-1) through white (0) to red (+1). "
        + steps_text(trace.steps, [("forget gate", "forget_gate"), ("cell", "cell"), ("hidden", "hidden")])
    )
    out.figure("gates", figure, alt=alt)

    with figure_style():
        start = torch.zeros(1, hidden_size)
        cells = torch.cat([start, trace.stacked("cell")]).tolist()
        hiddens = torch.cat([start, trace.stacked("hidden")]).tolist()
        figure, axes = plt.subplots(figsize=(5.6, 3.9))
        plane(axes, cells + hiddens, margin=0.12, labels=UNITS)
        token_colours = [token_colour(index) for index in range(len(trace.tokens))]
        # Label offsets placed by hand for these points, clear of the arrows (in points).
        path(axes, cells, [""] + [f"$c_{t}$ {token}" for t, token in enumerate(trace.tokens, 1)],
             colours=token_colours, marker="s", label_offsets=[(0, 0), (-7, -6), (-7, 6), (9, 0)])
        path(axes, hiddens, [""] + [f"$h_{t}$ {token}" for t, token in enumerate(trace.tokens, 1)],
             colours=token_colours, marker="o", linestyle="dashed", label_offsets=[(0, 0), (4, -9), (4, 7), (8, -8)])
        axes.annotate("start", xy=(0, 0), xytext=(6, 6), textcoords="offset points", ha="left", va="bottom")
        axes.plot([], [], "s-", color=foreground(), label="cell $c_t$, the memory (solid)")
        axes.plot([], [], "o--", color=foreground(), label=r"hidden state $h_t = o_t \odot \tanh(c_t)$ (dashed)")
        axes.legend(loc="upper left", frameon=False, fontsize=8.5)
        figure.tight_layout()
    alt = (
        "The LSTM's cell and hidden state as two paths in the plane, both starting at the origin. "
        + " ".join(
            f"After {step.token}: cell {vector_text(step['cell'])}, hidden {vector_text(step['hidden'])}."
            for step in trace.steps
        )
        + " The hidden state always lies nearer the origin than the cell, because it is the cell squashed by a "
        "tanh and scaled down by the output gate."
    )
    out.figure("states", figure, alt=alt)
    out.provenance(setup.seed, checks=[seqdocs.check_lstm(setup)])


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
