"""The narrated walk-through that `seqdocs explain` prints: each model reading the sequence, one tensor at a time.

[explain][seqdocs.explain.explain] turns a [Setup][seqdocs.Setup] into text for a terminal. It computes nothing
itself: every number comes from a trace ([rnn_trace][seqdocs.rnn_trace], [lstm_trace][seqdocs.lstm_trace],
[gru_trace][seqdocs.gru_trace], [attention_trace][seqdocs.attention_trace]) and is printed with 4 decimals, the
way torch prints tensors. Each model ends with the result of its check against PyTorch.

The text fits the given width (80 columns by default): matrices too wide for it are cut into groups of columns,
and long vectors wrap under themselves. Tokens are printed with [show_token][seqdocs.errors.show_token], so a token
holding a control character or a terminal escape shows as its escaped text and never reaches the terminal raw.

Examples:
    >>> from seqdocs import make_setup
    >>> walkthrough = explain(make_setup("a b c"), models=["rnn"])
    >>> print(walkthrough.text.splitlines()[0])
    seqdocs explain: how an RNN reads 'a' 'b' 'c'
    >>> max(len(line) for line in walkthrough.text.splitlines()) <= 80
    True
    >>> walkthrough.checks[0].reference, walkthrough.passed
    ('torch.nn.RNN', True)
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from . import __version__
from .attention import attention_trace
from .block import BlockConfig, block_trace, make_block_weights
from .errors import InputError, show_token
from .gru import gru_trace
from .lstm import lstm_trace
from .models import MODELS as MODEL_TABLE
from .reference import Check, check_attention, check_block, check_gru, check_lstm, check_rnn
from .rnn import rnn_trace
from .setups import Setup
from .trace import Trace

MODELS = tuple(MODEL_TABLE)
"""The models [explain][seqdocs.explain.explain] can walk through, in the order it shows them."""

EXTRA_MODELS = ("block",)
"""Models [explain][seqdocs.explain.explain] shows only when asked for by name: the Transformer block is usually
read with a wider setup (E = 4, so that two heads have two columns each) than the four models above."""

MAX_SHOWN = 64
"""The longest sequence and the largest embedding or hidden size [explain][seqdocs.explain.explain] narrates.

The walk-through prints every number, so a bigger setup is a wall of digits rather than something to read;
its traces are still there for tools (`seqdocs trace --json`).
"""

_MODEL_NAMES = {"rnn": "an RNN", "lstm": "an LSTM", "gru": "a GRU", "attention": "self-attention",
                "block": "a Transformer block"}

# ANSI Select Graphic Rendition codes, one per role a piece of text plays.
_COLOURS = {
    "heading": "1",  # bold
    "formula": "36",  # cyan
    "token": "35",  # magenta: labels that name a token or a unit (yellow is unreadable on a light background)
    "symbol": "1",  # bold: the maths name of a row, e.g. h_t
    "note": "2",  # faint: shapes and asides
    "passed": "32",  # green
    "failed": "1;31",  # bold red
}


@dataclass(frozen=True)
class Walkthrough:
    """What [explain][seqdocs.explain.explain] returns: the text to print and the checks it reports.

    Attributes:
        text: The walk-through, lines joined by newlines, ending with a newline; `str()` gives it too.
        checks: One [Check][seqdocs.Check] per model shown, in the order shown.
    """

    text: str
    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        """Whether every model computed the same numbers as PyTorch."""
        return all(check.passed for check in self.checks)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class _Glyphs:
    """The symbols the text uses, in Unicode and in a plain-ASCII fallback for terminals that lack it."""

    rule: str
    sigma: str
    odot: str
    times: str
    sqrt: str
    transposed: str
    passed: str
    failed: str
    dot: str


_UNICODE = _Glyphs(
    rule="─", sigma="σ", odot="⊙", times="×", sqrt="√", transposed="ᵀ", passed="✓", failed="✗", dot="·"
)
_ASCII = _Glyphs(
    rule="-", sigma="sigmoid", odot="*", times="x", sqrt="sqrt", transposed="^T", passed="ok:", failed="FAILED:",
    dot="-",
)


def explain(
    setup: Setup,
    models: Sequence[str] = MODELS,
    *,
    causal: bool = False,
    num_heads: int = 1,
    norm_first: bool = False,
    feedforward_size: int | None = None,
    colour: bool = False,
    unicode: bool = True,
    width: int = 80,
) -> Walkthrough:
    """Narrate how each model reads the setup's sequence, step by step, with every tensor labelled.

    Args:
        setup: The sequence, embeddings and weights, from [make_setup][seqdocs.make_setup].
        models: Which models to walk through, any of [MODELS][seqdocs.explain.MODELS] and
            [EXTRA_MODELS][seqdocs.explain.EXTRA_MODELS], shown in that order.
        causal: Mask self-attention so each token sees only itself and the tokens before it.
        num_heads: How many heads self-attention (and the block) splits its width into; must divide the
            embedding size.
        norm_first: The block only: LayerNorm before attention and the feed-forward layer (pre-norm).
        feedforward_size: The block only: the feed-forward width; by default twice the embedding size.
        colour: Add ANSI colour codes (headings, formulas, token labels, check results).
        unicode: Use symbols such as σ and ⊙; if false, the text is plain ASCII apart from the user's tokens.
        width: The widest a line may be, not counting colour codes (at least 60).

    Returns:
        The text and the checks against PyTorch it reports.

    Raises:
        InputError: If a model name is unknown, `width` is below 60, `num_heads` does not divide the
            attention width, or the sequence or a size exceeds [MAX_SHOWN][seqdocs.explain.MAX_SHOWN].

    Examples:
        >>> from seqdocs import make_setup
        >>> text = explain(make_setup(), models=["lstm"]).text
        >>> "forget gate" in text and "checked equal to torch.nn.LSTM" in text
        True
        >>> "\\x1b[" in explain(make_setup(), models=["rnn"], colour=True).text
        True
    """
    unknown = [name for name in models if name not in (*MODELS, *EXTRA_MODELS)]
    if unknown or not models:
        problem = f"unknown model {show_token(str(unknown[0]))}" if unknown else "no model chosen"
        raise InputError(f"{problem}: choose from {', '.join((*MODELS, *EXTRA_MODELS))}")
    if isinstance(width, bool) or not isinstance(width, int) or width < 60:
        raise InputError(f"width must be a whole number of at least 60 columns, got {width!r}")
    because = f"explain prints every number, so it takes at most {MAX_SHOWN}"
    if len(setup.tokens) > MAX_SHOWN:
        raise InputError(
            f"{len(setup.tokens)} tokens are too many to narrate: {because}; give a shorter sequence, "
            f"or use seqdocs trace --json"
        )
    for what, size in (("embedding size", setup.embedding_size), ("hidden size", setup.rnn.hidden_size)):
        if size > MAX_SHOWN:
            raise InputError(
                f"{what} {size} is too big to narrate: {because}; give a smaller one, or use seqdocs trace --json"
            )
    chosen = [name for name in (*MODELS, *EXTRA_MODELS) if name in models]
    writer = _Writer(colour=colour, glyphs=_UNICODE if unicode else _ASCII, width=width)
    sections = {"rnn": _explain_rnn, "lstm": _explain_lstm, "gru": _explain_gru}

    _explain_setup(writer, setup, chosen)
    checks = []
    for name in chosen:
        if name == "attention":
            checks.append(_explain_attention(writer, setup, causal=causal, num_heads=num_heads))
        elif name == "block":
            config = BlockConfig(num_heads=num_heads, norm_first=norm_first, causal=causal)
            checks.append(_explain_block(writer, setup, config, feedforward_size))
        else:
            checks.append(sections[name](writer, setup))
    if len(checks) > 1:
        passed = sum(check.passed for check in checks)
        writer.heading("Summary")
        writer.paragraph(
            f"{passed} of {len(checks)} models computed the same numbers as PyTorch's own implementation."
        )
    return Walkthrough(text=writer.text(), checks=tuple(checks))


class _Writer:
    """Collects lines of text, laying out vectors and labelled matrices within the width."""

    def __init__(self, *, colour: bool, glyphs: _Glyphs, width: int) -> None:
        self.colour = colour
        self.glyphs = glyphs
        self.width = width
        self.lines: list[str] = []

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.lines) + "\n"

    def style(self, text: str, role: str) -> str:
        """Wrap text in the colour of its role; layout is always worked out on the plain text first."""
        if not self.colour or not text:
            return text
        return f"\x1b[{_COLOURS[role]}m{text}\x1b[0m"

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def title(self, text: str, note: str) -> None:
        self.lines.extend(self.style(line, "heading") for line in _wrap(text, self.width, indent="  "))
        self.lines.extend(self.style(line, "note") for line in _wrap(note, self.width))

    def heading(self, text: str) -> None:
        """A rule across the width naming a part; two blank lines above it set the parts apart."""
        while self.lines and self.lines[-2:] != ["", ""]:
            self.lines.append("")
        plain = f"{self.glyphs.rule * 2} {text} "
        self.lines.append(self.style(plain + self.glyphs.rule * max(0, self.width - len(plain)), "heading"))
        self.lines.append("")

    def subheading(self, text: str, note: str = "") -> None:
        """A bold title followed by a faint note, wrapped together as one sentence."""
        self.blank()
        bold_left = len(text)  # how many characters of the title are still to be printed bold
        for line in _wrap(f"{text} {note}".strip(), self.width):
            bold, rest = line[:bold_left], line[bold_left:]
            bold_left = max(0, bold_left - len(line) - 1)  # the wrap dropped one space between lines
            self.lines.append(self.style(bold, "heading") + self.style(rest, "note"))

    def paragraph(self, text: str) -> None:
        self.blank()
        self.lines.extend(_wrap(text, self.width))

    def formulas(self, *lines: str) -> None:
        self.blank()
        for line in lines:
            self.lines.append(self.style("    " + line, "formula"))

    def vectors(self, rows: Sequence[tuple[str, str, torch.Tensor] | None], number_width: int) -> None:
        """One row per vector: its maths symbol, what it means, then its numbers (wrapping under themselves).

        A `None` in `rows` leaves a blank line, to group a step's rows into what comes in, the gates, and what
        goes out.
        """
        shown = [row for row in rows if row is not None]
        symbol_width = max(len(symbol) for symbol, _, _ in shown)
        meaning_width = max(len(meaning) for _, meaning, _ in shown)
        prefix_width = 2 + symbol_width + 2 + meaning_width + 2
        per_line = (self.width - prefix_width + 2) // (number_width + 2)
        numbers_apart = per_line < max(values.numel() for _, _, values in shown)
        if numbers_apart:
            # Long vectors read better on lines of their own than wrapped in a narrow column beside the labels.
            prefix_width, per_line = 4, max(1, (self.width - 4 + 2) // (number_width + 2))
        for row in rows:
            if row is None:
                self.lines.append("")
                continue
            symbol, meaning, values = row
            numbers = [_number(value).rjust(number_width) for value in values.tolist()]
            label = f"  {self.style(symbol.ljust(symbol_width), 'symbol')}  {meaning.ljust(meaning_width)}  "
            if numbers_apart:
                self.lines.append(label)
                label = " " * prefix_width
            for start in range(0, len(numbers), per_line):
                self.lines.append(label + "  ".join(numbers[start:start + per_line]))
                label = " " * prefix_width

    def table(
        self,
        cells: Sequence[Sequence[str]],
        row_labels: Sequence[str],
        column_labels: Sequence[str],
        indent: int = 2,
    ) -> None:
        """A matrix with a label on every row and column; columns that do not fit are shown in groups."""
        self.blank()
        label_width = max(len(label) for label in row_labels)
        cell_width = max(len(text) for text in [*column_labels, *(cell for row in cells for cell in row)])
        per_group = max(1, (self.width - indent - label_width) // (cell_width + 2))
        groups = range(0, len(column_labels), per_group)
        for start in groups:
            stop = min(start + per_group, len(column_labels))
            if len(groups) > 1:
                self.blank()
                self.lines.append(
                    self.style(f"{' ' * indent}columns {column_labels[start]} to {column_labels[stop - 1]}", "note")
                )
            header = " " * (indent + label_width) + "".join(
                "  " + self.style(label.rjust(cell_width), "token") for label in column_labels[start:stop]
            )
            self.lines.append(header)
            for label, row in zip(row_labels, cells):
                self.lines.append(
                    " " * indent
                    + self.style(label.ljust(label_width), "token")
                    + "".join("  " + cell.rjust(cell_width) for cell in row[start:stop])
                )

    def matrix(self, values: torch.Tensor, row_labels: Sequence[str], column_labels: Sequence[str]) -> None:
        """A (rows, columns) tensor, or a vector shown as a single row, with 4 decimals."""
        rows = values.reshape(len(row_labels), len(column_labels)).tolist()
        self.table([[_number(value) for value in row] for row in rows], row_labels, column_labels)

    def check(self, check: Check) -> None:
        mark, role = (self.glyphs.passed, "passed") if check.passed else (self.glyphs.failed, "failed")
        verdict = "checked equal to" if check.passed else "NOT equal to"
        self.blank()
        lines = _wrap(
            f"{mark} {verdict} {check.reference} within {check.tolerance:g} in {check.dtype} "
            f"(largest relative difference {check.max_error:.1e}; compared: {check.compared})",
            self.width,
            indent=" " * (len(mark) + 1),
        )
        self.lines.extend(self.style(line, role) for line in lines)


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    # Never break inside a token such as 'a-b': a hyphen there is part of the token, not a place to wrap.
    return textwrap.wrap(text, width, subsequent_indent=indent, break_on_hyphens=False)


def _number(value: float) -> str:
    return f"{value:.4f}"


def _number_width(*tensors: torch.Tensor) -> int:
    return max(len(_number(value)) for tensor in tensors for value in tensor.flatten().tolist())


def _tokens(tokens: Sequence[str]) -> str:
    return " ".join(show_token(token) for token in tokens)


def _position_labels(tokens: Sequence[str]) -> list[str]:
    """A label per position: the token, with its position too when a token occurs more than once."""
    if len(set(tokens)) == len(tokens):
        return [show_token(token) for token in tokens]
    return [f"#{position + 1} {show_token(token)}" for position, token in enumerate(tokens)]


def _units(prefix: str, count: int) -> list[str]:
    """Labels for the positions of a vector: x0, x1, ... for the input, h0, h1, ... for the hidden state."""
    return [f"{prefix}{index}" for index in range(count)]


def _explain_setup(writer: _Writer, setup: Setup, models: Sequence[str]) -> None:
    names = [_MODEL_NAMES[name] for name in models]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    embedding_size, dot = setup.embedding_size, writer.glyphs.dot
    facts = [f"seed {setup.seed}", f"E = {embedding_size}"]
    if any(name in models for name in ("rnn", "lstm", "gru")):
        facts.append(f"H = {setup.rnn.hidden_size}")
    facts += [str(setup.embeddings.dtype).removeprefix("torch."), f"seqdocs {__version__}",
              f"torch {torch.__version__}"]
    writer.title(
        f"seqdocs explain: how {listed} read{'s' if len(names) == 1 else ''} {_tokens(setup.tokens)}",
        f" {dot} ".join(facts),
    )
    writer.heading("Setup: from tokens to vectors")
    vocabulary = ", ".join(f"{show_token(token)} = {index}" for index, token in enumerate(setup.vocabulary.tokens))
    writer.lines.extend(_wrap(f"Sequence:   {_tokens(setup.tokens)}", writer.width, indent=" " * 12))
    writer.lines.extend(_wrap(f"Vocabulary: {vocabulary}", writer.width, indent=" " * 12))
    seed = f"seed {setup.seed}" if setup.seed is not None else "the given weights"
    writer.paragraph(
        f"A network computes with numbers, not words, so each token's id picks one row of the embedding "
        f"matrix: E = {embedding_size} numbers that stand for the token. Here the rows are random draws "
        f"({seed}); training would move them. Every weight below comes from the same seeded generator."
    )
    writer.subheading("Embeddings", f"(V {writer.glyphs.times} E = {len(setup.vocabulary)} {writer.glyphs.times} "
                      f"{embedding_size}), one row per vocabulary entry")
    vocabulary_labels = [show_token(token) for token in setup.vocabulary.tokens]
    writer.matrix(setup.embeddings, vocabulary_labels, _units("x", embedding_size))


def _explain_rnn(writer: _Writer, setup: Setup) -> Check:
    trace = rnn_trace(setup)
    hidden_size = setup.rnn.hidden_size
    writer.heading("RNN: one memory vector, rewritten at every token")
    writer.formulas("h_t = tanh(x_t W_xh + h_{t-1} W_hh + b)")
    writer.paragraph(
        f"The hidden state h (H = {hidden_size} numbers) is everything the RNN remembers. At each token it "
        f"adds what the new input says, x_t W_xh, to what the old memory says, h_{{t-1}} W_hh; then tanh "
        f"squashes every number into (-1, 1). Before the first token the memory is all zeros."
    )
    _show_weights(writer, trace.weights, {
        "input_to_hidden": ("W_xh", "input to hidden", "x", "h"),
        "hidden_to_hidden": ("W_hh", "hidden to hidden", "h", "h"),
        "bias": ("b", "bias", None, "h"),
    }, seeded=setup.seed is not None)
    width = _number_width(*(tensor for step in trace.steps for tensor in step.tensors.values()))
    for step in trace.steps:
        token = show_token(step.token)
        _step_heading(writer, step.index, len(trace.steps), token)
        writer.vectors([
            ("x_t", f"the embedding of {token}", step["input"]),
            ("h_{t-1}", "the memory so far", step["previous_hidden"]),
            None,
            ("x_t W_xh", "what the input says", step["input_contribution"]),
            ("h_{t-1} W_hh", "what the memory says", step["recurrent_contribution"]),
            ("sum + b", "before the squash", step["pre_activation"]),
            None,
            ("h_t", f"tanh(sum): memory after {token}", step["hidden"]),
        ], width)
    _show_states(writer, trace, "hidden", "Hidden state after each token", "h", hidden_size)
    writer.paragraph(
        f"The last row is the RNN's summary of the whole sequence: {hidden_size} numbers, however long the "
        f"sequence is. Each step multiplies the old memory by W_hh and squashes it again, so what an early "
        f"token left behind can fade with every token that follows."
    )
    check = check_rnn(setup)
    writer.check(check)
    return check


def _explain_lstm(writer: _Writer, setup: Setup) -> Check:
    trace = lstm_trace(setup)
    g = writer.glyphs
    hidden_size = setup.lstm.hidden_size
    writer.heading("LSTM: a memory cell behind three gates")
    writer.formulas(
        "z = [x_t, h_{t-1}] W + b,  cut into four blocks z_i z_f z_g z_o",
        f"i = {g.sigma}(z_i)   f = {g.sigma}(z_f)   g = tanh(z_g)   o = {g.sigma}(z_o)",
        f"c_t = f {g.odot} c_{{t-1}} + i {g.odot} g",
        f"h_t = o {g.odot} tanh(c_t)",
    )
    writer.paragraph(
        f"The LSTM carries two vectors of H = {hidden_size} numbers: the cell state c, its long-term memory, "
        f"and the hidden state h, what it shows the next step and the outside world. Three gates, each a "
        f"number between 0 and 1 per unit, edit the memory. The forget gate f says how much of the old cell "
        f"to keep, the input gate i how much of the candidate g to write, and the output gate o how much of "
        f"the cell to show. {g.odot} multiplies element by element."
    )
    gate_columns = [f"{block}{unit}" for block in "ifgo" for unit in range(hidden_size)]
    _show_weights(writer, trace.weights, {
        "weight": ("W", "rows: x_t then h_{t-1}; columns: blocks i, f, g, o", None, gate_columns),
        "bias": ("b", "bias", None, gate_columns),
    }, row_labels={"weight": _units("x", setup.embedding_size) + _units("h", hidden_size)},
        seeded=setup.seed is not None)
    width = _number_width(*(tensor for step in trace.steps for tensor in step.tensors.values()))
    for step in trace.steps:
        token = show_token(step.token)
        raw_input, raw_forget, raw_candidate, raw_output = step["gate_pre_activations"].chunk(4, dim=-1)
        _step_heading(writer, step.index, len(trace.steps), token)
        writer.vectors([
            ("x_t", f"the embedding of {token}", step["input"]),
            ("h_{t-1}", "hidden state so far", step["previous_hidden"]),
            ("c_{t-1}", "cell state so far", step["previous_cell"]),
            None,
            ("z_i", "block i of z (before squash)", raw_input),
            ("z_f", "block f of z", raw_forget),
            ("z_g", "block g of z", raw_candidate),
            ("z_o", "block o of z", raw_output),
            None,
            ("i", "input gate: share to write", step["input_gate"]),
            ("f", "forget gate: share to keep", step["forget_gate"]),
            ("g", "candidate: what could be written", step["cell_candidate"]),
            ("o", "output gate: share to show", step["output_gate"]),
            None,
            (f"f {g.odot} c_{{t-1}}", "old memory kept", step["kept_memory"]),
            (f"i {g.odot} g", "new memory written", step["new_information"]),
            ("c_t", f"cell state after {token}", step["cell"]),
            ("h_t", f"hidden state after {token}", step["hidden"]),
        ], width)
    _show_states(writer, trace, "cell", "Cell state after each token", "c", hidden_size)
    _show_states(writer, trace, "hidden", "Hidden state after each token", "h", hidden_size)
    writer.paragraph(
        "The cell changes only by the two terms above: a gated share of the old cell plus a gated share of "
        "the candidate. No matrix multiplies it from one step to the next, so where the forget gate stays "
        "near 1 and the input gate near 0, a memory passes through many steps almost untouched."
    )
    check = check_lstm(setup)
    writer.check(check)
    return check


def _explain_gru(writer: _Writer, setup: Setup) -> Check:
    trace = gru_trace(setup)
    g = writer.glyphs
    hidden_size = setup.gru.hidden_size
    writer.heading("GRU: two gates, no separate cell")
    writer.formulas(
        f"r = {g.sigma}(x_t W_xr + b_xr + h_{{t-1}} W_hr + b_hr)",
        f"z = {g.sigma}(x_t W_xz + b_xz + h_{{t-1}} W_hz + b_hz)",
        f"n = tanh(x_t W_xn + b_xn + r {g.odot} (h_{{t-1}} W_hn + b_hn))",
        f"h_t = (1 - z) {g.odot} n + z {g.odot} h_{{t-1}}",
    )
    writer.paragraph(
        f"The GRU keeps one vector, the hidden state h (H = {hidden_size} numbers), and blends it with a "
        f"candidate n at every step. The update gate z chooses, unit by unit, between keeping the old state "
        f"(z near 1) and taking the candidate (z near 0). The reset gate r says how much of the old state the "
        f"candidate may draw on. Like torch.nn.GRU, r scales the recurrent term after its matrix product; "
        f"the original paper resets h before it, which gives other numbers for the same weights."
    )
    gate_columns = [f"{block}{unit}" for block in "rzn" for unit in range(hidden_size)]
    _show_weights(writer, trace.weights, {
        "input_weight": ("W_x", "input weights; columns: blocks r, z, n", "x", gate_columns),
        "hidden_weight": ("W_h", "hidden weights; columns: blocks r, z, n", "h", gate_columns),
        "input_bias": ("b_x", "input bias", None, gate_columns),
        "hidden_bias": ("b_h", "hidden bias", None, gate_columns),
    }, seeded=setup.seed is not None)
    width = _number_width(*(tensor for step in trace.steps for tensor in step.tensors.values()))
    for step in trace.steps:
        token = show_token(step.token)
        input_reset, input_update, input_candidate = step["input_projection"].chunk(3, dim=-1)
        hidden_reset, hidden_update, hidden_candidate = step["hidden_projection"].chunk(3, dim=-1)
        _step_heading(writer, step.index, len(trace.steps), token)
        writer.vectors([
            ("x_t", f"the embedding of {token}", step["input"]),
            ("h_{t-1}", "hidden state so far", step["previous_hidden"]),
            None,
            ("x_t W_xr + b_xr", "the input's say in r", input_reset),
            ("h_{t-1} W_hr + b_hr", "the memory's say in r", hidden_reset),
            ("x_t W_xz + b_xz", "the input's say in z", input_update),
            ("h_{t-1} W_hz + b_hz", "the memory's say in z", hidden_update),
            ("x_t W_xn + b_xn", "the input's say in n", input_candidate),
            ("h_{t-1} W_hn + b_hn", "the memory's say in n", hidden_candidate),
            None,
            ("r", "reset gate: old state n sees", step["reset_gate"]),
            ("z", "update gate: share kept", step["update_gate"]),
            ("n", "candidate", step["candidate"]),
            None,
            ("h_t", f"hidden state after {token}", step["hidden"]),
        ], width)
    _show_states(writer, trace, "hidden", "Hidden state after each token", "h", hidden_size)
    check = check_gru(setup)
    writer.check(check)
    return check


def _explain_attention(writer: _Writer, setup: Setup, *, causal: bool, num_heads: int) -> Check:
    trace = attention_trace(setup, causal=causal, num_heads=num_heads)
    step = trace.steps[0]
    g = writer.glyphs
    width = setup.attention.width
    head_width = width // num_heads
    tokens = _position_labels(setup.tokens)
    writer.heading("Self-attention: every token looks at every token at once" + (", causal" if causal else ""))
    writer.formulas(
        "Q = X W_Q    K = X W_K    V = X W_V",
        f"weights = softmax(Q K{g.transposed} / {g.sqrt}{head_width}){'  with the future masked' if causal else ''}",
        "output = weights V",
    )
    writer.paragraph(
        "Attention reads no token before another: it handles the whole sequence in one step. Each token "
        "makes a query (what it looks for), a key (what it can be found by) and a value (what it hands "
        "over). The score in row i, column j says how well token i's query matches token j's key; softmax "
        "turns each row into shares that sum to 1; token i's output is the values mixed in those shares. "
        f"Queries, keys and values are D = {width} numbers wide here, as wide as the embeddings."
    )
    if causal:
        writer.paragraph(
            "With the causal mask a token may look only at itself and the tokens before it, as a model that "
            "writes text one token at a time must: a blocked score becomes -inf before the softmax, so its "
            "weight is exactly 0."
        )
    if num_heads > 1:
        writer.paragraph(
            f"With {num_heads} heads, the {width} columns of Q, K and V are cut into {num_heads} slices of "
            f"{head_width}; each head scores and mixes on its own slice, and the heads' outputs are put side "
            f"by side again."
        )
    columns = _units("d", width)
    _show_weights(writer, trace.weights, {
        "query": ("W_Q", "query weights", "x", columns),
        "key": ("W_K", "key weights", "x", columns),
        "value": ("W_V", "value weights", "x", columns),
        "output": ("W_O", "output weights", "d", columns),
    }, seeded=setup.seed is not None)
    shape_note = f"(T {g.times} D = {len(tokens)} {g.times} {width})"
    writer.subheading(
        "X, the inputs", f"(T {g.times} E = {len(tokens)} {g.times} {setup.embedding_size}), one row per token"
    )
    writer.matrix(step["inputs"], tokens, _units("x", setup.embedding_size))
    for name, label, meaning in (
        ("queries", "Q = X W_Q", "what each token looks for"),
        ("keys", "K = X W_K", "what each token can be found by"),
        ("values", "V = X W_V", "what each token hands over"),
    ):
        writer.subheading(f"{label},", f"{meaning} {shape_note}")
        writer.matrix(step[name], tokens, columns)

    heads = range(num_heads)
    for head in heads:
        scores = step["scores"] if num_heads == 1 else step["scores"][head]
        weights = step["attention_weights"] if num_heads == 1 else step["attention_weights"][head]
        if num_heads > 1:
            first, last = columns[head * head_width], columns[(head + 1) * head_width - 1]
            writer.heading(f"Head {head + 1} of {num_heads}: columns {first} to {last} of Q, K and V")
        writer.subheading(
            f"Scores Q K{g.transposed} / {g.sqrt}{head_width},",
            "row: the token looking; column: the token looked at",
        )
        writer.matrix(scores, tokens, tokens)
        if causal and head == 0:
            writer.subheading("The causal mask,", "whether the row's token may look at the column's")
            writer.table([["yes" if allowed else "no" for allowed in row] for row in step["mask"].tolist()], tokens,
                         tokens)
        masked = ", blocked scores taken as -inf" if causal else ""
        writer.subheading("Attention weights", f"= softmax of each row{masked}: every row sums to 1")
        writer.matrix(weights, tokens, tokens)
        writer.blank()
        for token, row in zip(tokens, weights):
            strongest = int(torch.argmax(row))
            writer.lines.append(f"  {token} draws most from {tokens[strongest]} ({_number(float(row[strongest]))})")
        if num_heads > 1:
            writer.subheading(f"Head {head + 1}'s output", f"= weights {g.times} its slice of V")
            writer.matrix(step["heads_output"][head], tokens, columns[head * head_width:(head + 1) * head_width])

    if num_heads > 1:
        writer.heading("All heads together")
    output_label = "Output = weights V" if num_heads == 1 else "Output, the heads side by side"
    if "output" in trace.weights:
        output_label += ", times W_O"
    writer.subheading(output_label + ",", f"each token's mix of values {shape_note}")
    writer.matrix(step["output"], tokens, columns)
    writer.paragraph(
        "Nothing here depends on where a token stands: shuffle the sequence and each token gets the same "
        "output, only in another row." if not causal else
        "Because of the mask, the first token's output is its own value, and only the last token's output "
        "draws on the whole sequence."
    )
    check = check_attention(setup, causal=causal, num_heads=num_heads)
    writer.check(check)
    return check


def _explain_block(writer: _Writer, setup: Setup, config: BlockConfig, feedforward_size: int | None) -> Check:
    weights = make_block_weights(setup.embedding_size, feedforward_size, seed=setup.seed if setup.seed is not None
                                 else 42, dtype=setup.embeddings.dtype)
    step = block_trace(setup, config, weights).steps[0]
    g = writer.glyphs
    width, heads = weights.width, config.num_heads
    head_width = width // heads
    tokens = _position_labels(setup.tokens)
    where = "pre-norm" if config.norm_first else "post-norm"
    writer.heading(f"Transformer block ({where}{', causal' if config.causal else ''}): heads, residual, "
                   f"LayerNorm, feed-forward")
    attention = f"MHA(x) = [head_1 .. head_{heads}] W_O + b_O,  head_j = softmax(Q_j K_j{g.transposed} / " \
                f"{g.sqrt}{head_width}) V_j"
    if config.norm_first:
        writer.formulas("X = embeddings + positions", attention, "Y = X + MHA(LN1(X))",
                        f"output = Y + FF(LN2(Y)),  FF(y) = {config.activation}(y W_1 + b_1) W_2 + b_2")
    else:
        writer.formulas("X = embeddings + positions", attention, "Y = LN1(X + MHA(X))",
                        f"output = LN2(Y + FF(Y)),  FF(y) = {config.activation}(y W_1 + b_1) W_2 + b_2")
    writer.paragraph(
        f"The block is torch.nn.TransformerEncoderLayer written out. Its {heads} heads each attend on "
        f"{head_width} of the {width} columns of Q, K and V; W_O mixes their outputs. The residual adds the "
        f"block's input back to what attention made of it, so nothing the input held is lost; LayerNorm "
        f"then shifts and scales each token's row to mean 0 and variance 1. The feed-forward layer works on "
        f"each row alone, through {weights.feedforward_size} hidden units, and has its own residual and "
        f"LayerNorm. LN(x) = gain {g.odot} (x - mean) / {g.sqrt}(variance + eps) + bias, with the mean and "
        f"variance of each row's {width} numbers."
    )
    _show_weights(writer, {
        "query": weights.query, "key": weights.key, "value": weights.value, "output": weights.output,
        "feedforward_in": weights.feedforward_in, "feedforward_out": weights.feedforward_out,
    }, {
        "query": ("W_Q", "query weights, head j: columns of block j", "x", "d"),
        "key": ("W_K", "key weights", "x", "d"),
        "value": ("W_V", "value weights", "x", "d"),
        "output": ("W_O", "output projection", "d", "x"),
        "feedforward_in": ("W_1", "feed-forward, in", "x", "u"),
        "feedforward_out": ("W_2", "feed-forward, out", "u", "x"),
    }, seeded=True)
    writer.paragraph("Every bias is 0 and every LayerNorm gain 1, as PyTorch starts them; the trace's weights "
                     "hold them all, under the names of the layer's state_dict().")
    columns = _units("x", width)
    for name, title, note in (
        ("embeddings", "Embeddings,", "one row per token"),
        ("positions", "Positions,", "the sinusoidal encoding of positions 0, 1, ..."),
        ("inputs", "X = embeddings + positions,", "the block's input"),
    ):
        writer.subheading(title, note)
        writer.matrix(step[name], tokens, columns)

    def layer_norm_rows(number: int, what: str) -> None:
        writer.subheading(f"LN{number}: mean and variance of each row", f"of {what}")
        stats = torch.stack([step[f"norm{number}_mean"], step[f"norm{number}_variance"]], dim=-1)
        writer.matrix(stats, tokens, ["mean", "variance"])
        writer.subheading(f"LN{number} output,", "each row now has mean 0 and variance 1 (times gain, plus bias)")
        writer.matrix(step[f"norm{number}_output"], tokens, columns)

    if config.norm_first:
        layer_norm_rows(1, "X")
    for head in range(heads):
        first = head * head_width
        writer.heading(f"Head {head + 1} of {heads}: columns d{first} to d{first + head_width - 1}")
        head_columns = _units("d", width)[first:first + head_width]
        for name, label in (("queries", "Q"), ("keys", "K"), ("values", "V")):
            writer.subheading(f"{label}_{head + 1}")
            writer.matrix(step[name][head], tokens, head_columns)
        writer.subheading(f"Scores Q K{g.transposed} / {g.sqrt}{head_width},", "row: looking; column: looked at")
        writer.matrix(step["scores"][head], tokens, tokens)
        writer.subheading("Attention weights", "= softmax of each row" + (", future blocked" if config.causal else ""))
        writer.matrix(step["attention_weights"][head], tokens, tokens)
        writer.subheading(f"Head {head + 1}'s output", f"= weights {g.times} V_{head + 1}")
        writer.matrix(step["heads_output"][head], tokens, head_columns)
    writer.heading("Heads together, residual, LayerNorm, feed-forward")
    for name, title, note in (
        ("concatenated", "The heads side by side,", f"(T {g.times} {width})"),
        ("attention_output", "MHA = heads W_O + b_O,", "what attention adds to each row"),
        ("attention_residual", "Residual X + MHA,", "the input kept, plus attention"),
    ):
        writer.subheading(title, note)
        writer.matrix(step[name], tokens, columns)
    if config.norm_first:
        layer_norm_rows(2, "the residual sum")
    else:
        layer_norm_rows(1, "the residual sum")
    writer.subheading(f"Feed-forward hidden units {config.activation}(y W_1 + b_1)",
                      f"(T {g.times} {weights.feedforward_size})")
    writer.matrix(step["feedforward_hidden"], tokens, _units("u", weights.feedforward_size))
    writer.subheading("Feed-forward output,", "hidden W_2 + b_2")
    writer.matrix(step["feedforward_output"], tokens, columns)
    writer.subheading("Residual: what the feed-forward layer read, plus its output")
    writer.matrix(step["feedforward_residual"], tokens, columns)
    if not config.norm_first:
        layer_norm_rows(2, "that second residual sum")
    writer.subheading("Output of the block,", f"(T {g.times} {width}), one row per token")
    writer.matrix(step["output"], tokens, columns)
    check = check_block(setup, config, weights)
    writer.check(check)
    return check


def _step_heading(writer: _Writer, index: int, count: int, token: str) -> None:
    writer.subheading(f"Step {index + 1} of {count}: reading {token}")
    writer.blank()


def _show_weights(
    writer: _Writer,
    weights: dict[str, torch.Tensor],
    labels: dict[str, tuple[str, str, str | None, str | list[str]]],
    row_labels: dict[str, list[str]] | None = None,
    *,
    seeded: bool = True,
) -> None:
    """Print each weight as a labelled matrix: labels maps a name to (symbol, meaning, row prefix, columns)."""
    times = writer.glyphs.times
    writer.subheading("Weights,", "random draws from the seed, untrained" if seeded else "as given")
    for name, tensor in weights.items():
        symbol, meaning, row_prefix, columns = labels[name]
        shape = f" {times} ".join(str(size) for size in tensor.shape)
        column_labels = columns if isinstance(columns, list) else _units(columns, tensor.shape[-1])
        if tensor.dim() == 1:
            rows = [symbol]
        elif row_labels and name in row_labels:
            rows = row_labels[name]
        else:
            rows = _units(row_prefix or "", tensor.shape[0])
        writer.blank()
        writer.lines.append(f"  {writer.style(symbol, 'symbol')}, {meaning} {writer.style(f'({shape})', 'note')}")
        writer.matrix(tensor, rows, column_labels)


def _show_states(writer: _Writer, trace: Trace, name: str, title: str, prefix: str, size: int) -> None:
    times = writer.glyphs.times
    writer.subheading(title, f"(T {times} H = {len(trace.steps)} {times} {size}), one row per token")
    writer.matrix(trace.stacked(name), _position_labels(trace.tokens), _units(prefix, size))
