"""Function names in the site's MathML: applied with U+2061 and spaced as TeX spaces them (scripts/hooks_math.py).

latex2mathml alone writes `\\sin a \\sin b` as four touching `<mi>`s, which a browser draws as "sinasinb".
"""

from __future__ import annotations

import importlib.util
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("seqdocs_test_math_hooks_math", REPO_ROOT / "scripts" / "hooks_math.py")
hooks_math = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = hooks_math
_spec.loader.exec_module(hooks_math)

APPLY = "\u2061"


def row_of(latex: str) -> list[tuple[str, str, dict[str, str]]]:
    """The children of the formula's top row as (tag, text, attributes)."""
    math = ET.fromstring(hooks_math.latex_to_mathml(latex, display=False))
    row = math[0]
    return [(child.tag.rpartition("}")[2], child.text or "", dict(child.attrib)) for child in row]


def test_a_function_name_and_a_bare_argument_get_the_operator_and_a_thin_space_between() -> None:
    row = row_of(r"\sin a \sin b")
    tags = [(tag, text) for tag, text, _ in row]
    assert tags == [
        ("mi", "sin"), ("mo", APPLY), ("mi", "a"), ("mspace", ""), ("mi", "sin"), ("mo", APPLY), ("mi", "b"),
    ]
    applications = [attributes for tag, text, attributes in row if text == APPLY]
    assert [attributes.get("rspace") for attributes in applications] == [hooks_math.THIN_SPACE] * 2
    assert row[3][2]["width"] == hooks_math.THIN_SPACE  # "a sin": an operand before a name is set apart too


def test_an_argument_in_brackets_is_applied_without_space() -> None:
    for latex in (r"\tanh(x)", r"\cos\!\left(\frac{p}{2}\right)", r"\tanh\big(x\big)", r"\max_d \lvert x \rvert"):
        applications = [attributes for _, text, attributes in row_of(latex) if text == APPLY]
        assert applications == [{}], latex


def test_an_operator_name_loses_the_wide_spacing_of_an_unknown_operator() -> None:
    row = row_of(r"x \operatorname{diag}(f)")
    assert row[0][0] == "mi" and row[1] == ("mspace", "", {"width": hooks_math.THIN_SPACE})
    assert row[2] == ("mo", "diag", {"lspace": "0", "rspace": "0"})
    assert row[3][1] == APPLY


def test_scripts_on_a_name_and_names_alone() -> None:
    assert [text for _, text, _ in row_of(r"\sin^2 a")][1] == APPLY  # the msup is the function name
    assert APPLY not in "".join(text for _, text, _ in row_of(r"f = \tanh, g"))  # nothing is applied to ","
    assert APPLY not in "".join(text for _, text, _ in row_of(r"\tanh"))
    # Letters typed one by one are a product of variables, not a name: latex2mathml gives each its own <mi>.
    assert APPLY not in "".join(text for _, text, _ in row_of(r"s i n x"))
    assert all(tag != "mspace" for tag, _, _ in row_of(r"x \sigma(y)"))  # \sigma is a variable, not a name


@pytest.mark.browser
@pytest.mark.slow
def test_chromium_draws_a_gap_after_and_before_a_function_name(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from test_browser import CHROMIUM, CHROMIUM_ARGS

    page_html = tmp_path / "maths.html"
    page_html.write_text(
        "<!doctype html><html><body style='font-size:40px'>"
        + hooks_math.latex_to_mathml(r"\sin a \sin b", display=False)
        + "</body></html>",
        encoding="utf-8",
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(page_html.as_uri())
            boxes = page.eval_on_selector_all(
                "mi", "items => items.map(item => item.getBoundingClientRect()).map(box => [box.left, box.right])"
            )
        finally:
            browser.close()
    (sin_1, a, sin_2, b) = boxes
    em = 40
    for left_box, right_box in ((sin_1, a), (a, sin_2), (sin_2, b)):
        assert right_box[0] - left_box[1] >= 0.12 * em, boxes
