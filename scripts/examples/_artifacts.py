"""What an example hands to the site: figures, Markdown snippets, data, values and a provenance note.

An example is a plain Python file `scripts/examples/<name>.py` with a function `build(out: Artifacts)`. It
computes with `seqdocs` and hands each result to `out`; nothing is written until the example has finished,
so a failing example leaves nothing half-written. The build (`scripts/build_artifacts.py`) then writes it
all into `docs/generated/<name>/`, where pages include it:

| call                            | writes                  | a page uses it as                               |
| ------------------------------- | ----------------------- | ----------------------------------------------- |
| `out.figure("gates", fig, alt)` | `gates.svg`, `gates.md` | `--8<-- "generated/<name>/gates.md"`            |
| `out.markdown("steps", text)`   | `steps.md`              | `--8<-- "generated/<name>/steps.md"`            |
| `out.json("results", obj)`      | `results.json`          | a download link                                 |
| `out.value("final", "0.5")`     | `values.json`           | `{{ <name>.final }}` in the page's text         |
| `out.provenance(42, checks)`    | `provenance.md`         | `--8<-- "generated/<name>/provenance.md"`       |

Everything written is byte-for-byte the same on every run with the same inputs (see `Artifacts.figure`).

Run an example on its own with `python scripts/examples/<name>.py`: [run_standalone][] writes its output
into a temporary folder and prints what it wrote.
"""

from __future__ import annotations

import io
import json
import random
import re
import sys
import tempfile
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
"""Names of outputs: they become file names and URLs."""

KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
"""Keys of values: a page writes `{{ example.key }}`."""

RESERVED_FILES = {"values.json", "provenance.md"}
"""Written by `value()` and `provenance()` only."""

SVG_SALT = "seqdocs"
"""Fixes the ids matplotlib gives clip paths and markers, which are otherwise random: same figure, same bytes."""

# Characters of an alt text that Markdown would act on before it reads the image (code spans, maths,
# escapes) or that would end the image's [alt] early; each is escaped with a backslash.
_ALT_SPECIAL = re.compile(r"([\\`$\[\]])")

_SVG_SIZE = re.compile(rb'<svg[^>]*?\swidth="([\d.]+)pt"\s+height="([\d.]+)pt"')


MODEL_LABELS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU", "attention": "Self-attention", "block": "Transformer block"}
"""How provenance notes name the models that `seqdocs` checks call "rnn", "lstm", ..."""


def _model_label(model: str) -> str:
    """ "lstm" -> "LSTM", "attention (causal)" -> "Self-attention (causal)"; an unknown name as it is."""
    name, _, variant = model.partition(" ")
    return " ".join(filter(None, [MODEL_LABELS.get(name, name), variant]))


def prepare_process() -> None:
    """Make this process draw the same figures and draw the same random numbers on every run.

    Matplotlib's default settings and a backend that needs no display, and fixed seeds for Python's and
    NumPy's random generators, for an example that uses one without meaning to. Call it before the example
    is imported; then [prepare_torch][] before its `build` runs. The build calls both in each fresh worker
    process; `run_standalone` calls them too.
    """
    import matplotlib

    matplotlib.use("Agg", force=True)
    matplotlib.rcdefaults()
    random.seed(0)
    numpy = sys.modules.get("numpy")  # matplotlib has imported it
    if numpy is not None:
        numpy.random.seed(0)


def prepare_torch() -> None:
    """If the example uses torch: one thread and seed 0.

    One thread gives the same summation order on any machine, and no oversubscription when the build runs
    examples side by side (the build also sets `OMP_NUM_THREADS=1`, which torch reads when imported). An
    example that never imports torch does not pay for importing it here.
    """
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)
        torch.manual_seed(0)


def _escape_alt(alt: str) -> str:
    return _ALT_SPECIAL.sub(r"\\\1", " ".join(alt.split()))


def _version(distribution: str) -> str:
    """A package's version: the loaded module's `__version__` if it has one, else its installed metadata."""
    module = sys.modules.get(distribution)
    if getattr(module, "__version__", None):
        return str(module.__version__)
    try:
        return metadata.version(distribution)  # without importing it: torch takes seconds to import
    except metadata.PackageNotFoundError:
        return "(not installed)"


class Artifacts:
    """Collects one example's output in memory; `write` puts it into a folder.

    Args:
        example: The example's name (its file name without `.py`); pages name it in `{{ example.key }}`.
        url_prefix: Where the example's folder is, as a path relative to `docs/`: figures' Markdown links
            to `<url_prefix>/<example>/<name>.svg`.

    Examples:
        >>> out = Artifacts("demo")
        >>> out.markdown("note", "Hello.")
        >>> out.value("answer", "42")
        >>> sorted(out.files)
        ['note.md', 'values.json']
    """

    def __init__(self, example: str, url_prefix: str = "generated") -> None:
        self.example = example
        self.url_prefix = url_prefix.rstrip("/")
        self._files: dict[str, bytes] = {}
        self._values: dict[str, str] = {}

    @property
    def files(self) -> dict[str, bytes]:
        """Every file this example will write, by file name, `values.json` included."""
        values = json.dumps(self._values, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
        return {**self._files, "values.json": values.encode()}

    @property
    def values(self) -> dict[str, str]:
        """The values given so far, by key."""
        return dict(self._values)

    def _add(self, filename: str, content: bytes) -> None:
        if filename in self._files:
            raise ValueError(f"example {self.example!r} writes {filename} twice")
        self._files[filename] = content

    def _check_name(self, name: str, suffixes: Iterable[str]) -> None:
        if not NAME_PATTERN.match(name):
            raise ValueError(
                f"example {self.example!r}: {name!r} is not a usable output name "
                "(letters, digits, '_' and '-'; it becomes a file name and a URL)"
            )
        for suffix in suffixes:
            if f"{name}{suffix}" in RESERVED_FILES:
                raise ValueError(f"example {self.example!r}: {name}{suffix} is reserved, choose another name")

    def figure(self, name: str, fig: Any, alt: str, caption: str | None = None) -> None:
        """Save a matplotlib figure as `<name>.svg` and write `<name>.md`, the Markdown that shows it.

        The SVG is byte-for-byte reproducible: matplotlib's random ids are salted with a fixed string and
        the date and creator are left out of its metadata. Its text stays text (`svg.fonttype` "none"),
        so a reader can select and search it. The Markdown is an image with the alt text, its size and
        `loading="lazy"`, linked relative to `docs/` so that mkdocs checks and rewrites the link. With a
        caption it is wrapped in `<figure>` with a `<figcaption>`; include such a snippet at the top level
        of a page (raw HTML is not read inside admonitions or tabs). The figure is closed afterwards.

        Args:
            name: The file name without suffix.
            fig: The matplotlib figure.
            alt: What the figure shows, for readers who cannot see it: the numbers, not "a figure".
            caption: Text shown under the figure (Markdown allowed), or None for none.

        Raises:
            ValueError: If `alt` is empty, or the name is unusable or already taken.
        """
        import matplotlib as mpl
        import matplotlib.pyplot as plt

        self._check_name(name, (".svg", ".md"))
        if not alt or not alt.strip():
            plt.close(fig)
            raise ValueError(f"example {self.example!r}: figure {name!r} needs an alt text")
        buffer = io.BytesIO()
        with mpl.rc_context({"svg.hashsalt": SVG_SALT, "svg.fonttype": "none"}):
            fig.savefig(
                buffer, format="svg", bbox_inches="tight", pad_inches=0.05, metadata={"Date": None, "Creator": None}
            )
        plt.close(fig)
        svg = buffer.getvalue()
        size = _SVG_SIZE.search(svg)
        if size is None:
            raise RuntimeError(f"example {self.example!r}: figure {name!r}: no width and height in the SVG")
        # SVG lengths are in points; the browser lays an <img> out in CSS pixels, 96 to 72 points.
        width, height = (round(float(points) * 4 / 3) for points in size.groups())
        image = (
            f"![{_escape_alt(alt)}]({self.url_prefix}/{self.example}/{name}.svg)"
            f'{{ .seqdocs-figure width="{width}" height="{height}" loading="lazy" }}'
        )
        if caption:
            text = (
                f'<figure class="seqdocs-figure-with-caption" markdown="span">\n{image}\n'
                f'<figcaption markdown="span">{" ".join(caption.split())}</figcaption>\n</figure>\n'
            )
        else:
            text = image + "\n"
        self._add(f"{name}.svg", svg)
        self._add(f"{name}.md", text.encode())

    def markdown(self, name: str, text: str) -> None:
        """Write `<name>.md`: any Markdown a page includes with `--8<--`, e.g. a table or tabbed steps.

        Args:
            name: The file name without suffix.
            text: The Markdown; a final newline is added if missing.

        Raises:
            ValueError: If the name is unusable or already taken.
        """
        self._check_name(name, (".md",))
        self._add(f"{name}.md", (text if text.endswith("\n") else text + "\n").encode())

    def json(self, name: str, obj: Any) -> None:
        """Write `<name>.json`: data a reader can download, with sorted keys so the bytes never change.

        Args:
            name: The file name without suffix.
            obj: Anything `json` can write (convert tensors with `.tolist()` first); NaN and infinity are
                refused, since JSON has no such numbers.

        Raises:
            ValueError: If the name is unusable or taken, or `obj` holds NaN or infinity.
            TypeError: If `obj` holds something JSON cannot write.
        """
        self._check_name(name, (".json",))
        text = json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        self._add(f"{name}.json", text.encode())

    def value(self, key: str, text: str) -> None:
        """Give a page a piece of text: `{{ <example>.<key> }}` in any page is replaced by it.

        Args:
            key: A Python-identifier-like key.
            text: The text, Markdown allowed (e.g. `"$H = 2$"`); format numbers before passing them.

        Raises:
            ValueError: If the key is unusable or already given.
            TypeError: If `text` is not a string.
        """
        if not KEY_PATTERN.match(key):
            raise ValueError(f"example {self.example!r}: value key {key!r} must look like a Python name")
        if not isinstance(text, str):
            raise TypeError(f"example {self.example!r}: value {key!r} must be text, got {type(text).__name__}")
        if key in self._values:
            raise ValueError(f"example {self.example!r} gives value {key!r} twice")
        self._values[key] = text

    def provenance(self, seed: int | None, checks: Iterable[Any] = ()) -> None:
        """Write `provenance.md`: which versions computed this page's numbers, and how they were checked.

        Args:
            seed: The seed the example's numbers come from, or None if nothing random is drawn.
            checks: Objects with `model`, `reference`, `tolerance`, `max_error` and `passed` (e.g.
                `seqdocs.Check`), each a comparison with PyTorch's own implementation.

        Raises:
            RuntimeError: If any check did not pass: the site is not built with numbers PyTorch disagrees with.
        """
        checks = list(checks)
        failed = [check for check in checks if not check.passed]
        if failed:
            raise RuntimeError(
                f"example {self.example!r}: "
                + "; ".join(
                    f"{check.model} differs from {check.reference} by {check.max_error:.1e} "
                    f"(more than the tolerance {check.tolerance:.0e})"
                    for check in failed
                )
            )
        seqdocs_version, torch_version = _version("seqdocs"), _version("torch")
        seed_text = f", seed {seed}" if seed is not None else ""
        sentences = [f"Computed when this site was built by seqdocs {seqdocs_version}, torch {torch_version}{seed_text}."]
        # Several checks of one model (plain and causal attention) are told apart by the check's model name.
        sentences += [
            f"{_model_label(check.model)} checked equal to `{check.reference}` to {check.tolerance:.0e} "
            f"(largest difference {check.max_error:.1e})."
            for check in checks
        ]
        self._add("provenance.md", ('!!! info "Provenance"\n\n    ' + " ".join(sentences) + "\n").encode())

    def write(self, folder: Path) -> list[Path]:
        """Write every file into `folder`, which must exist.

        Returns:
            The paths written, in name order.
        """
        written = []
        for filename, content in sorted(self.files.items()):
            path = Path(folder) / filename
            path.write_bytes(content)
            written.append(path)
        return written


def run_standalone(build: Callable[[Artifacts], None]) -> Path:
    """Run an example on its own: build it into a new temporary folder and print what it wrote.

    Args:
        build: The example's `build` function; the example's name is its file's name.

    Returns:
        The folder written to.
    """
    module = sys.modules[build.__module__]
    name = Path(module.__file__).stem
    prepare_process()
    prepare_torch()
    out = Artifacts(name)
    build(out)
    folder = Path(tempfile.mkdtemp(prefix=f"seqdocs-{name}-"))
    written = out.write(folder)
    print(f"{name}: wrote {len(written)} files to {folder}")
    for path in written:
        print(f"  {path.name} ({path.stat().st_size:,} bytes)")
    for path in written:
        if path.suffix == ".md":
            print(f"\n--- {path.name} ---\n{path.read_text(encoding='utf-8')}", end="")
    if out.values:
        print("\n--- values (write {{ " + name + ".KEY }} in a page) ---")
        for key, text in sorted(out.values.items()):
            print(f"  {key}: {text}")
    return folder
