"""The self-attention page: queries, keys and values, the scores and weights, and the causal variant."""

import matplotlib.pyplot as plt
import torch
from _artifacts import Artifacts
from _figures import SHARES, arrows_from_origin, foreground, heatmap, plane, token_colour
from _render import figure_style, subscript, tensor_table, vector_text

import seqdocs
import seqdocs.experiments


SCALING_WIDTHS = (2, 16, 128)
"""The widths d_model = d_k (one head) of the experiment on the scaling by √d_k; 2 is the toy's."""

SCALING_SEEDS = tuple(range(50))
"""One set of inputs and weights per seed."""

SCALING_TOKENS = 8
"""Tokens per sequence: a row of the softmax shares its weight among this many; even shares are 1/8 each."""

STEADY_FACTOR = 1.5
"""The page calls a spread steady across the widths if its largest is within this factor of its smallest."""


def scaling_experiment() -> list[dict[str, float | int | str]]:
    """The spread of the scores before and after the division by √d_k, for two sizes of weight, at each width.

    The inputs are standard normal, like an embedding's rows. The weights are either the toy's kind (standard
    normal) or PyTorch's (`nn.Linear`: uniform in ±1/√d_model), both drawn by
    [init_gradient_weights][seqdocs.experiments.init_gradient_weights].

    Returns:
        One row per width and kind of weight: the spread (standard deviation, over every seed and pair) of
        q·k and of q·k/√d_k, and the median over every row of its largest attention weight.
    """
    rows = []
    for width in SCALING_WIDTHS:
        for kind, weight_scale in (("standard normal", 1.0), ("PyTorch's", None)):
            config = seqdocs.experiments.GradientConfig(length=SCALING_TOKENS, embedding_size=width, hidden_size=width,
                                            seeds=SCALING_SEEDS, weight_scale=weight_scale, dtype="float32")
            inputs = seqdocs.experiments.gradient_inputs(config)  # (S, 1, T, d_model)
            tensors = seqdocs.self_attention(inputs, seqdocs.experiments.init_gradient_weights("attention", config))
            raw = tensors["queries"] @ tensors["keys"].transpose(-2, -1)  # (S, 1, T, T): q·k before the division
            rows.append({
                "width": width, "kind": kind,
                "raw_spread": float(raw.std()),
                "scaled_spread": float(tensors["scores"].std()),  # (S, 1, T, T): q·k / √d_k
                "top_weight": float(tensors["attention_weights"].amax(dim=-1).median()),
            })
    return rows


def trend(spreads: list[float]) -> str:
    """How spreads, in order of width, behave by the page's rule: steady if within STEADY_FACTOR of each other."""
    if max(spreads) <= STEADY_FACTOR * min(spreads):
        return "stay steady"
    if all(first < second for first, second in zip(spreads, spreads[1:])):
        return "grow with the width"
    return "change with the width"


def weights_text(weights: torch.Tensor, tokens: tuple[str, ...]) -> str:
    """Every row of an attention matrix in words, for alt text."""
    return " ".join(
        f"{attending} attends "
        + ", ".join(f"{float(share):.4f} to {attended}" for attended, share in zip(tokens, row))
        + "."
        for attending, row in zip(tokens, weights)
    )


def build(out: Artifacts) -> None:
    setup = seqdocs.make_setup()
    step = seqdocs.attention_trace(setup).steps[0]
    causal = seqdocs.attention_trace(setup, causal=True).steps[0]
    tokens = setup.tokens
    width = setup.attention.width
    components = [subscript(index + 1) for index in range(width)]  # ₁, ₂
    rows = [f"`{token}`" for token in tokens]

    out.markdown("inputs", tensor_table(step["inputs"], rows, [f"e{sub}" for sub in components]))
    for name, letter in (("queries", "q"), ("keys", "k"), ("values", "v")):
        out.markdown(f"{name}_table", tensor_table(step[name], rows, [f"{letter}{sub}" for sub in components]))
    out.markdown(
        "projections",
        "".join(
            f"**{title}**\n\n" + tensor_table(matrix, [f"row {row + 1}" for row in range(matrix.shape[0])],
                                               [f"column {column + 1}" for column in range(matrix.shape[1])]) + "\n"
            for title, matrix in (("$W_Q$", setup.attention.query), ("$W_K$", setup.attention.key),
                                  ("$W_V$", setup.attention.value))
        ),
    )
    attended = [f"→ `{token}`" for token in tokens]
    attending = [f"`{token}` attends" for token in tokens]
    out.markdown("scores", tensor_table(step["scores"], attending, attended))
    out.markdown("weights_table", tensor_table(step["attention_weights"], attending, attended))
    out.markdown("output", tensor_table(step["output"], rows, [f"out{sub}" for sub in components]))
    out.markdown("causal_weights_table", tensor_table(causal["attention_weights"], attending, attended))
    out.markdown("causal_output", tensor_table(causal["output"], rows, [f"out{sub}" for sub in components]))

    out.value("width", str(width))
    # One head: the scores are a single (T, T) matrix; with h heads they would be (h, T, T).
    out.value("heads", str(1 if step["scores"].dim() == 2 else step["scores"].shape[-3]))
    out.value("sqrt_width", f"{width ** 0.5:.4f}")
    # Single numbers the prose quotes: one score worked by hand, and where each token puts most of its weight.
    out.value("query_a", vector_text(step["queries"][0]))
    out.value("key_b", vector_text(step["keys"][1]))
    out.value("dot_a_b", f"{float(step['queries'][0] @ step['keys'][1]):.4f}")
    out.value("score_a_b", f"{float(step['scores'][0, 1]):.4f}")
    favourites = step["attention_weights"].argmax(dim=-1)
    out.value(
        "favourites",
        "; ".join(
            f"`{token}` puts most weight on `{tokens[int(favourite)]}` "
            f"({float(step['attention_weights'][index, favourite]):.4f})"
            for index, (token, favourite) in enumerate(zip(tokens, favourites))
        ),
    )
    out.value("largest_weight", f"{float(step['attention_weights'].max()):.4f}")
    score_ranges = step["scores"].amax(dim=-1) - step["scores"].amin(dim=-1)  # (T,): how far apart each row's scores are
    out.value("largest_score_range", f"{float(score_ranges.max()):.4f}")
    out.value("even_share", f"{1 / len(tokens):.4f}")
    out.value("causal_first_output", vector_text(causal["output"][0]))
    out.value("first_value", vector_text(step["values"][0]))
    out.value(
        "causal_last_row_equal",
        "the same" if torch.equal(causal["attention_weights"][-1], step["attention_weights"][-1]) else "different",
    )

    # Why divide by √d_k: what the division fixes (the width) and what it does not (the size of the weights).
    scaling = scaling_experiment()
    lines = [
        "| $d_k = d_{\\text{model}}$ | weights | spread of $q \\cdot k$ | spread of $q \\cdot k / \\sqrt{d_k}$ "
        f"| median largest weight of a row (even: {1 / SCALING_TOKENS:.4f}) |",
        "| ---: | :--- | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {row['width']} | {row['kind']} | {row['raw_spread']:.2f} | {row['scaled_spread']:.2f} "
        f"| {row['top_weight']:.4f} |"
        for row in scaling
    ]
    out.markdown("scaling", "\n".join(lines) + "\n")
    for kind, key in (("PyTorch's", "pytorch"), ("standard normal", "normal")):
        rows = [row for row in scaling if row["kind"] == kind]
        out.value(f"{key}_raw_spreads", ", ".join(f"{row['raw_spread']:.2f}" for row in rows))
        out.value(f"{key}_scaled_spreads", ", ".join(f"{row['scaled_spread']:.2f}" for row in rows))
        out.value(f"{key}_top_weights", ", ".join(f"{row['top_weight']:.4f}" for row in rows))
        out.value(f"{key}_scaled_trend", trend([row["scaled_spread"] for row in rows]))
        out.value(f"{key}_raw_trend", trend([row["raw_spread"] for row in rows]))
    out.value("scaling_widths", ", ".join(str(width) for width in SCALING_WIDTHS))
    out.value("scaling_seeds", str(len(SCALING_SEEDS)))
    out.value("scaling_tokens", str(SCALING_TOKENS))
    out.value("steady_factor", str(STEADY_FACTOR))
    out.json("scaling", {"widths": list(SCALING_WIDTHS), "seeds": list(SCALING_SEEDS), "tokens": SCALING_TOKENS,
                         "steady_factor": STEADY_FACTOR, "rows": scaling})

    labels = list(tokens)
    for name, weights, blocked, description in (
        ("weights", step["attention_weights"], None, "Self-attention's weights"),
        ("causal_weights", causal["attention_weights"], ~causal["mask"], "Causal self-attention's weights"),
    ):
        with figure_style():
            figure, axes = plt.subplots(figsize=(4.0, 3.2))
            heatmap(axes, weights.tolist(), labels, labels, limits=(0, 1), colour_map=SHARES,
                    blank=None if blocked is None else blocked.tolist())
            axes.set_ylabel("attending token (row)")
            axes.set_xlabel("attended token (column)")
            axes.xaxis.set_label_position("top")
            figure.tight_layout()
        alt = (
            f"{description} as a heatmap: rows are the attending token, columns the attended token, each cell's "
            "value printed, darker blue for more weight; every row sums to 1. "
            + ("The cells above the diagonal are hatched: blocked, weight 0. " if blocked is not None else "")
            + weights_text(weights, tokens)
        )
        out.figure(name, figure, alt=alt)

    with figure_style():
        figure, axes = plt.subplots(figsize=(5.2, 4.2))
        queries, keys = step["queries"].tolist(), step["keys"].tolist()
        plane(axes, queries + keys, margin=0.3, labels=("component 1", "component 2"))
        colours = [token_colour(index) for index in range(len(tokens))]
        # a's and b's vectors nearly coincide: a's labels go left of the tips, b's above or right of them.
        sides = [(-8, 2), (0, 10), (8, 0)]
        arrows_from_origin(axes, queries, [f"query {token}" for token in tokens], colours, label_offsets=sides)
        arrows_from_origin(axes, keys, [f"key {token}" for token in tokens], colours, linestyle="dashed",
                           label_offsets=[(-8, -2), (8, -2), (-8, 2)])
        axes.plot([], [], color=foreground(), label="query: what a token looks for")
        axes.plot([], [], color=foreground(), linestyle="dashed", label="key: what it offers")
        axes.legend(loc="upper left", frameon=False, fontsize=8.5)
        figure.tight_layout()
    alt = (
        "Queries (solid arrows) and keys (dashed arrows) of the three tokens in the plane. "
        + " ".join(
            f"{token}: query {vector_text(query)}, key {vector_text(key)}."
            for token, query, key in zip(tokens, step["queries"], step["keys"])
        )
        + " A query scores high against the keys that point the same way as it does."
    )
    out.figure("queries_keys", figure, alt=alt)
    out.provenance(
        setup.seed, checks=[seqdocs.check_attention(setup), seqdocs.check_attention(setup, causal=True)]
    )


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
