"""The "Try it" page in headless Chromium: its engine equals the Python package, its view behaves for a reader.

The equality test drives the real page and calls `window.seqdocs.trace` with hypothesis-generated options; the
Python package, itself checked against PyTorch in tests/test_against_torch.py, gives the expected numbers.
Tolerance, as the page states, times the number's size where that is above 1: the four models within 1e-6 at
the site's sizes (E = H = 2) and 1e-5 over the page's whole range (E, H <= 4, <= 16 tokens); the Transformer
block within 1e-6 on its page's example ("a b c", E = 4, 2 heads, F = 8) and 1e-5 over its range here (E = 4,
F <= 8, heads 1, 2 or 4, causal or not, post- or pre-norm, <= 16 tokens).
"""

from __future__ import annotations

import json
import math
import re

import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from playwright import sync_api as playwright_api

import seqdocs
from seqdocs.cli import trace_document

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
PAGE_LIMITS = {"tokens": 16, "size": 4, "feedforward": 8}
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
        """The first table's rows whose caption starts so: row header -> the cells' texts. The view draws its
        tables in tasks of their own, so this waits for the table first."""
        self.page.wait_for_function(
            "(start) => [...document.querySelectorAll('#try-it table')]"
            ".some((t) => t.caption && t.caption.textContent.startsWith(start) && t.tBodies.length)",
            arg=caption_start,
        )
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
    model = draw(st.sampled_from(["rnn", "lstm", "gru", "attention", "block"]))
    if model == "block":
        return draw(block_options())
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


@st.composite
def block_options(draw):
    tokens = draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=PAGE_LIMITS["tokens"]))
    separator = draw(st.sampled_from([" ", "\t", "\u00a0", "\u3000 "]))
    seed = draw(st.one_of(st.integers(0, 2**32 - 1), st.integers(2**32, 2**63 - 1), st.just(42)))
    return {
        "sequence": separator.join(tokens), "model": "block", "seed": seed, "embeddingSize": 4, "hiddenSize": 2,
        "heads": draw(st.sampled_from([1, 2, 4])), "causal": draw(st.booleans()), "normFirst": draw(st.booleans()),
        "feedforwardSize": draw(st.one_of(st.none(), st.integers(1, PAGE_LIMITS["feedforward"]))),
    }


BLOCK_EXAMPLE = {"sequence": "a b c", "model": "block", "seed": 42, "embeddingSize": 4, "hiddenSize": 2, "heads": 2,
                 "causal": False, "normFirst": False, "feedforwardSize": None}
"""The block page's own example, held to 1e-6."""


def tolerance(options: dict) -> float:
    if options["model"] == "block":
        return 1e-6 if options == BLOCK_EXAMPLE else 1e-5
    return 1e-6 if options["embeddingSize"] == options["hiddenSize"] == 2 else 1e-5


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(options=BLOCK_EXAMPLE)
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
    expected = trace_document(setup, [options["model"]], causal=options["causal"], num_heads=options["heads"],
                              norm_first=options.get("normFirst", False),
                              feedforward_size=options.get("feedforwardSize"))
    expected = json.loads(json.dumps({"setup": expected["setup"], "traces": expected["traces"]}))
    # A seed past 2**53 cannot be a JavaScript number: the page gives it as a string of its digits.
    assert str(got["setup"].pop("seed")) == str(expected["setup"].pop("seed"))
    compare(expected, got, options["model"], tolerance(options))


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


def test_a_broken_block_line_is_caught(engine_page):
    """The same for the block: LayerNorm's variance divided by E - 1 (the unbiased estimate) instead of E."""
    setup = seqdocs.make_setup("the cat sat", embedding_size=4)
    expected = json.loads(json.dumps(trace_document(setup, ["block"], num_heads=2)["traces"]))
    broken = engine_page.page.evaluate(
        """() => {
            const source = document.querySelector('script[src$="engine.js"]').src;
            return fetch(source).then((r) => r.text()).then((text) => {
                const patched = text.replace('f32(squares / E)', 'f32(squares / (E - 1))')
                    .replace('root.seqdocs = Object.assign(root.seqdocs || {}, api)', 'root.brokenSeqdocs = api');
                if (patched === text) throw new Error('the line to break was not found');
                (0, eval)(patched);
                return window.brokenSeqdocs.trace({sequence: 'the cat sat', model: 'block'}).traces;
            });
        }"""
    )
    with pytest.raises(AssertionError, match="norm1_|norm2_|output|feedforward"):
        compare(expected, broken, "block", 1e-5)


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
    playwright_api.expect(page.locator("#try-step")).to_have_attribute("aria-valuetext", "step 2 of 3: cat")
    assert page.locator("[data-command]").text_content() == "seqdocs explain --model lstm -- 'the cat sat'"
    # Keyboard only: focus the slider and press the arrow key.
    page.locator("#try-step").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('[data-live]').textContent.includes('sat')")
    assert tab.errors == []
    tab.close()


def test_a_reader_steps_through_the_block_and_switches_to_pre_norm(browser, served_site):
    tab = Tab(browser, served_site + "try/?model=block&sequence=the+cat+sat")
    page = tab.page
    setup = seqdocs.make_setup("the cat sat", embedding_size=4)  # the block's own size, as the command's default
    for norm_first in (False, True):
        step = seqdocs.block_trace(setup, seqdocs.BlockConfig(num_heads=2, norm_first=norm_first)).steps[0]
        for position, token in enumerate(("the", "cat", "sat")):
            rows = tab.rows(f"Token {position + 1}, \u201c{token}\u201d: its row")
            for name in ("inputs", "attention_residual", "output"):
                assert rows[name] == [shown(v) for v in step[name][position].tolist()], (norm_first, token, name)
            weights = tab.rows(f"Token {position + 1}, \u201c{token}\u201d: how much")
            for head in (0, 1):
                assert weights[f"attention_weights, head {head + 1}"] == [
                    shown(v) for v in step["attention_weights"][head, position].tolist()]
            hidden = tab.rows(f"Token {position + 1}, \u201c{token}\u201d: the feed-forward")["feedforward_hidden"]
            assert hidden == [shown(v) for v in step["feedforward_hidden"][position].tolist()]
            if position < 2:
                page.get_by_role("button", name="Next token").click()
        expected_command = "seqdocs explain --model block" + (" --norm-first" if norm_first else "") + " -- 'the cat sat'"
        assert page.locator("[data-command]").text_content() == expected_command
        assert page.locator(f"[data-formula=block-{'pre' if norm_first else 'post'}]").is_visible()
        if not norm_first:
            page.select_option("#try-norm", "pre")
            page.wait_for_function("() => new URL(location.href).searchParams.get('norm') === 'pre'")
    # The block's width is 4 on this page: another is refused beside the field, and the view stays.
    page.fill("#try-e", "2")
    page.get_by_role("button", name="Read the sequence").click()
    assert "E = 4" in page.locator("[data-error-for='e']").text_content()
    assert tab.errors == []
    tab.close()


def test_the_page_works_from_the_keyboard_alone_with_visible_focus(browser, served_site):
    tab = Tab(browser, served_site + "try/")
    page = tab.page
    page.locator("#try-sequence").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("the cat sat")
    page.keyboard.press("Enter")  # submits the form, as a form's text field does
    page.wait_for_function("() => document.querySelector('[data-live]').textContent.includes('the')")
    assert "sequence=the+cat+sat" in page.url
    # Tab on to the "Next token" button; every control on the way shows where the focus is.
    reached = []
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const element = document.activeElement;
                const style = getComputedStyle(element);
                const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
                    || style.boxShadow !== 'none';
                return {name: element.name || element.id, ring, inside: !!element.closest('#try-it')};
            }"""
        )
        if not focused["inside"]:
            continue
        assert focused["ring"], f"{focused['name']} shows no focus ring"
        reached.append(focused["name"])
        if focused["name"] == "next":
            break
    assert reached[-1] == "next", reached
    page.keyboard.press("Enter")
    page.wait_for_function("() => new URL(location.href).searchParams.get('step') === '2'")
    page.keyboard.press("Space")
    page.wait_for_function("() => new URL(location.href).searchParams.get('step') === '3'")
    assert "\u201csat\u201d" in page.locator("[data-live]").text_content()
    # Back to the slider (the disabled "Next token" gave its focus up) and to the first token with Home.
    page.locator("#try-step").focus()
    page.keyboard.press("Home")
    page.wait_for_function("() => document.querySelector('[data-live]').textContent.includes('\u201cthe\u201d')")
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


def test_the_palette_restyles_the_page_only_when_a_colour_changes(browser, served_site):
    """overrides/main.html: no `data-md-color-switching` round trip at start-up, a real switch as before.

    Material's palette sets that attribute on <body> at every load (each add and remove restyles every element);
    the override sets it only before a colour attribute really changes. Recorded from the first script on: at
    start-up with the colours in place, the attribute never appears; the reader's toggle sets it, changes the
    scheme, and removes it again; and a first visit on a dark system (the colours do change) still gets it.
    """
    record = """
        window.switching = [];
        new MutationObserver((records) => records.forEach((r) => window.switching.push(
            [r.attributeName, document.body.getAttribute(r.attributeName)])))
            .observe(document, {attributes: true, subtree: true,
                                attributeFilter: ['data-md-color-switching', 'data-md-color-scheme']});
    """
    context = browser.new_context(color_scheme="light")
    context.add_init_script(record)
    page = context.new_page()
    page.goto(served_site + "try/")
    page.wait_for_selector("#try-it[data-ready=true]")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.switching.filter(([name]) => name === 'data-md-color-switching')") == []
    assert page.evaluate("() => document.body.dataset.mdColorScheme") == "default"
    page.evaluate("() => { window.switching = []; }")
    page.locator("[data-md-component=palette] label:not([hidden])").click()
    page.wait_for_function("() => !document.body.hasAttribute('data-md-color-switching')")
    changes = page.evaluate("() => window.switching")
    assert changes[0] == ["data-md-color-switching", ""], changes
    assert ["data-md-color-scheme", "slate"] in changes
    assert changes[-1] == ["data-md-color-switching", None], changes
    assert page.evaluate("() => document.body.dataset.mdColorScheme") == "slate"
    context.close()

    # A first visit on a dark system: the page starts with the first palette's colours, and the bundle switches.
    context = browser.new_context(color_scheme="dark")
    context.add_init_script(record)
    page = context.new_page()
    page.goto(served_site + "try/")
    page.wait_for_selector("#try-it[data-ready=true]")
    page.wait_for_function("() => document.body.dataset.mdColorScheme === 'slate' && !document.body.hasAttribute('data-md-color-switching')")
    names = [name for name, _ in page.evaluate("() => window.switching")]
    assert names.index("data-md-color-switching") < names.index("data-md-color-scheme"), names
    context.close()
