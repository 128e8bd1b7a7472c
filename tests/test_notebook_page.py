"""The notebook page: its figures' alt text, its tables' order and layout, its colours.

- scripts/hooks_notebooks.py puts on each output image the alt text the cell displayed it with;
- scripts/notebooks/walkthrough.py describes each figure with the numbers it shows, lists the LSTM's gates in
  the site's order (i, f, g, o) and draws with the site's token colours and ink;
- docs/stylesheets/extra.css lets an output table scroll in one box, Material's, not two.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path

import pytest

import seqdocs

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = REPO_ROOT / "scripts" / "notebooks" / "walkthrough.py"
_spec = importlib.util.spec_from_file_location("seqdocs_test_nb_hooks", REPO_ROOT / "scripts" / "hooks_notebooks.py")
hooks_notebooks = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = hooks_notebooks
_spec.loader.exec_module(hooks_notebooks)

DEFAULT_ALT = "No description has been provided for this image"


def image_output(alt: str | None, kind: str = "image/png") -> dict:
    metadata = {kind: {"alt": alt}} if alt is not None else {}
    return {"output_type": "display_data", "data": {kind: "iVBOR", "text/plain": "<Image>"}, "metadata": metadata}


def page_with_images(count: int) -> str:
    image = (
        '<div class="jp-RenderedImage jp-OutputArea-output" tabindex="0">\n'
        f'<img alt="{DEFAULT_ALT}" class="" src="data:image/png;base64,iVBOR"/>\n</div>'
    )
    return "<h1>Tour</h1>" + "<p>text</p>".join([image] * count)


def test_each_output_image_gets_the_alt_text_its_cell_displayed_it_with() -> None:
    notebook = {"cells": [
        {"cell_type": "code", "outputs": [image_output('Weights: a "attends" 0.29 & more')]},
        {"cell_type": "markdown", "source": "![logo](logo.png)"},
        {"cell_type": "code", "outputs": [{"output_type": "stream", "name": "stdout", "text": "x"},
                                          image_output("Hidden states", "image/jpeg")]},
    ]}
    alt_texts = hooks_notebooks.output_image_alt_texts(notebook)
    assert alt_texts == ['Weights: a "attends" 0.29 & more', "Hidden states"]
    content = hooks_notebooks.add_alt_texts(page_with_images(2), alt_texts, "tour.ipynb")
    assert DEFAULT_ALT not in content
    found = re.findall(r'<img alt="([^"]*)"', content)
    assert found == ["Weights: a &quot;attends&quot; 0.29 &amp; more", "Hidden states"]
    assert content.count(' alt="') == 2 and 'src="data:image/png;base64,iVBOR"' in content


def test_an_image_without_alt_text_or_a_page_that_does_not_match_fails() -> None:
    with pytest.raises(ValueError, match=r"tour.ipynb: image 2 of 2 has no alt text; display each figure with"):
        hooks_notebooks.add_alt_texts(page_with_images(2), ["Weights", None], "tour.ipynb")
    with pytest.raises(ValueError, match="the page shows 1 output image"):
        hooks_notebooks.add_alt_texts(page_with_images(1), ["Weights", "Paths"], "tour.ipynb")


def notebook_constant(name: str) -> object:
    """A constant assigned at the top level of the notebook's source."""
    for node in ast.walk(ast.parse(NOTEBOOK.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == name for target in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError(f"the notebook assigns no {name}")


def test_the_notebook_draws_with_the_sites_token_colours_and_ink() -> None:
    sys.path.insert(0, str(REPO_ROOT / "scripts" / "examples"))
    try:
        import _figures
        import _render
    finally:
        sys.path.remove(str(REPO_ROOT / "scripts" / "examples"))
    assert tuple(notebook_constant("TOKEN_COLOURS")) == tuple(_figures.PALETTE)
    assert notebook_constant("INK") == _render.INK


@pytest.fixture(scope="module")
def executed_notebook(tmp_path_factory: pytest.TempPathFactory):
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    notebook = jupytext.read(NOTEBOOK)
    workdir = tmp_path_factory.mktemp("notebook")
    nbclient.NotebookClient(notebook, timeout=300, resources={"metadata": {"path": str(workdir)}}).execute()
    return notebook


def html_tables(notebook) -> list[list[list[str]]]:
    """Every HTML table the notebook displayed, as rows of cell texts (header row first)."""
    tables = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            markup = output.get("data", {}).get("text/html", "")
            for table in re.findall(r"<table>.*?</table>", markup, re.S):
                rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
                tables.append([re.findall(r"<t[hd]>(.*?)</t[hd]>", row, re.S) for row in rows])
    return tables


def vector_text(tensor) -> str:
    return "(" + ", ".join(f"{value:.4f}" for value in tensor.tolist()) + ")"


@pytest.mark.slow
def test_the_lstm_table_runs_i_f_g_o_and_every_table_has_a_column_per_step(executed_notebook) -> None:
    setup = seqdocs.make_setup()
    lstm = seqdocs.lstm_trace(setup)
    order = ("input_gate", "forget_gate", "cell_candidate", "output_gate")
    expected = [[vector_text(step[name]) for step in lstm.steps] for name in order]
    tables = html_tables(executed_notebook)
    lstm_tables = [table for table in tables if [row[1:] for row in table[1:5]] == expected]
    assert len(lstm_tables) == 1, "no table shows the LSTM's gates as rows in the order i, f, g, o"
    for table in tables[:3]:  # RNN, LSTM, GRU: three steps side by side, so the table fits the page
        assert len(table[0]) == 1 + len(setup.tokens), table[0]


@pytest.mark.slow
def test_each_figure_is_described_by_the_numbers_it_shows(executed_notebook) -> None:
    setup = seqdocs.make_setup()
    alt_texts = [
        output["metadata"]["image/png"]["alt"]
        for cell in executed_notebook.cells
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]
    assert len(alt_texts) == 2 and DEFAULT_ALT not in alt_texts
    paths, weights = alt_texts
    for trace in (seqdocs.rnn_trace(setup), seqdocs.lstm_trace(setup), seqdocs.gru_trace(setup)):
        for step in trace.steps:
            assert vector_text(step["hidden"]) in paths, (trace.model, step.token)
    for value in seqdocs.attention_trace(setup).steps[0]["attention_weights"].flatten().tolist():
        assert f"{value:.4f}" in weights


@pytest.mark.browser
@pytest.mark.slow
def test_notebook_tables_scroll_in_one_box_and_fit_the_page(served_site: str) -> None:
    from playwright.sync_api import sync_playwright

    from test_browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(served_site + "generated/notebooks/walkthrough/", wait_until="load")
            page.wait_for_load_state("networkidle")
            tables = page.eval_on_selector_all(".jp-RenderedHTML table", """tables => tables.map(table => {
                const boxes = [];
                for (let node = table.parentElement; node && !node.matches(".md-content"); node = node.parentElement) {
                    const style = getComputedStyle(node);
                    if (["auto", "scroll", "hidden"].includes(style.overflowX)) {
                        boxes.push({name: node.className, clipped: node.scrollWidth > node.clientWidth + 1});
                    }
                }
                return boxes;
            })""")
        finally:
            browser.close()
    assert len(tables) == 4
    for boxes in tables:
        assert len(boxes) <= 1, f"an output table sits in {len(boxes)} scrolling boxes: {boxes}"
        assert not any(box["clipped"] for box in boxes), f"an output table is wider than the page: {boxes}"
