"""mkdocs hook: keep the theme's and mkdocstrings' compiled Jinja templates between builds.

Every build compiles some seventy templates (Material's pages and partials, mkdocstrings' API
reference) from source to Python before it renders anything: about half a second of a no-op rebuild, the
same work each time. Jinja's own bytecode cache keeps what it compiled in a folder of the user's temporary
directory, keyed by the template's name and a checksum of its source, so an edited template, a new theme
release or another Python version is compiled afresh and nothing stale is ever used.

Why it stays: Jinja's cache needs an environment to be handed to it, and neither MkDocs nor mkdocstrings has an
option for it. Measured on a no-op build under cProfile: Jinja's parsing and compiling take 1.7 s without the
cache, 0.14 to 0.24 s with it.
"""

from __future__ import annotations

from jinja2 import FileSystemBytecodeCache

CACHE = FileSystemBytecodeCache()  # a private folder under the system's temporary directory


def on_env(env, config, files):
    """The theme's templates."""
    env.bytecode_cache = CACHE
    return env


def on_pre_build(config) -> None:
    """mkdocstrings' templates: its Python handler has its own environment, made when first asked for."""
    plugin = config.plugins.get("mkdocstrings")
    if plugin is not None:
        plugin.get_handler("python").env.bytecode_cache = CACHE
