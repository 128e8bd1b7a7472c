"""The Transformer block page: heads and W_O, residuals, LayerNorm, feed-forward; then generation with a KV cache."""

import matplotlib.pyplot as plt
import torch
from _artifacts import Artifacts
from _figures import SHARES, SIGNED, heatmap
from _render import figure_style, format_number, indent_for_tab, subscript, tensor_table, vector_text

import seqdocs


def tabs(entries: list[tuple[str, str]]) -> str:
    """Content tabs, one per (title, Markdown body)."""
    return "\n".join(f'=== "{title}"\n\n' + indent_for_tab(body) for title, body in entries)


def rows_text(values: torch.Tensor, tokens: tuple[str, ...]) -> str:
    """Each token's row in words, for alt text."""
    return " ".join(f"{token}: {vector_text(row)}." for token, row in zip(tokens, values))


def build(out: Artifacts) -> None:
    setup = seqdocs.make_setup("a b c", embedding_size=seqdocs.block.BLOCK_EMBEDDING_SIZE)
    post = seqdocs.BlockConfig()
    pre = seqdocs.BlockConfig(norm_first=True)
    causal = seqdocs.BlockConfig(causal=True)
    trace = seqdocs.block_trace(setup, post)
    step = trace.steps[0]
    pre_step = seqdocs.block_trace(setup, pre).steps[0]
    causal_step = seqdocs.block_trace(setup, causal).steps[0]
    cached = seqdocs.block.cached_block_trace(setup, causal)
    weights = seqdocs.BlockWeights.from_state_dict(trace.weights)
    tokens = setup.tokens
    width, heads = weights.width, post.num_heads
    head_width, hidden_size = width // heads, weights.feedforward_size
    rows = [f"`{token}`" for token in tokens]
    columns = [f"x{subscript(index + 1)}" for index in range(width)]
    hidden_columns = [f"u{subscript(index + 1)}" for index in range(hidden_size)]

    out.value("width", str(width))
    out.value("heads", str(heads))
    out.value("head_width", str(head_width))
    out.value("feedforward_size", str(hidden_size))
    out.value("seed", str(setup.seed))

    # The input: embeddings plus positions.
    out.markdown("inputs", tabs([
        ("Embeddings", tensor_table(step["embeddings"], rows, columns)),
        ("Positions", tensor_table(step["positions"], [f"position {index}" for index in range(len(tokens))], columns)),
        ("X = embeddings + positions", tensor_table(step["inputs"], rows, columns)),
    ]))

    def matrix_table(matrix: torch.Tensor, row_prefix: str, column_prefix: str) -> str:
        return tensor_table(matrix, [f"{row_prefix}{subscript(row + 1)}" for row in range(matrix.shape[0])],
                            [f"{column_prefix}{subscript(column + 1)}" for column in range(matrix.shape[1])])

    out.markdown("weights", tabs([
        ("$W_Q$", matrix_table(weights.query, "x", "q")),
        ("$W_K$", matrix_table(weights.key, "x", "k")),
        ("$W_V$", matrix_table(weights.value, "x", "v")),
        ("$W_O$", matrix_table(weights.output, "c", "x")),
        ("$W_1$", matrix_table(weights.feedforward_in, "x", "u")),
        ("$W_2$", matrix_table(weights.feedforward_out, "u", "x")),
    ]))

    # Per head: queries, keys, values, scores, weights, output.
    attended = [f"→ `{token}`" for token in tokens]
    attending = [f"`{token}` attends" for token in tokens]
    head_tabs = []
    for head in range(heads):
        first = head * head_width
        qkv = torch.cat([step["queries"][head], step["keys"][head], step["values"][head]], dim=-1)  # (T, 3d)
        qkv_columns = [f"{letter}{subscript(first + index + 1)}" for letter in "qkv" for index in range(head_width)]
        body = (
            f"Columns {first + 1} to {first + head_width} of $XW_Q$, $XW_K$ and $XW_V$: head {head + 1}'s queries, "
            f"keys and values.\n\n"
            + tensor_table(qkv, rows, qkv_columns) + "\n"
            + f"**Scores** $Q_{head + 1} K_{head + 1}^\\top / \\sqrt{{{head_width}}}$\n\n"
            + tensor_table(step["scores"][head], attending, attended) + "\n"
            + "**Attention weights**\n\n" + tensor_table(step["attention_weights"][head], attending, attended) + "\n"
            + f"**Output of head {head + 1}**\n\n"
            + tensor_table(step["heads_output"][head], rows, [f"c{subscript(first + i + 1)}" for i in range(head_width)])
        )
        head_tabs.append((f"Head {head + 1}", body))
    out.markdown("heads", tabs(head_tabs))

    favourites = step["attention_weights"].argmax(dim=-1)  # (heads, T)
    out.value(
        "head_favourites",
        "; ".join(
            f"head {head + 1} sends `{tokens[0]}` mostly to `{tokens[int(favourites[head, 0])]}` "
            f"({format_number(float(step['attention_weights'][head, 0, favourites[head, 0]]))})"
            for head in range(heads)
        ),
    )
    out.value("heads_gap", format_number(float((step["attention_weights"][0] - step["attention_weights"][1]).abs().max())))

    with figure_style():
        figure, axes_row = plt.subplots(1, heads, figsize=(3.3 * heads, 2.9))
        for head, axes in enumerate(axes_row):
            heatmap(axes, step["attention_weights"][head].tolist(), list(tokens), list(tokens), limits=(0, 1),
                    colour_map=SHARES)
            axes.set_title(f"head {head + 1}", pad=22)
            axes.set_ylabel("attending token")
        figure.tight_layout()
    out.figure(
        "head_weights", figure,
        alt=f"Attention weights of the {heads} heads as two heatmaps, rows the attending token, columns the attended "
        "token, darker blue for more weight; each row sums to 1. "
        + " ".join(
            f"Head {head + 1}: "
            + " ".join(f"{token} attends {vector_text(row)}." for token, row in zip(tokens, step["attention_weights"][head]))
            for head in range(heads)
        ),
    )

    out.markdown("projection", tabs([
        ("Heads side by side", tensor_table(step["concatenated"], rows, [f"c{subscript(i + 1)}" for i in range(width)])),
        ("After $W_O$: MHA(X)", tensor_table(step["attention_output"], rows, columns)),
    ]))

    # The residual: the input passes through unchanged.
    out.markdown("residual", tabs([
        ("X", tensor_table(step["inputs"], rows, columns)),
        ("MHA(X)", tensor_table(step["attention_output"], rows, columns)),
        ("X + MHA(X)", tensor_table(step["attention_residual"], rows, columns)),
    ]))
    input_sizes = step["inputs"].norm(dim=-1)  # (T,)
    attention_sizes = step["attention_output"].norm(dim=-1)  # (T,)
    out.value(
        "residual_sizes",
        "; ".join(f"`{token}`: {format_number(float(x), 2)} and {format_number(float(a), 2)}"
                  for token, x, a in zip(tokens, input_sizes, attention_sizes)),
    )

    def norm_table(number: int, before: torch.Tensor) -> str:
        stats = torch.stack([
            step[f"norm{number}_mean"], step[f"norm{number}_variance"],
            step[f"norm{number}_normalised"].mean(dim=-1), step[f"norm{number}_normalised"].var(dim=-1, unbiased=False),
        ], dim=-1)  # (T, 4)
        return tensor_table(stats, rows, ["mean before", "variance before", "mean after", "variance after"])

    out.markdown("norm1", tabs([
        ("Mean and variance of each row", norm_table(1, step["attention_residual"])),
        ("LN₁ output", tensor_table(step["norm1_output"], rows, columns)),
    ]))
    out.value("norm1_means", ", ".join(format_number(float(value)) for value in step["norm1_mean"]))
    out.value("norm1_variances", ", ".join(format_number(float(value)) for value in step["norm1_variance"]))

    out.markdown("feedforward", tabs([
        # One row per hidden unit: the token columns stay few however wide the layer is.
        (f"Hidden units relu(y W₁ + b₁), {hidden_size} × {len(tokens)}",
         tensor_table(step["feedforward_hidden"].T, hidden_columns, rows)),
        ("FF(y)", tensor_table(step["feedforward_output"], rows, columns)),
        ("y + FF(y)", tensor_table(step["feedforward_residual"], rows, columns)),
    ]))
    zeros = int((step["feedforward_hidden"] == 0).sum())
    out.value("relu_zeros", f"{zeros} of the {step['feedforward_hidden'].numel()}")

    out.markdown("norm2", tabs([
        ("Mean and variance of each row", norm_table(2, step["feedforward_residual"])),
        ("LN₂ output: the block's output", tensor_table(step["output"], rows, columns)),
    ]))

    panels = (("before LN₁: X + MHA(X)", step["attention_residual"]), ("after LN₁", step["norm1_output"]),
              ("before LN₂: y + FF(y)", step["feedforward_residual"]), ("after LN₂: output", step["norm2_output"]))
    limit = max(float(values.abs().max()) for _, values in panels)
    with figure_style():
        figure, grid = plt.subplots(2, 2, figsize=(7.6, 4.6))
        for axes, (title, values) in zip(grid.flatten(), panels):
            heatmap(axes, values.tolist(), list(tokens), [f"x{subscript(i + 1)}" for i in range(width)],
                    limits=(-limit, limit), colour_map=SIGNED, digits=2)
            axes.set_title(title, pad=20)
        figure.tight_layout()
    out.figure(
        "layer_norms", figure,
        alt="The rows of the three tokens before and after each LayerNorm, as four heatmaps, red above zero and "
        "blue below. After a LayerNorm every row has mean 0 and variance 1. "
        + " ".join(f"{title}: {rows_text(values, tokens)}" for title, values in panels),
    )

    # Pre-norm: same weights, LayerNorm moved in front.
    out.markdown("prenorm", tabs([
        ("Post-norm output", tensor_table(step["output"], rows, columns)),
        ("Pre-norm output", tensor_table(pre_step["output"], rows, columns)),
        ("Pre-norm: LN₁ output (attention reads it)", tensor_table(pre_step["norm1_output"], rows, columns)),
    ]))
    out.value("prenorm_output_variances",
              ", ".join(format_number(float(value)) for value in pre_step["output"].var(dim=-1, unbiased=False)))

    # Generation: one token at a time with the KV cache.
    cache_tabs = []
    for cached_step in cached.steps:
        t = cached_step.index
        read = [f"`{token}`" for token in tokens[: t + 1]]
        keys = cached_step["keys"].transpose(0, 1).flatten(-2)  # (heads, t + 1, d) -> (t + 1, E)
        values = cached_step["values"].transpose(0, 1).flatten(-2)
        kept = keys.numel() + values.numel()
        body = (
            f"Reads `{cached_step.token}`: its row $x_{t + 1}$ (embedding plus the encoding of position {t}) = "
            f"{vector_text(cached_step['inputs'][0])}. "
            f"It computes its own query, key and value, adds the key and value to the cache, and attends with its "
            f"query to every key in the cache. The cache now holds {t + 1} × 2 × {width} = {kept} numbers.\n\n"
            + "**Cached keys** (heads side by side)\n\n"
            + tensor_table(keys, read, [f"k{subscript(i + 1)}" for i in range(width)]) + "\n"
            + "**Cached values**\n\n" + tensor_table(values, read, [f"v{subscript(i + 1)}" for i in range(width)]) + "\n"
            + "**Attention weights of the new token** (one row per head)\n\n"
            + tensor_table(cached_step["attention_weights"][:, 0], [f"head {h + 1}" for h in range(heads)],
                           [f"→ {r}" for r in read]) + "\n"
            + f"**Output for `{cached_step.token}`**\n\n" + tensor_table(cached_step["output"], [f"`{cached_step.token}`"],
                                                                          columns)
        )
        cache_tabs.append((f"Step {t + 1} · {cached_step.token}", body))
    out.markdown("cache_steps", tabs(cache_tabs))

    whole = causal_step["output"]
    one_at_a_time = torch.cat([cached_step["output"] for cached_step in cached.steps])
    out.markdown("causal_output", tabs([
        ("One token at a time", tensor_table(one_at_a_time, rows, columns)),
        ("Whole sequence, causal mask", tensor_table(whole, rows, columns)),
    ]))
    out.value("cache_difference", format_number(float((one_at_a_time - whole).abs().max()), 8))

    # What each model keeps to read the next token, after each token.
    small = seqdocs.make_setup()  # the site's models: E = H = 2
    rnn, lstm, gru = seqdocs.rnn_trace(small), seqdocs.lstm_trace(small), seqdocs.gru_trace(small)
    sizes = seqdocs.block.cache_size(cached)
    kept_rows = [
        (f"RNN: $h$ ($H = {small.rnn.hidden_size}$)", [rnn.steps[t]["hidden"].numel() for t in range(len(tokens))]),
        (f"LSTM: $h$ and $c$ ($2H = {2 * small.lstm.hidden_size}$)",
         [lstm.steps[t]["hidden"].numel() + lstm.steps[t]["cell"].numel() for t in range(len(tokens))]),
        (f"GRU: $h$ ($H = {small.gru.hidden_size}$)", [gru.steps[t]["hidden"].numel() for t in range(len(tokens))]),
        (f"Transformer block: keys and values ($2 \\cdot t \\cdot d_{{\\text{{model}}}}$, $d_{{\\text{{model}}}} = {width}$)",
         sizes),
    ]
    lines = ["| what is kept to read the next token | " + " | ".join(f"after `{token}`" for token in tokens) + " |",
             "| :-- | " + " | ".join("--:" for _ in tokens) + " |"]
    lines += [f"| {label} | " + " | ".join(str(count) for count in counts) + " |" for label, counts in kept_rows]
    out.markdown("kept", "\n".join(lines) + "\n")

    checks = [seqdocs.check_block(setup, post), seqdocs.check_block(setup, pre), seqdocs.check_block(setup, causal)]
    out.value("check_error", f"{checks[0].max_error:.1e}")
    out.provenance(setup.seed, checks=checks)


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
