"""scripts/check_site.py: leaked placeholders, missing alt text and split API tables in the built site."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("seqdocs_test_check_site", REPO_ROOT / "scripts" / "check_site.py")
check_site = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = check_site
_spec.loader.exec_module(check_site)

NOTEBOOK_DEFAULT_ALT = "No description has been provided for this image"


def problems_of(markup: str) -> list[str]:
    return [problem for _, problem in check_site.check_page(markup)]


@pytest.mark.parametrize(
    ("markup", "leaked"),
    [
        ('<p><img src="cell.svg" alt="Across {CONFIG.test_size:,} held-out sequences"></p>', "{CONFIG.test_size:,}"),
        ("<p>The LSTM reached {accuracy:.0%} on {n_seeds} seeds.</p>", "{accuracy:.0%}"),
        ("<p>Seed {{ memory.seed }} was used.</p>", "{{ memory.seed }}"),
        ("<p>{% if fast %}quick{% endif %}</p>", "{% if fast %}"),
        ("<p>Mean {:.4f} over {} runs</p>", "{:.4f}"),
        ('<a href="#x" title="Go to {page.title}">x</a>', "{page.title}"),
        ('<button aria-label="Copy {name}"></button>', "{name}"),
        ("<html><head><title>{site_name} - LSTM</title></head><body></body></html>", "{site_name}"),
        ('<meta name="description" content="Read {tokens!r} step by step">', "{tokens!r}"),
        ('<svg xmlns="http://www.w3.org/2000/svg"><text x="1" y="2">N = {values[0]}</text></svg>', "{values[0]}"),
    ],
)
def test_a_leaked_placeholder_is_found(markup: str, leaked: str) -> None:
    problems = problems_of(markup)
    assert any(f"unfilled placeholder {leaked} " in problem for problem in problems), problems


@pytest.mark.parametrize(
    "markup",
    [
        "<pre><code>print(f'{value:.4f}')</code></pre>",
        "<p>Format with <code>{name}</code> in the template.</p>",
        "<script>const o = {a};</script><style>.x{color:red}</style>",
        '<math alttext="W_{\\text{emb}}"><msub><mi>W</mi><mtext>emb</mtext></msub></math>',
        "<p>The tokens {a, b, c} and the dict {'a': 1} are written out, and 10% of {0, 1}.</p>",
        '<img src="w.svg" alt="Attention weights: a attends to b with 0.4127">',
        '<div class="highlight"><pre><span></span><code><span class="p">{</span>x<span class="p">}</span></code>'
        "</pre></div>",
    ],
)
def test_braces_that_belong_are_not_reported(markup: str) -> None:
    assert problems_of(markup) == []


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        (f'<img src="data:image/png;base64,iVBOR" alt="{NOTEBOOK_DEFAULT_ALT}">', "placeholder alt text"),
        ('<img src="figure.svg" alt="">', "empty alt text"),
        ('<img src="figure.svg" alt="  ">', "empty alt text"),
        ('<img src="figure.svg">', "no alt text"),
        ('<img src="figure.svg" alt="figure.svg">', "file name for alt text"),
    ],
)
def test_an_image_without_a_real_description_is_found(markup: str, expected: str) -> None:
    problems = problems_of(markup)
    assert len(problems) == 1 and expected in problems[0], problems


def test_an_image_with_a_description_or_hidden_on_purpose_passes() -> None:
    assert problems_of('<img src="a.svg" alt="Hidden state after each token: the RNN moves furthest">') == []
    assert problems_of('<img src="rule.png" alt="" aria-hidden="true">') == []
    assert problems_of('<img src="rule.png" alt="" role="presentation">') == []


def api_section(title: str, rows: list[tuple[str, str]], style: str = "table") -> str:
    """A Returns-style section as mkdocstrings writes it: a title, then a Type/Description table, or a list
    (`docstring_section_style: list`, as on this site: `<code>type</code> – description` per item)."""
    if style == "list":
        body = "".join(
            f'<li class="doc-section-item field-body"><code><span title="t">{type_}</span></code> –'
            f'<div class="doc-md-description"><p>{description}</p></div></li>'
            for type_, description in rows
        )
        return f'<p><span class="doc-section-title">{title}</span></p><ul>{body}</ul>'
    body = "".join(
        f'<tr class="doc-section-item"><td><code><span title="t">{type_}</span></code></td>'
        f'<td><div class="doc-md-description"><p>{description}</p></div></td></tr>'
        for type_, description in rows
    )
    return (
        f'<p><span class="doc-section-title">{title}</span></p>'
        f"<table><thead><tr><th>Type</th><th>Description</th></tr></thead><tbody>{body}</tbody></table>"
    )


@pytest.mark.parametrize("style", ["table", "list"])
def test_a_returns_table_split_into_rows_is_found(style: str) -> None:
    split = api_section("Returns:", [("Tensor", "(T, T) booleans, True where row i may"), ("Tensor", "way round.")],
                        style)
    problems = problems_of(split)
    assert len(problems) == 1 and "Returns: section has 2 items" in problems[0], problems
    assert problems_of(api_section("Returns:", [("Tensor", "(T, T) booleans, True where row i may attend")], style)) == []
    # Parameters have a row each, of course.
    assert problems_of(api_section("Parameters:", [("int", "T."), ("int", "H.")], style)) == []


@pytest.mark.parametrize("style", ["table", "list"])
@pytest.mark.parametrize("type_", ["(..., T)", "...", "[add_positions][seqdocs.positional.add_positions]"])
def test_a_shape_or_a_wrapped_line_in_the_type_column_is_found(type_: str, style: str) -> None:
    problems = problems_of(api_section("Returns:", [(type_, "entry d is the norm")], style))
    assert len(problems) == 1 and f'has the type "{type_}"' in problems[0], problems


def test_a_listed_parameter_is_read_by_its_type_not_its_name_or_description() -> None:
    # A list item as mkdocstrings writes a parameter: the name in <b><code>, the type and default in <code>s
    # between parentheses, then the description, which may hold code of its own (a shape in parentheses).
    item = ('<p><span class="doc-section-title">Parameters:</span></p><ul><li class="doc-section-item field-body">'
            '<b><code>{name}</code></b> (<code>{type_}</code>, default: <code>None</code>) –'
            '<div class="doc-md-description"><p>The scores, <code>(T, T)</code>.</p><ul><li>one</li></ul></div>'
            '</li></ul>')
    assert problems_of(item.format(name="(scores", type_="Tensor")) == []
    problems = problems_of(item.format(name="scores", type_="(T, T)"))
    assert len(problems) == 1 and 'has the type "(T, T)"' in problems[0], problems


def make_site(root: Path, pages: dict[str, str]) -> Path:
    for name, markup in pages.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(markup, encoding="utf-8")
    return root


def run_main(site: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "check_site.py"), str(site)], capture_output=True, text=True
    )


def test_main_lists_each_problem_with_its_page_and_line_and_fails(tmp_path: Path) -> None:
    site = make_site(tmp_path, {
        "index.html": "<html><body><p>Fine.</p></body></html>",
        "memory/index.html": (
            '<html><body>\n<p>ok</p>\n<img src="cell.svg" alt="Across {CONFIG.test_size:,} sequences">\n</body></html>'
        ),
        "generated/memory/cell.svg": '<svg xmlns="http://www.w3.org/2000/svg">\n<text>{n} seeds</text></svg>',
    })
    completed = run_main(site)
    assert completed.returncode == 1
    assert "memory/index.html:3: unfilled placeholder {CONFIG.test_size:,} in alt of <img>" in completed.stderr
    assert "generated/memory/cell.svg:2: unfilled placeholder {n} in the text" in completed.stderr
    assert "index.html:1" not in completed.stderr.replace("memory/index.html", "")


def test_main_passes_a_clean_site_and_refuses_a_missing_one(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {"index.html": '<p>Fine <img src="a.svg" alt="A figure of h"></p>'})
    assert run_main(site).returncode == 0
    missing = run_main(tmp_path / "nothing")
    assert missing.returncode == 2 and "no built site" in missing.stderr


@pytest.mark.slow
def test_the_built_site_has_no_leak_no_missing_alt_text_and_no_split_api_table(built_site: Path) -> None:
    problems = check_site.check_site(built_site)
    assert not problems, "\n".join(problems)
