"""The built site in a real browser: every page, in the light and the dark palette (an API reference page in
the light one only: see CONTRAST_REFERENCE_PAGE).

One headless Debian Chromium serves the whole module (Playwright's own browser download cannot work
offline, so it is never installed). Each palette gets one browser context, reused page after page.
A context aborts and records any request to a host other than the local server: nothing may load from
the network in a reader's browser.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright import sync_api as playwright_api

if TYPE_CHECKING:
    from conftest import NavPage

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}
SCHEMES = ("light", "dark")
SCREENSHOT_DIR = Path("/tmp/shots")
SCREENSHOT_PAGES = {"index.md", "lstm.md", "attention.md", "side-by-side.md", "generated/notebooks/walkthrough.ipynb"}
BLOCKING_IMPACTS = {"serious", "critical"}
CONTRAST_REFERENCE_PAGE = "reference/block.md"
"""The API reference page whose colour contrast axe checks for all of them. The reference pages are one
template, stylesheet and kind of content (signatures, parameter tables, admonitions, code), so contrast found
on one is found on each; axe's contrast rule, which measures every text node against what lies behind it, took
9 of the 11 s the largest of them (4,600 elements) spent in this test. Every other axe rule runs on every page."""

# Reads the page as the reader sees it: the scheme Material applied, how dark the background really is,
# code blocks without a copy button, <math> elements drawn with no size, and the visible prose with code
# and maths taken out.
PAGE_STATE_SCRIPT = """() => {
    const channel = (value) => {
        value /= 255;
        return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
    };
    const backgroundOf = (element) => getComputedStyle(element).backgroundColor.match(/[0-9.]+/g).map(Number);
    // A transparent body shows the <html> background, and a transparent <html> shows the browser's white.
    let background = backgroundOf(document.body);
    if (background[3] === 0) background = backgroundOf(document.documentElement);
    const [red, green, blue, alpha] = background[3] === 0 ? [255, 255, 255] : background;
    const content = document.querySelector(".md-content") || document.body;
    const prose = content.cloneNode(true);
    prose.querySelectorAll("pre, code, math, script, style, svg, .highlight").forEach((node) => node.remove());
    const codeBlocks = [...content.querySelectorAll("pre > code")];
    return {
        scheme: document.body.getAttribute("data-md-color-scheme"),
        luminance: 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue),
        codeBlocks: codeBlocks.length,
        // Material 9.8 puts a button.md-code__button[data-md-type=copy] in the <pre>; older ones a .md-clipboard.
        codeBlocksWithoutCopy: codeBlocks.filter((code) => !code.parentElement.querySelector(
            "button.md-code__button[data-md-type=copy], button.md-clipboard")).length,
        emptyMath: [...content.querySelectorAll("math")].filter((math) => {
            const box = math.getBoundingClientRect();
            // checkVisibility() is false in a closed <details> or a hidden tab, where no size is expected.
            return math.checkVisibility() && (box.width === 0 || box.height === 0);
        }).length,
        prose: prose.textContent,
    };
}"""

# Raw TeX or template markup that should have been rendered before the reader saw it.
UNRENDERED = {
    "display maths delimiters $$": re.compile(r"\$\$"),
    "inline maths $...$": re.compile(r"(?<![\w$])\$(?=\S)[^$\n]{1,200}(?<=\S)\$(?![\w$])"),
    r"TeX delimiters \( or \[": re.compile(r"\\[(\[]"),
    r"a TeX command like \frac": re.compile(r"\\(?:frac|sum|sigma|tanh|odot|mathbf|mathrm|top|cdot|left|right|in)\b"),
    "template markup {{ name }} or {%": re.compile(r"\{\{\s*\w[\w.]*\s*\}\}|\{%"),
}


class Visit:
    """What one page load did: console errors, page errors, failed and off-site requests."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.failed_requests: list[str] = []
        self.offsite_requests: list[str] = []

    def problems(self) -> list[str]:
        return (
            [f"console error: {text}" for text in self.console_errors]
            + [f"page error: {text}" for text in self.page_errors]
            + [f"failed request: {text}" for text in self.failed_requests]
            + [f"request to another host: {url}" for url in self.offsite_requests]
        )


class SchemeBrowser:
    """A browser context emulating one colour scheme, shared by every test of the module."""

    def __init__(self, browser, scheme: str, base_url: str) -> None:
        self.scheme = scheme
        self.base_url = base_url
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))
        self.context = browser.new_context(color_scheme=scheme, viewport=VIEWPORT)
        self.visit = Visit()
        # Routes run in the context, so they also see requests made by pages' workers (search).
        self.context.route(lambda url: not self._is_local(url), self._abort_offsite)
        self.context.route(lambda url: self._is_local(url) and url.endswith("/sitemap.xml"), self._relocate_sitemap)
        self.context.on("requestfailed", self._record_failure)
        self.context.on("response", self._record_error_status)

    def _is_local(self, url: str) -> bool:
        return url.startswith(self.origin + "/") or url.startswith(("data:", "blob:", "about:"))

    def _abort_offsite(self, route) -> None:
        self.visit.offsite_requests.append(route.request.url)
        route.abort()

    def _relocate_sitemap(self, route) -> None:
        """Serve sitemap.xml as if the site were deployed at this server's address.

        Material's instant navigation only takes over links listed in sitemap.xml, whose URLs start with
        ``site_url``; it matches them by scheme and host but not port, so on a test server at a random
        port it would fall back to full page loads. Swapping the deployed prefix for the local one is what
        serving the site at its real address does. A sitemap without absolute URLs (no ``site_url``) is
        passed on unchanged, and instant navigation then fails, as it would for readers.
        """
        response = route.fetch()
        body = response.text()
        locations = re.findall(r"<loc>\s*(https?://[^<\s]+)\s*</loc>", body)
        if locations:
            deployed_home = min(locations, key=len)
            body = body.replace(deployed_home, self.base_url)
        route.fulfill(response=response, body=body)

    def _record_failure(self, request) -> None:
        if self._is_local(request.url):
            self.visit.failed_requests.append(f"{request.url} ({request.failure})")

    def _record_error_status(self, response) -> None:
        if response.status >= 400:
            self.visit.failed_requests.append(f"{response.url} (HTTP {response.status})")

    def open(self, relative_url: str):
        """Open a page with fresh records of what it does; the caller closes it."""
        self.visit = Visit()
        page = self.context.new_page()
        page.on("console", lambda message: message.type == "error" and self.visit.console_errors.append(
            f"{message.text} ({message.location.get('url', '')}:{message.location.get('lineNumber', '')})"
        ))
        page.on("pageerror", lambda error: self.visit.page_errors.append(str(error)))
        page.goto(self.base_url + relative_url, wait_until="load")
        page.wait_for_load_state("networkidle")
        if self.scheme == "dark":
            self._make_dark(page)
        return page

    def _make_dark(self, page) -> None:
        """Switch to the dark palette with its toggle if the prefers-color-scheme emulation did not.

        Material remembers the choice in localStorage, so later pages of the context start dark.
        """
        for _ in range(3):
            if page.evaluate(PAGE_STATE_SCRIPT)["luminance"] < 0.5:
                return
            toggles = page.locator("form[data-md-component=palette] label:visible")
            if toggles.count() == 0:
                return
            toggles.first.click()
            page.wait_for_timeout(100)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def schemes(browser, served_site: str):
    opened = {scheme: SchemeBrowser(browser, scheme, served_site) for scheme in SCHEMES}
    yield opened
    for scheme_browser in opened.values():
        scheme_browser.context.close()


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()  # axe-core ships inside the package and is injected into the page: no network


def describe_violations(violations: list[dict]) -> list[str]:
    lines = []
    for violation in violations:
        targets = ["".join(map(str, node.get("target", []))) for node in violation.get("nodes", [])]
        shown = ", ".join(targets[:5]) + (f" and {len(targets) - 5} more" if len(targets) > 5 else "")
        lines.append(f"axe {violation['impact']} {violation['id']}: {violation['help']} -> {shown}")
    return lines


def schemes_to_check(source: str) -> tuple[str, ...]:
    """Both palettes, but only the light one for an API reference page other than the contrast reference: with
    contrast checked on that one page, nothing else the test checks depends on the palette."""
    if source.startswith("reference/") and source != CONTRAST_REFERENCE_PAGE:
        return ("light",)
    return SCHEMES


def test_page_reads_cleanly(schemes, axe: Axe, nav_page: NavPage | None) -> None:
    assert nav_page is not None, "mkdocs.yml has no nav"
    problems = []
    for scheme in schemes_to_check(nav_page.source):
        problems += [f"({scheme}) {problem}" for problem in palette_problems(schemes[scheme], axe, nav_page, scheme)]
    assert not problems, f"{nav_page.source}:\n" + "\n".join(problems)


def palette_problems(viewer, axe: Axe, nav_page: NavPage, scheme: str) -> list[str]:
    """What is wrong with one page in one palette, as sentences (none if nothing)."""
    page = viewer.open(nav_page.url)
    try:
        state = page.evaluate(PAGE_STATE_SCRIPT)
        problems = viewer.visit.problems()
        is_dark = state["luminance"] < 0.5
        if is_dark != (scheme == "dark"):
            problems.append(
                f"asked for the {scheme} palette, got data-md-color-scheme={state['scheme']!r} "
                f"with background luminance {state['luminance']:.2f}"
            )
        if state["codeBlocksWithoutCopy"]:
            problems.append(f"{state['codeBlocksWithoutCopy']} of {state['codeBlocks']} code blocks have no copy button")
        if state["emptyMath"]:
            problems.append(f"{state['emptyMath']} <math> elements render with no height")
        for name, pattern in UNRENDERED.items():
            found = pattern.findall(state["prose"])
            if found:
                problems.append(f"{name} left in the visible text: {found[:3]}")
        skip_contrast = nav_page.source.startswith("reference/") and nav_page.source != CONTRAST_REFERENCE_PAGE
        options = {"resultTypes": ["violations"]}
        if skip_contrast:
            options["rules"] = {"color-contrast": {"enabled": False}}
        violations = [
            violation
            for violation in axe.run(page, options=options).response["violations"]
            if violation.get("impact") in BLOCKING_IMPACTS
        ]
        problems += describe_violations(violations)
        if nav_page.source in SCREENSHOT_PAGES:
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            name = Path(nav_page.source).with_suffix("").as_posix().replace("/", "_")
            page.screenshot(path=SCREENSHOT_DIR / f"{name}-{scheme}.png", full_page=True)
    finally:
        page.close()
    return problems


def test_the_contrast_reference_page_is_built(built_site: Path) -> None:
    """Without it, no API page would have its colour contrast checked."""
    assert (built_site / Path(CONTRAST_REFERENCE_PAGE).with_suffix("") / "index.html").is_file()


def test_search_finds_a_word_offline(schemes) -> None:
    viewer = schemes["light"]
    page = viewer.open("")
    try:
        search_box = page.locator("input.md-search__input")
        # Click and type like a reader: Material opens the search panel on the click, and only a panel
        # that is open shows results (filling the box without it finds nothing).
        if search_box.is_visible():
            search_box.click()
        else:  # narrow layouts hide the box behind a search button
            page.locator("label[for=__search]:visible").first.click()
        search_box.press_sequentially("forget", delay=50)
        results = page.locator(".md-search-result__item")
        try:
            results.first.wait_for(state="visible", timeout=15_000)
        except playwright_api.TimeoutError:
            pass  # reported below, with what the search panel says
        meta = page.locator(".md-search-result__meta").inner_text()
        assert results.count() > 0, f"searching 'forget' found nothing; the search panel says {meta!r}"
        assert not viewer.visit.problems(), "\n".join(viewer.visit.problems())
    finally:
        page.close()


def test_instant_navigation_keeps_the_page_alive(schemes, site_nav: list[NavPage]) -> None:
    viewer = schemes["light"]
    target = next(page for page in site_nav if page.source == "lstm.md")
    page = viewer.open("")
    try:
        # A full reload would wipe this; instant navigation swaps the content and keeps it.
        page.evaluate("() => { window.__seqdocsMarker = 'still here'; }")
        heading_before = page.locator(".md-content h1").first.inner_text()
        link = page.locator(f"nav.md-nav--primary a.md-nav__link[href$='{target.url}']:visible").first
        link.click()
        page.wait_for_url(re.compile(re.escape(target.url) + "$"), timeout=10_000)
        page.wait_for_function(
            "(before) => { const h = document.querySelector('.md-content h1'); return h && h.innerText !== before; }",
            arg=heading_before,
            timeout=10_000,
        )
        assert page.evaluate("() => window.__seqdocsMarker") == "still here", "the click reloaded the whole page"
        assert not viewer.visit.problems(), "\n".join(viewer.visit.problems())
    finally:
        page.close()


def test_math_renders_as_mathml(schemes, site_nav: list[NavPage]) -> None:
    viewer = schemes["light"]
    target = next(page for page in site_nav if page.source == "lstm.md")
    page = viewer.open(target.url)
    try:
        math = page.locator(".md-content math")
        assert math.count() > 0, "the LSTM page shows no <math> element: its equations are not MathML"
        box = math.first.bounding_box()
        assert box is not None and box["height"] > 0 and box["width"] > 0, "the first <math> element has no size"
    finally:
        page.close()
