r"""mkdocs hook: turn every formula into MathML while the site is built, so readers' browsers run no maths script.

Pages write maths as `$...$` and `$$...$$`; `pymdownx.arithmatex` (generic mode) marks each formula as
`<span class="arithmatex">\(...\)</span>` or `<div class="arithmatex">\[...\]</div>`, and `on_page_content`
replaces the LaTeX inside with MathML from `latex2mathml`. Browsers draw MathML themselves (Chromium since
version 109, Firefox and Safari long before), so neither MathJax nor KaTeX is shipped.

Notebook pages (mkdocs-jupyter) keep their Markdown cells' maths as plain `$...$` text for MathJax; there the
same conversion runs on every `$...$` and `$$...$$` outside `<pre>`, `<code>` and scripts.

latex2mathml writes `\sin a` as `<mi>sin</mi><mi>a</mi>`, which a browser draws as "sina": MathML leaves the
space TeX puts around a function name to the function-application operator (U+2061) that latex2mathml does not
write. `apply_functions` adds it, with TeX's spacing: a thin space between a function name and an argument
that is not in brackets ("sin a", "sin(a)"), and before a function name that follows an operand
("sin a sin b").

A formula latex2mathml cannot read, or with a command it does not know (which it would print as text),
fails the build, naming the page and the formula.

Why a hook: the conversion itself is latex2mathml's (maintained); no maintained MkDocs plugin writes MathML at
build time (those that render on the server, such as mkdocs-katex-ssr, run Node and ship KaTeX's stylesheet
and fonts). The hook is the glue and the spacing fix. Measured: the site's 961 formulas convert in 0.24 s of
CPU, where MathJax in the browser would cost every reader a script download and its run.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

from latex2mathml.converter import convert
from mkdocs.exceptions import PluginError

ARITHMATEX = re.compile(r'(<(span|div) class="arithmatex">)(.*?)(</\2>)', re.S)
DELIMITERS = {r"\(": r"\)", r"\[": r"\]"}

TAG = re.compile(r"(<[^>]*>)")
VERBATIM_TAG = re.compile(r"<(/?)(pre|code|script|style|math|kbd|samp)\b", re.I)
DOLLAR_MATH = re.compile(r"\$\$(.+?)\$\$|\$([^$]+?)\$", re.S)
UNKNOWN_COMMAND = re.compile(r"<m[io][^>]*>(\\[A-Za-z]+)</m[io]>")
"""latex2mathml writes a command it does not know, such as a misspelt `\\sigam`, as plain text."""


MATHML_NS = "http://www.w3.org/1998/Math/MathML"
ET.register_namespace("", MATHML_NS)  # written back as `<math xmlns="...">`, not `<ns0:math>`
FUNCTION_APPLICATION = "\u2061"
THIN_SPACE = "0.1667em"  # TeX's \, (3 mu), between an operator name and its operand
ROW_TAGS = {"math", "mrow", "mstyle", "mtd", "msqrt", "mpadded", "mphantom", "menclose", "merror"}
"""Elements whose children are laid out one after another, where a function name and its argument sit."""
SCRIPT_TAGS = {"msub", "msup", "msubsup", "munder", "mover", "munderover"}
OPENING_FENCES = set("([{|\u2016\u27e8\u2308\u230a")


class MathError(ValueError):
    """A formula that cannot be converted."""


def _tag(element: ET.Element) -> str:
    return element.tag.rpartition("}")[2]


def _is_function_name(element: ET.Element) -> bool:
    """`\\sin`, `\\max`, `\\operatorname{diag}`, also with a script (`\\max_d`, `\\sin^2`).

    latex2mathml writes letters typed in a formula one `<mi>` each, and an operator name as one `<mi>` or `<mo>`
    of several letters; that is what tells them apart.
    """
    if _tag(element) in SCRIPT_TAGS and len(element):
        return _is_function_name(element[0])
    text = element.text or ""
    return _tag(element) in ("mi", "mo") and len(text) > 1 and text.isalpha()


def _function_core(element: ET.Element) -> ET.Element:
    return _function_core(element[0]) if _tag(element) in SCRIPT_TAGS else element


def _starts_with_fence(element: ET.Element) -> bool:
    if _tag(element) == "mo":
        return (element.text or "").strip() in OPENING_FENCES
    return _tag(element) == "mrow" and len(element) > 0 and _starts_with_fence(element[0])


def _mathml(tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.Element(f"{{{MATHML_NS}}}{tag}", attributes)
    element.text = text
    return element


def apply_functions(mathml: str) -> str:
    """Mark every function name's application with U+2061 and give it TeX's spacing.

    Args:
        mathml: A `<math>` element as latex2mathml writes it.

    Returns:
        The same element, with a function-application operator after each function name that has an
        argument (a thin space wide unless the argument opens with a bracket), a thin space before each
        function name that follows an operand, and no spacing of its own on a name written as `<mo>`.

    Examples:
        >>> apply_functions(convert(r"\\sin a"))[60:]
        'line"><mrow><mi>sin</mi><mo rspace="0.1667em">\u2061</mo><mi>a</mi></mrow></math>'
    """
    root = ET.fromstring(mathml)
    for row in root.iter():
        if _tag(row) not in ROW_TAGS:
            continue
        children = list(row)
        for index, child in enumerate(children):
            if not _is_function_name(child):
                continue
            core = _function_core(child)
            if _tag(core) == "mo":  # an operator's own spacing (0.28em each side) is not TeX's for a name
                core.set("lspace", "0")
                core.set("rspace", "0")
            following = [sibling for sibling in children[index + 1:] if _tag(sibling) != "mspace"]
            argument = following[0] if following else None
            # A name followed by nothing or by an operator stands alone (`f = \tanh,`): nothing is applied.
            if argument is not None and (_tag(argument) != "mo" or _starts_with_fence(argument)):
                spacing = {} if _starts_with_fence(argument) else {"rspace": THIN_SPACE}
                position = list(row).index(child) + 1
                row.insert(position, _mathml("mo", FUNCTION_APPLICATION, **spacing))
            previous = children[index - 1] if index > 0 else None
            if previous is not None and _tag(previous) not in ("mo", "mspace"):
                row.insert(list(row).index(child), _mathml("mspace", width=THIN_SPACE))
    return ET.tostring(root, encoding="unicode")


def latex_to_mathml(latex: str, display: bool) -> str:
    """One formula as a `<math>` element, with the LaTeX kept in `alttext` for tools that cannot read MathML.

    Args:
        latex: The formula, without delimiters.
        display: True for a formula on its own line, False for one inside a sentence.

    Raises:
        MathError: If latex2mathml cannot read the formula.

    Examples:
        >>> latex_to_mathml("x_t", display=False)[:40]
        '<math alttext="x_t" xmlns="http://www.w3'
    """
    try:
        mathml = convert(latex, display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises many kinds; any of them means "cannot read"
        raise MathError(f"cannot convert {latex!r} to MathML: {type(error).__name__} {error}".rstrip()) from None
    unknown = UNKNOWN_COMMAND.search(mathml)
    if unknown:
        raise MathError(f"cannot convert {latex!r} to MathML: unknown command {unknown.group(1)}")
    mathml = apply_functions(mathml)
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
