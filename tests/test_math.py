"""Function names in the site's MathML: applied with U+2061 and spaced as TeX spaces them (scripts/hooks_math.py).

A converter that writes `\\sin a \\sin b` as four touching `<mi>`s (as latex2mathml does) has a browser draw
"sinasinb". TeX puts a thin space (3 mu, 0.1667em) between a function name and an argument not in brackets, and
before a name that follows an operand; none between a name and an opening bracket.
"""

from __future__ import annotations

import importlib.util
import re
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
THIN = 0.1667  # em: TeX's \, (3 mu)
LENGTH = re.compile(r"(-?[\d.]+)em")


def _em(value: str | None) -> float:
    match = LENGTH.search(value or "")
    return float(match.group(1)) if match else 0.0


def tokens(latex: str) -> list[tuple[str, float]]:
    """The formula's visible tokens in reading order, each with the explicit space (em) that precedes it.

    Space comes from `<mspace>` (its width and a margin), and from the invisible function-application operator
    (its lspace and rspace); a visible operator's own spacing is the browser's and is not counted.
    """
    mathml = hooks_math.latex_to_mathml(latex, display=False).replace("&ApplyFunction;", APPLY)
    found, pending = [], 0.0
    for element in ET.fromstring(mathml).iter():
        tag, text = element.tag.rpartition("}")[2], (element.text or "").strip()
        if tag == "mspace":
            pending += _em(element.get("width")) + _em(element.get("style"))
        elif tag == "mo" and text == APPLY:
            pending += _em(element.get("lspace")) + _em(element.get("rspace"))
            found.append((APPLY, 0.0))
        elif tag in ("mi", "mn", "mo", "mtext") and text:
            found.append((text, round(pending, 4)))
            pending = 0.0
    return found


def visible(latex: str) -> list[tuple[str, float]]:
    return [token for token in tokens(latex) if token[0] != APPLY]


def test_a_function_name_and_a_bare_argument_get_the_operator_and_a_thin_space_between() -> None:
    assert [text for text, _ in tokens(r"\sin a \sin b")] == ["sin", APPLY, "a", "sin", APPLY, "b"]
    # "sin a" and "sin b" apart, and "a sin": an operand before a name is set apart too.
    assert visible(r"\sin a \sin b") == [("sin", 0.0), ("a", THIN), ("sin", THIN), ("b", THIN)]
    assert visible(r"\sin^2 a") == [("sin", 0.0), ("2", 0.0), ("a", THIN)]  # a script on the name


def test_an_argument_in_brackets_is_applied_without_space() -> None:
    for latex in (r"\tanh(x)", r"\cos\!\left(\frac{p}{2}\right)", r"\tanh\bigl(x\bigr)", r"\max_d \lvert x \rvert"):
        texts = [text for text, _ in tokens(latex)]
        assert texts.count(APPLY) == 1, latex
        assert all(space == 0.0 for _, space in visible(latex)), (latex, visible(latex))


def test_an_operator_name_is_applied_and_set_apart_from_the_operand_before_it() -> None:
    assert visible(r"x \operatorname{diag}(f)")[:3] == [("x", 0.0), ("diag", THIN), ("(", 0.0)]
    assert APPLY in [text for text, _ in tokens(r"x \operatorname{diag}(f)")]


def test_names_alone_and_letters_are_not_applied() -> None:
    assert APPLY not in [text for text, _ in tokens(r"f = \tanh, g")]  # nothing is applied to ","
    assert APPLY not in [text for text, _ in tokens(r"\tanh")]
    # Letters typed one by one are a product of variables, not a name.
    assert all(text != APPLY and space == 0.0 for text, space in tokens(r"s i n x"))
    assert all(space == 0.0 for _, space in visible(r"x \sigma(y)"))  # \sigma is a variable, not a name


def test_bad_maths_fails_naming_the_formula() -> None:
    with pytest.raises(hooks_math.MathError, match=r"'\\\\sigam\(x\)'.*Unknown command \"\\sigam\""):
        hooks_math.latex_to_mathml(r"\sigam(x)", display=False)
    with pytest.raises(hooks_math.MathError, match=r"cannot convert '\\\\left\( x' to MathML"):
        hooks_math.latex_to_mathml(r"\left( x", display=True)


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
