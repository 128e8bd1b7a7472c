"""mkdocs hook: make mkdocs-jupyter's notebook pages light, self-contained and styled like the rest of the site.

mkdocs-jupyter (through nbconvert) puts about 600 KB of JupyterLab CSS into every notebook page, and scripts
for MathJax, mermaid and a copy button, some of them fetched from CDNs. For each notebook page
`on_page_content`:

- removes every `<style>` and `<script>` of the notebook's HTML, and the copy-button widget that needed a
  script (the notebook's maths is turned into MathML by `hooks_math.py`; Material gives code a copy button);
- turns each code cell's input into the code block Material draws everywhere else (its highlighting colours
  for the light and the dark palette, and its copy button);
- adds a link to the executed notebook, which mkdocs-jupyter publishes next to the page
  (`include_source: true`) but links from nowhere.

`docs/stylesheets/extra.css` ("Notebook pages") styles the cells that remain, for both palettes.
"""

from __future__ import annotations

import html
import posixpath
import re

STYLE = re.compile(r"<style\b[^>]*>.*?</style>\s*", re.S | re.I)
SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>\s*", re.S | re.I)
COMMENT = re.compile(r"<!--.*?-->\s*", re.S)
COPY_WIDGET = re.compile(r'<div class="zeroclipboard-container">.*?</clipboard-copy>\s*</div>\s*', re.S)
COPY_TEXT = re.compile(r'<div class="clipboard-copy-txt"[^>]*>.*?</div>\s*', re.S)  # the widget's hidden copy
CODE_INPUT = re.compile(r'<div class="highlight-ipynb hl-([\w+-]+)"><pre>(<span></span>)?(.*?)</pre></div>', re.S)
FIRST_HEADING_END = re.compile(r"</h1>", re.I)


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


def on_page_content(content: str, page, config, files) -> str:
    """Clean notebook pages; leave every other page as it is."""
    if not is_notebook(page):
        return content
    return clean_notebook_html(content, posixpath.basename(page.file.src_uri))
