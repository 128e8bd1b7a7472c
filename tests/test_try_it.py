"""The "Try it" page in headless Chromium: its engine equals the Python package, its view behaves for a reader.

The equality test drives the real page and calls `window.seqdocs.trace` with hypothesis-generated options; the
Python package, itself checked against PyTorch in tests/test_against_torch.py, gives the expected numbers.
Tolerance, as the page states: 1e-6 at the site's sizes (E = H = 2) and 1e-5 over the page's whole range (E,
H <= 4, <= 16 tokens), times the number's size where that is above 1.
"""

from __future__ import annotations

import json
import math
import re

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright import sync_api as playwright_api

import seqdocs
from seqdocs.cli import trace_document

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
PAGE_LIMITS = {"tokens": 16, "size": 4}
# Repeated, non-ASCII and look-alike tokens; "<b>x</b>" must stay text.
TOKENS = ["a", "b", "c", "the", "cat", "sat", "é", "日本", "ß", "<b>x</b>", "0", "-x"]


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Tab:
    """One page with its console errors and page errors recorded, and requests to other hosts refused."""

    def __init__(self, browser, url: str, scheme: str = "light") -> None:
        self.context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.offsite: list[str] = []
        if url.startswith("http"):
            origin = url.split("/", 3)[:3]
            local = "/".join(origin) + "/"
            self.context.route(lambda target: not target.startswith((local, "data:", "blob:")), self._refuse)
        self.page = self.context.new_page()
        self.page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(url)
        self.page.wait_for_selector("#try-it[data-ready=true]")

    def _refuse(self, route) -> None:
        self.offsite.append(route.request.url)
        route.abort()

    def rows(self, caption_start: str = "") -> dict[str, list[str]]:
        """The first table's rows whose caption starts so: row header -> the cells' texts."""
        return self.page.evaluate(
            """(start) => {
                const table = [...document.querySelectorAll('#try-it table')]
                    .find((t) => t.caption.textContent.startsWith(start));
                return Object.fromEntries([...table.tBodies[0].rows].map((row) =>
                    [row.cells[0].textContent, [...row.cells].slice(1).map((cell) => cell.textContent)]));
            }""",
            caption_start,
        )

    def close(self) -> None:
        assert not self.offsite, self.offsite
        self.context.close()


@pytest.fixture(scope="module")
def engine_page(browser, served_site):
    tab = Tab(browser, served_site + "try/")
    yield tab
    tab.close()


def shown(value: float) -> str:
    """A number as the page writes it: four decimals and a real minus sign."""
    text = f"{value:.4f}".replace("-", "\u2212")
    return "0.0000" if text == "\u22120.0000" else text


def compare(expected, got, path: str, tolerance: float) -> float:
    """Walk two trace documents in step: same keys, names, shapes and strings; numbers within tolerance."""
    if isinstance(expected, dict) and "shape" in expected and "data" in expected:
        assert got["shape"] == expected["shape"], path
        assert got["dtype"] == expected["dtype"], path
        if expected["dtype"] == "bool":
            assert got["data"] == expected["data"], path
            return 0.0
        if not math.prod(expected["shape"]):
            return 0.0
        want = torch.tensor(expected["data"], dtype=torch.float64)
        # Relative above 1: a float32 number of size 8 already has a last place of 1e-6.
        error = (torch.tensor(got["data"], dtype=torch.float64) - want).abs() / want.abs().clamp(min=1)
        worst = error.max().item()
        assert worst <= tolerance, f"{path}: differs by {worst:.3g} > {tolerance} (times the size, above 1)"
        return worst
    if isinstance(expected, dict):
        assert list(got) == list(expected), f"{path}: names {list(got)} != {list(expected)}"
        return max([compare(expected[key], got[key], f"{path}.{key}", tolerance) for key in expected], default=0.0)
    if isinstance(expected, list):
        assert len(got) == len(expected), path
        return max([compare(e, g, f"{path}[{i}]", tolerance) for i, (e, g) in enumerate(zip(expected, got))], default=0.0)
    assert got == expected, f"{path}: {got!r} != {expected!r}"
    return 0.0


@st.composite
def page_options(draw):
    model = draw(st.sampled_from(["rnn", "lstm", "gru", "attention"]))
    small = draw(st.booleans())  # half the cases at the site's own sizes, where the bound is 1e-6
    embedding_size = 2 if small else draw(st.integers(1, PAGE_LIMITS["size"]))
    hidden_size = 2 if small else draw(st.integers(1, PAGE_LIMITS["size"]))
    heads = draw(st.sampled_from([n for n in range(1, embedding_size + 1) if embedding_size % n == 0]))
    tokens = draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=PAGE_LIMITS["tokens"]))
    separator = draw(st.sampled_from([" ", "  ", "\t", "\u00a0", "\u3000 "]))
    seed = draw(st.one_of(st.integers(0, 2**32 - 1), st.integers(2**32, 2**63 - 1), st.just(42)))
    return {
        "sequence": separator.join(tokens), "model": model, "seed": seed, "embeddingSize": embedding_size,
        "hiddenSize": hidden_size, "causal": model == "attention" and draw(st.booleans()),
        "heads": heads if model == "attention" else 1,
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(options=page_options())
def test_the_page_engine_equals_the_python_package(engine_page, options):
    got = engine_page.page.evaluate(
        "(options) => window.seqdocs.trace({...options, seed: BigInt(options.seed)})",
        {**options, "seed": str(options["seed"])},
    )
    setup = seqdocs.make_setup(
        options["sequence"], seed=options["seed"], embedding_size=options["embeddingSize"],
        hidden_size=options["hiddenSize"],
    )
    expected = trace_document(setup, [options["model"]], causal=options["causal"], num_heads=options["heads"])
    expected = json.loads(json.dumps({"setup": expected["setup"], "traces": expected["traces"]}))
    # A seed past 2**53 cannot be a JavaScript number: the page gives it as a string of its digits.
    assert str(got["setup"].pop("seed")) == str(expected["setup"].pop("seed"))
    at_site_sizes = options["embeddingSize"] == options["hiddenSize"] == 2
    compare(expected, got, options["model"], 1e-6 if at_site_sizes else 1e-5)


def test_a_broken_engine_line_is_caught(engine_page):
    """The equality check above would fail on an engine with one line wrong: here, the forget gate's block."""
    setup = seqdocs.make_setup("the cat sat")
    expected = json.loads(json.dumps(trace_document(setup, ["lstm"])["traces"]))
    broken = engine_page.page.evaluate(
        """() => {
            const source = document.querySelector('script[src$="engine.js"]').src;
            return fetch(source).then((r) => r.text()).then((text) => {
                const patched = text.replace('slice(gatePreActivations, H, H)', 'slice(gatePreActivations, 2 * H, H)')
                    .replace('root.seqdocs = Object.assign(root.seqdocs || {}, api)', 'root.brokenSeqdocs = api');
                if (patched === text) throw new Error('the line to break was not found');
                (0, eval)(patched);
                return window.brokenSeqdocs.trace({sequence: 'the cat sat', model: 'lstm'}).traces;
            });
        }"""
    )
    with pytest.raises(AssertionError, match="forget_gate|cell|hidden|kept_memory|output"):
        compare(expected, broken, "lstm", 1e-5)


def test_a_reader_steps_through_the_cat_sat_on_the_lstm_and_back(browser, served_site):
    tab = Tab(browser, served_site + "try/?model=lstm&sequence=the+cat+sat")
    page = tab.page
    trace = seqdocs.lstm_trace(seqdocs.make_setup("the cat sat"))
    for step in (1, 2, 3):
        rows = tab.rows("Step")
        for name in ("forget_gate", "cell", "hidden"):
            assert rows[name] == [shown(v) for v in trace.steps[step - 1][name].tolist()], (step, name)
        assert f"step={step}" in page.url
        assert "\u201c" + ("the", "cat", "sat")[step - 1] + "\u201d" in page.locator("[data-live]").text_content()
        if step < 3:
            page.get_by_role("button", name="Next token").click()
    assert page.get_by_role("button", name="Next token").is_disabled()
    page.go_back()
    page.wait_for_function("() => new URL(location.href).searchParams.get('step') === '2'")
    assert tab.rows("Step")["hidden"] == [shown(v) for v in trace.steps[1]["hidden"].tolist()]
    assert page.locator("#try-step").get_attribute("aria-valuetext") == "step 2 of 3: cat"
    assert page.locator("[data-command]").text_content() == "seqdocs explain --model lstm -- 'the cat sat'"
    # Keyboard only: focus the slider and press the arrow key.
    page.locator("#try-step").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('[data-live]').textContent.includes('sat')")
    assert tab.errors == []
    tab.close()


def test_typed_and_linked_html_is_shown_as_text_and_runs_nothing(browser, served_site):
    payload = "<img src=x onerror=window.pwned=1> <script>window.pwned=2</script>"
    tab = Tab(browser, served_site + "try/?model=rnn&sequence=" + payload.replace(" ", "+").replace("<", "%3C").replace(">", "%3E").replace("=", "%3D"))
    page = tab.page
    assert page.evaluate("() => window.pwned") is None
    assert page.locator("#try-it img").count() == 0
    assert "<img" in page.locator("[data-live]").text_content()
    page.fill("#try-sequence", "<b onmouseover=window.pwned=3>bold</b>")
    page.get_by_role("button", name="Read the sequence").click()
    page.wait_for_function("() => document.querySelector('[data-live]').textContent.includes('<b')")
    assert page.locator("#try-it b").count() == 0
    assert page.evaluate("() => window.pwned") is None
    assert tab.errors == []
    tab.close()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("#try-sequence", "   ", "empty"),
        ("#try-sequence", " ".join(["a"] * 17), "at most 16 tokens"),
        ("#try-e", "9", "from 1 to 4"),
        ("#try-seed", "-3", "whole number"),
        ("#try-vocab", "a b", "not in the vocabulary"),
    ],
)
def test_bad_input_gets_one_sentence_beside_its_field_and_keeps_the_last_view(browser, served_site, field, value, message):
    tab = Tab(browser, served_site + "try/?model=gru&sequence=a+b+c")
    page = tab.page
    before = tab.rows("Step")
    page.fill(field, value)
    page.get_by_role("button", name="Read the sequence").click()
    error = page.locator(f"[data-error-for='{field.removeprefix('#try-')}']")
    error.wait_for()
    assert message in error.text_content()
    assert page.locator(field).get_attribute("aria-invalid") == "true"
    assert tab.rows("Step") == before
    assert tab.errors == []
    tab.close()


def test_heads_that_do_not_divide_the_width_are_refused(browser, served_site):
    tab = Tab(browser, served_site + "try/?model=attention&e=3&heads=2")
    assert "divide" in tab.page.locator("[data-error-for='heads']").text_content()
    assert tab.errors == []
    tab.close()


def test_the_page_works_from_files_and_after_instant_navigation(browser, built_site, served_site):
    tab = Tab(browser, (built_site / "try" / "index.html").as_uri() + "?model=attention&sequence=x+y+x&heads=1")
    assert "queries" in tab.rows("Token 1")
    assert "attention_weights" in tab.rows("Token 1, \u201cx\u201d: how much")
    tab.close()
    # Instant navigation: from the home page to Try it without a page load; the view must still start.
    context = browser.new_context()
    context.route("**/sitemap.xml", lambda route: _sitemap_at(route, served_site))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(served_site)
    page.evaluate("() => { window.notReloaded = true; }")
    page.locator("a.md-nav__link[href$='try/']").first.click()
    page.wait_for_selector("#try-it[data-ready=true]")
    assert page.evaluate("() => window.notReloaded") is True, "the link did a full page load"
    assert page.locator("#try-it table").count() >= 1
    assert errors == []
    context.close()


def _sitemap_at(route, base_url: str) -> None:
    """Serve sitemap.xml as if the site were deployed here: instant navigation only follows its URLs."""
    response = route.fetch()
    body = response.text()
    locations = re.findall(r"<loc>\s*(https?://[^<\s]+)\s*</loc>", body)
    if locations:
        body = body.replace(min(locations, key=len), base_url)
    route.fulfill(response=response, body=body)
