"""mkdocs hook: make mkdocs-jupyter's notebook pages light, self-contained and styled like the rest of the site.

mkdocs-jupyter (through nbconvert) puts about 600 KB of JupyterLab CSS into every notebook page, and scripts
for MathJax, mermaid and a copy button, some of them fetched from CDNs. For each notebook page
`on_page_content`:

- removes every `<style>` and `<script>` of the notebook's HTML, and the copy-button widget that needed a
  script (the notebook's maths is turned into MathML by `hooks_math.py`; Material gives code a copy button);
- turns each code cell's input into the code block Material draws everywhere else (its highlighting colours
  for the light and the dark palette, and its copy button);
- adds a link to the executed notebook, which mkdocs-jupyter publishes next to the page
  (`include_source: true`) but links from nowhere;
- gives each image a cell displayed the alt text it was displayed with (`IPython.display.Image(..., alt=...)`
  stores it in the output's metadata, which nbconvert's template leaves out, writing "No description has
  been provided for this image" instead). An image displayed without one fails the build.

`docs/stylesheets/extra.css` ("Notebook pages") styles the cells that remain, for both palettes.

Why a hook: mkdocs-jupyter 0.26's options (`include_requirejs`, `custom_mathjax_url`, `remove_tag_config`...)
can drop RequireJS or move MathJax, but not drop the inlined JupyterLab CSS or MathJax; it takes no template of
ours, and nbconvert's lab template (7.17) writes no image's alt text. Measured on the walk-through: the HTML
mkdocs-jupyter writes is 800 KB, 594 KB of it `<style>`, and loads MathJax 2.7.7 from cdnjs.cloudflare.com;
cleaned, it is 172 KB, in 0.014 s of CPU.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

STYLE = re.compile(r"<style\b[^>]*>.*?</style>\s*", re.S | re.I)
SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>\s*", re.S | re.I)
COMMENT = re.compile(r"<!--.*?-->\s*", re.S)
COPY_WIDGET = re.compile(r'<div class="zeroclipboard-container">.*?</clipboard-copy>\s*</div>\s*', re.S)
COPY_TEXT = re.compile(r'<div class="clipboard-copy-txt"[^>]*>.*?</div>\s*', re.S)  # the widget's hidden copy
CODE_INPUT = re.compile(r'<div class="highlight-ipynb hl-([\w+-]+)"><pre>(<span></span>)?(.*?)</pre></div>', re.S)
FIRST_HEADING_END = re.compile(r"</h1>", re.I)
OUTPUT_IMAGE = re.compile(r'(<div class="jp-RenderedImage[^"]*"[^>]*>\s*<img\b)([^>]*)>')
ALT_ATTRIBUTE = re.compile(r'\salt="[^"]*"')
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
"""Output types nbconvert writes as an `<img>` (SVG output is inlined as markup)."""


def is_notebook(page) -> bool:
    """Whether mkdocs-jupyter renders this page."""
    return page.file.src_uri.endswith(".ipynb")


def download_link(notebook_name: str) -> str:
    """The paragraph offering the executed notebook, which sits next to the page's `index.html`."""
    name = html.escape(notebook_name)
    return (
        f'<p class="seqdocs-notebook-download"><a href="{name}" download>Download this notebook ({name})</a>, '
        "executed when the site was built.</p>\n"
    )


def clean_notebook_html(content: str, notebook_name: str) -> str:
    """The notebook's HTML without inlined CSS, scripts and widgets, with Material code blocks and a download link.

    Args:
        content: The HTML mkdocs-jupyter rendered for the page.
        notebook_name: The notebook's file name, e.g. `walkthrough.ipynb`.

    Returns:
        The cleaned HTML.

    Examples:
        >>> page = '<style>x{}</style><script src="https://cdn.example/m.js"></script><h1>Hi</h1>'
        >>> clean_notebook_html(page, "n.ipynb").startswith('<h1>Hi</h1>\\n<p class="seqdocs-notebook-download">')
        True
    """
    content = STYLE.sub("", content)
    content = SCRIPT.sub("", content)
    content = COMMENT.sub("", content)
    content = COPY_WIDGET.sub("", content)
    content = COPY_TEXT.sub("", content)
    content = CODE_INPUT.sub(
        lambda match: f'<div class="language-{match.group(1)} highlight"><pre><span></span><code>{match.group(3)}</code></pre></div>',
        content,
    )
    link = download_link(notebook_name)
    heading_end = FIRST_HEADING_END.search(content)
    if heading_end:
        return content[: heading_end.end()] + "\n" + link + content[heading_end.end():]
    return link + content


def output_image_alt_texts(notebook: dict) -> list[str | None]:
    """The alt text of every image the notebook's cells displayed, in order (None for an image without one).

    Examples:
        >>> cell = {"cell_type": "code", "outputs": [
        ...     {"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": "<Image>"},
        ...      "metadata": {"image/png": {"alt": "Attention weights"}}},
        ...     {"output_type": "stream", "name": "stdout", "text": "done"}]}
        >>> output_image_alt_texts({"cells": [cell, {"cell_type": "markdown", "source": "x"}]})
        ['Attention weights']
    """
    alt_texts = []
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            kind = next((kind for kind in IMAGE_TYPES if kind in data), None)
            if kind is not None:
                alt = output.get("metadata", {}).get(kind, {}).get("alt")
                alt_texts.append(alt.strip() if isinstance(alt, str) and alt.strip() else None)
    return alt_texts


def add_alt_texts(content: str, alt_texts: list[str | None], notebook_name: str) -> str:
    """Put each output image's own alt text on its `<img>`, in order.

    Raises:
        ValueError: If an image has no alt text, or the page's images do not match the notebook's outputs.
    """
    missing = [index + 1 for index, alt in enumerate(alt_texts) if alt is None]
    if missing:
        raise ValueError(
            f"{notebook_name}: image {', '.join(map(str, missing))} of {len(alt_texts)} has no alt text; display "
            "each figure with IPython.display.Image(png_bytes, alt=description), the description computed "
            "from the data it shows"
        )
    images = OUTPUT_IMAGE.findall(content)
    if len(images) != len(alt_texts):
        raise ValueError(
            f"{notebook_name}: the page shows {len(images)} output image(s), the notebook has {len(alt_texts)}"
        )
    remaining = iter(alt_texts)

    def describe(match: re.Match[str]) -> str:
        attributes = ALT_ATTRIBUTE.sub("", match.group(2))
        return f'{match.group(1)} alt="{html.escape(next(remaining), quote=True)}"{attributes}>'

    return OUTPUT_IMAGE.sub(describe, content)


def on_page_content(content: str, page, config, files) -> str:
    """Clean notebook pages and describe their images; leave every other page as it is."""
    if not is_notebook(page):
        return content
    notebook_name = posixpath.basename(page.file.src_uri)
    notebook = json.loads(Path(page.file.abs_src_path).read_text(encoding="utf-8"))
    try:
        content = add_alt_texts(content, output_image_alt_texts(notebook), page.file.src_uri)
    except ValueError as error:
        raise PluginError(str(error)) from None
    return clean_notebook_html(content, notebook_name)
