"""The learning page: one gradient step on "a b c", every forward and backward tensor, for the RNN and the LSTM."""

import math

import matplotlib.pyplot as plt
import torch
from _artifacts import Artifacts
from _figures import heatmap, token_colour
from _render import figure_style, format_number, indent_for_tab, subscript, tensor_table, vector_text

import seqdocs

UNITS = ["unit 1", "unit 2"]
SATURATED_SLOPE = 0.5
"""The rule the page states: a unit whose tanh slope 1 - h² is below this passes back less than half its gradient."""

# The RNN's weights as the page names them (LaTeX), in the order of LearningStep.gradients.
RNN_WEIGHTS = {
    "input_to_hidden": "W_{xh}",
    "hidden_to_hidden": "W_{hh}",
    "bias": "b",
    "readout_weight": "W_{hy}",
    "readout_bias": "b_y",
}
LSTM_WEIGHTS = {"weight": "W", "bias": "b", "readout_weight": "W_{hy}", "readout_bias": "b_y"}


def norm(tensor: torch.Tensor) -> float:
    return float(torch.linalg.vector_norm(tensor))


def percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def entry_labels(rows: int, columns: int) -> list[str]:
    """Column labels for a flattened (rows, columns) matrix: ₁₁, ₁₂, ..., row then column."""
    return [f"{subscript(row + 1)}{subscript(column + 1)}" for row in range(rows) for column in range(columns)]


def forward_tabs(result: seqdocs.LearningStep, tokens: list[str]) -> str:
    """One tab per step: the state, the readout's scores and probabilities, the wanted token, the loss term."""
    tabs = []
    for step, target in zip(result.steps, result.targets):
        t = step.index + 1
        rows = [
            (f"scores $z_{t} = h_{t} W_{{hy}} + b_y$", step["logits"]),
            (f"probabilities $p_{t}$", step["probabilities"]),
            ("wanted $y_{t}$ (one-hot)".replace("{t}", str(t)), step["target"]),
        ]
        table = tensor_table(torch.stack([row for _, row in rows]), [label for label, _ in rows], tokens)
        if target is None:
            said = f"Nothing follows `{step.token}`: this prediction is not scored, and adds nothing to the loss."
        else:
            probability = float(step["probabilities"][tokens.index(f"`{target}`")])
            said = (
                f"The next token is `{target}`. The model gives it probability {format_number(probability)}, "
                f"so this step's term of the loss is $-\\log {format_number(probability)}$ = "
                f"{format_number(float(step['token_loss']))}."
            )
        body = f"Reads `{step.token}`; its state is $h_{t}$ = {vector_text(step['hidden'])}.\n\n{table}\n{said}\n"
        tabs.append(f'=== "Step {t} · {step.token}"\n\n' + indent_for_tab(body))
    return "\n".join(tabs)


def rnn_backward_tabs(result: seqdocs.LearningStep, tokens: list[str]) -> str:
    """One tab per step, last step first as the backward pass runs: where ∂L/∂h_t comes from, and δ_t."""
    tabs = []
    last = len(result.steps)
    for step in reversed(result.steps):
        t = step.index + 1
        later = f"$\\delta_{{{t + 1}}} W_{{hh}}^\\top$" if t < last else "from a next step (there is none)"
        rows = [
            (f"from its prediction, $z'_{t} W_{{hy}}^\\top$", step["hidden_gradient_from_readout"]),
            (f"from the next step, {later}" if t < last else later, step["hidden_gradient_from_next_step"]),
            (f"**sum** $\\partial L / \\partial h_{t}$", step["hidden_gradient"]),
            (f"tanh slope $1 - h_{t}^2$", step["tanh_slope"]),
            (f"**times the slope** $\\delta_{t}$", step["pre_activation_gradient"]),
        ]
        hidden_table = tensor_table(torch.stack([row for _, row in rows]), [label for label, _ in rows], UNITS)
        share = step["hidden_to_hidden_gradient"]  # (H, H)
        share_table = tensor_table(
            share, [f"row {row + 1}: $h_{{{t - 1}}}$ unit {row + 1}" for row in range(share.shape[0])], UNITS
        )
        body = (
            f"The gradient of the scores, $z'_{t} = (p_{t} - y_{t}) / {last - 1}$: "
            f"{vector_text(step['logit_gradient'])}.\n\n{hidden_table}\n"
            f"This step's share of $\\partial L / \\partial W_{{hh}}$, $h_{{{t - 1}}}^\\top \\delta_{t}$, with "
            f"$h_{{{t - 1}}}$ = {vector_text(step['previous_hidden'])}:\n\n{share_table}"
        )
        title = f"Step {t} · {step.token}" + (" (first back)" if t == last else "")
        tabs.append(f'=== "{title}"\n\n' + indent_for_tab(body))
    return "\n".join(tabs)


LSTM_ROWS = [
    ("hidden_gradient_from_readout", "$\\partial L / \\partial h_t$ from its prediction"),
    ("hidden_gradient_from_next_step", "$\\partial L / \\partial h_t$ from the next step"),
    ("hidden_gradient", "**sum** $\\partial L / \\partial h_t$"),
    ("cell_gradient_from_hidden", "$\\partial L / \\partial c_t$ through $h_t = o_t \\odot \\tanh(c_t)$"),
    ("cell_gradient_from_next_step", "$\\partial L / \\partial c_t$ from $c_{t+1}$, through $f_{t+1}$"),
    ("cell_gradient", "**sum** $\\partial L / \\partial c_t$"),
    ("input_gate_gradient", "input gate $\\partial L / \\partial i_t$"),
    ("forget_gate_gradient", "forget gate $\\partial L / \\partial f_t$"),
    ("cell_candidate_gradient", "cell candidate $\\partial L / \\partial g_t$"),
    ("output_gate_gradient", "output gate $\\partial L / \\partial o_t$"),
    ("cell_gradient_through_forget_gate", "**to $c_{t-1}$** $\\partial L / \\partial c_t \\odot f_t$"),
]


def lstm_backward_tabs(result: seqdocs.LearningStep) -> str:
    tabs = []
    last = len(result.steps)
    hidden_size = result.steps[0]["hidden"].shape[0]
    for step in reversed(result.steps):
        t = step.index + 1

        def at_step(label: str) -> str:
            return label.replace("{t+1}", f"{{{t + 1}}}").replace("{t-1}", f"{{{t - 1}}}").replace("_t", f"_{t}")

        labels = [at_step(label) for _, label in LSTM_ROWS]
        if t == last:  # nothing comes after the last step: say so rather than name a step 4
            labels = [label.split(" from ")[0] + " from a next step (there is none)" if " from $c_" in label
                      or "from the next step" in label else label for label in labels]
        table = tensor_table(torch.stack([step[name] for name, _ in LSTM_ROWS]), labels, UNITS)
        gates = step["gate_pre_activation_gradient"].reshape(4, hidden_size)  # (4H,) -> (4, H), rows i, f, g, o
        gate_table = tensor_table(
            gates, [f"before the {squash} of ${gate}_{t}$" for gate, squash in
                    zip("ifgo", ("sigmoid", "sigmoid", "tanh", "sigmoid"))], UNITS
        )
        body = (
            f"Forget gate $f_{t}$ = {vector_text(step['forget_gate'])}, previous cell $c_{t - 1}$ = "
            f"{vector_text(step['previous_cell'])}.\n\n{table}\n"
            "Through the sigmoids and the tanh to the gates' pre-activations, which are what the weights "
            f"multiply ($\\partial L / \\partial W$ gets $[x_{t}, h_{t - 1}]^\\top$ times these):\n\n{gate_table}"
        )
        title = f"Step {t} · {step.token}" + (" (first back)" if t == last else "")
        tabs.append(f'=== "{title}"\n\n' + indent_for_tab(body))
    return "\n".join(tabs)


def weights_table(result: seqdocs.LearningStep, names: dict[str, str], rows: list[tuple[str, str]]) -> str:
    """One row per weight and per (attribute, label): every entry of the weight, flattened row by row."""
    lines = []
    for name, symbol in names.items():
        tensor = result.trace.weights[name]
        matrix = tensor if tensor.dim() == 2 else tensor[None]
        columns = entry_labels(*matrix.shape) if tensor.dim() == 2 else [subscript(i + 1) for i in range(tensor.shape[0])]
        values = torch.stack([getattr(result, attribute)[name].flatten() if attribute != "weights"
                              else result.trace.weights[name].flatten() for attribute, _ in rows])
        labels = [label.format(symbol=symbol) for _, label in rows]
        lines.append(f"**${symbol}$** {tuple(tensor.shape)}\n\n" + tensor_table(values, labels, columns))
    return "\n".join(lines)


def build(out: Artifacts) -> None:
    setup = seqdocs.make_setup()
    rnn = seqdocs.learning.rnn_learning_step(setup)
    lstm = seqdocs.learning.lstm_learning_step(setup)
    tokens = [f"`{token}`" for token in setup.vocabulary.tokens]
    learning_rate, max_norm = rnn.options["learning_rate"], rnn.options["max_norm"]

    out.value("learning_rate", f"{learning_rate:g}")
    out.value("max_norm", f"{max_norm:g}")
    out.value("readout_seed", str(seqdocs.learning.READOUT_SEED))
    out.value("predictions", str(sum(target is not None for target in rnn.targets)))
    out.markdown(
        "readout",
        tensor_table(rnn.trace.weights["readout_weight"], [f"$W_{{hy}}$ row {row + 1}" for row in range(2)], tokens),
    )

    # --- The RNN: forward, loss, backward, sum over time, clipping, update. ---
    out.markdown("rnn_forward", forward_tabs(rnn, tokens))
    out.value("rnn_loss", format_number(float(rnn.loss)))
    out.markdown("rnn_backward", rnn_backward_tabs(rnn, tokens))
    out.markdown("rnn_sum", sum_tables(rnn))
    rnn_rows = [("gradients", "$\\partial L / \\partial {symbol}$"),
                ("clipped_gradients", "clipped"),
                ("weights", "${symbol}$ before"),
                ("updated_weights", "**${symbol}$ after**")]
    out.markdown("rnn_update", weights_table(rnn, RNN_WEIGHTS, rnn_rows))
    out.value("rnn_norm", format_number(float(rnn.gradient_norm)))
    out.value("rnn_scale", format_number(float(rnn.clip_scale)))
    clipped_norm = norm(torch.cat([g.flatten() for g in rnn.clipped_gradients.values()]))
    out.value("rnn_clipped_norm", format_number(clipped_norm))
    out.value("rnn_updated_loss", format_number(float(rnn.updated_loss)))
    unclipped = seqdocs.learning.rnn_learning_step(setup, max_norm=None)
    out.value("rnn_unclipped_loss", format_number(float(unclipped.updated_loss)))
    out.value("clip_sentence", clip_sentence(rnn, unclipped))

    # --- Saturation, measured: how much of ∂L/∂h_t survives the tanh at each step. ---
    out.value("saturation_sentence", saturation_sentence(rnn))
    out.value("step_back_sentence", step_back_sentence(rnn))
    out.value("most_saturated_sentence", most_saturated_sentence(rnn))
    out.value("loss_sentence", loss_sentence(rnn, len(setup.vocabulary)))
    out.value("saturated_slope", f"{SATURATED_SLOPE:g}")

    # --- The LSTM. ---
    out.value("lstm_loss", format_number(float(lstm.loss)))
    out.markdown("lstm_backward", lstm_backward_tabs(lstm))
    out.markdown("lstm_update", weights_table(lstm, {"bias": "b", "readout_bias": "b_y"}, rnn_rows))
    hidden_size, embedding_size = setup.lstm.hidden_size, setup.embedding_size
    lstm_rows = ([f"input, component {row + 1}" for row in range(embedding_size)]
                 + [f"hidden, unit {row + 1}" for row in range(hidden_size)])
    lstm_columns = [f"{gate}{subscript(unit + 1)}" for gate in "ifgo" for unit in range(hidden_size)]
    out.markdown("lstm_weight_gradient", tensor_table(lstm.gradients["weight"], lstm_rows, lstm_columns))
    out.markdown("lstm_weight_after", tensor_table(lstm.updated_weights["weight"], lstm_rows, lstm_columns))
    out.value("lstm_norm", format_number(float(lstm.gradient_norm)))
    out.value("lstm_scale", format_number(float(lstm.clip_scale)))
    out.value("lstm_updated_loss", format_number(float(lstm.updated_loss)))
    out.value("lstm_clip_sentence", clip_sentence(lstm, seqdocs.learning.lstm_learning_step(setup, max_norm=None)))
    forget_sentence = forget_path_sentence(lstm)
    out.value("forget_sentence", forget_sentence)

    out.figure("flow", flow_figure(rnn, lstm), alt=flow_alt(rnn, lstm))
    figure, alt = sum_figure(rnn)
    out.figure("sum", figure, alt=alt)
    out.provenance(
        setup.seed,
        checks=[seqdocs.check_learning_step(setup, model="rnn"), seqdocs.check_learning_step(setup, model="lstm")],
    )


def clip_sentence(result: seqdocs.LearningStep, unclipped: seqdocs.LearningStep) -> str:
    """Whether clipping acted, and what the loss after the step is with and without it: decided by the numbers."""
    max_norm = result.options["max_norm"]
    loss, after, without = (format_number(float(x)) for x in (result.loss, result.updated_loss, unclipped.updated_loss))
    if float(result.clip_scale) < 1:
        return (
            f"The norm {format_number(float(result.gradient_norm))} is above {max_norm:g}, so every gradient is "
            f"multiplied by {format_number(float(result.clip_scale))}: the step keeps its direction and gets "
            f"shorter. The loss goes from {loss} to {after} with clipping, and would go to {without} without it."
        )
    return (
        f"The norm {format_number(float(result.gradient_norm))} is below {max_norm:g}, so clipping changes "
        f"nothing (scale {format_number(float(result.clip_scale))}). The loss goes from {loss} to {after}."
    )


def saturation_sentence(result: seqdocs.LearningStep) -> str:
    """Which units are saturated (slope below the stated rule), and the share of ∂L/∂h_t's norm δ_t keeps."""
    parts = []
    for step in result.steps:
        t = step.index + 1
        kept = norm(step["pre_activation_gradient"]) / norm(step["hidden_gradient"]) if norm(step["hidden_gradient"]) else None
        saturated = [unit + 1 for unit, slope in enumerate(step["tanh_slope"].tolist()) if slope < SATURATED_SLOPE]
        what = (f"unit{'s' if len(saturated) > 1 else ''} {' and '.join(map(str, saturated))} saturated"
                if saturated else "no unit saturated")
        slopes = vector_text(step["tanh_slope"])
        if kept is None:
            parts.append(f"at step {t} ({what}, slopes {slopes}) there is no gradient to keep")
        else:
            parts.append(f"at step {t} ({what}, slopes {slopes}) $\\delta_{t}$ keeps {percent(kept)} of the norm "
                         f"of $\\partial L / \\partial h_{t}$")
    return "Measured on this step: " + "; ".join(parts) + "."


def most_saturated_sentence(result: seqdocs.LearningStep) -> str:
    """Where the smallest tanh slope is, and whether any gradient reaches that state to be cut by it."""
    slopes = result.stacked("tanh_slope")  # (T, H)
    position = int(slopes.argmin())
    index, unit = divmod(position, slopes.shape[1])
    step = result.steps[index]
    t, slope = index + 1, format_number(float(slopes[index, unit]))
    if not step["hidden_gradient"].any():
        return (
            f"The most saturated unit is unit {unit + 1} of $h_{t}$ (slope {slope}), and no gradient reaches "
            f"$h_{t}$ on this sequence: its saturation costs this step nothing. At the steps the loss does reach, "
            "the slopes above decide how much of each unit's gradient survives."
        )
    return (
        f"The most saturated unit is unit {unit + 1} of $h_{t}$ (slope {slope}): of the gradient reaching it, "
        f"it passes back that share."
    )


def step_back_sentence(result: seqdocs.LearningStep) -> str:
    """For each step the gradient crosses: the norm of ∂L/∂h_{t+1}, and of what reaches h_t through slope and W_hh."""
    parts = []
    for before, after in zip(result.steps, result.steps[1:]):
        arrived, reached = norm(after["hidden_gradient"]), norm(before["hidden_gradient_from_next_step"])
        if arrived == 0:
            continue
        t = after.index + 1
        parts.append(
            f"of $\\partial L / \\partial h_{t}$, norm {format_number(arrived)}, what reaches $h_{t - 1}$ has norm "
            f"{format_number(reached)}: a factor {reached / arrived:.2f} for one step back"
        )
    return ("Measured: " + "; ".join(parts) + ".") if parts else ""


def loss_sentence(result: seqdocs.LearningStep, vocabulary_size: int) -> str:
    """The loss against the loss of a model that gives every token the same probability, log V."""
    uniform = math.log(vocabulary_size)
    relation = "above" if float(result.loss) > uniform else "below"
    return (
        f"That is {relation} $\\log {vocabulary_size}$ = {format_number(uniform)}, the loss of a model that gives "
        f"all {vocabulary_size} tokens the same probability."
    )


def forget_path_sentence(result: seqdocs.LearningStep) -> str:
    """The share of ∂L/∂c_t that arrived along the cell, through the forget gate, at each step that has one."""
    sentences = []
    for step in result.steps:
        along, through_hidden = norm(step["cell_gradient_from_next_step"]), norm(step["cell_gradient_from_hidden"])
        if along == 0:
            continue
        t = step.index + 1
        compared = "more than" if along > through_hidden else "less than"
        sentences.append(
            f"At step {t}, the part of $\\partial L / \\partial c_{t}$ that came along the cell, through "
            f"$f_{{{t + 1}}}$, has norm {format_number(along)}, {compared} the part through $h_{t}$ "
            f"({format_number(through_hidden)}); their sum has norm {format_number(norm(step['cell_gradient']))}."
        )
    if not sentences:
        return "On this sequence no gradient comes along the cell: the only later cells get none themselves."
    return " ".join(sentences)


def flow_figure(rnn: seqdocs.LearningStep, lstm: seqdocs.LearningStep):
    with figure_style():
        figure, (left, right) = plt.subplots(1, 2, figsize=(7.4, 3.2), sharey=True)
        steps = [step.index + 1 for step in rnn.steps]
        width = 0.26
        series = [
            (left, rnn, [("hidden_gradient_from_readout", "from its prediction"),
                         ("hidden_gradient_from_next_step", "from the next step"),
                         ("pre_activation_gradient", "δ after the tanh slope")], "RNN: ‖∂L/∂hₜ‖ and ‖δₜ‖"),
            (right, lstm, [("cell_gradient_from_hidden", "through hₜ"),
                           ("cell_gradient_from_next_step", "from cₜ₊₁ through the forget gate"),
                           ("cell_gradient", "sum ∂L/∂cₜ")], "LSTM: ‖∂L/∂cₜ‖ by path"),
        ]
        for axes, result, names, title in series:
            for offset, (name, label) in enumerate(names):
                heights = [norm(step[name]) for step in result.steps]
                axes.bar([s + (offset - 1) * width for s in steps], heights, width, label=label,
                         color=token_colour(offset))
            axes.set_xticks(steps, [f"step {s} · {step.token}" for s, step in zip(steps, result.steps)])
            axes.set_title(title)
            axes.legend(loc="upper right", frameon=False, fontsize=8)
        left.set_ylabel("norm")
        figure.tight_layout()
    return figure


def flow_alt(rnn: seqdocs.LearningStep, lstm: seqdocs.LearningStep) -> str:
    def numbers(result, names):
        return " ".join(
            f"Step {step.index + 1}: " + ", ".join(f"{word} {format_number(norm(step[name]))}" for name, word in names) + "."
            for step in result.steps
        )

    return (
        "Two bar charts of gradient norms per step. Left, the RNN: the norm of the gradient reaching the hidden "
        "state from its prediction and from the next step, and of delta after the tanh slope. "
        + numbers(rnn, [("hidden_gradient_from_readout", "from prediction"),
                        ("hidden_gradient_from_next_step", "from next step"),
                        ("pre_activation_gradient", "delta")])
        + " Right, the LSTM: the norm of the cell's gradient through the hidden state, from the next cell "
        "through the forget gate, and their sum. "
        + numbers(lstm, [("cell_gradient_from_hidden", "through h"),
                         ("cell_gradient_from_next_step", "through the forget gate"),
                         ("cell_gradient", "sum")])
    )


def sum_tables(rnn: seqdocs.LearningStep) -> str:
    """Two tables, ∂L/∂W_xh then ∂L/∂W_hh: a row per step's share, flattened, and a last row with their sum."""
    tables = []
    for name, symbol, share in (("input_to_hidden", "W_{xh}", "x_t^\\top \\delta_t"),
                                ("hidden_to_hidden", "W_{hh}", "h_{t-1}^\\top \\delta_t")):
        values = torch.cat([rnn.stacked(f"{name}_gradient").flatten(1), rnn.gradients[name].flatten()[None]])
        rows = [f"step {step.index + 1} · `{step.token}`" for step in rnn.steps]
        rows.append(f"**sum** $\\partial L / \\partial {symbol}$")
        columns = [f"${symbol}$ {label}" for label in entry_labels(*rnn.gradients[name].shape)]
        heading = f"${share}$, each step's share of $\\partial L / \\partial {symbol}$:\n\n"
        tables.append(heading + tensor_table(values, rows, columns))
    return "\n".join(tables)


def shares_and_sums(rnn: seqdocs.LearningStep) -> torch.Tensor:
    """(T + 1, 2 H H): each step's share of ∂L/∂W_xh and ∂L/∂W_hh, flattened side by side, then their sums."""
    shares = torch.cat(
        [rnn.stacked("input_to_hidden_gradient").flatten(1), rnn.stacked("hidden_to_hidden_gradient").flatten(1)],
        dim=1,
    )  # (T, E H + H H)
    sums = torch.cat([rnn.gradients["input_to_hidden"].flatten(), rnn.gradients["hidden_to_hidden"].flatten()])
    return torch.cat([shares, sums[None]])


def sum_figure(rnn: seqdocs.LearningStep):
    values = shares_and_sums(rnn)
    rows = [f"step {step.index + 1} · {step.token}" for step in rnn.steps] + ["sum over the steps"]
    columns = [label for label in entry_labels(2, 2)] * 2
    limit = max(1.0, float(values.abs().max()))
    with figure_style():
        figure, axes = plt.subplots(figsize=(6.4, 2.9))
        heatmap(axes, values.tolist(), rows, columns, limits=(-limit, limit), column_groups=["∂L/∂W_xh", "∂L/∂W_hh"])
        axes.axhline(len(rnn.steps) - 0.5, color="black", linewidth=1.2)
        figure.tight_layout()
    alt = (
        "Heatmap of each step's share of the gradients of W_xh and W_hh, one row per step, and their sums in the "
        "last row; columns are the four entries of W_xh, then the four of W_hh, each row then column. "
        + " ".join(f"{label}: {vector_text(row)}." for label, row in zip(rows, values))
    )
    return figure, alt


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
