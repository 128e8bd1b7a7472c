"""The side-by-side page: what each model keeps after reading "a b c", and how many steps it took in turn."""

import matplotlib.pyplot as plt
import torch
from _artifacts import Artifacts
from _figures import heatmap
from _render import figure_style, subscript, vector_text

import seqdocs

LONG_SEQUENCE = "a b c a b c a b c a b c"
"""A longer sequence over the same tokens, to show which counts grow with the length and which do not."""


def shape_text(tensor: torch.Tensor) -> str:
    """A shape as Python writes a tuple: (2,) or (3, 2)."""
    return "(" + ", ".join(str(size) for size in tensor.shape) + ("," if tensor.dim() == 1 else "") + ")"


def kept_vectors(setup: seqdocs.Setup) -> list[tuple[str, str, str, torch.Tensor]]:
    """What each model hands on after the last token, one vector per row: (model, what, kept as, vector)."""
    last = setup.tokens[-1]
    T = len(setup.tokens)
    rnn, lstm, gru = seqdocs.rnn_trace(setup), seqdocs.lstm_trace(setup), seqdocs.gru_trace(setup)
    attention_output = seqdocs.attention_trace(setup).steps[0]["output"]  # (T, D)
    rows = [
        ("RNN", f"hidden state $h_{T}$, after `{last}`", rnn.final("hidden")),
        ("LSTM", f"hidden state $h_{T}$, after `{last}`", lstm.final("hidden")),
        ("LSTM", f"cell state $c_{T}$, after `{last}`", lstm.final("cell")),
        ("GRU", f"hidden state $h_{T}$, after `{last}`", gru.final("hidden")),
    ]
    kept = [(model, what, shape_text(vector), vector) for model, what, vector in rows]
    for position, token in enumerate(setup.tokens):
        kept.append(
            ("self-attention", f"output for `{token}`", f"row {position + 1} of {shape_text(attention_output)}",
             attention_output[position])
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
    """For each model: (steps taken one after another, numbers handed on at the end), read off its trace."""
    rnn, lstm, gru = seqdocs.rnn_trace(setup), seqdocs.lstm_trace(setup), seqdocs.gru_trace(setup)
    attention = seqdocs.attention_trace(setup)
    return {
        "RNN": (len(rnn.steps), rnn.final("hidden").numel()),
        "LSTM": (len(lstm.steps), lstm.final("hidden").numel() + lstm.final("cell").numel()),
        "GRU": (len(gru.steps), gru.final("hidden").numel()),
        "self-attention": (len(attention.steps), attention.steps[0]["output"].numel()),
    }


def counts_table(setup: seqdocs.Setup, long_setup: seqdocs.Setup) -> str:
    short, long = counts(setup), counts(long_setup)
    short_length, long_length = len(setup.tokens), len(long_setup.tokens)
    # No-break spaces keep "T = 12" on one line when the header wraps.
    lines = [
        f"| model | steps in turn, T\u00a0=\u00a0{short_length} | steps in turn, T\u00a0=\u00a0{long_length} "
        f"| numbers kept, T\u00a0=\u00a0{short_length} | numbers kept, T\u00a0=\u00a0{long_length} |",
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
    attention_output = seqdocs.attention_trace(setup).steps[0]["output"]  # (T, D)
    length = len(setup.tokens)

    out.value("sequence", " ".join(setup.tokens))
    out.value("length", str(length))
    out.value("long_length", str(len(long_setup.tokens)))
    # Symbols that carry a number are written whole here, so that the page never puts a value inside its maths.
    out.value("hidden_size", f"$H = {setup.rnn.hidden_size}$")
    out.value("attention_width", f"$D = {setup.attention.width}$")
    out.value("h_last", f"$h_{{{length}}}$")
    out.value("c_last", f"$c_{{{length}}}$")
    out.value("last_token", setup.tokens[-1])
    out.value("rnn_final", vector_text(rnn.final("hidden")))
    out.value("rnn_hidden_shape", shape_text(rnn.stacked("hidden")))
    out.value("attention_output_shape", shape_text(attention_output))
    out.value("attention_steps", str(len(seqdocs.attention_trace(setup).steps)))
    out.value("recurrent_steps", str(len(rnn.steps)))
    # Attention's output for the first token, next to the RNN's state after the first token: the first has
    # read every token, the second only one.
    out.value("attention_first", vector_text(attention_output[0]))
    out.value("rnn_first", vector_text(rnn.steps[0]["hidden"]))
    out.value("first_token", setup.tokens[0])

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
    attention_rows = [(f"output for {token}", attention_output[index]) for index, token in enumerate(setup.tokens)]
    with figure_style():
        # One row per vector at the same height in both panels: a panel's height shows how many vectors a
        # model keeps. The attention panel spans as many grid rows as it has vectors.
        rows = max(len(recurrent_rows), len(attention_rows))
        figure = plt.figure(figsize=(8.4, 0.55 * rows + 1.0))
        grid = figure.add_gridspec(rows, 2, hspace=0, wspace=0.55)
        left = figure.add_subplot(grid[: len(recurrent_rows), 0])
        right = figure.add_subplot(grid[: len(attention_rows), 1])
        heatmap(left, [row.tolist() for _, row in recurrent_rows], [label for label, _ in recurrent_rows], units)
        heatmap(right, [row.tolist() for _, row in attention_rows], [label for label, _ in attention_rows], units)
        left.set_title(f"Recurrent: state after {setup.tokens[-1]}\n{length} steps, one after another", pad=28)
        right.set_title("Self-attention: one vector per token\n1 step, all tokens at once", pad=28)
    alt = (
        f"Two grids of numbers. Left, what the recurrent models keep after reading {' '.join(setup.tokens)}: "
        + "; ".join(f"{label} {vector_text(row)}" for label, row in recurrent_rows)
        + ". Right, what self-attention keeps, one row per token: "
        + "; ".join(f"{label} {vector_text(row)}" for label, row in attention_rows)
        + ". Blue cells are negative, red positive."
    )
    out.figure("kept_figure", figure, alt=alt)
    out.provenance(setup.seed, checks=seqdocs.check_all(setup))


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
