"""The tutorial chapters show the package's numbers: every value the seed notebook prints is on its page, as
torch prints it (4 decimals); each page names the torch version and seed that made it; every figure says
what it shows; and each page's closing program prints the very numbers the package computes.

The expected numbers are computed here with the package, never typed in, so a page that drifts from the
package (a stale table, a wrong tensor in a tab) fails.
"""

from __future__ import annotations

import ast
import html
import math
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import torch

import seqdocs
import seqdocs.experiments

from generated import example_folder, example_json, example_values, number  # tests/generated.py

REPO_ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = REPO_ROOT / "scripts" / "snippets"
TUTORIAL_PAGES = ("index", "setup", "rnn", "lstm", "gru", "attention")
LARGEST_FIGURE_BYTES = 60_000

# Tensors the seed notebook prints at each recurrent step (the GRU, which it lacks, gets the same treatment).
NOTEBOOK_STEP_TENSORS = {
    "rnn": ("input", "previous_hidden", "hidden"),
    "lstm": (
        "input",
        "previous_hidden",
        "previous_cell",
        "forget_gate",
        "input_gate",
        "cell_candidate",
        "output_gate",
        "kept_memory",
        "new_information",
        "cell",
        "hidden",
    ),
    "gru": ("input", "previous_hidden", "reset_gate", "update_gate", "candidate", "hidden"),
}
ATTENTION_TENSORS = ("inputs", "queries", "keys", "values", "scores", "attention_weights", "output")

# What each snippet prints, tensor by tensor, in order: (trace function, names per step).
SNIPPET_STEP_TENSORS = {
    "rnn": (seqdocs.rnn_trace, ("input", "input_contribution", "recurrent_contribution", "pre_activation", "hidden")),
    "lstm": (
        seqdocs.lstm_trace,
        ("input_gate", "forget_gate", "cell_candidate", "output_gate", "kept_memory", "new_information", "cell",
         "hidden"),
    ),
    "gru": (seqdocs.gru_trace, ("reset_gate", "update_gate", "candidate", "hidden")),
}

DECIMAL = re.compile(r"-?\d+\.\d*")


def four_decimals(tensor: torch.Tensor) -> list[str]:
    """Each value as torch prints it with 4 decimals; a negative value that rounds to zero prints as 0.0000."""
    texts = [f"{value:.4f}" for value in tensor.flatten().tolist()]
    return ["0.0000" if text == "-0.0000" else text for text in texts]


def page_file(site: Path, name: str) -> Path:
    """The built HTML of a page, with or without directory URLs."""
    if name == "index":
        return site / "index.html"
    for candidate in (site / name / "index.html", site / f"{name}.html"):
        if candidate.exists():
            return candidate
    raise AssertionError(f"the built site has no page for {name}.md")


class _PageText(HTMLParser):
    """Collects a page's text (tables, prose, maths; not the figures' alt text) and its images."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.images: list[dict[str, str]] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "img":
            self.images.append({name: value or "" for name, value in attrs})

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1
        elif tag in ("td", "th", "p", "li", "div", "math"):
            self.parts.append(" ")  # keep neighbouring cells and tokens apart

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def read_page(site: Path, name: str) -> _PageText:
    parser = _PageText()
    parser.feed(page_file(site, name).read_text(encoding="utf-8"))
    return parser


def page_text(site: Path, name: str) -> str:
    """The page's text, with MathML's minus sign (U+2212) read as the ASCII one torch prints.

    Figures' alt text is left out: a number must be on the page itself, not only in an image description.
    """
    return html.unescape("".join(read_page(site, name).parts)).replace("\u2212", "-")


def missing_numbers(text: str, expected: list[str]) -> list[str]:
    """The numbers of `expected` that do not stand on their own anywhere in `text`."""
    missing = []
    for number in expected:
        # Not part of a longer number ("10.3367", "0.33671"), and "0.1288" is not found inside "-0.1288".
        before = r"(?<![\d.])" if number.startswith("-") else r"(?<![\d.\-])"
        if not re.search(before + re.escape(number) + r"(?!\d)", text):
            missing.append(number)
    return missing


def expected_page_numbers() -> dict[str, list[str]]:
    """Every number each page must show, computed by the package."""
    setup = seqdocs.make_setup()
    numbers: dict[str, list[str]] = {"setup": four_decimals(setup.embeddings)}
    traces = {"rnn": seqdocs.rnn_trace(setup), "lstm": seqdocs.lstm_trace(setup), "gru": seqdocs.gru_trace(setup)}
    for page, names in NOTEBOOK_STEP_TENSORS.items():
        numbers[page] = [text for step in traces[page].steps for name in names for text in four_decimals(step[name])]
    plain = seqdocs.attention_trace(setup).steps[0]
    causal = seqdocs.attention_trace(setup, causal=True).steps[0]
    numbers["attention"] = [text for name in ATTENTION_TENSORS for text in four_decimals(plain[name])]
    numbers["attention"] += four_decimals(causal["attention_weights"]) + four_decimals(causal["output"])
    return numbers


@pytest.mark.slow
@pytest.mark.parametrize("page", ["setup", "rnn", "lstm", "gru", "attention"])
def test_every_printed_value_is_on_its_page(built_site: Path, page: str) -> None:
    expected = expected_page_numbers()[page]
    assert len(expected) >= 6
    missing = missing_numbers(page_text(built_site, page), expected)
    assert not missing, f"{page}.md does not show {sorted(set(missing))}"


@pytest.mark.slow
def test_the_pages_check_a_wrong_number_fails(built_site: Path) -> None:
    """The search above must be able to fail: a value off by one in the last digit is not on the page."""
    text = page_text(built_site, "lstm")
    forget = seqdocs.lstm_trace().steps[0]["forget_gate"][0].item()
    off_by_one = f"{forget + 3e-4:.4f}"
    assert missing_numbers(text, [f"{forget:.4f}"]) == []
    assert missing_numbers(text, [off_by_one]) == [off_by_one]


@pytest.mark.slow
@pytest.mark.parametrize("page", TUTORIAL_PAGES)
def test_each_page_names_torch_version_and_seed(built_site: Path, page: str) -> None:
    text = " ".join(page_text(built_site, page).split())
    assert torch.__version__ in text, f"{page}.md does not name torch {torch.__version__}"
    assert re.search(rf"\bseed\D{{0,12}}\b{seqdocs.setups.DEFAULT_SEED}\b", text), f"{page}.md does not name seed 42"


@pytest.mark.slow
@pytest.mark.parametrize(
    "page, reference",
    [("rnn", "torch.nn.RNN"), ("lstm", "torch.nn.LSTM"), ("gru", "torch.nn.GRU"),
     ("attention", "torch.nn.MultiheadAttention")],
)
def test_each_model_page_reports_its_check_against_torch(built_site: Path, page: str, reference: str) -> None:
    text = " ".join(page_text(built_site, page).split())
    assert reference in text, f"{page}.md does not report its check against {reference}"


@pytest.mark.slow
@pytest.mark.parametrize("page", TUTORIAL_PAGES)
def test_each_figure_says_what_it_shows(built_site: Path, page: str) -> None:
    images = [image for image in read_page(built_site, page).images if "generated/" in image.get("src", "")]
    assert images, f"{page}.md shows no generated figure"
    page_folder = page_file(built_site, page).parent
    for image in images:
        assert len(image.get("alt", "").split()) >= 8, f"{page}.md: {image['src']} has no real alt text"
        figure = (page_folder / image["src"]).resolve()
        assert figure.stat().st_size < LARGEST_FIGURE_BYTES, f"{image['src']} is {figure.stat().st_size} bytes"


def run_snippet(name: str) -> list[str]:
    """Run a page's snippet as a reader would, in a fresh interpreter, and return the decimals it prints."""
    completed = subprocess.run(
        [sys.executable, str(SNIPPETS / f"{name}.py")], capture_output=True, text=True, timeout=120, check=True
    )
    return [f"{float(number):.4f}".replace("-0.0000", "0.0000") for number in DECIMAL.findall(completed.stdout)]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["rnn", "lstm"])
def test_recurrent_snippets_print_the_package_values(name: str) -> None:
    trace_function, names = SNIPPET_STEP_TENSORS[name]
    trace = trace_function(seqdocs.make_setup())
    expected = [text for step in trace.steps for tensor_name in names for text in four_decimals(step[tensor_name])]
    assert run_snippet(name) == expected


@pytest.mark.slow
def test_gru_snippet_prints_the_package_values_then_the_textbook_form() -> None:
    trace_function, names = SNIPPET_STEP_TENSORS["gru"]
    trace = trace_function(seqdocs.make_setup())
    expected = [text for step in trace.steps for tensor_name in names for text in four_decimals(step[tensor_name])]
    printed = run_snippet("gru")
    assert printed[: len(expected)] == expected
    textbook = printed[len(expected):]
    assert len(textbook) == len(trace.steps) * seqdocs.make_setup().gru.hidden_size
    # With h0 = 0 the reset gate has nothing to act on, so the two forms agree at step 1; after it they part.
    hidden_size = seqdocs.make_setup().gru.hidden_size
    for step in trace.steps:
        textbook_state = textbook[step.index * hidden_size : (step.index + 1) * hidden_size]
        same = textbook_state == four_decimals(step["hidden"])
        assert same == (step.index == 0), f"step {step.index + 1}: textbook {textbook_state}"


@pytest.mark.slow
def test_attention_snippet_prints_the_package_values() -> None:
    setup = seqdocs.make_setup()
    plain = seqdocs.attention_trace(setup).steps[0]
    causal = seqdocs.attention_trace(setup, causal=True).steps[0]
    expected = [text for name in ATTENTION_TENSORS[1:] for text in four_decimals(plain[name])]
    expected += four_decimals(causal["attention_weights"]) + four_decimals(causal["output"])
    assert run_snippet("attention") == expected


@pytest.mark.slow
def test_setup_snippet_prints_the_embeddings() -> None:
    assert run_snippet("setup") == four_decimals(seqdocs.make_setup().embeddings)


# --- Claims in the pages' prose, each recomputed here another way ---------------------------------------------

EXAMPLES = REPO_ROOT / "scripts" / "examples"


def example_config_hidden_size(example: str, config_class: str) -> int:
    """The hidden_size an example passes to its config (read from its source, without running it)."""
    tree = ast.parse((EXAMPLES / f"{example}.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == config_class:
            for keyword in node.keywords:
                if keyword.arg == "hidden_size":
                    return ast.literal_eval(keyword.value)
    raise AssertionError(f"scripts/examples/{example}.py passes no hidden_size to {config_class}")


@pytest.mark.generated("setup")
def test_setup_page_weight_scales_are_pytorchs_measured() -> None:
    """The toy's standard normal weights against nn.RNN's own initialisation, at the sizes the Setup page names."""
    values = example_values("setup")
    setup = seqdocs.make_setup()
    # The Setup page quotes the package's default sizes; the chapters must use those very sizes.
    assert example_config_hidden_size("gradients", "GradientConfig") == seqdocs.experiments.GradientConfig().hidden_size
    assert example_config_hidden_size("memory", "MemoryConfig") == seqdocs.experiments.MemoryConfig().hidden_size
    for key, hidden_size in (("toy_scale_ratio", setup.rnn.hidden_size),
                             ("memory_scale_ratio", seqdocs.experiments.MemoryConfig().hidden_size),
                             ("gradients_scale_ratio", seqdocs.experiments.GradientConfig().hidden_size)):
        # nn.RNN's bound depends on the hidden size alone, so a wide input gives many draws from one module:
        # 40,000 or more, for a spread to within about 1%.
        torch.manual_seed(0)
        module = torch.nn.RNN(40_000 // hidden_size + 1, hidden_size)
        weights = torch.cat([parameter.detach().flatten() for parameter in module.parameters()])
        assert weights.abs().max().item() <= 1 / math.sqrt(hidden_size)
        ratio = 1.0 / weights.std().item()  # the toy's spread is 1
        # The page prints one decimal: up to 0.05 of rounding, and about 1% of sampling here.
        assert number(values[key]) == pytest.approx(ratio, abs=0.05 + 0.015 * ratio), key
    # And the toy's weights are standard normal indeed: their draws' spread over many seeds is 1.
    spread = seqdocs.make_setup(embedding_size=64, hidden_size=64).rnn.hidden_to_hidden.std()  # 4,096 draws
    assert spread.item() == pytest.approx(1.0, abs=0.05)


@pytest.mark.generated("rnn")
def test_rnn_page_sums_outside_the_square_as_torch_computes_them() -> None:
    """Each row of the RNN page's weight-scale table, recomputed with torch.nn.RNN: |sum| > 1 iff |h| > tanh(1)."""
    measured = example_json("rnn", "weight_scales.json")
    assert len(measured["rows"]) == 4
    for row in measured["rows"]:
        config = seqdocs.experiments.GradientConfig(length=measured["length"], embedding_size=row["E"], hidden_size=row["H"],
                                        seeds=tuple(measured["seeds"]), dtype="float32",
                                        weight_scale=1.0 if row["kind"] == "standard normal" else None)
        weights = seqdocs.experiments.init_gradient_weights("rnn", config)
        inputs = seqdocs.experiments.gradient_inputs(config)  # (S, 1, T, E)
        states = []
        for seed in range(len(config.seeds)):
            module = torch.nn.RNN(row["E"], row["H"], batch_first=True)
            with torch.no_grad():
                module.weight_ih_l0.copy_(weights.input_to_hidden[seed].T)
                module.weight_hh_l0.copy_(weights.hidden_to_hidden[seed].T)
                module.bias_ih_l0.copy_(weights.bias[seed, 0])
                module.bias_hh_l0.zero_()
                states.append(module(inputs[seed])[0])  # (1, T, H)
        hidden = torch.stack(states)  # (S, 1, T, H)
        outside = (hidden.abs() > math.tanh(1)).float().mean().item()
        assert outside == pytest.approx(row["outside"], abs=2 / hidden.numel()), row
        assert (1 - hidden**2).median().item() == pytest.approx(row["median_slope"], abs=1e-3), row
    by_size = {}
    for row in measured["rows"]:
        by_size.setdefault(row["H"], {})[row["kind"]] = row["outside"]
    # What the page's sentences rest on: standard normal weights leave the square more often at both sizes.
    assert all(kinds["standard normal"] > kinds["PyTorch's"] for kinds in by_size.values())


@pytest.mark.generated("attention")
def test_attention_page_scaling_table_as_torch_computes_it() -> None:
    """The table under "Why divide by sqrt(d_k)", recomputed with F.scaled_dot_product_attention."""
    measured = example_json("attention", "scaling.json")
    values = example_values("attention")
    for row in measured["rows"]:
        width = row["width"]
        config = seqdocs.experiments.GradientConfig(length=measured["tokens"], embedding_size=width, hidden_size=width,
                                        seeds=tuple(measured["seeds"]), dtype="float32",
                                        weight_scale=1.0 if row["kind"] == "standard normal" else None)
        weights = seqdocs.experiments.init_gradient_weights("attention", config)
        inputs = seqdocs.experiments.gradient_inputs(config)  # (S, 1, T, d_model)
        queries, keys = inputs @ weights.query, inputs @ weights.key  # (S, 1, T, d_k)
        raw = queries @ keys.transpose(-2, -1)  # (S, 1, T, T)
        identity = torch.eye(measured["tokens"]).expand(queries.shape[:-1] + (measured["tokens"],))
        attention = torch.nn.functional.scaled_dot_product_attention(queries, keys, identity)  # rows: the weights
        assert raw.std().item() == pytest.approx(row["raw_spread"], rel=1e-3)
        assert (raw / math.sqrt(width)).std().item() == pytest.approx(row["scaled_spread"], rel=1e-3)
        assert attention.amax(dim=-1).median().item() == pytest.approx(row["top_weight"], abs=1e-4)
    # The page's rule: spreads are "steady" when the largest is within the stated factor of the smallest.
    for kind, key in (("PyTorch's", "pytorch"), ("standard normal", "normal")):
        scaled = [row["scaled_spread"] for row in measured["rows"] if row["kind"] == kind]
        steady = max(scaled) <= measured["steady_factor"] * min(scaled)
        assert (values[f"{key}_scaled_trend"] == "stay steady") == steady, kind
    assert values["pytorch_scaled_trend"] == "stay steady"  # the division corrects for the width ...
    assert values["normal_scaled_trend"] != "stay steady"  # ... and not for the size of the weights


def step_numbers(text: str) -> list[float]:
    """ "0.0000 at step 1, 0.0002 at step 2" -> [0.0, 0.0002]"""
    return [float(found) for found in re.findall(r"(-?\d+\.\d+) at step \d+", text)]


@pytest.mark.generated("gru")
def test_gru_page_two_comparisons_are_what_it_says() -> None:
    """The table compares two runs, each on its own states; the check compares one step from the same state."""
    values = example_values("gru")
    setup = seqdocs.make_setup()
    weights, hidden_size = setup.gru, setup.gru.hidden_size
    module = torch.nn.GRU(setup.embedding_size, hidden_size)
    with torch.no_grad():
        module.weight_ih_l0.copy_(weights.input_weight.T)
        module.weight_hh_l0.copy_(weights.hidden_weight.T)
        module.bias_ih_l0.copy_(weights.input_bias)
        module.bias_hh_l0.copy_(weights.hidden_bias)

    def textbook_step(x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        """Cho et al.'s GRU, written out here: the reset gate scales h before W_hn. The biases are all zero."""
        w_ir, w_iz, w_in = weights.input_weight.chunk(3, dim=-1)
        w_hr, w_hz, w_hn = weights.hidden_weight.chunk(3, dim=-1)
        r, z = torch.sigmoid(x @ w_ir + h @ w_hr), torch.sigmoid(x @ w_iz + h @ w_hz)
        return (1 - z) * torch.tanh(x @ w_in + (r * h) @ w_hn) + z * h

    assert not weights.input_bias.any() and not weights.hidden_bias.any()
    with torch.no_grad():
        torch_run = module(setup.inputs)[0]  # (T, H): nn.GRU on its own states
        textbook_run, h = [], torch.zeros(hidden_size)
        for x in setup.inputs:
            h = textbook_step(x, h)
            textbook_run.append(h)
        textbook_run = torch.stack(textbook_run)  # (T, H)
        previous = torch.cat([torch.zeros(1, hidden_size), textbook_run[:-1]])  # the textbook's own h_{t-1}
        one_step = torch.stack([module(x[None], p[None])[1][0] for x, p in zip(setup.inputs, previous)])
    trajectory_gaps = (torch_run - textbook_run).abs().amax(dim=-1).tolist()
    one_step_gaps = (one_step - textbook_run).abs().amax(dim=-1).tolist()
    assert step_numbers(values["trajectory_gaps"]) == pytest.approx(trajectory_gaps, abs=6e-5)
    assert step_numbers(values["one_step_gaps"]) == pytest.approx(one_step_gaps, abs=6e-5)
    assert number(values["largest_gap"]) == pytest.approx(max(trajectory_gaps), abs=6e-5)
    assert number(values["textbook_vs_torch"]) == pytest.approx(max(one_step_gaps), abs=6e-5)
    assert values["textbook_vs_torch_step"] == str(one_step_gaps.index(max(one_step_gaps)) + 1)
    # Two comparisons, two different numbers: from step 3 on, the runs' states differ before the step.
    assert max(trajectory_gaps) != max(one_step_gaps)


# --- One notation for the whole site --------------------------------------------------------------------------

NOTATION_PAGES = (
    "index", "setup", "rnn", "lstm", "gru", "attention", "side-by-side", "block", "try", "word-order", "gradients",
    "learning", "memory", "cost", "conventions", "notation",
)
"""The pages held to the notation here: every page of the site."""
NOTATION_UNITS = (
    "overview", "setup", "rnn", "lstm", "gru", "attention", "side_by_side", "block", "word_order", "gradients",
    "learning", "memory", "cost", "cost_time", "conventions",
)
"""The generated material of those pages."""
BREAKS_NOTATION = {
    r"\\sqrt\{d\}": "the key width is d_k: \\sqrt{d_k}",
    r"W_\{x[rzn]\}|b_\{x[rzn]\}": "the GRU's input weights and biases are W_{ir}, W_{iz}, W_{in}, b_{in}",
    r"(?i)four gates": "an LSTM has three gates and a candidate",
    r"\$E_\{|\$E\$ has one row|matrix \$E\$": "E is the embedding size; the matrix is W_{\\text{emb}}",
    r"distance \$[kd]\$|\$d = T - t\$": "a distance is Delta, never d or k",
    r"\$d = \d|width-\$d\$": "a width is d_model (or d_k for a key), never a bare d",
    r"Starts from blank [^s]": "a text slip in the LSTM's step tabs",
}


def page_sources() -> dict[str, str]:
    return {f"docs/{page}.md": (REPO_ROOT / "docs" / f"{page}.md").read_text(encoding="utf-8")
            for page in NOTATION_PAGES}


def generated_sources() -> dict[str, str]:
    sources = {}
    for unit in NOTATION_UNITS:
        folder = example_folder(unit)  # built, or found up to date, before it is read
        for path in sorted(folder.glob("*.md")):
            sources[str(path.relative_to(REPO_ROOT))] = path.read_text(encoding="utf-8")
    return sources


@pytest.mark.parametrize("pattern", sorted(BREAKS_NOTATION))
def test_pages_follow_the_site_notation(pattern: str) -> None:
    offenders = [name for name, text in page_sources().items() if re.search(pattern, text)]
    assert not offenders, f"{BREAKS_NOTATION[pattern]}; found in {offenders}"


@pytest.mark.slow  # it needs every chapter's generated material, the trained memory models included
@pytest.mark.generated(*NOTATION_UNITS)
def test_generated_material_follows_the_site_notation() -> None:
    sources = generated_sources()
    assert len(sources) >= len(NOTATION_UNITS)
    offenders = {pattern: [name for name, text in sources.items() if re.search(pattern, text)]
                 for pattern in BREAKS_NOTATION}
    assert not any(offenders.values()), "; ".join(
        f"{BREAKS_NOTATION[pattern]}; found in {names}" for pattern, names in offenders.items() if names)


def test_the_notation_rules_catch_a_slip() -> None:
    """The patterns above must be able to fail."""
    slips = [r"A = \operatorname{softmax}(QK^\top/\sqrt{d})", r"$x_t W_{xn} + b_{xn}$", "four gates, a cell",
             r"The embedding matrix $E$ has one row", r"distance $k$", "Starts from blank the hidden state",
             "with $d = 32$"]
    for slip in slips:
        assert any(re.search(pattern, slip) for pattern in BREAKS_NOTATION), slip


def test_every_page_with_a_formula_links_to_the_notation_and_the_nav_lists_it() -> None:
    mkdocs = (REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^  - Notation: notation\.md$", mkdocs, re.M), "mkdocs.yml has no nav entry for notation.md"
    for page in NOTATION_PAGES:
        text = (REPO_ROOT / "docs" / f"{page}.md").read_text(encoding="utf-8")
        if "$$" in text and page != "notation":
            assert "(notation.md" in text, f"{page}.md has formulas but no link to the Notation page"


def test_gate_rows_keep_one_fixed_colour_scale_whatever_the_values() -> None:
    """The LSTM and GRU heatmaps: a gate of 0.9 is the same colour on both pages, whatever else they show."""
    sys.path.insert(0, str(EXAMPLES))
    try:
        import matplotlib

        matplotlib.use("svg")
        import matplotlib.pyplot as plt
        from _figures import GATE_SCALE, STATE_SCALE, steps_heatmap
    finally:
        sys.path.remove(str(EXAMPLES))
    colours = []
    for states in ([[0.1, -0.2]], [[3.0, -4.0]]):  # (steps, units): tiny states, then large ones
        figure, axes = plt.subplots()
        values = [[[0.9, 0.2]], states]  # (rows, steps, units): a gate row, then a state row
        steps_heatmap(axes, values, ["gate", "state"], ["a"], gate_rows=1, row_scales=[GATE_SCALE, STATE_SCALE])
        images = axes.get_images()
        assert [image.norm.vmin for image in images] == [0.0, -1.0]
        assert [image.norm.vmax for image in images] == [1.0, 1.0]
        colours.append(images[0].cmap(images[0].norm(0.9)))
        plt.close(figure)
    assert colours[0] == colours[1]
