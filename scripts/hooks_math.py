r"""mkdocs hook: turn every formula into MathML while the site is built, so readers' browsers run no maths script.

Pages write maths as `$...$` and `$$...$$`; `pymdownx.arithmatex` (generic mode) marks each formula as
`<span class="arithmatex">\(...\)</span>` or `<div class="arithmatex">\[...\]</div>`, and `on_page_content`
replaces the LaTeX inside with MathML from `latex2mathml`. Browsers draw MathML themselves (Chromium since
version 109, Firefox and Safari long before), so neither MathJax nor KaTeX is shipped.

Notebook pages (mkdocs-jupyter) keep their Markdown cells' maths as plain `$...$` text for MathJax; there the
same conversion runs on every `$...$` and `$$...$$` outside `<pre>`, `<code>` and scripts.

A formula latex2mathml cannot read, or with a command it does not know (which it would print as text),
fails the build, naming the page and the formula.
"""

from __future__ import annotations

import html
import re

from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError

ARITHMATEX = re.compile(r'(<(span|div) class="arithmatex">)(.*?)(</\2>)', re.S)
DELIMITERS = {r"\(": r"\)", r"\[": r"\]"}

TAG = re.compile(r"(<[^>]*>)")
VERBATIM_TAG = re.compile(r"<(/?)(pre|code|script|style|math|kbd|samp)\b", re.I)
DOLLAR_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$]+?)\$", re.S)
UNKNOWN_COMMAND = re.compile(r"<m[io][^>]*>(\\[A-Za-z]+)</m[io]>")
"""latex2mathml writes a command it does not know, such as a misspelt `\\sigam`, as plain text."""


class MathError(ValueError):
    """A formula that cannot be converted."""


def latex_to_mathml(latex: str, display: bool) -> str:
    """One formula as a `<math>` element, with the LaTeX kept in `alttext` for tools that cannot read MathML.

    Args:
        latex: The formula, without delimiters.
        display: True for a formula on its own line, False for one inside a sentence.

    Raises:
        MathError: If latex2mathml cannot read the formula.

    Examples:
        >>> latex_to_mathml("x_t", display=False)[:60]
        '<math xmlns="http://www.w3.org/1998/Math/MathML" alttext="x_'
    """
    try:
        mathml = convert(latex, display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises many kinds; any of them means "cannot read"
        raise MathError(f"cannot convert {latex!r} to MathML: {type(error).__name__} {error}".rstrip()) from None
    unknown = UNKNOWN_COMMAND.search(mathml)
    if unknown:
        raise MathError(f"cannot convert {latex!r} to MathML: unknown command {unknown.group(1)}")
    alttext = html.escape(" ".join(latex.split()), quote=True)
    return mathml.replace("<math ", f'<math alttext="{alttext}" ', 1)


def _strip_delimiters(text: str) -> str:
    text = text.strip()
    closing = DELIMITERS.get(text[:2])
    if closing and text.endswith(closing):
        return text[2:-2].strip()
    return text


def convert_arithmatex(content: str) -> str:
    """Replace the LaTeX inside every arithmatex span and div with MathML; the wrapper stays for styling."""

    def replace(match: re.Match[str]) -> str:
        opening, tag, body, closing = match.groups()
        latex = _strip_delimiters(html.unescape(body))
        return opening + latex_to_mathml(latex, display=tag == "div") + closing

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
                lambda match: latex_to_mathml(
                    html.unescape(match.group(1) if match.group(1) is not None else match.group(2)).strip(),
                    display=match.group(1) is not None,
                ),
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
