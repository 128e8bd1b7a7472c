"""The word-order page: "a b c" against "c b a", before and after positional encodings and a causal mask."""

import matplotlib.pyplot as plt
import numpy as np
import torch
from _artifacts import Artifacts
from _figures import SHARES, SIGNED, foreground, heatmap, plane, token_colour
from _render import figure_style, format_number, tensor_table

import seqdocs
import seqdocs.experiments

SEQUENCE, REORDERED = "a b c", "c b a"
"""The same three tokens, reversed. `b` stays in the middle, so only `a` and `c` move."""

SEEDS = tuple(range(20))
"""The seeds the whole comparison is repeated over, so that no claim rests on one draw of weights."""

ENCODING_LENGTH, ENCODING_WIDTH = 64, 32
"""The encoding drawn as a heatmap: longer and wider than the toy's, to show the slow columns."""

CIRCLE_PAIRS, CIRCLE_POSITIONS = (0, 2, 8), 10
"""The column pairs (i) of that encoding drawn as points on the unit circle, and for how many positions."""

MODEL_NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
VARIANT_NAMES = {
    "plain": "self-attention",
    "causal": "self-attention, causal mask",
    "positions": "self-attention + positions",
    "positions_causal": "self-attention + positions, causal mask",
}


def number_text(value: float) -> str:
    """A measured difference as the page writes it: 0, four decimals, or powers of ten when it is tiny."""
    if value == 0:
        return "0"
    if abs(value) >= 1e-3:
        return format_number(value)
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"${mantissa} \\times 10^{{{int(exponent)}}}$"


def vector_text(vector: torch.Tensor) -> str:
    """A vector as a sentence writes it: (0.3367, 0.1288)."""
    return "(" + ", ".join(format_number(float(value)) for value in vector) + ")"


def subscript(index: int) -> str:
    """Component 0 -> ₁, as the attention page labels its columns."""
    return chr(0x2080 + index + 1)


def quoted(tokens: tuple[str, ...]) -> str:
    return "`" + " ".join(tokens) + "`"


def matched_table(experiment: seqdocs.experiments.OrderExperiment, variant: str) -> str:
    """One row per token: its output in each order, and how far apart the two are."""
    original, reordered = (tensors["output"] for tensors in experiment.attention[variant])  # (T, D) each
    position_in_reordered = {original_index: index for index, original_index in enumerate(experiment.order)}
    rows, labels = [], []
    for index, token in enumerate(experiment.tokens):
        first, second = original[index], reordered[position_in_reordered[index]]  # (D,), (D,)
        rows.append(first.tolist() + second.tolist() + [float((first - second).abs().max())])
        labels.append(f"`{token}`: position {index} → {position_in_reordered[index]}")
    width = original.shape[-1]
    columns = [f"{quoted(experiment.tokens)} out{subscript(index)}" for index in range(width)]
    columns += [f"{quoted(experiment.reordered_tokens)} out{subscript(index)}" for index in range(width)]
    return tensor_table(rows, labels, columns + ["largest difference"])


def both_orders(experiment: seqdocs.experiments.OrderExperiment, variant: str, tensor: str, column: str) -> str:
    """One tensor of both orders as two tabs, rows in the order each sequence was given."""
    tabs = []
    for tokens, tensors in zip((experiment.tokens, experiment.reordered_tokens), experiment.attention[variant]):
        values = tensors[tensor]  # (T, D) or (T, E)
        table = tensor_table(
            values, [f"{position}: `{token}`" for position, token in enumerate(tokens)],
            [column.format(subscript(index)) for index in range(values.shape[-1])],
        )
        tabs.append(f'=== "{" ".join(tokens)}"\n\n' + "".join(f"    {line}\n" for line in table.splitlines()))
    return "\n".join(tabs)


def sweep_table(
    sweeps: dict[str, list[dict[str, float]]], experiment: seqdocs.experiments.OrderExperiment,
    float64_experiment: seqdocs.experiments.OrderExperiment,
) -> str:
    """Each model's difference at the page's seed, and the smallest and largest over every seed."""
    at_page_seed = {"float32": experiment.differences(), "float64": float64_experiment.differences()}
    lines = [
        f"| model | what is compared | seed {experiment.seed} | smallest over {len(SEEDS)} seeds "
        f"| largest over {len(SEEDS)} seeds |",
        "| :-- | :-- | --: | --: | --: |",
    ]
    rows = [(MODEL_NAMES[model], "final hidden states", model, "float32") for model in seqdocs.RECURRENT_MODELS]
    rows += [(VARIANT_NAMES[variant], "outputs, un-permuted", variant, "float32")
             for variant in seqdocs.experiments.ATTENTION_VARIANTS]
    rows.insert(4, ("self-attention, in float64", "outputs, un-permuted", "plain", "float64"))
    for name, compared, key, dtype in rows:
        over_seeds = [differences[key] for differences in sweeps[dtype]]
        at_seed = at_page_seed[dtype][key]
        lines.append(
            f"| {name} | {compared} | {number_text(at_seed)} | {number_text(min(over_seeds))} "
            f"| {number_text(max(over_seeds))} |"
        )
    return "\n".join(lines) + "\n"


def encoding_heatmap(out: Artifacts) -> None:
    encoding = seqdocs.sinusoidal_positional_encoding(ENCODING_LENGTH, ENCODING_WIDTH)  # (T, d)
    with figure_style():
        figure, axes = plt.subplots(figsize=(6.4, 4.6))
        image = axes.imshow(encoding.numpy(), cmap=SIGNED, vmin=-1, vmax=1, aspect="auto", interpolation="nearest")
        axes.set_xlabel("dimension (even: sine, odd: cosine)")
        axes.set_ylabel("position p")
        colour_bar = figure.colorbar(image, ax=axes, fraction=0.05, pad=0.03)
        colour_bar.set_label("value")
        colour_bar.outline.set_visible(False)
        figure.tight_layout()
    last_pair = ENCODING_WIDTH // 2 - 1
    slowest = seqdocs.positional.ENCODING_BASE ** (-2 * last_pair / ENCODING_WIDTH)
    alt = (
        f"The sinusoidal positional encoding for {ENCODING_LENGTH} positions (rows, position 0 at the top) and "
        f"{ENCODING_WIDTH} dimensions (columns), red for +1, white for 0, blue for -1. The first columns "
        "alternate between red and blue every few positions; further right the stripes get wider and wider, and "
        f"the last columns barely change: their angle grows by {slowest:.2g} radians per position, so sine "
        "columns stay near 0 (white) and cosine columns near 1 (red) all the way down. Every row is a different "
        "pattern."
    )
    out.figure("encoding_heatmap", figure, alt=alt)
    out.value("heatmap_length", str(ENCODING_LENGTH))
    out.value("heatmap_width", f"$d_{{\\text{{model}}}} = {ENCODING_WIDTH}$")
    out.value("slowest_speed", f"{slowest:.2g}")


def encoding_circles(out: Artifacts) -> None:
    encoding = seqdocs.sinusoidal_positional_encoding(CIRCLE_POSITIONS, ENCODING_WIDTH)  # (T, d)
    speeds = [seqdocs.positional.ENCODING_BASE ** (-2 * pair / ENCODING_WIDTH) for pair in CIRCLE_PAIRS]
    angles = np.linspace(0, 2 * np.pi, 200)
    with figure_style():
        figure, all_axes = plt.subplots(1, len(CIRCLE_PAIRS), figsize=(8.4, 3.3))
        for axes, pair, speed in zip(all_axes, CIRCLE_PAIRS, speeds):
            points = encoding[:, 2 * pair: 2 * pair + 2].tolist()  # (T, 2): (sine, cosine) of p * speed
            plane(axes, [(-1, -1), (1, 1)], margin=0.62, ticks=[-1, 0, 1])
            axes.plot(np.sin(angles), np.cos(angles), color=foreground(), linewidth=0.6, alpha=0.35)
            axes.plot(*zip(*points), linestyle="none", marker="o", markersize=4.5, color=token_colour(0))
            labelled: dict[int, list[float]] = {}  # by lap around the circle: the angles already labelled
            for position, (x, y) in enumerate(points):
                angle = position * speed
                lap = int(angle // (2 * np.pi))
                # Each lap labels on its own ring; a point too close to a labelled one of its lap stays unlabelled.
                if all(abs(angle - other) > 0.25 for other in labelled.setdefault(lap, [])):
                    labelled[lap].append(angle)
                    ring = 1.2 + 0.24 * lap
                    axes.annotate(str(position), xy=(x, y), xytext=(x * ring, y * ring), ha="center",
                                  va="center", fontsize=8.5, color=token_colour(0))
            unit = "radian" if speed == 1 else "radians"
            axes.set_title(f"columns {2 * pair} and {2 * pair + 1}\n{speed:.4g} {unit} per position", fontsize=9.5)
            axes.set_xlabel(f"column {2 * pair} (sine)", fontsize=9)
            axes.set_ylabel(f"column {2 * pair + 1} (cosine)", fontsize=9)
        figure.tight_layout()
    alt = (
        f"Three unit circles, one per pair of columns of the width-{ENCODING_WIDTH} encoding, with positions 0 "
        f"to {CIRCLE_POSITIONS - 1} as numbered points, position 0 at the top (sine 0, cosine 1) and later "
        "positions clockwise, each turn labelled on a ring of its own. "
        + " ".join(
            f"Columns {2 * pair} and {2 * pair + 1} turn {speed:.4g} radian{'' if speed == 1 else 's'} per position, "
            f"so the {CIRCLE_POSITIONS} positions cover {speed * (CIRCLE_POSITIONS - 1) / (2 * np.pi):.2f} turns."
            for pair, speed in zip(CIRCLE_PAIRS, speeds)
        )
    )
    out.figure("encoding_circles", figure, alt=alt)
    first_pair = encoding[:, :2]  # (T, 2): the fastest pair, one radian per position
    distances = (first_pair[1:] - first_pair[0]).norm(dim=-1)  # (T - 1,): from position 0 to positions 1 ..
    out.value("first_pair_return", str(int(distances.argmin()) + 1))
    out.value("first_pair_distance", format_number(float(distances.min())))
    out.value("circle_speeds", ", ".join(f"{speed:.4g}" for speed in speeds))


def weights_side_by_side(out: Artifacts, experiment: seqdocs.experiments.OrderExperiment) -> None:
    plain = experiment.attention["plain"][0]["attention_weights"]  # (T, T)
    causal = experiment.attention["causal"][0]
    labels = list(experiment.tokens)
    with figure_style():
        figure, (left, right) = plt.subplots(1, 2, figsize=(7.6, 3.3))
        heatmap(left, plain.tolist(), labels, labels, limits=(0, 1), colour_map=SHARES)
        heatmap(right, causal["attention_weights"].tolist(), labels, labels, limits=(0, 1), colour_map=SHARES,
                blank=(~causal["mask"]).tolist())
        for axes, title in ((left, "no mask"), (right, "causal mask")):
            axes.set_title(title, pad=24, fontweight="bold")
            axes.set_ylabel("attending token (row)")
            axes.set_xlabel("attended token (column)")
            axes.xaxis.set_label_position("top")
        figure.tight_layout(w_pad=3)
    rows = "; ".join(
        f"{token}: " + ", ".join(format_number(float(value)) for value in plain_row)
        + " without the mask, " + ", ".join(format_number(float(value)) for value in causal_row) + " with it"
        for token, plain_row, causal_row in zip(experiment.tokens, plain, causal["attention_weights"])
    )
    alt = (
        f"Two heatmaps of self-attention's weights for {' '.join(experiment.tokens)}, rows the attending token, "
        "columns the attended token, darker blue for more weight. Left, no mask: every cell holds a weight. Right, "
        "causal mask: the cells above the diagonal are hatched and hold a dash, weight 0; the first row is all on "
        f"its own token. Rows, in order of the columns: {rows}."
    )
    out.figure("weights_side_by_side", figure, alt=alt)


def build(out: Artifacts) -> None:
    experiment = seqdocs.experiments.order_experiment(SEQUENCE, REORDERED)
    float64_experiment = seqdocs.experiments.order_experiment(SEQUENCE, REORDERED, dtype="float64")
    sweeps = {
        "float32": [seqdocs.experiments.order_experiment(SEQUENCE, REORDERED, seed=seed).differences() for seed in SEEDS],
        "float64": [
            seqdocs.experiments.order_experiment(SEQUENCE, REORDERED, seed=seed, dtype="float64").differences() for seed in SEEDS
        ],
    }
    differences = experiment.differences()
    out.value("seed", str(experiment.seed))
    out.value("seeds", str(len(SEEDS)))

    # Recurrent models: the last hidden state after each order.
    units = [f"unit {index + 1}" for index in range(experiment.final_states("rnn")[0].numel())]
    rows = []
    for model in seqdocs.RECURRENT_MODELS:
        original, reordered = experiment.final_states(model)  # (H,), (H,)
        rows.append(original.tolist() + reordered.tolist() + [differences[model]])
    out.markdown(
        "final_states",
        tensor_table(
            rows, [MODEL_NAMES[model] for model in seqdocs.RECURRENT_MODELS],
            [f"after {quoted(experiment.tokens)}: {unit}" for unit in units]
            + [f"after {quoted(experiment.reordered_tokens)}: {unit}" for unit in units] + ["largest difference"],
        ),
    )
    for model in seqdocs.RECURRENT_MODELS:
        out.value(f"{model}_difference", number_text(differences[model]))
    recurrent_over_seeds = [sweep[model] for sweep in sweeps["float32"] for model in seqdocs.RECURRENT_MODELS]
    out.value("recurrent_smallest", number_text(min(recurrent_over_seeds)))

    # Plain self-attention: the same rows, reordered, up to rounding.
    out.markdown("plain_outputs", both_orders(experiment, "plain", "output", "out{}"))
    out.markdown("plain_matched", matched_table(experiment, "plain"))
    out.value("order", ", ".join(str(index) for index in experiment.order))
    out.value("plain_gap", number_text(differences["plain"]))
    out.value("plain_gap_float64", number_text(float64_experiment.gap("plain")))
    out.value("plain_gap_largest", number_text(max(sweep["plain"] for sweep in sweeps["float32"])))
    out.value("plain_gap_largest_float64", number_text(max(sweep["plain"] for sweep in sweeps["float64"])))
    out.value("float32_eps", number_text(torch.finfo(torch.float32).eps))
    plain_weights = [tensors["attention_weights"] for tensors in experiment.attention["plain"]]  # (T, T) each
    order = list(experiment.order)
    out.value(
        "weights_gap",
        number_text(float((plain_weights[1] - plain_weights[0][order][:, order]).abs().max())),
    )

    # Positional encodings: the toy's, then what adding them does.
    length, width = len(experiment.tokens), experiment.attention["plain"][0]["inputs"].shape[-1]
    toy_encoding = seqdocs.sinusoidal_positional_encoding(length, width)  # (T, E)
    out.markdown(
        "toy_encoding",
        tensor_table(toy_encoding, [f"p = {position}" for position in range(length)],
                     [f"column {column}" for column in range(width)]),
    )
    out.value("toy_width", f"$d_{{\\text{{model}}}} = {width}$")
    out.markdown("inputs_with_positions", both_orders(experiment, "positions", "inputs", "e{} + PE"))
    out.markdown("positions_matched", matched_table(experiment, "positions"))
    out.value("positions_gap", number_text(differences["positions"]))
    out.value("positions_gap_smallest", number_text(min(sweep["positions"] for sweep in sweeps["float32"])))
    # The token that keeps its place gets the very same input in both orders; its output still changes.
    middle = next(index for index, original_index in enumerate(experiment.order) if index == original_index)
    original, reordered = (tensors["output"] for tensors in experiment.attention["positions"])  # (T, D) each
    out.value("middle_token", f"`{experiment.tokens[middle]}`")
    out.value("middle_position", str(middle))
    out.value("middle_difference", number_text(float((original[middle] - reordered[middle]).abs().max())))
    encoding_heatmap(out)
    encoding_circles(out)

    # The causal mask: zeros above the diagonal, every other weight rescaled.
    plain, causal = (experiment.attention[variant][0] for variant in ("plain", "causal"))
    allowed = causal["mask"]  # (T, T)
    kept = plain["attention_weights"] * allowed  # (T, T): the plain weights a causal row may still use
    renormalised = kept / kept.sum(dim=-1, keepdim=True)  # (T, T): each row rescaled to add up to 1 again
    out.value("renormalise_gap", number_text(float((renormalised - causal["attention_weights"]).abs().max())))
    out.value("causal_above_diagonal", number_text(float(causal["attention_weights"][~allowed].abs().max())))
    out.value("causal_row_sum_error", number_text(float((causal["attention_weights"].sum(-1) - 1).abs().max())))
    out.value("first_token", f"`{experiment.tokens[0]}`")
    out.value("last_token", f"`{experiment.tokens[-1]}`")
    out.value(
        "last_row_equal",
        "the same" if torch.equal(causal["attention_weights"][-1], plain["attention_weights"][-1]) else "different",
    )
    out.value("causal_first_output", vector_text(causal["output"][0]))
    out.value("first_value", vector_text(causal["values"][0]))
    out.value("causal_gap", number_text(differences["causal"]))
    out.value("causal_gap_smallest", number_text(min(sweep["causal"] for sweep in sweeps["float32"])))
    weights_side_by_side(out, experiment)

    out.markdown("sweep", sweep_table(sweeps, experiment, float64_experiment))
    out.json(
        "measurements",
        {
            "sequence": SEQUENCE, "reordered": REORDERED, "seed": experiment.seed, "seeds": list(SEEDS),
            "differences": differences,
            "float32_over_seeds": sweeps["float32"],
            "float64_over_seeds": sweeps["float64"],
        },
    )
    setup = seqdocs.make_setup(SEQUENCE, seed=experiment.seed)
    out.provenance(experiment.seed, checks=seqdocs.check_all(setup))  # every model, attention with and without the mask


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
