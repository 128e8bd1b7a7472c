"""The `seqdocs` command: watch the models read a sequence in the terminal, or write every tensor as JSON.

Usage:

    seqdocs explain                          # all four models read "a b c", narrated step by step
    seqdocs explain "the cat sat" --model lstm --hidden-size 3
    seqdocs explain --model attention --causal --heads 2 --embedding-size 4
    seqdocs explain --no-color | less        # or --color always | less -R
    seqdocs trace                            # one line per model: its result and its PyTorch check
    seqdocs trace --json > trace.json        # every tensor of every step, weights included
    python -m seqdocs --help

With no sequence both commands read "a b c" with seed 42, embedding size 2 and hidden size 2: the seed notebook's
setup. `seqdocs` alone prints the help. Bad input (an unknown token, a size out of range, a misspelt option)
prints one line starting `seqdocs: error:` on stderr and exits with status 2; a failed check against PyTorch
exits with status 1 after printing its result.

Colour: `explain` colours its output when stdout is a terminal, `NO_COLOR` is unset (or empty) and `TERM` is
not `dumb`. `--color always` or a non-empty `FORCE_COLOR` turns it on anyway; `--no-color` turns it off.

Examples:
    >>> main(["trace", "--model", "rnn"])  # doctest: +ELLIPSIS
    seqdocs ..., torch ..., seed 42, E = 2, H = 2, float32
    sequence: 'a' 'b' 'c'
    <BLANKLINE>
    rnn  final hidden state  -0.9068   0.1196
    ...
    0
    >>> main(["explain", "a b d", "--vocab", "a b c"])  # the error line goes to stderr
    2
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import difflib
import json
import os
import re
import sys
import textwrap
import unicodedata
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

import torch

import seqdocs

from ._checks import MAX_SIZE
from .explain import EXTRA_MODELS, MODELS, explain
from .reference import CHECKS
from .trace import tensor_to_data

MODEL_CHOICES = (*MODELS, *EXTRA_MODELS, "all")
"""What `--model` accepts: one model, or `all` of the four that read the same setup (the default)."""

_SUMMARY_NUMBERS = 4  # values per model in the summary: enough to recognise a state, few enough for one line
_EXIT_USAGE = 2  # bad input, as argparse and most Unix tools use it
_EXIT_CHECK_FAILED = 1

# Shown after an option's error so the fix is on the same line.
_OPTION_EXAMPLES = {
    "--model": "--model lstm",
    "--seed": "--seed 42",
    "--embedding-size": "--embedding-size 4",
    "--hidden-size": "--hidden-size 3",
    "--vocab": '--vocab "a b c d"',
    "--dtype": "--dtype float64",
    "--heads": "--heads 2",
    "--feedforward-size": "--feedforward-size 8",
    "--color": "--color never",
}


class _UsageError(Exception):
    """Raised instead of argparse's print-usage-and-exit, so main can print one line and return 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(_rephrase(message, self.prog))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `seqdocs` command, with its two subcommands, `explain` and `trace`.

    Returns:
        The parser. Its `error` raises instead of exiting; [main][seqdocs.cli.main] turns that into one
        line on stderr and exit status 2.

    Examples:
        >>> args = build_parser().parse_args(["explain", "a", "b", "--model", "gru", "--seed", "7"])
        >>> args.command, args.sequence, args.model, args.seed
        ('explain', ['a', 'b'], 'gru', 7)
    """
    parser = _Parser(
        prog="seqdocs",
        description="Watch an RNN, an LSTM, a GRU and self-attention read a sequence, one tensor at a time.",
        epilog='Run "seqdocs explain --help" or "seqdocs trace --help" for their options.',
    )
    parser.add_argument("--version", action="version", version=f"seqdocs {seqdocs.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    setup_options = _Parser(add_help=False)
    setup_options.add_argument(
        "sequence",
        nargs="*",
        metavar="SEQUENCE",
        help='the tokens to read, separated by spaces: "a b c" or a b c (default: a b c). '
        "Put -- before a sequence whose first token starts with a dash.",
    )
    setup_options.add_argument(
        "--model", type=_choice("--model", MODEL_CHOICES), default="all", metavar="{" + ",".join(MODEL_CHOICES) + "}",
        help="which model to show (default: all)",
    )
    setup_options.add_argument(
        "--seed", type=_whole_number("--seed", 0, 2**63 - 1), default=seqdocs.setups.DEFAULT_SEED, metavar="N",
        help="seeds every random weight and embedding (default: %(default)s)",
    )
    setup_options.add_argument(
        "--embedding-size", type=_whole_number("--embedding-size", 1, MAX_SIZE), default=None, metavar="N",
        help=f"E, the numbers per token, also the attention width (1 to {MAX_SIZE}; default: 2, "
        f"and {seqdocs.block.BLOCK_EMBEDDING_SIZE} for --model block)",
    )
    setup_options.add_argument(
        "--hidden-size", type=_whole_number("--hidden-size", 1, MAX_SIZE), default=2, metavar="N",
        help=f"H, the size of the recurrent models' memory (1 to {MAX_SIZE}; default: %(default)s)",
    )
    setup_options.add_argument(
        "--vocab", metavar='"TOKENS"',
        help="the known tokens in id order, e.g. \"a b c d\" (default: the sequence's tokens, first seen first)",
    )
    setup_options.add_argument(
        "--dtype", type=_choice("--dtype", ("float32", "float64")), default="float32", metavar="{float32,float64}",
        help="the precision to compute in (default: %(default)s)",
    )
    setup_options.add_argument(
        "--causal", action="store_true", help="attention: each token sees only itself and the tokens before it",
    )
    setup_options.add_argument(
        "--heads", type=_whole_number("--heads", 1, MAX_SIZE), default=None, metavar="N",
        help=f"attention: how many heads; must divide the embedding size (default: 1, and {seqdocs.block.BLOCK_HEADS} "
        f"for --model block)",
    )
    setup_options.add_argument(
        "--norm-first", action="store_true",
        help="block: LayerNorm before attention and before the feed-forward layer (pre-norm), not after each "
        "residual sum",
    )
    setup_options.add_argument(
        "--feedforward-size", type=_whole_number("--feedforward-size", 1, MAX_SIZE), default=None, metavar="N",
        help="block: the feed-forward layer's width (default: twice the embedding size)",
    )

    explain_parser = commands.add_parser(
        "explain",
        parents=[setup_options],
        help="a narrated, step-by-step walk-through in the terminal",
        description="Narrate, step by step, how each model reads the sequence: the formulas, every tensor "
        "labelled with its tokens, and a check against PyTorch's own implementation at the end of each model.",
    )
    explain_parser.add_argument(
        "--color", type=_choice("--color", ("auto", "always", "never")), default="auto", metavar="WHEN",
        help="auto, always or never: auto (the default) colours a terminal unless NO_COLOR is set or TERM is "
        "dumb; FORCE_COLOR=1 colours even a pipe",
    )
    explain_parser.add_argument(
        "--no-color", dest="color", action="store_const", const="never", help="same as --color never",
    )
    explain_parser.add_argument(
        "--ascii", action="store_true", help="plain ASCII symbols (sigmoid, *) instead of σ, ⊙ and box lines",
    )

    trace_parser = commands.add_parser(
        "trace",
        parents=[setup_options],
        help="every tensor of every step as JSON (with --json), or a short summary",
        description="Print each model's result and its PyTorch check; with --json, print one JSON object with "
        "the setup, the complete trace of every model (weights included) and the checks.",
    )
    trace_parser.add_argument(
        "--json", action="store_true", help="print the complete trace as one JSON object, for tools",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `seqdocs` command.

    Args:
        argv: The arguments after the program name; by default `sys.argv[1:]`.

    Returns:
        The exit status: 0 on success, 1 if a model disagreed with PyTorch, 2 on bad input.

    Examples:
        >>> main(["explain", "a", "--model", "rnn", "--no-color", "--ascii"])  # doctest: +ELLIPSIS
        seqdocs explain: how an RNN reads 'a'
        ...
        ok: checked equal to torch.nn.RNN within 1e-06 in float32 (largest relative
        ...
        0
        >>> main(["trace", "--seed", "1.5"])
        2
    """
    _tolerate_unencodable(sys.stdout)
    _tolerate_unencodable(sys.stderr)
    try:
        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
        if extra:
            raise _UsageError(_unexpected(extra, args.command))
        if args.command is None:
            parser.print_help()
            return 0
        models = MODELS if args.model == "all" else (args.model,)
        _block_defaults(args, models)
        setup = _make_setup(args)
        _check_attention_options(args, setup, models)
        if args.command == "explain":
            return _explain(args, setup, models)
        return _trace(args, setup, models)
    except (_UsageError, seqdocs.InputError, seqdocs.InputTypeError) as error:
        print(f"seqdocs: error: {_one_line(str(error))}", file=sys.stderr)
        return _EXIT_USAGE
    except BrokenPipeError:
        # The reader went away (`seqdocs trace --json | head`). Point stdout at /dev/null so that Python's
        # final flush at exit does not fail again and print a warning.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass  # a stdout without a file descriptor (e.g. captured in tests): nothing left to protect
        return _EXIT_CHECK_FAILED
    except KeyboardInterrupt:
        return 130  # the shell's convention for "stopped by Ctrl-C"


def trace_document(setup: seqdocs.Setup, models: Sequence[str] = MODELS, *, causal: bool = False,
                   num_heads: int = 1, norm_first: bool = False,
                   feedforward_size: int | None = None) -> dict[str, Any]:
    """Everything `seqdocs trace --json` prints: versions, the setup, each model's complete trace, the checks.

    Args:
        setup: The setup, from [make_setup][seqdocs.make_setup].
        models: Which models to trace, any of [MODELS][seqdocs.explain.MODELS] and `"block"`.
        causal: Trace causally masked self-attention (and block).
        num_heads: How many attention heads (also the block's).
        norm_first: The block's LayerNorm placement: pre-norm if true, post-norm if false.
        feedforward_size: The block's feed-forward width; by default twice the embedding size.

    Returns:
        Plain data for `json.dumps`. `traces` maps each model to [Trace.to_dict][seqdocs.Trace.to_dict]'s output,
        which [Trace.from_dict][seqdocs.Trace.from_dict] reads back bit for bit; every tensor is written as
        `{"dtype", "shape", "data"}`.

    Examples:
        >>> document = trace_document(seqdocs.make_setup(), ["lstm"])
        >>> list(document), list(document["traces"])
        (['seqdocs_version', 'torch_version', 'setup', 'traces', 'checks'], ['lstm'])
        >>> seqdocs.Trace.from_dict(document["traces"]["lstm"]) == seqdocs.lstm_trace()
        True
    """
    traces, checks = {}, []
    for name in (name for name in (*MODELS, *EXTRA_MODELS) if name in models):
        if name == "block":
            config = seqdocs.BlockConfig(num_heads=num_heads, norm_first=norm_first, causal=causal)
            weights = seqdocs.block.make_block_weights(setup.embedding_size, feedforward_size,
                                                 seed=setup.seed, dtype=setup.embeddings.dtype)
            trace = seqdocs.block_trace(setup, config, weights)
            check = seqdocs.check_block(setup, config, weights)
        elif name == "attention":
            trace = seqdocs.attention_trace(setup, causal=causal, num_heads=num_heads)
            check = seqdocs.check_attention(setup, causal=causal, num_heads=num_heads)
        else:  # a recurrent model: its trace from the table, its check against torch.nn
            trace, check = seqdocs.MODELS[name].trace(setup), CHECKS[name](setup)
        traces[name] = trace.to_dict()
        checks.append({**dataclasses.asdict(check), "passed": check.passed})
    return {
        "seqdocs_version": seqdocs.__version__,
        "torch_version": torch.__version__,
        "setup": {
            "sequence": list(setup.tokens),
            "vocabulary": list(setup.vocabulary.tokens),
            "token_ids": list(setup.token_ids),
            "seed": setup.seed,
            "embedding_size": setup.embedding_size,
            "hidden_size": setup.rnn.hidden_size,
            "dtype": str(setup.embeddings.dtype).removeprefix("torch."),
            "embeddings": tensor_to_data(setup.embeddings),
        },
        "traces": traces,
        "checks": checks,
    }


def use_colour(choice: str, stream: TextIO, environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Decide whether to colour the output, following the NO_COLOR and FORCE_COLOR conventions.

    Args:
        choice: `"always"`, `"never"` or `"auto"`.
        stream: Where the text goes; `auto` colours it only if it is a terminal.
        environ: The environment to read `NO_COLOR`, `FORCE_COLOR` and `TERM` from.

    Returns:
        Whether to add colour codes.

    Examples:
        >>> import io
        >>> use_colour("auto", io.StringIO(), {}), use_colour("always", io.StringIO(), {"NO_COLOR": "1"})
        (False, True)
        >>> use_colour("auto", io.StringIO(), {"FORCE_COLOR": "1"})
        True
    """
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR"):  # no-color.org: set and not empty
        return False
    if environ.get("FORCE_COLOR"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _make_setup(args: argparse.Namespace) -> seqdocs.Setup:
    # [] means no sequence was given; [""] is an empty one, which make_setup reports.
    sequence = " ".join(args.sequence) if args.sequence else seqdocs.setups.DEFAULT_SEQUENCE
    return seqdocs.make_setup(
        sequence,
        vocabulary=args.vocab,
        seed=args.seed,
        embedding_size=args.embedding_size,
        hidden_size=args.hidden_size,
        dtype=args.dtype,
    )


def _block_defaults(args: argparse.Namespace, models: Sequence[str]) -> None:
    """Fill in the sizes the user left out: the block's own defaults (E = 4, 2 heads), else the site's."""
    block = "block" in models
    if args.embedding_size is None:
        args.embedding_size = seqdocs.block.BLOCK_EMBEDDING_SIZE if block else 2
    heads_given = args.heads is not None
    if args.heads is None:
        args.heads = seqdocs.block.BLOCK_HEADS if block else 1
    args.heads_given = heads_given
    given = [option for option, used in (("--norm-first", args.norm_first),
                                         ("--feedforward-size", args.feedforward_size is not None)) if used]
    if given and not block:
        raise seqdocs.InputError(
            f"{' and '.join(given)} only appl{'y' if len(given) > 1 else 'ies'} to the Transformer block: "
            f"add --model block, or leave {'them' if len(given) > 1 else 'it'} out"
        )


def _check_attention_options(args: argparse.Namespace, setup: seqdocs.Setup, models: Sequence[str]) -> None:
    given = [option for option, used in (("--causal", args.causal), ("--heads", args.heads_given)) if used]
    if given and "attention" not in models and "block" not in models:
        raise seqdocs.InputError(
            f"{' and '.join(given)} only appl{'y' if len(given) > 1 else 'ies'} to self-attention: "
            f"add --model attention (or --model all), "
            f"or leave {'them' if len(given) > 1 else 'it'} out"
        )
    width = setup.attention.width
    if width % args.heads:
        divisors = [str(count) for count in range(1, width + 1) if width % count == 0]
        raise seqdocs.InputError(
            f"--heads {args.heads} does not divide the attention width {width} (the embedding size): "
            f"use --heads {' or '.join(divisors) if len(divisors) < 3 else ', '.join(divisors)}, "
            f"or an --embedding-size that {args.heads} divides"
        )


def _explain(args: argparse.Namespace, setup: seqdocs.Setup, models: Sequence[str]) -> int:
    walkthrough = explain(
        setup,
        models,
        causal=args.causal,
        num_heads=args.heads,
        norm_first=args.norm_first,
        feedforward_size=args.feedforward_size,
        colour=use_colour(args.color, sys.stdout),
        unicode=not args.ascii and _can_encode(sys.stdout, "─σ⊙×√ᵀ✓✗·"),
    )
    sys.stdout.write(walkthrough.text)
    sys.stdout.flush()  # inside main's try, so a closed pipe is reported here, not at exit
    return 0 if walkthrough.passed else _EXIT_CHECK_FAILED


def _trace(args: argparse.Namespace, setup: seqdocs.Setup, models: Sequence[str]) -> int:
    document = trace_document(setup, models, causal=args.causal, num_heads=args.heads,
                              norm_first=args.norm_first, feedforward_size=args.feedforward_size)
    if args.json:
        sys.stdout.write(json.dumps(document) + "\n")
    else:
        sys.stdout.write(_summary(setup, document))
    sys.stdout.flush()
    return 0 if all(check["passed"] for check in document["checks"]) else _EXIT_CHECK_FAILED


def _summary(setup: seqdocs.Setup, document: dict[str, Any]) -> str:
    """A few lines for a person: each model's final state and its check; --json has everything else."""
    traces = {name: seqdocs.Trace.from_dict(data) for name, data in document["traces"].items()}
    facts = [
        f"seqdocs {document['seqdocs_version']}", f"torch {document['torch_version']}", f"seed {setup.seed}",
        f"E = {setup.embedding_size}", f"H = {setup.rnn.hidden_size}", document["setup"]["dtype"],
    ]
    lines = textwrap.wrap(", ".join(facts), 80)
    lines += textwrap.wrap("sequence: " + " ".join(seqdocs.errors.show_token(t) for t in setup.tokens), 80,
                           subsequent_indent="  ")
    lines.append("")
    rows = []
    for name, trace in traces.items():
        if name in ("attention", "block"):
            rows.append((name, "output of the last token", trace.final("output")[..., -1, :]))
        else:
            rows.append((name, "final hidden state", trace.final("hidden")))
    name_width = max(len(name) for name, _, _ in rows)
    label_width = max(len(label) for _, label, _ in rows)
    for name, label, values in rows:
        shown = values.tolist()[:_SUMMARY_NUMBERS]
        numbers = "  ".join(f"{value:.4f}".rjust(7) for value in shown)
        if values.numel() > len(shown):
            numbers += f"  ... ({values.numel()} in all)"
        lines.append(f"{name.ljust(name_width)}  {label.ljust(label_width)}  {numbers}")
    lines.append("")
    for check in document["checks"]:
        verdict = "equal" if check["passed"] else "NOT equal"
        lines += textwrap.wrap(
            f"{check['model']}: {verdict} to {check['reference']} within {check['tolerance']:g} "
            f"(largest relative difference {check['max_error']:.1e})",
            80,
            subsequent_indent="  ",
        )
    lines.append("")
    lines.append("Add --json for every tensor of every step, weights included.")
    lines.append("seqdocs explain narrates the same numbers step by step.")
    return "\n".join(lines) + "\n"


def _choice(option: str, choices: Sequence[str]):
    """An argparse type that accepts one of `choices` and otherwise names the option and lists them."""

    def convert(text: str) -> str:
        if text in choices:
            return text
        close = difflib.get_close_matches(text.lower(), choices, n=1, cutoff=0.7)
        hint = f"; did you mean {option} {close[0]}?" if close else ""
        raise argparse.ArgumentTypeError(
            f"must be {', '.join(choices[:-1])} or {choices[-1]}, got {seqdocs.errors.show_token(text)}{hint}"
        )

    return convert


def _whole_number(option: str, low: int, high: int):
    """An argparse type that accepts a whole number from `low` to `high`, with a message naming the option."""
    bounds = f"from {low} to {high}" if high < 2**32 else f"from {low} to 2**63 - 1"

    def convert(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be a whole number {bounds}, got {seqdocs.errors.show_token(text)}"
            ) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number {bounds}, got {value}")
        return value

    return convert


def _rephrase(message: str, prog: str) -> str:
    """Turn one of argparse's messages into a sentence that names the option and says how to fix it."""
    command = "seqdocs" if prog == "seqdocs" else prog
    invalid_command = re.fullmatch(r"argument COMMAND: invalid choice: (.*?) \(choose from .*\)", message)
    if invalid_command:
        return (
            f"unknown command {_reshow(invalid_command.group(1))}: use seqdocs explain or seqdocs trace "
            f"(seqdocs --help lists them)"
        )
    about_option = re.fullmatch(r"argument (\S+?)(?:/\S+)*: (.*)", message)
    if about_option:
        option, problem = about_option.groups()
        example = _OPTION_EXAMPLES.get(option)
        if problem.startswith("expected one argument"):
            return f"{option} needs a value" + (f", e.g. {example}" if example else "")
        if problem.startswith("ignored explicit argument"):
            return f"{option} takes no value: write {option} alone"
        listed_choices = problem.startswith("must be") and " or " in problem  # the choices are the fix
        return f"{option} {problem}" + (f"; e.g. {example}" if example and not listed_choices else "")
    return f"{message} (see {command} --help)"


def _reshow(python_repr: str) -> str:
    """Re-quote a value argparse printed with repr() the way seqdocs shows tokens."""
    try:
        return seqdocs.errors.show_token(str(ast.literal_eval(python_repr)))
    except (ValueError, SyntaxError):
        return python_repr


def _unexpected(extra: Sequence[str], command: str | None) -> str:
    where = f"seqdocs {command}" if command else "seqdocs"
    word = extra[0]
    if word.startswith("-") and len(word) > 1:
        known = [option for option in (*_OPTION_EXAMPLES, "--json", "--no-color", "--ascii", "--causal", "--norm-first",
                                       "--help")]
        close = difflib.get_close_matches(word.split("=")[0], known, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        return f"unknown option {seqdocs.errors.show_token(word)}: {hint}{where} --help lists the options"
    if command is None:
        return f"unknown command {seqdocs.errors.show_token(word)}: use seqdocs explain or seqdocs trace"
    shown = " ".join(seqdocs.errors.show_token(word) for word in extra)
    return (
        f"unexpected {shown} after the options: give the whole sequence in one place, "
        f'e.g. {where} "a b c" --model lstm'
    )


def _one_line(text: str) -> str:
    """Escape anything in a message that could break it over lines or reach the terminal as a control code."""
    return "".join(
        character if not unicodedata.category(character).startswith("C") else repr(character)[1:-1]
        for character in text
    )


def _tolerate_unencodable(stream: TextIO) -> None:
    # A token the terminal's encoding cannot show is written as an escape (\u00e9) instead of crashing.
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None and getattr(stream, "errors", "strict") == "strict":
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError):
            pass


def _can_encode(stream: TextIO, text: str) -> bool:
    encoding = getattr(stream, "encoding", None)
    if encoding is None:  # an in-memory stream such as io.StringIO holds any text
        return True
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
