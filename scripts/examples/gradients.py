"""The gradients page: how much each model's final state depends on an input d steps back, over many seeds.

Every setting is fixed here before anything runs, and every sentence that states a result is chosen and filled in
by the numbers. The models are measured as initialised, before any training.
"""

import dataclasses
import math

import matplotlib.pyplot as plt
import torch
from _artifacts import Artifacts
from _render import figure_style

import seqdocs

CONFIG = seqdocs.GradientConfig(
    length=64,
    embedding_size=16,
    hidden_size=32,
    seeds=tuple(range(16)),
    forget_biases=(0.0, 1.0),
    norm="frobenius",
    weight_scale=None,  # PyTorch's initialisation
    dtype="float64",
)
"""The page's experiment: PyTorch-sized weights, as a model starts training."""

NOTEBOOK_CONFIG = dataclasses.replace(CONFIG, weight_scale=1.0)
"""The same models with the seed notebook's standard-normal weights and zero biases."""

SHOWN_DISTANCES = (0, 5, 10, 20, 40, 63)
"""The distances of the table of medians."""

FRACTION = 1e-3
"""A gradient has "faded" once its median is below this share of its value at distance 0."""

COMPARED_AT = 20
"""The distance at which the two LSTMs are compared."""

BAND = (0.1, 0.9)
"""The quantiles over seeds that bound the shaded band."""

LABELS = {
    "rnn": "RNN",
    "lstm_forget_bias_0": "LSTM, forget bias 0",
    "lstm_forget_bias_1": "LSTM, forget bias 1",
    "gru": "GRU",
    "attention": "self-attention",
}
SHORT_LABELS = {**LABELS, "lstm_forget_bias_0": "LSTM, bias 0", "lstm_forget_bias_1": "LSTM, bias 1"}
"""Labels for the wide tables, where a column of long names would squeeze the numbers."""
PHRASES = {
    "rnn": "the RNN",
    "lstm_forget_bias_0": "the LSTM with forget bias 0",
    "lstm_forget_bias_1": "the LSTM with forget bias 1",
    "gru": "the GRU",
    "attention": "self-attention",
}
"""How a sentence names each curve."""
COLOURS = {
    "rnn": "#0072B2",
    "lstm_forget_bias_0": "#D55E00",
    "lstm_forget_bias_1": "#CC79A7",
    "gru": "#009E73",
    "attention": "#E69F00",
}
# Line styles as well as colours, so the curves can be told apart in greyscale and by colour-blind readers.
LINESTYLES = {
    "rnn": "solid",
    "lstm_forget_bias_0": (0, (6, 2)),
    "lstm_forget_bias_1": (0, (2, 1.5)),
    "gru": (0, (6, 2, 1.5, 2)),
    "attention": "solid",
}


def scientific(value: float) -> str:
    """A positive number for the page: plain from 0.01 to 1000, else as $a \\times 10^{b}$ with two digits."""
    if value == 0:
        return "0"
    if 0.01 <= value < 1000:
        return f"{value:#.3g}"
    exponent = math.floor(math.log10(value))
    mantissa = value / 10**exponent
    if round(mantissa, 1) >= 10:  # 9.96 rounds to 10.0: write 1.0 x 10^(e+1)
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"${mantissa:.1f} \\times 10^{{{exponent}}}$"


SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def spoken(value: float) -> str:
    """A positive number for alt text, which cannot hold maths: 0.0504, or 1.5 × 10⁻⁶."""
    if 0.01 <= value < 1000:
        return f"{value:#.3g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa} × 10{str(int(exponent)).translate(SUPERSCRIPTS)}"


def factor(value: float) -> str:
    return f"{value:.2f}"


def name_list(items: list[str]) -> str:
    return " and ".join(items) if len(items) < 3 else ", ".join(items[:-1]) + " and " + items[-1]


def key(curve: str) -> str:
    """A short key for page values: rnn, lstm0, lstm1, gru, attention."""
    return curve.replace("_forget_bias_", "")


def fade_text(flow: seqdocs.GradientFlow, curve: str) -> str:
    distance = flow.distance_below(curve, FRACTION)
    return str(distance) if distance is not None else f"not within {flow.config.length - 1}"


def settings_table() -> str:
    c = CONFIG
    sigmoid = {bias: torch.sigmoid(torch.tensor(bias)).item() for bias in c.forget_biases}
    bias_text = ", ".join(f"{bias:g} (σ = {sigmoid[bias]:.2f})" for bias in c.forget_biases)
    rows = [
        ("Sequence length T", str(c.length), f"distances d = 0 (the last input) to {c.length - 1} (the first)"),
        ("Input size E", str(c.embedding_size), "every input vector standard normal, like a fresh `nn.Embedding` row"),
        ("Hidden size H", str(c.hidden_size), "the query, key and value width for self-attention"),
        ("Seeds", f"{len(c.seeds)}: {c.seeds[0]} to {c.seeds[-1]}",
         "each seed draws one input sequence, read by every model, and fresh weights for each model"),
        ("Initial weights", "PyTorch's defaults",
         "recurrent weights and biases uniform in ±1/√H, like `nn.RNN`, `nn.LSTM`, `nn.GRU`; attention "
         "projections uniform in ±1/√E, like `nn.Linear`"),
        ("LSTM forget-gate bias", bias_text,
         "one LSTM per value, otherwise the same weights; PyTorch's default is small and random, near 0"),
        ("Self-attention", "1 head, no mask, no positional encoding",
         "the last position's output; with a causal mask it is the same, since the last token may see every input"),
        ("Final state", "$h_T$", "the last hidden state (the LSTM's, not its cell); attention's last output"),
        ("Norm", "Frobenius", "the root of the sum of the squares of the Jacobian's entries"),
        ("Band", f"{BAND[0]:.0%} to {BAND[1]:.0%} of seeds", "quantiles over seeds, interpolated between seeds"),
        ("Precision", CONFIG.dtype, "about 16 significant digits, so rounding plays no visible part in the curves"),
    ]
    lines = ["| Setting | Value | Note |", "| --- | --- | --- |"]
    lines += [f"| {name} | {value} | {note} |" for name, value, note in rows]
    return "\n".join(lines) + "\n"


def summary_table(flow: seqdocs.GradientFlow) -> str:
    last = flow.config.length - 1
    lines = [
        f"| Model | median at d = 0 | median at d = {COMPARED_AT} | faded {1 / FRACTION:,.0f}-fold by d = "
        f"| factor per step, d = 1 to {last} |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for curve in flow.config.curves:
        median = flow.median(curve)
        lines.append(
            f"| {LABELS[curve]} | {scientific(median[0].item())} | {scientific(median[COMPARED_AT].item())} "
            f"| {fade_text(flow, curve)} | {factor(flow.factor_per_step(curve, 1, last))} |"
        )
    return "\n".join(lines) + "\n"


def distance_table(flow: seqdocs.GradientFlow, statistic: str) -> str:
    """One row per model, one column per shown distance: the median, or the band's two ends."""
    header = "| Model | " + " | ".join(f"d = {distance}" for distance in SHOWN_DISTANCES) + " |"
    lines = [header, "| --- |" + " ---: |" * len(SHOWN_DISTANCES)]
    for curve in flow.config.curves:
        if statistic == "median":
            median = flow.median(curve)
            cells = [scientific(median[distance].item()) for distance in SHOWN_DISTANCES]
        else:
            low, high = flow.quantile(curve, BAND[0]), flow.quantile(curve, BAND[1])
            cells = [
                f"{scientific(low[distance].item())} to {scientific(high[distance].item())}" for distance in SHOWN_DISTANCES
            ]
        lines.append(f"| {SHORT_LABELS[curve]} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def draw(flow: seqdocs.GradientFlow):
    distances = torch.arange(flow.config.length).numpy()
    with figure_style():
        figure, axes = plt.subplots(figsize=(8.2, 4.6))
        for curve in flow.config.curves:
            low, high = flow.quantile(curve, BAND[0]), flow.quantile(curve, BAND[1])
            axes.fill_between(distances, low.numpy(), high.numpy(), color=COLOURS[curve], alpha=0.18, linewidth=0)
            axes.plot(
                distances, flow.median(curve).numpy(), color=COLOURS[curve], linestyle=LINESTYLES[curve],
                linewidth=2.0, label=LABELS[curve],
            )
        axes.set_yscale("log")
        axes.set_xlim(0, flow.config.length - 1)
        axes.set_xlabel("distance d: how many steps before the last input")
        axes.set_ylabel(r"$\Vert\, \partial h_T / \partial x_{T-d} \,\Vert_F$")
        axes.grid(True, which="major", axis="y", linewidth=0.6)
        axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
        figure.tight_layout()
    return figure


def alt_text(flow: seqdocs.GradientFlow, intro: str) -> str:
    last = flow.config.length - 1
    parts = []
    for curve in flow.config.curves:
        median = flow.median(curve)
        parts.append(
            f"{LABELS[curve]} {spoken(median[0].item())} at distance 0, "
            f"{spoken(median[COMPARED_AT].item())} at {COMPARED_AT} and {spoken(median[last].item())} at {last}"
        )
    text = (
        f"{intro} Log-scale line chart of the Frobenius norm of the Jacobian of the final state with respect to "
        f"the input d steps back, for d from 0 to {last}: one line per model for the median over "
        f"{len(flow.config.seeds)} seeds, with a shaded band from the {BAND[0]:.0%} to the {BAND[1]:.0%} quantile. "
        "Medians: " + "; ".join(parts) + "."
    )
    return text


def last_attention_weight(config: seqdocs.GradientConfig) -> float:
    """The median over seeds of the largest attention weight the last token gives any input."""
    inputs = seqdocs.gradient_inputs(config)  # (S, 1, T, E)
    weights = seqdocs.init_gradient_weights("attention", config)
    attention = seqdocs.self_attention(inputs, weights)["attention_weights"][..., -1, :]  # (S, 1, T)
    return attention.amax(dim=-1).median().item()


def mean_forget_gate(config: seqdocs.GradientConfig, bias: float) -> float:
    inputs = seqdocs.gradient_inputs(config)  # (S, 1, T, E)
    weights = seqdocs.init_gradient_weights("lstm", config, forget_bias=bias)
    return seqdocs.lstm_forward(inputs, weights, keep=("forget_gate",))["forget_gate"].mean().item()


def mean_update_gate(config: seqdocs.GradientConfig) -> float:
    inputs = seqdocs.gradient_inputs(config)  # (S, 1, T, E)
    weights = seqdocs.init_gradient_weights("gru", config)
    return seqdocs.recurrent_states("gru", inputs, weights, keep=("update_gate",))["update_gate"].mean().item()


def crossing_story(flow: seqdocs.GradientFlow) -> str:
    """Where the RNN's median falls below attention's, and whether it stays below."""
    rnn, attention = flow.median("rnn"), flow.median("attention")
    below = rnn < attention  # (T,)
    if not bool(below.any()):
        return "The RNN's median stays above attention's at every distance measured."
    first = int(below.nonzero()[0, 0])
    if bool(below[first:].all()):
        return (
            f"From distance {first} on, the RNN's median is below attention's, and the gap widens with every step: "
            f"at distance {flow.config.length - 1} it is {scientific((rnn[-1] / attention[-1]).item())} of it."
        )
    return f"The RNN's median first falls below attention's at distance {first}, but does not stay below."


def causal_difference(config: seqdocs.GradientConfig) -> float:
    """The largest relative difference between the norms of attention's last output with and without a mask."""
    inputs = seqdocs.gradient_inputs(config)  # (S, 1, T, E)
    weights = seqdocs.init_gradient_weights("attention", config)
    plain = seqdocs.gradient_norms("attention", inputs, weights)  # (S, 1, T)
    causal = seqdocs.gradient_norms("attention", inputs, weights, causal=True)  # (S, 1, T)
    return ((plain - causal).abs() / plain).max().item()


def forget_story(flow: seqdocs.GradientFlow, gates: dict[float, float]) -> str:
    last = flow.config.length - 1
    per_step = {bias: flow.factor_per_step(f"lstm_forget_bias_{bias:g}", 1, last) for bias in gates}
    text = (
        "Per step back, the median gradient changes by a factor of "
        + name_list([f"{factor(per_step[bias])} with forget bias {bias:g}" for bias in gates])
        + ", while the forget gates average "
        + name_list([f"{gates[bias]:.2f}" for bias in gates])
        + "."
    )
    if all(per_step[bias] > gates[bias] for bias in gates):
        text += (
            " The gradient shrinks a little more slowly than the average forget gate: the cell is not its only "
            "path, since the cell also reaches the next step through the hidden state and the gates."
        )
    elif all(per_step[bias] < gates[bias] for bias in gates):
        text += " The gradient shrinks faster than the average forget gate alone would make it."
    return text


def story_values(flow: seqdocs.GradientFlow) -> dict[str, str]:
    """The results in words: which way each part of the usual story went, chosen by the numbers."""
    last = flow.config.length - 1
    values = {}
    fade = {curve: flow.distance_below(curve, FRACTION) for curve in flow.config.curves}
    per_step = {curve: flow.factor_per_step(curve, 1, last) for curve in flow.config.curves}
    rnn_fade = fade["rnn"]

    if rnn_fade is not None and per_step["rnn"] < 1:
        values["rnn_story"] = (
            f"The RNN's gradient vanishes, as the usual story says: its median falls below "
            f"{FRACTION:g} of its value at distance 0 by distance {rnn_fade}, and shrinks by a factor of about "
            f"{factor(per_step['rnn'])} with every step back."
        )
    else:
        values["rnn_story"] = (
            f"Against the usual story, the RNN's gradient does not vanish here: its median changes by a factor of "
            f"{factor(per_step['rnn'])} per step and "
            + ("never falls" if rnn_fade is None else f"falls only at distance {rnn_fade}")
            + f" below {FRACTION:g} of its value at distance 0."
        )

    fold = f"{1 / FRACTION:,.0f}-fold"
    lstm_sentences = []
    for curve in ("lstm_forget_bias_0", "lstm_forget_bias_1"):
        bias = curve.removeprefix("lstm_forget_bias_")
        if fade[curve] is None:
            lstm_sentences.append(
                f"with forget bias {bias}, its median does not fade {fold} within {last} steps, and changes by a "
                f"factor of {factor(per_step[curve])} per step"
            )
        else:
            when = (
                f"{fade[curve] - rnn_fade} steps later than the RNN"
                if rnn_fade is not None and fade[curve] > rnn_fade
                else "no later than the RNN"
            )
            lstm_sentences.append(
                f"with forget bias {bias}, its median fades {fold} by distance {fade[curve]}, {when}, shrinking by a "
                f"factor of {factor(per_step[curve])} per step"
            )
    faded = [curve for curve in ("lstm_forget_bias_0", "lstm_forget_bias_1") if fade[curve] is not None]
    if len(faded) == 2:
        values["lstm_story"] = (
            "The usual story says the LSTM fixes this. Measured at the start of training, it does not: "
            + "; ".join(lstm_sentences)
            + ". The LSTM's gradient vanishes exponentially too; the forget gate sets how fast."
        )
    elif faded:
        values["lstm_story"] = (
            "The usual story says the LSTM fixes this. Measured at the start of training, it depends on the forget "
            "bias: " + "; ".join(lstm_sentences) + "."
        )
    else:
        values["lstm_story"] = (
            "The usual story says the LSTM fixes this, and here it holds: " + "; ".join(lstm_sentences) + "."
        )

    gru_fade = fade["gru"]
    values["gru_story"] = (
        f"The GRU's median fades {1 / FRACTION:,.0f}-fold by distance {gru_fade}, a factor of "
        f"{factor(per_step['gru'])} per step"
        if gru_fade is not None
        else f"The GRU's median does not fade {1 / FRACTION:,.0f}-fold within {last} steps; it changes by a factor "
        f"of {factor(per_step['gru'])} per step"
    ) + (
        ", close to the LSTM with forget bias 0."
        if abs(per_step["gru"] - per_step["lstm_forget_bias_0"]) < 0.05
        else "."
    )

    attention = flow.median("attention")
    far = attention[1:]
    spread = (far.max() / far.min()).item()
    values["attention_spread"] = f"{spread:.2f}"
    values["attention_near"] = scientific(attention[1].item())
    values["attention_far"] = scientific(attention[last].item())
    values["attention_self"] = scientific(attention[0].item())
    values["attention_self_ratio"] = f"{(attention[0] / attention[1:].median()).item():.1f}"
    if spread < 2:
        values["attention_story"] = (
            f"It holds: from distance 1 to {last} the median stays within a factor of {spread:.2f}, and its "
            f"average change per step is a factor of {factor(per_step['attention'])}."
        )
    else:
        values["attention_story"] = (
            f"It does not fully hold: from distance 1 to {last} the median varies by a factor of {spread:.1f}, "
            f"though its average change per step is a factor of {factor(per_step['attention'])}."
        )
    return values


def notebook_values(flow: seqdocs.GradientFlow) -> dict[str, str]:
    last = flow.config.length - 1
    per_step = {curve: flow.factor_per_step(curve, 1, last) for curve in flow.config.curves}
    grows = [curve for curve in flow.config.curves if curve != "attention" and per_step[curve] > 1]
    shrinks = [curve for curve in flow.config.curves if curve != "attention" and per_step[curve] <= 1]
    sentences = []
    if grows:
        sentences.append(
            "With these weights the gradients of "
            + name_list([PHRASES[curve] for curve in grows])
            + " *grow* with distance, by a factor of "
            + name_list([factor(per_step[curve]) for curve in grows])
            + " per step: they explode instead of vanishing."
        )
    if shrinks:
        sentences.append(
            ("Those of " if grows else "With these weights the gradients of ")
            + name_list([PHRASES[curve] for curve in shrinks])
            + " shrink, by a factor of "
            + name_list([factor(per_step[curve]) for curve in shrinks])
            + " per step."
        )
    values = {"nb_story": " ".join(sentences)}
    values["nb_rnn_factor"] = factor(per_step["rnn"])
    values["nb_rnn_far"] = scientific(flow.median("rnn")[last].item())
    values["nb_rnn_near"] = scientific(flow.median("rnn")[0].item())
    attention = flow.median("attention")
    values["nb_attention_self"] = scientific(attention[0].item())
    values["nb_attention_far_median"] = scientific(attention[1:].median().item())
    values["nb_attention_low"] = scientific(flow.quantile("attention", BAND[0])[1:].min().item())
    values["nb_attention_high"] = scientific(flow.quantile("attention", BAND[1])[1:].max().item())
    return values


def build(out: Artifacts) -> None:
    flow = seqdocs.gradient_flow(CONFIG)
    notebook = seqdocs.gradient_flow(NOTEBOOK_CONFIG)
    checks = seqdocs.check_gradient_flow(flow)
    last = CONFIG.length - 1

    out.markdown("settings", settings_table())
    out.markdown("summary", summary_table(flow))
    out.markdown("medians", distance_table(flow, "median"))
    out.markdown("bands", distance_table(flow, "band"))
    out.markdown("notebook_summary", summary_table(notebook))
    out.json(
        "norms",
        {
            name: {
                "config": {field.name: getattr(run.config, field.name) for field in dataclasses.fields(run.config)},
                "curves": {
                    curve: {
                        "median": run.median(curve).tolist(),
                        "low": run.quantile(curve, BAND[0]).tolist(),
                        "high": run.quantile(curve, BAND[1]).tolist(),
                        "seeds": run.norms[curve].tolist(),
                    }
                    for curve in run.config.curves
                },
                "band": list(BAND),
            }
            for name, run in (("pytorch_init", flow), ("notebook_init", notebook))
        },
    )

    out.value("length", str(CONFIG.length))
    out.value("last", str(last))
    out.value("hidden_size", str(CONFIG.hidden_size))
    out.value("embedding_size", str(CONFIG.embedding_size))
    out.value("seeds", str(len(CONFIG.seeds)))
    out.value("fraction", f"{FRACTION:g}")
    out.value("fold", f"{1 / FRACTION:,.0f}")
    out.value("compared_at", str(COMPARED_AT))
    out.value("band_low", f"{BAND[0]:.0%}")
    out.value("band_high", f"{BAND[1]:.0%}")
    out.value("bound", f"{1 / math.sqrt(CONFIG.hidden_size):.3f}")
    for curve in CONFIG.curves:
        median = flow.median(curve)
        out.value(f"{key(curve)}_fade", fade_text(flow, curve))
        out.value(f"{key(curve)}_factor", factor(flow.factor_per_step(curve, 1, last)))
        out.value(f"{key(curve)}_at_0", scientific(median[0].item()))
        out.value(f"{key(curve)}_at_compared", scientific(median[COMPARED_AT].item()))
        out.value(f"{key(curve)}_at_last", scientific(median[last].item()))
    rnn = flow.median("rnn")
    out.value("rnn_relative_compared", scientific((rnn[COMPARED_AT] / rnn[0]).item()))
    lstm_ratio = flow.median("lstm_forget_bias_1")[COMPARED_AT] / flow.median("lstm_forget_bias_0")[COMPARED_AT]
    out.value("lstm_bias_ratio", f"{lstm_ratio.item():,.0f}" if lstm_ratio >= 10 else f"{lstm_ratio.item():.2f}")
    gates = {bias: mean_forget_gate(CONFIG, bias) for bias in CONFIG.forget_biases}
    for bias in CONFIG.forget_biases:
        out.value(f"sigmoid_{bias:g}", f"{torch.sigmoid(torch.tensor(bias)).item():.2f}")
        out.value(f"forget_gate_mean_{bias:g}", f"{gates[bias]:.2f}")
    out.value("forget_story", forget_story(flow, gates))
    out.value("update_gate_mean", f"{mean_update_gate(CONFIG):.2f}")
    out.value("crossing_story", crossing_story(flow))
    toy = seqdocs.make_setup()  # the other pages' toy: "a b c", seed 42, standard-normal weights
    toy_norms = seqdocs.gradient_norms("rnn", toy.inputs, toy.rnn)  # (3,), by distance
    out.value("toy_norms", ", ".join(f"{value:.4f}" for value in toy_norms.tolist()))
    out.value("toy_tokens", ", ".join(f"`{token}`" for token in reversed(toy.tokens)))
    if bool((toy_norms[1:] > toy_norms[:-1]).all()):
        out.value("toy_story", "grows with every step back: the first token, read longest ago, moves the final state most")
    elif bool((toy_norms[1:] < toy_norms[:-1]).all()):
        out.value("toy_story", "shrinks with every step back: the last token moves the final state most")
    else:
        out.value("toy_story", "neither grows nor shrinks steadily with the distance")
    difference = causal_difference(CONFIG)
    out.value("causal_difference", "0" if difference == 0 else scientific(difference))
    out.value(
        "causal_sentence",
        "The norms with and without the mask are exactly equal." if difference == 0
        else f"The norms with and without the mask differ by at most {scientific(difference)} (relative).",
    )
    # PyTorch's uniform(-1/sqrt(H), 1/sqrt(H)) has standard deviation 1/sqrt(3H); the notebook's randn has 1.
    out.value("pytorch_std", f"{1 / math.sqrt(3 * CONFIG.hidden_size):.2f}")
    out.value("scale_ratio", f"{math.sqrt(3 * CONFIG.hidden_size):.1f}")
    out.value("attention_top_weight", f"{last_attention_weight(CONFIG):.3f}")
    out.value("uniform_weight", f"{1 / CONFIG.length:.3f}")
    out.value("nb_attention_top_weight", f"{last_attention_weight(NOTEBOOK_CONFIG):.3f}")
    for name, text in {**story_values(flow), **notebook_values(notebook)}.items():
        out.value(name, text)

    out.figure(
        "flow",
        draw(flow),
        alt=alt_text(flow, "Gradient flow at PyTorch's initialisation."),
    )
    out.figure(
        "notebook",
        draw(notebook),
        alt=alt_text(notebook, "Gradient flow with the seed notebook's standard-normal weights."),
    )
    out.provenance(None, checks=checks)  # the seeds, several, are in the settings table


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
