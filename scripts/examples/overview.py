"""The home page's picture: how the recurrent models and self-attention each read "a b c"."""

import matplotlib as mpl
import matplotlib.pyplot as plt
from _artifacts import Artifacts
from _figures import foreground, text_colour_on, token_colour
from _render import figure_style

import seqdocs

TOKEN_ROW, STATE_ROW, CELL_ROW = 0.0, 1.6, 2.75  # heights of the token boxes, the states, the LSTM's cells
RADIUS = 0.26  # of a state's ring
BOX = 0.2  # half the height of a token's box


def token_box(axes, x: float, y: float, token: str, colour: str) -> None:
    """A token as a filled rounded box with its text."""
    axes.add_patch(mpl.patches.FancyBboxPatch((x - 0.22, y - BOX), 0.44, 2 * BOX, boxstyle="round,pad=0.02,rounding_size=0.08",
                                              facecolor=colour, edgecolor="none"))
    axes.text(x, y, token, ha="center", va="center", color=text_colour_on(colour), fontweight="bold", fontsize=11)


def state_node(axes, x: float, y: float, label: str, *, faint: bool = False) -> None:
    """A state as a ring with its name inside."""
    axes.add_patch(mpl.patches.Circle((x, y), RADIUS, facecolor="none", edgecolor=foreground(), linewidth=1.6,
                                      alpha=0.5 if faint else 1.0))
    axes.text(x, y, label, ha="center", va="center", fontsize=10, alpha=0.6 if faint else 1.0)


def link(axes, start, end, *, colour: str, width: float = 1.6, head: str = "-|>", alpha: float = 1.0) -> None:
    """An arrow from one point to another (callers pass points on the nodes' edges)."""
    axes.annotate("", xy=end, xytext=start, arrowprops={
        "arrowstyle": head, "color": colour, "linewidth": width, "alpha": alpha, "mutation_scale": 12,
        "shrinkA": 0, "shrinkB": 0})


def gate_mark(axes, x: float, y: float) -> None:
    """A gate on a carried state: a valve between two states, in ink (the colours belong to tokens)."""
    axes.plot(x, y, marker="D", markersize=7, color=foreground(), zorder=4)
    axes.text(x, y + 0.16, "gate", ha="center", va="bottom", fontsize=8)


def chain(axes, tokens: tuple[str, ...], *, gated: bool, cell: bool = False) -> None:
    """Tokens read left to right, each updating the state the previous one left.

    With `cell`, the LSTM's second state runs above the hidden one: the gates edit the cell on its way along,
    and each step's hidden state is read out of its cell (the two-headed link).
    """
    state_node(axes, -1, STATE_ROW, "$h_0$", faint=True)
    if cell:
        state_node(axes, -1, CELL_ROW, "$c_0$", faint=True)
    for index, token in enumerate(tokens):
        token_box(axes, index, TOKEN_ROW, token, token_colour(index))
        state_node(axes, index, STATE_ROW, f"$h_{index + 1}$")
        link(axes, (index, TOKEN_ROW + BOX + 0.03), (index, STATE_ROW - RADIUS - 0.03), colour=token_colour(index),
             width=2)
        link(axes, (index - 1 + RADIUS + 0.03, STATE_ROW), (index - RADIUS - 0.03, STATE_ROW), colour=foreground())
        if cell:
            state_node(axes, index, CELL_ROW, f"$c_{index + 1}$")
            link(axes, (index - 1 + RADIUS + 0.03, CELL_ROW), (index - RADIUS - 0.03, CELL_ROW), colour=foreground())
            link(axes, (index, STATE_ROW + RADIUS + 0.03), (index, CELL_ROW - RADIUS - 0.03), colour=foreground(),
                 width=1.2, head="<|-|>")
            gate_mark(axes, index - 0.5, CELL_ROW)
        elif gated:
            gate_mark(axes, index - 0.5, STATE_ROW)


def build(out: Artifacts) -> None:
    setup = seqdocs.make_setup()
    tokens = setup.tokens
    weights = seqdocs.attention_trace(setup).steps[0]["attention_weights"]  # (T, T)

    with figure_style():
        # The top row holds the LSTM's cells too; each row is as tall as what it draws, so no panel floats in space.
        top_height, bottom_height = CELL_ROW + 0.9, STATE_ROW + 0.9
        figure, grid = plt.subplots(2, 2, figsize=(7.2, 5.0), gridspec_kw={"height_ratios": [top_height, bottom_height]})
        panels = grid.flatten()  # RNN, LSTM, GRU, self-attention: the order of the chapters
        titles = [
            "RNN: one state, $h$,\ncarried token by token",
            "LSTM: two states, $h$ and the cell $c$;\ngates edit the cell as it passes",
            "GRU: one state, $h$,\nwith gates on the chain",
            "Self-attention: every token\nlooks at every token at once",
        ]
        for row, (axes, title) in enumerate(zip(panels, titles)):
            axes.set_xlim(-1.45, len(tokens) - 0.5)
            axes.set_ylim(-0.45, (top_height if row < 2 else bottom_height) - 0.45)
            axes.set_aspect("equal")
            axes.axis("off")
            axes.set_title(title, fontsize=10)
        chain(panels[0], tokens, gated=False)
        chain(panels[1], tokens, gated=True, cell=True)
        chain(panels[2], tokens, gated=True)

        axes = panels[3]
        shift = -0.5  # no h0 on the left here: centre the tokens
        for index, token in enumerate(tokens):
            token_box(axes, index + shift, TOKEN_ROW, token, token_colour(index))
            state_node(axes, index + shift, STATE_ROW, f"$y_{{{token}}}$")
        # One line from each attended token up to each attending token's output; width and opacity say how much.
        for attending in range(len(tokens)):
            for attended in range(len(tokens)):
                share = float(weights[attending, attended])
                start, end = (attended + shift, TOKEN_ROW + BOX + 0.03), (attending + shift, STATE_ROW - RADIUS - 0.03)
                axes.annotate("", xy=end, xytext=start, arrowprops={
                    "arrowstyle": "-", "color": token_colour(attended), "linewidth": 0.5 + 7 * share,
                    "alpha": 0.35 + 0.6 * share, "shrinkA": 0, "shrinkB": 0})
        figure.tight_layout(w_pad=0.5, h_pad=0.8)

    shares = "; ".join(
        f"{token}'s output takes "
        + ", ".join(f"{float(share):.4f} from {source}" for source, share in zip(tokens, row))
        for token, row in zip(tokens, weights)
    )
    alt = (
        f"Four diagrams of a model reading {' '.join(tokens)}. Top left, the RNN: the tokens enter one at a time, "
        "each updating a single state that is passed to the right, h0 to h1 to h2 to h3. Top right, the LSTM: two "
        "states are passed along, the hidden state h0 to h3 and above it the cell c0 to c3, with a gate on each "
        "link of the cell; each token enters the hidden state, which is linked both ways with its cell. Bottom "
        "left, the GRU: one state, h0 to h3, with a gate on each link that decides how much of the old state "
        "passes. Bottom right, self-attention: no chain; a line runs from every token to every token's output, "
        f"thicker where the attention weight is larger: {shares}."
    )
    out.figure("models", figure, alt=alt)
    # The causal variant is checked on the attention page; one check per model is enough here.
    checks = [seqdocs.check_rnn(setup), seqdocs.check_lstm(setup), seqdocs.check_gru(setup),
              seqdocs.check_attention(setup)]
    out.provenance(setup.seed, checks=checks)


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
