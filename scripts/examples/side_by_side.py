"""The side-by-side page: what each model must keep to read one more token, and how many steps it takes in turn.

A recurrent model keeps its state. Causal self-attention keeps the key and the value of every token it has
read (the KV cache, 2 T d_model numbers per layer): the next token's query must meet every key and mix every
value. Both are read off the models' own tensors here, and reading one more token from the kept keys and
values is checked against PyTorch's `scaled_dot_product_attention`.
"""

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from _artifacts import Artifacts
from _figures import heatmap
from _render import figure_style, subscript, vector_text

import seqdocs

LONG_SEQUENCE = "a b c a b c a b c a b c"
"""A longer sequence over the same tokens, to show which counts grow with the length and which do not."""


def shape_text(tensor: torch.Tensor) -> str:
    """A shape as Python writes a tuple: (2,) or (3, 2)."""
    return "(" + ", ".join(str(size) for size in tensor.shape) + ("," if tensor.dim() == 1 else "") + ")"


def key_value_cache(setup: seqdocs.Setup) -> dict[str, torch.Tensor]:
    """What causal self-attention keeps after reading the sequence: the key and the value of every token.

    A next token's query is scored against every key and its output mixes every value, so these must be kept.
    The queries are used once, by their own token, and with the causal mask no earlier output changes when a
    token is added, so neither is needed again.
    """
    step = seqdocs.attention_trace(setup, causal=True).steps[0]
    return {"keys": step["keys"], "values": step["values"]}  # (T, d_model) each


def read_one_more(setup: seqdocs.Setup) -> tuple[torch.Tensor, torch.Tensor]:
    """The last token's output read from the cache of the tokens before it, and the same output read all at once.

    The cache comes from the package reading every token but the last; the last token's query, key and value
    are then computed alone and PyTorch's `scaled_dot_product_attention` scores the query against the cached
    keys and its own. The second tensor is the last row of the package's causal attention over the whole
    sequence. Equal tensors mean the kept keys and values are all the earlier tokens have to hand on.
    """
    inputs, weights = setup.inputs, setup.attention  # (T, E)
    earlier = seqdocs.self_attention(inputs[:-1], weights, causal=True)  # reads tokens 1 .. T-1 only
    new = inputs[-1:]  # (1, E), the token read from the cache
    keys = torch.cat([earlier["keys"], new @ weights.key])  # (T-1, d_model) + (1, d_model) -> (T, d_model)
    values = torch.cat([earlier["values"], new @ weights.value])  # (T, d_model)
    from_cache = F.scaled_dot_product_attention(new @ weights.query, keys, values)  # (1, d_model)
    all_at_once = seqdocs.attention_trace(setup, causal=True).steps[0]["output"][-1:]  # (1, d_model)
    return from_cache[0], all_at_once[0]


def kept_vectors(setup: seqdocs.Setup) -> list[tuple[str, str, str, torch.Tensor]]:
    """What each model must keep to read one more token, one vector per row: (model, what, kept as, vector)."""
    last = setup.tokens[-1]
    T = len(setup.tokens)
    rnn, lstm, gru = seqdocs.rnn_trace(setup), seqdocs.lstm_trace(setup), seqdocs.gru_trace(setup)
    cache = key_value_cache(setup)
    rows = [
        ("RNN", f"hidden state $h_{T}$, after `{last}`", rnn.final("hidden")),
        ("LSTM", f"hidden state $h_{T}$, after `{last}`", lstm.final("hidden")),
        ("LSTM", f"cell state $c_{T}$, after `{last}`", lstm.final("cell")),
        ("GRU", f"hidden state $h_{T}$, after `{last}`", gru.final("hidden")),
    ]
    kept = [(model, what, shape_text(vector), vector) for model, what, vector in rows]
    for position, token in enumerate(setup.tokens):
        for name, symbol in (("keys", "K"), ("values", "V")):
            kept.append(
                ("self-attention", f"{name[:-1]} of `{token}`",
                 f"row {position + 1} of ${symbol}$ {shape_text(cache[name])}", cache[name][position])
            )
    return kept


def kept_table(setup: seqdocs.Setup) -> str:
    rows = kept_vectors(setup)
    width = max(vector.numel() for *_, vector in rows)
    header = "| model | vector | kept as | " + " | ".join(f"component {index + 1}" for index in range(width)) + " |"
    lines = [header, "| :--- | :--- | :---: |" + " ---: |" * width]
    for model, what, kept_as, vector in rows:
        numbers = [f"{float(value):.4f}" for value in vector] + [""] * (width - vector.numel())
        lines.append(f"| {model} | {what} | {kept_as} | " + " | ".join(numbers) + " |")
    return "\n".join(lines) + "\n"


def counts(setup: seqdocs.Setup) -> dict[str, tuple[int, int]]:
    """For each model: (steps in turn to read a known sequence, numbers kept to read one more token).

    Both are read off the model's own tensors: the steps of its trace, the sizes of its final states or of
    its cached keys and values.
    """
    rnn, lstm, gru = seqdocs.rnn_trace(setup), seqdocs.lstm_trace(setup), seqdocs.gru_trace(setup)
    attention = seqdocs.attention_trace(setup, causal=True)
    cache = key_value_cache(setup)
    return {
        "RNN": (len(rnn.steps), rnn.final("hidden").numel()),
        "LSTM": (len(lstm.steps), lstm.final("hidden").numel() + lstm.final("cell").numel()),
        "GRU": (len(gru.steps), gru.final("hidden").numel()),
        "self-attention": (len(attention.steps), cache["keys"].numel() + cache["values"].numel()),
    }


def counts_table(setup: seqdocs.Setup, long_setup: seqdocs.Setup) -> str:
    short, long = counts(setup), counts(long_setup)
    short_length, long_length = len(setup.tokens), len(long_setup.tokens)
    # No-break spaces keep "T = 12" on one line when the header wraps.
    lines = [
        f"| model | steps in turn, T\u00a0=\u00a0{short_length} | steps in turn, T\u00a0=\u00a0{long_length} "
        f"| numbers kept to read one more token, T\u00a0=\u00a0{short_length} "
        f"| numbers kept to read one more token, T\u00a0=\u00a0{long_length} |",
        "| :--- | ---: | ---: | ---: | ---: |",
    ]
    for model in short:
        (steps, kept), (long_steps, long_kept) = short[model], long[model]
        lines.append(f"| {model} | {steps} | {long_steps} | {kept} | {long_kept} |")
    return "\n".join(lines) + "\n"


def build(out: Artifacts) -> None:
    setup = seqdocs.make_setup()
    long_setup = seqdocs.make_setup(LONG_SEQUENCE)
    rnn, lstm, gru = seqdocs.rnn_trace(setup), seqdocs.lstm_trace(setup), seqdocs.gru_trace(setup)
    attention_output = seqdocs.attention_trace(setup).steps[0]["output"]  # (T, d_model), no mask
    cache = key_value_cache(setup)
    length, long_length = len(setup.tokens), len(long_setup.tokens)
    width = setup.attention.width

    out.value("sequence", " ".join(setup.tokens))
    out.value("length", str(length))
    out.value("long_length", str(long_length))
    # Symbols that carry a number are written whole here, so that the page never puts a value inside its maths.
    out.value("hidden_size", f"$H = {setup.rnn.hidden_size}$")
    out.value("attention_width", f"$d_{{\\text{{model}}}} = {width}$")
    out.value("h_last", f"$h_{{{length}}}$")
    out.value("c_last", f"$c_{{{length}}}$")
    out.value("last_token", setup.tokens[-1])
    out.value("rnn_hidden_shape", shape_text(rnn.stacked("hidden")))
    out.value("cache_shape", shape_text(cache["keys"]))
    # The KV cache as a count: 2 (a key and a value) x T tokens x d_model numbers, for this one layer.
    for name, one in (("cache", setup), ("long_cache", long_setup)):
        T, kept = len(one.tokens), counts(one)["self-attention"][1]
        out.value(f"{name}_formula", f"$2 \\cdot {T} \\cdot {width} = {kept}$")
    # Attention's output for the first token, next to the RNN's state after the first token: without the mask
    # the first has read every token, the second only one.
    out.value("attention_first", vector_text(attention_output[0]))
    out.value("rnn_first", vector_text(rnn.steps[0]["hidden"]))
    out.value("first_token", setup.tokens[0])
    out.value("earlier_tokens", " ".join(setup.tokens[:-1]))
    from_cache, all_at_once = read_one_more(setup)
    out.value("from_cache", vector_text(from_cache))
    out.value("all_at_once", vector_text(all_at_once))
    # As the provenance notes write a difference from PyTorch: 0.0e+00, 6.0e-08.
    out.value("cache_difference", f"{float((from_cache - all_at_once).abs().max()):.1e}")

    out.value("scores", str(seqdocs.attention_trace(setup).steps[0]["scores"].numel()))
    out.value("long_scores", str(seqdocs.attention_trace(long_setup).steps[0]["scores"].numel()))
    out.markdown("kept", kept_table(setup))
    out.markdown("counts", counts_table(setup, long_setup))

    units = [f"component {index + 1}" for index in range(setup.rnn.hidden_size)]
    last = subscript(length)
    recurrent_rows = [
        (f"RNN, h{last}", rnn.final("hidden")),
        (f"LSTM, h{last}", lstm.final("hidden")),
        (f"LSTM, c{last}", lstm.final("cell")),
        (f"GRU, h{last}", gru.final("hidden")),
    ]
    attention_rows = [
        (f"{name[:-1]} of {token}", cache[name][index])
        for index, token in enumerate(setup.tokens)
        for name in ("keys", "values")
    ]
    with figure_style():
        # One row per vector at the same height in both panels: a panel's height shows how many vectors a
        # model keeps. Each panel spans as many grid rows as it has vectors.
        rows = max(len(recurrent_rows), len(attention_rows))
        figure = plt.figure(figsize=(8.4, 0.55 * rows + 1.0))
        grid = figure.add_gridspec(rows, 2, hspace=0, wspace=0.55)
        left = figure.add_subplot(grid[: len(recurrent_rows), 0])
        right = figure.add_subplot(grid[: len(attention_rows), 1])
        heatmap(left, [row.tolist() for _, row in recurrent_rows], [label for label, _ in recurrent_rows], units)
        heatmap(right, [row.tolist() for _, row in attention_rows], [label for label, _ in attention_rows], units)
        left.set_title(f"Recurrent: the state after {setup.tokens[-1]}", pad=28)
        right.set_title("Causal self-attention:\na key and a value per token", pad=28)
    alt = (
        f"Two grids of numbers: what each model must keep to read one more token after {' '.join(setup.tokens)}. "
        "Left, the recurrent models' last states: "
        + "; ".join(f"{label} {vector_text(row)}" for label, row in recurrent_rows)
        + f". Right, causal self-attention's {len(attention_rows)} cached vectors, a key and a value per token: "
        + "; ".join(f"{label} {vector_text(row)}" for label, row in attention_rows)
        + ". Blue cells are negative, red positive."
    )
    out.figure("kept_figure", figure, alt=alt)
    out.provenance(setup.seed, checks=seqdocs.check_all(setup))


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
