# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Walk-through: one sequence, four models
#
# This notebook follows the sequence "a b c" through a plain RNN, an LSTM, a GRU and self-attention, one
# tensor at a time, and ends by checking every model against PyTorch's own implementation. It needs only
# `seqdocs`, `torch` and `matplotlib`; every number below is computed when the notebook runs.
#
# Vectors are written as (first component, second component), rounded to four decimals as torch prints them.

# %%
import io

import matplotlib.pyplot as plt
import torch
from IPython.display import HTML, Image, display

import seqdocs

# "a b c", seed 42: the numbers of the notebook this project grew from
setup = seqdocs.make_setup()
print("tokens:        ", setup.tokens)
print("token ids:     ", setup.token_ids)
print("embedding size:", setup.embedding_size,
      "  hidden size:", setup.rnn.hidden_size)
print("inputs, one row per token:")
print(setup.inputs)


# %% [markdown]
# A few helpers: one writes a vector the way the tables show it, one turns rows into an HTML table, one puts a
# model's steps side by side (a row per quantity, a column per step), and one shows a figure with a
# description for readers who cannot see it. The figures use the site's colours: each token has its own
# (a blue, b vermilion, c green, from Okabe and Ito's colour-blind-safe palette), and ink is near-black.

# %%
TOKEN_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
INK = "#1f2328"
plt.rcParams.update({
    "text.color": INK, "axes.labelcolor": INK, "axes.titlecolor": INK,
    "xtick.labelcolor": INK, "ytick.labelcolor": INK,
    "axes.spines.top": False, "axes.spines.right": False,
})


def vector(tensor: torch.Tensor) -> str:
    """(0.3367, 0.1288): a vector as the tables write it."""
    return "(" + ", ".join(f"{value:.4f}" for value in tensor.tolist()) + ")"


def table(header: list[str], rows: list[list[str]]) -> HTML:
    """An HTML table: the first column names the row, the others hold numbers."""
    head = "".join(f"<th>{cell}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return HTML(f"<table><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>")


def steps_table(trace: seqdocs.Trace, quantities: list[tuple[str, str]]):
    """A row per (label, name) of `quantities`, a column per step."""
    header = [""] + [f"step {step.index + 1}: {step.token}"
                     for step in trace.steps]
    rows = [[label] + [vector(step[name]) for step in trace.steps]
            for label, name in quantities]
    return table(header, rows)


def show(figure: plt.Figure, description: str) -> None:
    """Show a figure as a PNG with `description` as its alt text."""
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=100, bbox_inches="tight")
    plt.close(figure)
    display(Image(png.getvalue(), alt=description))  # what a screen reader says


# %% [markdown]
# ## The RNN
#
# At each step the RNN adds what the input brings to what the previous hidden state brings, and squashes the
# sum with a tanh. The column for a step shows both parts and the new hidden state.

# %%
rnn = seqdocs.rnn_trace(setup)
display(steps_table(rnn, [
    ("input x", "input"),
    ("from the input, x W_xh", "input_contribution"),
    ("from the memory, h W_hh", "recurrent_contribution"),
    ("new hidden state h", "hidden"),
]))

# %% [markdown]
# ## The LSTM
#
# The LSTM keeps a second state, the cell c, edited by three gates and a candidate. Each gate is between 0 and
# 1: the input gate i says how much of the candidate g to write, the forget gate f how much of the old cell
# to keep, and the output gate o how much of the cell to show as the hidden state h.

# %%
lstm = seqdocs.lstm_trace(setup)
display(steps_table(lstm, [
    ("input gate i", "input_gate"),
    ("forget gate f", "forget_gate"),
    ("cell candidate g", "cell_candidate"),
    ("output gate o", "output_gate"),
    ("cell c", "cell"),
    ("hidden h", "hidden"),
]))

# %% [markdown]
# ## The GRU
#
# The GRU has one state and two gates: the reset gate r says how much of the old state the candidate n sees,
# the update gate z how much of the old state to keep.

# %%
gru = seqdocs.gru_trace(setup)
display(steps_table(gru, [
    ("reset gate r", "reset_gate"),
    ("update gate z", "update_gate"),
    ("candidate n", "candidate"),
    ("hidden h", "hidden"),
]))

# %% [markdown]
# The three recurrent models each took one step per token. Here is the path each hidden state took, from the
# zero state before the first token (the cross) to the state after the last, each step in the colour of the
# token it read. Each panel has its own scale.

# %%
figure, panels = plt.subplots(1, 3, figsize=(11, 3.8), facecolor="white")
paths = []
for axes, trace in zip(panels, (rnn, lstm, gru)):
    start = trace.steps[0]["previous_hidden"]  # (H,), zeros
    points = torch.cat([start[None], trace.stacked("hidden")])  # (T + 1, H)
    axes.plot(points[:, 0], points[:, 1], linestyle="none")  # sets the scale
    axes.plot(0, 0, marker="x", color=INK, markersize=9)
    steps = zip(points[:-1], points[1:], trace.tokens, TOKEN_COLOURS)
    for before, after, token, colour in steps:
        arrow = {"arrowstyle": "-|>", "color": colour, "linewidth": 1.6,
                 "shrinkB": 4}
        axes.annotate("", xy=after.tolist(), xytext=before.tolist(),
                      arrowprops=arrow)
        axes.plot(*after.tolist(), marker="o", color=colour)
        axes.annotate(f"after {token}", after.tolist(), color=colour,
                      textcoords="offset points", xytext=(5, 5))
    axes.axhline(0, color="grey", linewidth=0.5)
    axes.axvline(0, color="grey", linewidth=0.5)
    axes.margins(x=0.4, y=0.3)
    axes.set_title(trace.model.upper())
    axes.set_xlabel("component 1")
    states = ", ".join(f"{vector(point)} after {token}"
                       for point, token in zip(points[1:], trace.tokens))
    paths.append(f"{trace.model.upper()} {states}")
panels[0].set_ylabel("component 2")
figure.suptitle("Hidden state after each token")
figure.tight_layout()
show(figure, "Hidden state after each token, one panel per model, each a path "
             "from the zero state: " + "; ".join(paths) + ".")

# %% [markdown]
# ## Self-attention
#
# Self-attention reads all tokens in one step. Each row of the weights below says how much one token draws
# from each token's value; every row sums to 1.

# %%
attention = seqdocs.attention_trace(setup)
step = attention.steps[0]
weights = step["attention_weights"]  # (T, T): row attends, column is attended to
display(table(
    ["token attending"] + [f"to {token}" for token in setup.tokens] + ["output"],
    [
        [token]
        + [f"{value:.4f}" for value in weights[row].tolist()]
        + [vector(step["output"][row])]
        for row, token in enumerate(setup.tokens)
    ],
))

# %%
figure, axes = plt.subplots(figsize=(4.2, 3.6), facecolor="white")
image = axes.imshow(weights, cmap="Blues", vmin=0, vmax=1)
for row in range(len(setup.tokens)):
    for column in range(len(setup.tokens)):
        value = float(weights[row, column])
        # White on the darker blues, where near-black text would be hard to read.
        colour = "white" if value > 2 / 3 else INK
        axes.text(column, row, f"{value:.4f}", ha="center", va="center",
                  color=colour)
positions = range(len(setup.tokens))
axes.set_xticks(positions, [f"to {token}" for token in setup.tokens])
axes.set_yticks(positions, [f"{token} attends" for token in setup.tokens])
axes.xaxis.tick_top()
axes.tick_params(length=0)
axes.spines[:].set_visible(False)
axes.set_title("Attention weights", pad=24)  # above the labels on top
figure.colorbar(image, ax=axes, fraction=0.046)
rows = []
for row, token in enumerate(setup.tokens):
    shares = zip(weights[row].tolist(), setup.tokens)
    rows.append(f"{token} attends " + ", ".join(f"{value:.4f} to {other}"
                                                 for value, other in shares))
show(figure, "Attention weights, a grid with one row per token attending and one "
             "column per token attended to, darker for more: "
             + "; ".join(rows) + ". Each row sums to 1.")

# %% [markdown]
# ## What each model keeps
#
# The recurrent models hand on one state after the last token (the LSTM two: hidden and cell). Self-attention
# hands on one vector per token, each of which has already looked at every token.

# %%
print("RNN   hidden after the last token:", vector(rnn.final("hidden")))
print("LSTM  hidden after the last token:", vector(lstm.final("hidden")),
      " cell:", vector(lstm.final("cell")))
print("GRU   hidden after the last token:", vector(gru.final("hidden")))
print("self-attention output, one row per token:")
print(step["output"])
for trace in (rnn, lstm, gru, attention):
    print(f"{trace.model:>9}: {len(trace.steps)} step(s), one after another")

# %% [markdown]
# ## Checked against PyTorch
#
# Each check copies the weights above into the matching PyTorch module (`nn.RNN`, `nn.LSTM`, `nn.GRU`,
# `F.scaled_dot_product_attention` and `nn.MultiheadAttention`), runs it, and reports the largest difference.

# %%
checks = seqdocs.check_all(setup)
for check in checks:
    print(check)
print("all equal:", all(check.passed for check in checks))
print("torch", torch.__version__, "| seqdocs", seqdocs.__version__)
