"""Every docstring of `seqdocs`, parsed as the API pages parse it, gives one table row per documented item.

The API pages (mkdocstrings, Google style) turn the `Args:`, `Returns:` and `Raises:` sections into tables. Read
with the wrong options, or written so the parser misreads it, a section splits: each wrapped line of a
Returns description became a row of its own, repeating the return type, and a description opening with a
shape, `(..., T): ...`, put the shape in the type column. This test parses every docstring with griffe and
the options mkdocs.yml gives mkdocstrings, so it needs no site build.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import griffe
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
IDENTIFIER = re.compile(r"^[A-Za-z_]\w*$")
DOTTED_NAME = re.compile(r"^[A-Za-z_][\w.]*$")


class _AnyTagLoader(yaml.SafeLoader):
    """Reads mkdocs.yml without constructing its tags (`!relative`, `!!python/name:`)."""


_AnyTagLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def python_handler_options() -> dict:
    """The options mkdocs.yml gives mkdocstrings' Python handler."""
    config = yaml.load((REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_AnyTagLoader)
    for plugin in config["plugins"]:
        if isinstance(plugin, dict) and "mkdocstrings" in plugin:
            return plugin["mkdocstrings"]["handlers"]["python"]["options"]
    raise AssertionError("mkdocs.yml configures no mkdocstrings plugin")


def documented_objects(module: griffe.Module):
    """Every module, class, function and attribute defined in the package, with a docstring."""
    for member in module.members.values():
        if member.is_alias:
            continue
        if member.docstring:
            yield member
        if member.is_module or member.is_class:
            yield from documented_objects(member)


def annotation_problem(annotation: object) -> str | None:
    """What is wrong with a type-column entry that came from misreading a description."""
    text = str(annotation or "").strip()
    if text == "..." or text.startswith("("):
        return f"type column reads {text!r}: a shape or a wrapped line read as a type"
    if "][" in text:
        return f"type column reads {text!r}: a cross-reference read as a type"
    return None


def section_problems(obj, section) -> list[str]:
    kind = section.kind
    where = f"{obj.path} ({kind.value})"
    problems = [
        f"{where}: {problem}"
        for item in section.value
        if (problem := annotation_problem(getattr(item, "annotation", None)))
    ]
    if kind in (griffe.DocstringSectionKind.returns, griffe.DocstringSectionKind.yields):
        if len(section.value) != 1:
            problems.append(f"{where}: {len(section.value)} items; a Returns section describes one value")
    elif kind == griffe.DocstringSectionKind.parameters:
        names = [item.name for item in section.value]
        signature = [parameter.name.lstrip("*") for parameter in getattr(obj, "parameters", None) or []]
        problems += [f"{where}: {name!r} is not a parameter of the signature" for name in names
                     if name not in signature]
        problems += [f"{where}: {name!r} is documented twice" for name in set(names) if names.count(name) > 1]
    elif kind == griffe.DocstringSectionKind.raises:
        problems += [
            f"{where}: {item.annotation!r} is not an exception's name (a wrapped line read as an item?)"
            for item in section.value
            if not DOTTED_NAME.match(str(item.annotation or ""))
        ]
    elif kind in (griffe.DocstringSectionKind.attributes, griffe.DocstringSectionKind.other_parameters):
        problems += [f"{where}: {item.name!r} is not a name" for item in section.value
                     if not IDENTIFIER.match(item.name)]
    return problems


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"griffe: {record.getMessage()}")


def docstring_problems(package: griffe.Module) -> list[str]:
    """Every misread section, and every warning griffe gives while parsing (a dropped or misindented line)."""
    warnings = _Warnings()
    logger = logging.getLogger("griffe")
    logger.addHandler(warnings)
    problems = []
    try:
        for obj in documented_objects(package):
            for section in obj.docstring.parse():  # parsed afresh (`.parsed` is cached), with the handler listening
                problems += section_problems(obj, section)
    finally:
        logger.removeHandler(warnings)
    return problems + warnings.messages


@pytest.fixture(scope="module")
def parsed_package() -> griffe.Module:
    """The package as mkdocstrings loads it for the API pages."""
    options = python_handler_options()
    return griffe.load(
        "seqdocs",
        search_paths=[str(REPO_ROOT)],
        docstring_parser=options.get("docstring_style", "google"),
        docstring_options=options.get("docstring_options", {}),
    )


def test_every_section_has_one_row_per_documented_item(parsed_package: griffe.Module) -> None:
    problems = docstring_problems(parsed_package)
    assert not problems, "\n".join(problems)


def test_the_checks_catch_a_split_returns_section_and_a_stray_args_line() -> None:
    """The failure the site had: a wrapped Returns line read as a second value, and an Args line read as an item."""
    source = '''
def cell(x):
    """One step.

    Args:
        x: (..., E) the input,
        wrapped: not a parameter.

    Returns:
        (..., T): the tensors by name, in the order they are computed: `input`,
        `hidden`.

    Raises:
        ValueError: If x is empty, and
        for any other reason.
    """
'''
    with griffe.temporary_visited_module(source, docstring_parser="google") as module:
        problems = docstring_problems(module)
    assert any("2 items" in problem for problem in problems), problems
    assert any("'(..., T)'" in problem for problem in problems), problems
    assert any("'wrapped' is not a parameter" in problem for problem in problems), problems
    assert any("griffe:" in problem and "'for any other reason.'" in problem for problem in problems), problems
