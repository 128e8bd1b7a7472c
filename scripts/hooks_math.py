r"""mkdocs hook: every formula becomes MathML at build time, so readers' browsers run no maths script.

`pymdownx.arithmatex` (generic mode) marks each `$...$` and `$$...$$` as `<span class="arithmatex">\(...\)</span>`
or `<div class="arithmatex">\[...\]</div>`; `on_page_content` puts MathML Core from `math-core` (maintained, a
wheel on PyPI) in place of the LaTeX: it spaces function names as TeX does and fails on an unknown command.
Browsers draw MathML themselves (Chromium since 109), so neither MathJax nor KaTeX is shipped. Notebook pages
(mkdocs-jupyter) keep their Markdown cells' maths as `$...$` text; there it is converted outside code and scripts.

Why a hook: no maintained MkDocs plugin or Markdown extension writes MathML at build time (mkdocs-katex-ssr runs
Node and ships KaTeX's stylesheet and fonts; l2m4m has had no release since 2024). Measured on the site's 600
formulas: 0.03 s of CPU with math-core, where latex2mathml and the spacing fix this file used to carry took 0.2 s.
"""

from __future__ import annotations

import html
import re

from math_core import LatexError, LatexToMathML
from mkdocs.exceptions import PluginError

ARITHMATEX = re.compile(r'(<(span|div) class="arithmatex">)(?:\\[(\[])?(.*?)(?:\\[)\]])?(</\2>)', re.S)
TAG = re.compile(r"(<[^>]*>)")
VERBATIM_TAG = re.compile(r"<(/?)(pre|code|script|style|math|kbd|samp)\b", re.I)
DOLLAR_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$]+?)\$", re.S)
CONVERTER = LatexToMathML(fancy_error=False)  # an unknown command is an error, not red text


class MathError(ValueError):
    """A formula that cannot be converted."""


def latex_to_mathml(latex: str, display: bool) -> str:
    """One formula as a `<math>` element, with the LaTeX kept in `alttext` for tools that cannot read MathML.

    Args:
        latex: The formula, without delimiters.
        display: True for a formula on its own line, False for one inside a sentence.

    Raises:
        MathError: If math-core cannot read the formula.

    Examples:
        >>> latex_to_mathml("x_t", display=False)
        '<math alttext="x_t"><msub><mi>x</mi><mi>t</mi></msub></math>'
    """
    try:
        mathml = CONVERTER.convert_with_local_state(latex, displaystyle=display)
    except LatexError as error:
        raise MathError(f"cannot convert {latex!r} to MathML: {' '.join(str(error).split())}") from None
    return mathml.replace("<math", f'<math alttext="{html.escape(" ".join(latex.split()), quote=True)}"', 1)


def convert_arithmatex(content: str) -> str:
    """Replace the LaTeX inside every arithmatex span and div with MathML; the wrapper stays for styling.

    A display formula's div takes the focus: one wider than its column scrolls sideways
    (docs/stylesheets/extra.css), which a keyboard reader can do only in an element that can be focused
    (axe: scrollable-region-focusable).
    """
    def replace(match: re.Match) -> str:
        display = match[2] == "div"
        opening = match[1].replace(">", ' tabindex="0">', 1) if display else match[1]
        return opening + latex_to_mathml(html.unescape(match[3]).strip(), display=display) + match[4]

    return ARITHMATEX.sub(replace, content)


def convert_dollar_math(content: str) -> str:
    """Replace `$...$` and `$$...$$` in the text of an HTML fragment with MathML, leaving code and scripts."""
    parts = TAG.split(content)
    verbatim_depth = 0
    for index, part in enumerate(parts):
        if part.startswith("<"):
            tag = VERBATIM_TAG.match(part)
            if tag and not part.endswith("/>"):
                verbatim_depth = max(0, verbatim_depth + (-1 if tag.group(1) else 1))
        elif verbatim_depth == 0 and "$" in part:
            parts[index] = DOLLAR_MATH.sub(
                lambda match: latex_to_mathml(html.unescape(match[1] or match[2]).strip(), display=match[1] is not None),
                part,
            )
    return "".join(parts)


def on_page_content(content: str, page, config, files) -> str:
    """Convert the page's maths to MathML; fail the build on a formula that cannot be converted."""
    try:
        content = convert_arithmatex(content)
        if page.file.src_uri.endswith(".ipynb"):
            content = convert_dollar_math(content)
    except MathError as error:
        raise PluginError(f"{page.file.src_uri}: {error}") from None
    return content
