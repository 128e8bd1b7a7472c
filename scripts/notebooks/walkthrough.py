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
import matplotlib.pyplot as plt
import torch
from IPython.display import HTML, display

import seqdocs

setup = seqdocs.make_setup()  # "a b c", seed 42: the same numbers as the notebook this project grew from
print("tokens:        ", setup.tokens)
print("token ids:     ", setup.token_ids)
print("embedding size:", setup.embedding_size, "  hidden size:", setup.rnn.hidden_size)
print("inputs, one row per token:")
print(setup.inputs)


# %% [markdown]
# Two small helpers: one writes a vector the way the tables show it, the other turns rows into an HTML table.

# %%
def vector(tensor: torch.Tensor) -> str:
    """(0.3367, 0.1288): a vector as the tables write it."""
    return "(" + ", ".join(f"{value:.4f}" for value in tensor.tolist()) + ")"


def table(header: list[str], rows: list[list[str]]) -> HTML:
    """An HTML table: the first column names the row, the others hold numbers."""
    head = "".join(f"<th>{cell}</th>" for cell in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows
    )
    return HTML(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


# %% [markdown]
# ## The RNN
#
# At each step the RNN adds what the input brings to what the previous hidden state brings, and squashes the
# sum with a tanh. The row for a token shows both parts and the new hidden state.

# %%
rnn = seqdocs.rnn_trace(setup)
display(table(
    ["step", "input x", "from the input, x W_xh", "from the memory, h W_hh", "new hidden state h"],
    [
        [f"{step.index + 1}: {step.token}", vector(step["input"]), vector(step["input_contribution"]),
         vector(step["recurrent_contribution"]), vector(step["hidden"])]
        for step in rnn.steps
    ],
))

# %% [markdown]
# ## The LSTM
#
# The LSTM keeps a second state, the cell. Its gates, each between 0 and 1, decide how much of the old cell to
# keep (forget gate), how much of the candidate to write (input gate) and how much of the cell to show as
# the hidden state (output gate).

# %%
lstm = seqdocs.lstm_trace(setup)
display(table(
    ["step", "forget gate", "input gate", "candidate", "output gate", "cell c", "hidden h"],
    [
        [f"{step.index + 1}: {step.token}"]
        + [vector(step[name]) for name in
           ("forget_gate", "input_gate", "cell_candidate", "output_gate", "cell", "hidden")]
        for step in lstm.steps
    ],
))

# %% [markdown]
# ## The GRU
#
# The GRU has one state and two gates: the reset gate says how much of the old state the candidate sees, the
# update gate how much of the old state to keep.

# %%
gru = seqdocs.gru_trace(setup)
display(table(
    ["step", "reset gate", "update gate", "candidate", "hidden h"],
    [
        [f"{step.index + 1}: {step.token}"]
        + [vector(step[name]) for name in ("reset_gate", "update_gate", "candidate", "hidden")]
        for step in gru.steps
    ],
))

# %% [markdown]
# The three recurrent models each took one step per token. Here is the path each hidden state took, from the
# zero state before the first token (the cross) to the state after the last. Each panel has its own scale.

# %%
figure, panels = plt.subplots(1, 3, figsize=(11, 3.8), facecolor="white")
for axes, trace, colour in zip(panels, (rnn, lstm, gru), ("#D55E00", "#0072B2", "#009E73")):
    points = torch.cat([trace.steps[0]["previous_hidden"][None], trace.stacked("hidden")])  # (T + 1, H)
    axes.plot(points[:, 0], points[:, 1], color=colour, marker="o")
    axes.plot(0, 0, marker="x", color="black", markersize=9)
    for point, token in zip(points[1:], trace.tokens):
        axes.annotate(f"after {token}", point.tolist(), textcoords="offset points", xytext=(5, 5), color=colour)
    axes.axhline(0, color="grey", linewidth=0.5)
    axes.axvline(0, color="grey", linewidth=0.5)
    axes.margins(x=0.4, y=0.3)
    axes.set_title(trace.model.upper())
    axes.set_xlabel("component 1")
panels[0].set_ylabel("component 2")
figure.suptitle("Hidden state after each token")
figure.tight_layout()
plt.show()

# %% [markdown]
# ## Self-attention
#
# Self-attention reads all tokens in one step. Each row of the weights below says how much one token draws
# from each token's value; every row sums to 1.

# %%
attention = seqdocs.attention_trace(setup)
step = attention.steps[0]
weights = step["attention_weights"]  # (T, T): row = the token attending, column = the token attended to
display(table(
    ["token attending"] + [f"to {token}" for token in setup.tokens] + ["output"],
    [
        [token] + [f"{value:.4f}" for value in weights[row].tolist()] + [vector(step["output"][row])]
        for row, token in enumerate(setup.tokens)
    ],
))

# %%
figure, axes = plt.subplots(figsize=(4.2, 3.6), facecolor="white")
image = axes.imshow(weights, cmap="Blues", vmin=0, vmax=1)
for row in range(len(setup.tokens)):
    for column in range(len(setup.tokens)):
        value = float(weights[row, column])
        axes.text(column, row, f"{value:.4f}", ha="center", va="center",
                  color="white" if value > 0.6 else "black")
axes.set_xticks(range(len(setup.tokens)), [f"to {token}" for token in setup.tokens])
axes.set_yticks(range(len(setup.tokens)), [f"{token} attends" for token in setup.tokens])
axes.set_title("Attention weights")
figure.colorbar(image, ax=axes, fraction=0.046)
plt.show()

# %% [markdown]
# ## What each model keeps
#
# The recurrent models hand on one state after the last token (the LSTM two: hidden and cell). Self-attention
# hands on one vector per token, each of which has already looked at every token.

# %%
print("RNN   hidden after the last token:", vector(rnn.final("hidden")))
print("LSTM  hidden after the last token:", vector(lstm.final("hidden")), " cell:", vector(lstm.final("cell")))
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
