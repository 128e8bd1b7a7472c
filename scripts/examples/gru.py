"""The GRU page: every gate and state of each step, and PyTorch's GRU next to the textbook one (Cho et al., 2014)."""

import matplotlib.pyplot as plt
import torch
from _artifacts import Artifacts
from _figures import GATE_SCALE, STATE_SCALE, foreground, scale_keys, steps_heatmap, token_colour
from _render import carried_state, figure_style, step_tab, steps_text, subscript, tensor_table, vector_text

import seqdocs

UNITS = ["unit 1", "unit 2"]

# What each step computes, in the order the page explains it: the name, a table label (LaTeX), a figure label.
QUANTITIES = [
    ("reset_gate", "reset gate $r_t$", "reset gate r"),
    ("update_gate", "update gate $z_t$", "update gate z"),
    ("recurrent_candidate", r"memory's share of the candidate, $h_{t-1} W_{hn}$", "memory's share"),
    ("candidate", "candidate $n_t$", "candidate n"),
    ("hidden", "**new hidden state** $h_t$", "hidden h"),
]


def textbook_gru(setup: seqdocs.Setup) -> torch.Tensor:
    """The GRU of Cho et al. (2014): the reset gate scales the old state *before* its matrix product.

    Everything else is PyTorch's GRU, with the same weights, so the two differ in that one place only.

    Returns:
        (T, H) the hidden state after each token.
    """
    weights = setup.gru
    hidden = setup.inputs.new_zeros(weights.hidden_size)  # (H,)
    hidden_reset, hidden_update, hidden_candidate = weights.hidden_weight.chunk(3, dim=-1)  # 3 x (H, H)
    bias_reset, bias_update, bias_candidate = weights.hidden_bias.chunk(3)  # 3 x (H,)
    states = []
    for token_vector in setup.inputs:
        input_reset, input_update, input_candidate = (token_vector @ weights.input_weight + weights.input_bias).chunk(3)
        reset_gate = torch.sigmoid(input_reset + hidden @ hidden_reset + bias_reset)  # (H,)
        update_gate = torch.sigmoid(input_update + hidden @ hidden_update + bias_update)  # (H,)
        candidate = torch.tanh(input_candidate + (reset_gate * hidden) @ hidden_candidate + bias_candidate)  # (H,)
        hidden = (1 - update_gate) * candidate + update_gate * hidden  # (H,)
        states.append(hidden)
    return torch.stack(states)  # (T, H)


def step_values(step: seqdocs.Step) -> dict[str, torch.Tensor]:
    """The step's tensors by name, with the memory's share of the candidate cut out of the hidden projection."""
    values = dict(step.tensors)
    values["recurrent_candidate"] = step["hidden_projection"].chunk(3)[2]  # (H,), the block r_t multiplies
    return values


def step_tabs(trace: seqdocs.Trace) -> str:
    """One tab per step: what the step reads, then every gate and state it computes, one row each."""
    tabs = []
    for step in trace.steps:
        t = step.index + 1
        values = step_values(step)
        labels = [label.replace("_t", f"_{t}").replace("_{t-1}", f"_{t - 1}") for _, label, _ in QUANTITIES]
        table = tensor_table(torch.stack([values[name] for name, _, _ in QUANTITIES]), labels, UNITS)
        tabs.append(step_tab(step, carried_state(step), table))
    return "\n".join(tabs)


def build(out: Artifacts) -> None:
    setup = seqdocs.make_setup()
    trace = seqdocs.gru_trace(setup)
    hidden_size = setup.gru.hidden_size

    out.markdown("steps", step_tabs(trace))
    blocks = [f"{block}{subscript(unit + 1)}" for block in "rzn" for unit in range(hidden_size)]  # r₁, r₂, z₁...
    out.markdown(
        "weights",
        tensor_table(
            torch.cat([setup.gru.input_weight, setup.gru.hidden_weight]),
            [f"input component {row + 1}, $x$" for row in range(setup.embedding_size)]
            + [f"hidden unit {row + 1}, $h$" for row in range(hidden_size)],
            blocks,
        ),
    )
    out.value("final_hidden", vector_text(trace.final("hidden")))

    # PyTorch's GRU against the textbook one, same weights, same inputs.
    pytorch_states = trace.stacked("hidden")  # (T, H)
    textbook_states = textbook_gru(setup)  # (T, H)
    # One row per step: PyTorch's state, the textbook's, and their difference, unit by unit.
    comparison = torch.cat([pytorch_states, textbook_states, pytorch_states - textbook_states], dim=-1)  # (T, 3H)
    out.markdown(
        "textbook_table",
        tensor_table(
            comparison,
            [f"$h_{step.index + 1}$ after `{step.token}`" for step in trace.steps],
            [f"{form} ({unit + 1})" for form in ("PyTorch", "textbook", "difference") for unit in range(hidden_size)],
        ),
    )
    gaps = (pytorch_states - textbook_states).abs().amax(dim=-1)  # (T,), the largest difference at each step
    out.value(
        "first_step",
        "agree exactly" if float(gaps[0]) == 0 else f"already differ, by up to {float(gaps[0]):.4f}",
    )
    out.value("largest_gap", f"{float(gaps.max()):.4f}")
    out.value("largest_gap_step", str(int(gaps.argmax()) + 1))
    out.value("largest_gap_token", trace.tokens[int(gaps.argmax())])
    check = seqdocs.check_gru(setup)
    out.value("check_error", f"{check.max_error:.1e}")
    # The textbook states against torch.nn.GRU itself, fed the textbook's own previous state at each step,
    # exactly as check_gru feeds it ours: a one-step comparison, not an accumulated drift.
    module = torch.nn.GRU(setup.embedding_size, hidden_size)
    with torch.no_grad():
        module.weight_ih_l0.copy_(setup.gru.input_weight.T)
        module.weight_hh_l0.copy_(setup.gru.hidden_weight.T)
        module.bias_ih_l0.copy_(setup.gru.input_bias)
        module.bias_hh_l0.copy_(setup.gru.hidden_bias)
        previous = torch.cat([torch.zeros(1, hidden_size), textbook_states[:-1]])  # (T, H)
        torch_states = torch.stack(
            [module(token_vector[None], state[None])[1][0] for token_vector, state in zip(setup.inputs, previous)]
        )  # (T, H)
    one_step = (torch_states - textbook_states).abs().amax(dim=-1)  # (T,): nn.GRU's step against the textbook's
    out.value("textbook_vs_torch", f"{float(one_step.max()):.4f}")
    out.value("textbook_vs_torch_step", str(int(one_step.argmax()) + 1))
    out.value(
        "one_step_gaps",
        ", ".join(f"{float(gap):.4f} at step {index + 1}" for index, gap in enumerate(one_step)),
    )
    out.value("trajectory_gaps", ", ".join(f"{float(gap):.4f} at step {index + 1}" for index, gap in enumerate(gaps)))

    with figure_style():
        values = [step_values(step) for step in trace.steps]
        grid = torch.stack([torch.stack([step[name] for step in values]) for name, _, _ in QUANTITIES])  # (Q, T, H)
        figure, axes = plt.subplots(figsize=(7.4, 3.2))
        # The first two rows are the gates, the reset gate and the update gate. Gates and states each keep one
        # fixed colour scale, the same as on the LSTM page.
        scales = [GATE_SCALE] * 2 + [STATE_SCALE] * (len(QUANTITIES) - 2)
        steps_heatmap(axes, grid.tolist(), [label for _, _, label in QUANTITIES], trace.tokens, gate_rows=2,
                      row_scales=scales)
        scale_keys(figure, axes, [(GATE_SCALE, "gates"), (STATE_SCALE, "candidate and states")])
        figure.tight_layout()
    alt = (
        "Heatmap of the GRU's gates and states: rows reset gate, update gate, the memory's share of the candidate, "
        "candidate and hidden state; two columns per step, one per unit; each cell with its value printed. The "
        "two gates are coloured on a fixed scale from white (0) to black (1); the other rows on a fixed "
        "scale from blue (-1) through white (0) to red (+1). "
        + steps_text(trace.steps, [("reset", "reset_gate"), ("update", "update_gate"), ("hidden", "hidden")])
    )
    out.figure("gates", figure, alt=alt)

    with figure_style():
        # One row per step and unit: each unit of the new state lies on the segment from the candidate to the old
        # state, at the fraction the update gate sets (z = 1: the old state, z = 0: the candidate).
        rows = [(step, unit) for step in trace.steps for unit in range(hidden_size)]
        figure, axes = plt.subplots(figsize=(6.6, 0.42 * len(rows) + 1.1))
        for row, (step, unit) in enumerate(rows):
            colour = token_colour(step.index)
            old, candidate, new = (float(step[name][unit]) for name in ("previous_hidden", "candidate", "hidden"))
            axes.plot([candidate, old], [row, row], color=colour, linewidth=2.5, alpha=0.45, solid_capstyle="butt")
            axes.plot(old, row, "o", markerfacecolor="none", markeredgecolor=foreground(), markersize=8, zorder=4)
            axes.plot(candidate, row, "X", color=colour, markersize=8, zorder=4)
            axes.plot(new, row, "o", color=colour, markersize=7, zorder=5)
            axes.annotate(f"z = {float(step['update_gate'][unit]):.4f}", xy=(1, row), xycoords=("axes fraction", "data"),
                          xytext=(6, 0), textcoords="offset points", va="center", fontsize=8.5, color=colour)
        axes.set_yticks(range(len(rows)), [f"step {step.index + 1} · {step.token}, unit {unit + 1}" for step, unit in rows])
        axes.invert_yaxis()
        axes.axvline(0, color=foreground(), linewidth=0.6, alpha=0.5, zorder=0)
        axes.tick_params(axis="y", length=0)
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
        axes.set_xlabel("value")
        axes.plot([], [], "X", color=foreground(), label="candidate $n_t$")
        axes.plot([], [], "o", color=foreground(), label="new state $h_t$")
        axes.plot([], [], "o", markerfacecolor="none", markeredgecolor=foreground(), label="old state $h_{t-1}$")
        axes.legend(loc="lower center", ncol=3, frameon=False, fontsize=8.5, bbox_to_anchor=(0.5, 1.0))
        figure.tight_layout()
    alt = (
        "For each step and each unit of the GRU's state, a segment from the candidate to the old state, with the "
        "new state on it at the point the update gate sets: the larger z, the nearer the old state. "
        + steps_text(
            trace.steps,
            [("old", "previous_hidden"), ("candidate", "candidate"), ("update gate", "update_gate"), ("new", "hidden")],
        )
    )
    out.figure("blend", figure, alt=alt)
    out.provenance(setup.seed, checks=[check])


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
