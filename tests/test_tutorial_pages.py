"""The tutorial chapters show the package's numbers: every value the seed notebook prints is on its page, as
torch prints it (4 decimals); each page names the torch version and seed that made it; every figure says
what it shows; and each page's closing program prints the very numbers the package computes.

The expected numbers are computed here with the package, never typed in, so a page that drifts from the
package (a stale table, a wrong tensor in a tab) fails.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import torch

import seqdocs

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
    assert re.search(rf"\bseed\D{{0,12}}\b{seqdocs.DEFAULT_SEED}\b", text), f"{page}.md does not name seed 42"


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
