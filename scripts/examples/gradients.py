"""The gradients page: how much each model's final state depends on an input Δ steps back, over many seeds.

Every setting is fixed here before anything runs, and every sentence that states a result is chosen and filled in
by the numbers. A sentence that ranks two curves, or says one grows or shrinks, takes its verdict from the rule
of `GradientFlow.compare` / `.trend` / `.crossing` (a bootstrap interval on a difference of medians over seeds),
never from the medians alone. The models are measured as initialised, before any training.
"""

import dataclasses
import math

import matplotlib.pyplot as plt
import torch
from _artifacts import Artifacts
from _render import figure_style

import seqdocs
import seqdocs.experiments

CONFIG = seqdocs.experiments.GradientConfig(
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

ATTENTION_VARIANTS = (
    seqdocs.experiments.AttentionVariant(),
    seqdocs.experiments.AttentionVariant(causal=True),
    seqdocs.experiments.AttentionVariant(positions=True),
    seqdocs.experiments.AttentionVariant(layers=2),
    seqdocs.experiments.AttentionVariant(layers=2, causal=True),
    seqdocs.experiments.AttentionVariant(layers=2, positions=True, causal=True),
)
"""The kinds of self-attention measured beside the main experiment, on its inputs and seeds."""

VERDICT_WORDS = {"higher": "higher", "lower": "lower", "unclear": "no clear difference"}

LABELS = {
    "rnn": "RNN",
    "lstm_forget_bias_0": "LSTM, forget bias 0",
    "lstm_forget_bias_1": "LSTM, forget bias 1",
    "gru": "GRU",
    "attention": "self-attention",
}
VARIANT_LABELS = {
    "attention_1_layer": "1 layer",
    "attention_1_layer_causal": "1 layer, causal mask",
    "attention_1_layer_positions": "1 layer, positional encoding",
    "attention_2_layers": "2 layers",
    "attention_2_layers_causal": "2 layers, causal mask",
    "attention_2_layers_positions_causal": "2 layers, positional encoding and causal mask",
}
VARIANT_SHORT_LABELS = {
    "attention_1_layer": "1 layer",
    "attention_1_layer_causal": "1 layer, causal",
    "attention_1_layer_positions": "1 layer, PE",
    "attention_2_layers": "2 layers",
    "attention_2_layers_causal": "2 layers, causal",
    "attention_2_layers_positions_causal": "2 layers, PE, causal",
}
"""Labels for the figure's legend and the wide table; PE is the positional encoding."""
VARIANT_COLOURS = {
    "attention_1_layer": "#E69F00",
    "attention_1_layer_positions": "#56B4E9",
    "attention_2_layers": "#009E73",
    "attention_2_layers_causal": "#D55E00",
    "attention_2_layers_positions_causal": "#CC79A7",
}
"""The variants drawn; one layer with a causal mask is left out of the figure: its curve is the one-layer curve."""
VARIANT_LINESTYLES = {
    "attention_1_layer": "solid",
    "attention_1_layer_positions": (0, (6, 2)),
    "attention_2_layers": (0, (2, 1.5)),
    "attention_2_layers_causal": (0, (6, 2, 1.5, 2)),
    "attention_2_layers_positions_causal": (0, (1, 1)),
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


def fade_text(flow: seqdocs.experiments.GradientFlow, curve: str) -> str:
    distance = flow.distance_below(curve, FRACTION)
    return str(distance) if distance is not None else f"not within {flow.config.length - 1}"


def settings_table() -> str:
    c = CONFIG
    sigmoid = {bias: torch.sigmoid(torch.tensor(bias)).item() for bias in c.forget_biases}
    bias_text = ", ".join(f"{bias:g} (σ = {sigmoid[bias]:.2f})" for bias in c.forget_biases)
    rows = [
        ("Sequence length T", str(c.length), f"distances Δ = 0 (the last input) to {c.length - 1} (the first)"),
        ("Input size E", str(c.embedding_size), "every input vector standard normal, like a fresh `nn.Embedding` row"),
        ("Hidden size H", str(c.hidden_size), "the query, key and value width for self-attention"),
        ("Seeds", f"{len(c.seeds)}: {c.seeds[0]} to {c.seeds[-1]}",
         "each seed draws one input sequence, read by every model, and fresh weights for each model"),
        ("Initial weights", "PyTorch's defaults",
         "recurrent weights and biases uniform in ±1/√H, like `nn.RNN`, `nn.LSTM`, `nn.GRU`; attention "
         "projections uniform in ±1/√E, like `nn.Linear`"),
        ("LSTM forget-gate bias", bias_text,
         "one LSTM per value, otherwise the same weights; PyTorch's default is small and random, near 0"),
        ("Self-attention", "1 layer, 1 head, no mask, no positional encoding",
         "the last position's output; [other kinds](#other-kinds-of-self-attention) are measured below"),
        ("Final state", "$h_T$", "the last hidden state (the LSTM's, not its cell); attention's last output"),
        ("Norm", "Frobenius", "the root of the sum of the squares of the Jacobian's entries"),
        ("Band", f"{BAND[0]:.0%} to {BAND[1]:.0%} of seeds", "quantiles over seeds, interpolated between seeds"),
        ("Comparisons", f"bootstrap, {seqdocs.experiments.evidence.CONFIDENCE:.0%}",
         f"an interval for the difference of two medians over seeds, from {seqdocs.experiments.evidence.BOOTSTRAP_RESAMPLES:,} "
         "resamples; a ranking only where it excludes 0"),
        ("Precision", CONFIG.dtype, "about 16 significant digits, so rounding plays no visible part in the curves"),
    ]
    lines = ["| Setting | Value | Note |", "| --- | --- | --- |"]
    lines += [f"| {name} | {value} | {note} |" for name, value, note in rows]
    return "\n".join(lines) + "\n"


def summary_table(flow: seqdocs.experiments.GradientFlow) -> str:
    last = flow.config.length - 1
    lines = [
        f"| Model | median at Δ = 0 | median at Δ = {COMPARED_AT} | faded {1 / FRACTION:,.0f}-fold by Δ = "
        f"| factor per step, Δ = 1 to {last} |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for curve in flow.config.curves:
        median = flow.median(curve)
        lines.append(
            f"| {LABELS[curve]} | {scientific(median[0].item())} | {scientific(median[COMPARED_AT].item())} "
            f"| {fade_text(flow, curve)} | {factor(flow.factor_per_step(curve, 1, last))} |"
        )
    return "\n".join(lines) + "\n"


def distance_table(flow: seqdocs.experiments.GradientFlow, statistic: str, labels: dict[str, str] = SHORT_LABELS) -> str:
    """One row per curve, one column per shown distance: the median, or the band's two ends."""
    header = "| Model | " + " | ".join(f"Δ = {distance}" for distance in SHOWN_DISTANCES) + " |"
    lines = [header, "| --- |" + " ---: |" * len(SHOWN_DISTANCES)]
    for curve in labels:
        if statistic == "median":
            median = flow.median(curve)
            cells = [scientific(median[distance].item()) for distance in SHOWN_DISTANCES]
        else:
            low, high = flow.quantile(curve, BAND[0]), flow.quantile(curve, BAND[1])
            cells = [
                f"{scientific(low[distance].item())} to {scientific(high[distance].item())}" for distance in SHOWN_DISTANCES
            ]
        lines.append(f"| {labels[curve]} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def draw(flow: seqdocs.experiments.GradientFlow, labels: dict[str, str] = LABELS, colours: dict[str, str] = COLOURS,
         linestyles: dict[str, object] = LINESTYLES):
    distances = torch.arange(flow.config.length).numpy()
    with figure_style():
        figure, axes = plt.subplots(figsize=(8.2, 4.6))
        for curve in colours:
            low, high = flow.quantile(curve, BAND[0]), flow.quantile(curve, BAND[1])
            axes.fill_between(distances, low.numpy(), high.numpy(), color=colours[curve], alpha=0.18, linewidth=0)
            axes.plot(
                distances, flow.median(curve).numpy(), color=colours[curve], linestyle=linestyles[curve],
                linewidth=2.0, label=labels[curve],
            )
        axes.set_yscale("log")
        axes.set_xlim(0, flow.config.length - 1)
        axes.set_xlabel("distance Δ: how many steps before the last input")
        axes.set_ylabel(r"$\Vert\, \partial h_T / \partial x_{T-\Delta} \,\Vert_F$")
        axes.grid(True, which="major", axis="y", linewidth=0.6)
        axes.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
        figure.tight_layout()
    return figure


def alt_text(flow: seqdocs.experiments.GradientFlow, intro: str, labels: dict[str, str] = LABELS) -> str:
    last = flow.config.length - 1
    parts = []
    for curve in labels:
        median = flow.median(curve)
        parts.append(
            f"{labels[curve]} {spoken(median[0].item())} at distance 0, "
            f"{spoken(median[COMPARED_AT].item())} at {COMPARED_AT} and {spoken(median[last].item())} at {last}"
        )
    text = (
        f"{intro} Log-scale line chart of the Frobenius norm of the Jacobian of the final state with respect to "
        f"the input Δ steps back, for Δ from 0 to {last}: one line per curve for the median over "
        f"{len(flow.config.seeds)} seeds, with a shaded band from the {BAND[0]:.0%} to the {BAND[1]:.0%} quantile. "
        "Medians: " + "; ".join(parts) + "."
    )
    return text


def last_attention_weight(config: seqdocs.experiments.GradientConfig) -> float:
    """The median over seeds of the largest attention weight the last token gives any input."""
    inputs = seqdocs.experiments.gradient_inputs(config)  # (S, 1, T, E)
    weights = seqdocs.experiments.init_gradient_weights("attention", config)
    attention = seqdocs.self_attention(inputs, weights)["attention_weights"][..., -1, :]  # (S, 1, T)
    return attention.amax(dim=-1).median().item()


def mean_forget_gate(config: seqdocs.experiments.GradientConfig, bias: float) -> float:
    inputs = seqdocs.experiments.gradient_inputs(config)  # (S, 1, T, E)
    weights = seqdocs.experiments.init_gradient_weights("lstm", config, forget_bias=bias)
    return seqdocs.lstm_forward(inputs, weights, keep=("forget_gate",))["forget_gate"].mean().item()


def mean_update_gate(config: seqdocs.experiments.GradientConfig) -> float:
    inputs = seqdocs.experiments.gradient_inputs(config)  # (S, 1, T, E)
    weights = seqdocs.experiments.init_gradient_weights("gru", config)
    return seqdocs.experiments.recurrent_states("gru", inputs, weights, keep=("update_gate",))["update_gate"].mean().item()


def printed(value: float) -> float:
    """The number a reader sees for `value` in `scientific`'s three significant digits (or two, as a power)."""
    text = scientific(value)
    if text.startswith("$"):
        mantissa, exponent = text.strip("$").split(" \\times 10^")
        return float(mantissa) * 10 ** int(exponent.strip("{}"))
    return float(text)


def ratio_text(larger: float, smaller: float) -> str:
    """larger / smaller, computed from the two numbers as the page prints them, so a reader gets the same."""
    ratio = printed(larger) / printed(smaller)
    return f"{ratio:,.0f}" if ratio >= 100 else f"{ratio:.2g}" if ratio >= 10 else f"{ratio:.2f}"


def crossing_story(flow: seqdocs.experiments.GradientFlow, crossing: seqdocs.experiments.Crossing) -> str:
    """Where the RNN's median falls below attention's, as the rule decided it distance by distance (`crossing`)."""
    rnn, attention = flow.median("rnn"), flow.median("attention")
    if crossing.kind == "never_below":
        return "The rule never puts the RNN's median below attention's, at any distance measured."
    if crossing.kind == "never_above":
        return "The rule puts the RNN's median below attention's wherever it can tell them apart, even near the end."
    if crossing.kind == "mixed":
        below = ", ".join(str(d) for d, verdict in enumerate(crossing.verdicts) if verdict == "lower")
        return (
            f"The RNN's median and attention's do not cross once: the rule puts the RNN below at distances {below}, "
            "but above again farther back."
        )
    above, below = crossing.between
    text = f"The RNN's median is above attention's up to distance {above}"
    if crossing.unclear_between:
        gap = crossing.unclear_between
        span = f"at distance {gap[0]}" if len(gap) == 1 else f"from distance {gap[0]} to {gap[-1]}"
        text += (
            f", and below it from distance {below} on; {span} the rule cannot tell them apart "
            f"(medians {scientific(rnn[gap[0]].item())} and {scientific(attention[gap[0]].item())} at distance {gap[0]})"
        )
    else:
        text += f", and below it from distance {below} on: the curves cross between those two distances"
    last = flow.config.length - 1
    if crossing.stays_below:
        text += (
            f". It stays below at every distance after that, and at distance {last} it is "
            f"{scientific(rnn[last].item())} against {scientific(attention[last].item())}."
        )
    else:
        text += ", though the rule cannot separate them at every distance after that."
    return text


def trend_words(comparison) -> str:
    """A trend verdict (far against near) in words."""
    return {"higher": "higher far back", "lower": "lower far back", "unclear": "no clear difference"}[comparison.verdict]


def variant_values(variants: seqdocs.experiments.GradientFlow, flow: seqdocs.experiments.GradientFlow) -> dict[str, str]:
    """What each kind of attention shows, each sentence chosen by the trend rule on its per-seed norms."""
    last = variants.config.length - 1
    values = {}
    one, causal = variants.norms["attention_1_layer"], variants.norms["attention_1_layer_causal"]
    if not torch.equal(variants.norms["attention_1_layer"], flow.norms["attention"]):
        raise AssertionError("the one-layer variant must be the main experiment's attention curve")
    values["causal_one_layer"] = (
        "The norms with and without the mask are exactly equal, at every distance and seed."
        if torch.equal(one, causal)
        else f"The norms with and without the mask differ by at most {scientific(((one - causal).abs() / one).max().item())} (relative)."
    )
    rows = ["| Attention | median at Δ = 1 | median at Δ = " + str(last) + f" | the rule, Δ = {last} against Δ = 1 |",
            "| --- | ---: | ---: | --- |"]
    for name, label in VARIANT_LABELS.items():
        median = variants.median(name)
        trend = variants.trend(name)
        key_ = name.removeprefix("attention_")
        values[f"v_{key_}_near"] = scientific(median[1].item())
        values[f"v_{key_}_far"] = scientific(median[last].item())
        values[f"v_{key_}_self"] = scientific(median[0].item())
        values[f"v_{key_}_trend"] = trend.verdict
        if trend.verdict == "unclear":
            sentence = (
                f"the rule finds no clear difference between distance 1 ({scientific(median[1].item())}) and "
                f"distance {last} ({scientific(median[last].item())})"
            )
        else:
            bigger, smaller = (last, 1) if trend.verdict == "higher" else (1, last)
            sentence = (
                f"the first input moves the last output {'more' if trend.verdict == 'higher' else 'less'} than the "
                f"input one step before the last ({scientific(median[last].item())} at distance {last} against "
                f"{scientific(median[1].item())} at distance 1, {ratio_text(median[bigger].item(), median[smaller].item())} "
                "times " + ("more" if trend.verdict == "higher" else "less") + ")"
            )
        values[f"v_{key_}_sentence"] = sentence
        rows.append(
            f"| {label} | {scientific(median[1].item())} | {scientific(median[last].item())} "
            f"| {trend_words(trend)} |"
        )
    values["variants_table"] = "\n".join(rows) + "\n"
    # The readings that follow each verdict, so that no fixed sentence can contradict a verdict that changed.
    values["v_positions_reading"] = (
        "The encoding tells the positions apart, but at initialisation the layer's random projections do not turn "
        "that into a clear preference for near or far inputs."
        if values["v_1_layer_positions_trend"] == "unclear"
        else "Even at initialisation, the encoding is enough to make distance matter."
    )
    values["v_symmetric_reading"] = (
        "as the symmetry argument says it must"
        if values["v_2_layers_trend"] == "unclear"
        else "although by the symmetry argument the two have the same distribution: one of the false alarms a 95% "
        "rule gives about once in twenty comparisons"
    )
    values["v_causal_reading"] = {
        "higher": "The masked stack leans towards the *first* inputs, the opposite of an RNN's fade.",
        "lower": "The masked stack favours the recent inputs, as an RNN does.",
        "unclear": "The rule does not separate the masked stack's first input from its recent ones.",
    }[values["v_2_layers_causal_trend"]]
    return values


def forget_story(flow: seqdocs.experiments.GradientFlow, gates: dict[float, float]) -> str:
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


def story_values(flow: seqdocs.experiments.GradientFlow) -> dict[str, str]:
    """The results in words: which way each part of the usual story went, chosen by the numbers."""
    last = flow.config.length - 1
    values = {}
    fade = {curve: flow.distance_below(curve, FRACTION) for curve in flow.config.curves}
    per_step = {curve: flow.factor_per_step(curve, 1, last) for curve in flow.config.curves}
    rnn_fade = fade["rnn"]

    if rnn_fade is not None and per_step["rnn"] < 1 and flow.trend("rnn").verdict == "lower":
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
    later_than_rnn = []
    for curve in ("lstm_forget_bias_0", "lstm_forget_bias_1"):
        bias = curve.removeprefix("lstm_forget_bias_")
        if fade[curve] is None:
            lstm_sentences.append(
                f"with forget bias {bias}, its median does not fade {fold} within {last} steps, and changes by a "
                f"factor of {factor(per_step[curve])} per step"
            )
        else:
            # "Later than the RNN" only where the rule puts this LSTM's median above the RNN's at the RNN's fade.
            later = rnn_fade is not None and fade[curve] > rnn_fade and flow.compare(curve, "rnn", rnn_fade).verdict == "higher"
            if later:
                later_than_rnn.append(curve)
            when = f"{fade[curve] - rnn_fade} steps later than the RNN" if later else "not clearly later than the RNN"
            lstm_sentences.append(
                f"with forget bias {bias}, its median fades {fold} by distance {fade[curve]}, {when}, shrinking by a "
                f"factor of {factor(per_step[curve])} per step"
            )
    # "Vanishes too" needs the median to fade within the sequence and the rule to find it lower far back.
    faded = [
        curve for curve in ("lstm_forget_bias_0", "lstm_forget_bias_1")
        if fade[curve] is not None and flow.trend(curve).verdict == "lower"
    ]
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
    if later_than_rnn:
        whose = "both LSTMs' medians" if len(later_than_rnn) == 2 else f"the median of {PHRASES[later_than_rnn[0]]}"
        values["lstm_story"] += (
            f" (At distance {rnn_fade}, where the RNN's median has faded, the rule puts {whose} clearly above the "
            "RNN's.)"
        )

    gru_fade = fade["gru"]
    values["gru_story"] = (
        f"The GRU's median fades {1 / FRACTION:,.0f}-fold by distance {gru_fade}, a factor of "
        f"{factor(per_step['gru'])} per step"
        if gru_fade is not None
        else f"The GRU's median does not fade {1 / FRACTION:,.0f}-fold within {last} steps; it changes by a factor "
        f"of {factor(per_step['gru'])} per step"
    ) + "."
    gru_against = flow.compare("gru", "lstm_forget_bias_0", COMPARED_AT)
    values["gru_against_lstm"] = (
        f"At distance {COMPARED_AT} the rule cannot tell its median from the LSTM's with forget bias 0."
        if gru_against.verdict == "unclear"
        else f"At distance {COMPARED_AT} its median is {gru_against.verdict} than the LSTM's with forget bias 0 "
        f"({scientific(flow.median('gru')[COMPARED_AT].item())} against "
        f"{scientific(flow.median('lstm_forget_bias_0')[COMPARED_AT].item())}), and the rule separates the two."
    )

    attention = flow.median("attention")
    far = attention[1:]
    values["attention_spread"] = f"{(far.max() / far.min()).item():.2f}"
    values["attention_near"] = scientific(attention[1].item())
    values["attention_far"] = scientific(attention[last].item())
    values["attention_self"] = scientific(attention[0].item())
    # The last input against the one before it: a ratio of the two numbers printed beside it, and the rule's verdict.
    values["attention_self_ratio"] = ratio_text(attention[0].item(), attention[1].item())
    stands_out = flow.trend("attention", near=0, far=1).verdict == "lower"
    values["attention_self_story"] = (
        f"The last input stands out: its median is {values['attention_self']} against {values['attention_near']} at "
        f"distance 1, {values['attention_self_ratio']} times as large, because it also supplies the query. The rule "
        "separates the two."
        if stands_out
        else f"The rule cannot tell the last input ({values['attention_self']}) from the one before it "
        f"({values['attention_near']}), although it also supplies the query."
    )
    trend = flow.trend("attention")
    values["attention_trend"] = trend.verdict
    values["attention_story"] = (
        f"Between distance 1 ({values['attention_near']}) and distance {last} ({values['attention_far']}) the rule "
        + ("finds no clear difference" if trend.verdict == "unclear"
           else f"finds the median clearly {trend.verdict} far back")
        + f". The medians of the distances in between wander within a factor of {values['attention_spread']}, "
        "which is how far the median of "
        f"{len(flow.config.seeds)} seeds moves by chance."
    )
    lstm_bias = flow.compare("lstm_forget_bias_1", "lstm_forget_bias_0", COMPARED_AT)
    one, zero = flow.median("lstm_forget_bias_1")[COMPARED_AT].item(), flow.median("lstm_forget_bias_0")[COMPARED_AT].item()
    values["lstm_bias_story"] = (
        f"The forget bias still matters a great deal. At distance {COMPARED_AT} the median with bias 1 is "
        f"{scientific(one)}, with bias 0 {scientific(zero)}: {ratio_text(one, zero)} times as large, and the rule "
        "separates the two."
        if lstm_bias.verdict == "higher" and printed(one) / printed(zero) >= 10
        else f"At distance {COMPARED_AT} the median with bias 1 is {scientific(one)}, with bias 0 {scientific(zero)}; "
        + ("the rule separates the two." if lstm_bias.clear else "the rule cannot tell them apart.")
    )
    return values


def notebook_values(flow: seqdocs.experiments.GradientFlow) -> dict[str, str]:
    last = flow.config.length - 1
    per_step = {curve: flow.factor_per_step(curve, 1, last) for curve in flow.config.curves}
    # Grows or shrinks only where the rule separates the first input (distance T - 1) from distance 1.
    trend = {curve: flow.trend(curve).verdict for curve in flow.config.curves if curve != "attention"}
    grows = [curve for curve in trend if trend[curve] == "higher"]
    shrinks = [curve for curve in trend if trend[curve] == "lower"]
    unclear = [curve for curve in trend if trend[curve] == "unclear"]
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
    if unclear:
        sentences.append(
            "For " + name_list([PHRASES[curve] for curve in unclear]) + f" (a factor of "
            + name_list([factor(per_step[curve]) for curve in unclear])
            + f" per step), the rule cannot tell distance {last} from distance 1."
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
    flow = seqdocs.experiments.gradient_flow(CONFIG)
    notebook = seqdocs.experiments.gradient_flow(NOTEBOOK_CONFIG)
    variants = seqdocs.experiments.attention_gradient_flow(ATTENTION_VARIANTS, CONFIG)
    checks = seqdocs.experiments.check_gradient_flow(flow) + seqdocs.experiments.check_attention_gradient_flow(variants, ATTENTION_VARIANTS)
    last = CONFIG.length - 1

    out.markdown("settings", settings_table())
    out.markdown("summary", summary_table(flow))
    out.markdown("medians", distance_table(flow, "median"))
    out.markdown("bands", distance_table(flow, "band"))
    out.markdown("notebook_summary", summary_table(notebook))
    variant_texts = variant_values(variants, flow)
    out.markdown("variant_trends", variant_texts.pop("variants_table"))
    out.markdown("variant_medians", distance_table(variants, "median", VARIANT_SHORT_LABELS))
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
                    for curve in run.norms
                },
                "band": list(BAND),
            }
            for name, run in (("pytorch_init", flow), ("notebook_init", notebook), ("attention_variants", variants))
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
    out.value("resamples", f"{seqdocs.experiments.evidence.BOOTSTRAP_RESAMPLES:,}")
    out.value("confidence", f"{seqdocs.experiments.evidence.CONFIDENCE:.0%}")
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
    gates = {bias: mean_forget_gate(CONFIG, bias) for bias in CONFIG.forget_biases}
    for bias in CONFIG.forget_biases:
        out.value(f"sigmoid_{bias:g}", f"{torch.sigmoid(torch.tensor(bias)).item():.2f}")
        out.value(f"forget_gate_mean_{bias:g}", f"{gates[bias]:.2f}")
    out.value("forget_story", forget_story(flow, gates))
    out.value("update_gate_mean", f"{mean_update_gate(CONFIG):.2f}")
    crossing = flow.crossing("rnn", "attention")
    out.value("crossing_story", crossing_story(flow, crossing))
    # The verdicts behind the sentences, for the tests to check against the rule (the page shows the sentences).
    out.value("crossing_kind", crossing.kind)
    out.value("crossing_verdicts", " ".join(crossing.verdicts))
    toy = seqdocs.make_setup()  # the other pages' toy: "a b c", seed 42, standard-normal weights
    toy_norms = seqdocs.experiments.gradient_norms("rnn", toy.inputs, toy.rnn)  # (3,), by distance
    out.value("toy_norms", ", ".join(f"{value:.4f}" for value in toy_norms.tolist()))
    out.value("toy_tokens", ", ".join(f"`{token}`" for token in reversed(toy.tokens)))
    if bool((toy_norms[1:] > toy_norms[:-1]).all()):
        out.value("toy_story", "grows with every step back, so the first token, read longest ago, moves the final state most")
    elif bool((toy_norms[1:] < toy_norms[:-1]).all()):
        out.value("toy_story", "shrinks with every step back, so the last token moves the final state most")
    else:
        out.value("toy_story", "neither grows nor shrinks steadily with the distance")
    # PyTorch's uniform(-1/sqrt(H), 1/sqrt(H)) has standard deviation 1/sqrt(3H); the notebook's randn has 1.
    out.value("pytorch_std", f"{1 / math.sqrt(3 * CONFIG.hidden_size):.2f}")
    out.value("scale_ratio", f"{math.sqrt(3 * CONFIG.hidden_size):.1f}")
    out.value("attention_top_weight", f"{last_attention_weight(CONFIG):.3f}")
    out.value("uniform_weight", f"{1 / CONFIG.length:.3f}")
    out.value("nb_attention_top_weight", f"{last_attention_weight(NOTEBOOK_CONFIG):.3f}")
    for name, text in {**story_values(flow), **notebook_values(notebook), **variant_texts}.items():
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
    out.figure(
        "variants",
        draw(variants, {curve: VARIANT_SHORT_LABELS[curve] for curve in VARIANT_COLOURS}, VARIANT_COLOURS,
             VARIANT_LINESTYLES),
        alt=alt_text(
            variants,
            "Gradient flow of five kinds of self-attention at PyTorch's initialisation (PE: positional encoding; "
            "causal: with a causal mask).",
            {curve: VARIANT_LABELS[curve] for curve in VARIANT_COLOURS},
        ),
    )
    out.provenance(None, checks=checks)  # the seeds, several, are in the settings table


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
