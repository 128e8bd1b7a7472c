"""The `seqdocs` command: JSON that round-trips bit for bit, one-line errors, a walk-through fit for a terminal.

Most tests call `main([...])` in-process and read what it printed; a few run `python -m seqdocs` in a
subprocess to cover what only a real process shows: the exit status, a closed pipe, the stream encoding.
The expected numbers always come from the package's own traces, never from the command's output.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import seqdocs
from seqdocs import Trace
from seqdocs.cli import main, use_colour

from strategies import examples  # tests/strategies.py

TRACERS = {
    "rnn": seqdocs.rnn_trace,
    "lstm": seqdocs.lstm_trace,
    "gru": seqdocs.gru_trace,
    "attention": seqdocs.attention_trace,
}
OUR_COLOUR_CODE = re.compile(r"\x1b\[[0-9;]*m")


def run(*argv: str) -> tuple[int, str, str]:
    """Call main in-process; return its exit status, stdout and stderr."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = main(list(argv))
    return status, stdout.getvalue(), stderr.getvalue()


def run_process(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `python -m seqdocs` as a user would, with a clean colour environment unless `env` says otherwise."""
    environment = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", seqdocs.__name__, *argv], capture_output=True, env=environment, timeout=120
    )


def trace_json(*argv: str) -> dict:
    status, out, err = run("trace", "--json", *argv)
    assert (status, err) == (0, "")
    return json.loads(out)


# --- trace --json ------------------------------------------------------------------------------------------


def test_trace_json_holds_every_model_bit_for_bit():
    document = trace_json()
    setup = seqdocs.make_setup()
    assert list(document["traces"]) == ["rnn", "lstm", "gru", "attention"]
    for name, tracer in TRACERS.items():
        assert Trace.from_dict(document["traces"][name]) == tracer(setup), name


def test_trace_json_describes_the_setup_and_its_versions():
    document = trace_json()
    setup = seqdocs.make_setup()
    assert document["seqdocs_version"] == seqdocs.__version__
    assert document["torch_version"] == torch.__version__
    described = document["setup"]
    assert described["sequence"] == ["a", "b", "c"]
    assert described["vocabulary"] == ["a", "b", "c"]
    assert described["token_ids"] == [0, 1, 2]
    assert (described["seed"], described["embedding_size"], described["hidden_size"]) == (42, 2, 2)
    assert described["dtype"] == "float32"
    embeddings = torch.tensor(described["embeddings"]["data"], dtype=torch.float32)
    assert torch.equal(embeddings, setup.embeddings)


def test_trace_json_contains_the_weights():
    weights = trace_json()["traces"]["lstm"]["weights"]
    setup = seqdocs.make_setup()
    assert weights["weight"]["shape"] == [2 + 2, 4 * 2]
    assert torch.equal(torch.tensor(weights["weight"]["data"]), setup.lstm.weight)
    assert set(trace_json()["traces"]["attention"]["weights"]) >= {"query", "key", "value"}


def test_trace_json_reports_a_passed_check_per_model():
    checks = trace_json()["checks"]
    assert [check["reference"] for check in checks[:3]] == ["torch.nn.RNN", "torch.nn.LSTM", "torch.nn.GRU"]
    assert all(check["passed"] and check["max_error"] <= check["tolerance"] for check in checks)


def test_trace_json_follows_the_options():
    document = trace_json("x y x", "--model", "attention", "--causal", "--heads", "2", "--embedding-size", "4",
                          "--seed", "7", "--dtype", "float64")
    setup = seqdocs.make_setup("x y x", seed=7, embedding_size=4, dtype="float64")
    assert list(document["traces"]) == ["attention"]
    trace = Trace.from_dict(document["traces"]["attention"])
    assert trace == seqdocs.attention_trace(setup, causal=True, num_heads=2)
    assert trace.options == {"causal": True, "num_heads": 2}
    assert document["setup"]["dtype"] == "float64"


def test_trace_json_with_a_vocabulary():
    document = trace_json("c a", "--vocab", "a b c", "--model", "rnn")
    assert document["setup"]["token_ids"] == [2, 0]
    setup = seqdocs.make_setup("c a", vocabulary="a b c")
    assert Trace.from_dict(document["traces"]["rnn"]) == seqdocs.rnn_trace(setup)


@pytest.mark.slow  # a real process: it imports torch afresh (CI runs it)
def test_trace_json_is_the_same_in_another_process():
    in_process = run("trace", "--json")[1]
    result = run_process("trace", "--json")
    assert result.returncode == 0
    assert result.stdout.decode() == in_process


@settings(max_examples=examples(25), deadline=None)
@given(
    tokens=st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=6),
    seed=st.integers(min_value=0, max_value=2**32),
    hidden_size=st.integers(min_value=1, max_value=4),
)
def test_trace_json_round_trips_any_sequence(tokens, seed, hidden_size):
    sequence = " ".join(tokens)
    document = trace_json(sequence, "--seed", str(seed), "--hidden-size", str(hidden_size))
    setup = seqdocs.make_setup(sequence, seed=seed, hidden_size=hidden_size)
    assert document["setup"]["token_ids"] == list(setup.token_ids)
    for name, tracer in TRACERS.items():
        trace = Trace.from_json(json.dumps(document["traces"][name]))
        assert trace == tracer(setup), name
    # The hidden states also match the plain forward passes, which run without any tracing.
    rnn = Trace.from_dict(document["traces"]["rnn"])
    assert torch.equal(rnn.stacked("hidden"), seqdocs.rnn_forward(setup.inputs, setup.rnn)["hidden"])
    lstm = Trace.from_dict(document["traces"]["lstm"])
    assert torch.equal(lstm.stacked("hidden"), seqdocs.lstm_forward(setup.inputs, setup.lstm)["hidden"])


def test_trace_without_json_summarises_each_model():
    status, out, err = run("trace")
    assert (status, err) == (0, "")
    final_hidden = seqdocs.rnn_trace().final("hidden").tolist()
    rnn_line = next(line for line in out.splitlines() if line.startswith("rnn "))
    assert all(f"{value:.4f}" in rnn_line for value in final_hidden)
    words = " ".join(out.split())  # long check lines wrap
    for reference in ("torch.nn.RNN", "torch.nn.LSTM", "torch.nn.GRU", "torch.nn.functional"):
        assert f"equal to {reference}" in words
    assert "--json" in out


# --- bad input ---------------------------------------------------------------------------------------------

BAD_INPUTS = [
    (["explain", "a b d", "--vocab", "a b c"], ["unknown token 'd'", "'a', 'b', 'c'"]),
    (["trace", "a b d", "--vocab", "a b c"], ["unknown token 'd'", "vocabulary"]),
    (["explain", ""], ["sequence is empty", "a b c"]),
    (["explain", "   "], ["sequence is empty"]),
    (["explain", "--embedding-size", "0"], ["--embedding-size", "1 to 512", "got 0"]),
    (["explain", "--hidden-size", "-3"], ["--hidden-size", "1 to 512", "got -3"]),
    (["explain", "--hidden-size", "1000000"], ["--hidden-size", "1 to 512"]),
    (["trace", "--embedding-size", "two"], ["--embedding-size", "whole number", "'two'"]),
    (["explain", "--seed", "1.5"], ["--seed", "whole number", "'1.5'"]),
    (["trace", "--seed", "-1"], ["--seed", "from 0"]),
    (["trace", "--seed", str(2**64)], ["--seed", "2**63 - 1"]),
    (["explain", "--seed"], ["--seed", "needs a value"]),
    (["explain", "--model", "transformer"], ["--model", "rnn, lstm, gru, attention, block or all", "'transformer'"]),
    (["trace", "--dtype", "float16"], ["--dtype", "float32 or float64"]),
    (["explain", "--bogus"], ["unknown option '--bogus'", "--help"]),
    (["trace", "--jsno"], ["unknown option '--jsno'", "did you mean --json?"]),
    (["explain", "--heads", "3"], ["--heads 3", "does not divide", "width 2", "--heads 1 or 2"]),
    (["explain", "--heads", "0"], ["--heads", "1 to 512"]),
    (["explain", "--model", "lstm", "--causal"], ["--causal", "self-attention", "--model attention"]),
    (["explain", "--vocab", "a a"], ["'a' twice"]),
    (["explain", "a", "--model", "rnn", "b"], ["unexpected 'b'", "whole sequence"]),
    (["explian"], ["unknown command 'explian'", "seqdocs explain"]),
    (["explain", "--causal=yes"], ["--causal", "no value"]),
    (["explain", "--hidden-size", "100"], ["hidden size 100", "too big", "seqdocs trace --json"]),
    (["explain", " ".join(["a"] * 65)], ["65 tokens", "too many", "shorter"]),
]


@pytest.mark.parametrize(("argv", "words"), BAD_INPUTS, ids=[" ".join(argv) for argv, _ in BAD_INPUTS])
def test_bad_input_is_one_line_on_stderr_and_status_2(argv, words):
    status, out, err = run(*argv)
    assert status == 2
    assert out == ""
    assert err.startswith("seqdocs: error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in err, (word, err)


@pytest.mark.slow  # a real process: it imports torch afresh (CI runs it)
@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["explain", "--seed", "x"], ["--seed", "whole number"]),
        (["trace", "--nope"], ["unknown option"]),
        (["explain", "a b z", "--vocab", "a b"], ["unknown token 'z'"]),
    ],
)
def test_bad_input_in_a_real_process(argv, words):
    result = run_process(*argv)
    err = result.stderr.decode()
    assert result.returncode == 2
    assert result.stdout == b""
    assert err.count("\n") == 1 and err.startswith("seqdocs: error:")
    assert "Traceback" not in err
    assert all(word in err for word in words)


@pytest.mark.parametrize("token", ["\x1b[31m", "\x1b]0;title\x07", "\x07", "\u202e", "\x9b2J", "a\x00b"])
def test_an_unknown_token_is_named_escaped(token):
    status, _, err = run("explain", f"a {token}", "--vocab", "a b")
    assert status == 2
    assert f"unknown token {seqdocs.errors.show_token(token)}" in err
    assert not any(character in err for character in "\x1b\x07\u202e\x9b\x00")


def test_an_unknown_option_holding_an_escape_is_shown_escaped():
    status, _, err = run("explain", "--\x1b[2J")
    assert status == 2
    assert "\x1b" not in err and "'--\\x1b[2J'" in err


# --- explain -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default_walkthrough() -> str:
    status, out, err = run("explain", "--no-color")
    assert (status, err) == (0, "")
    return out


def test_explain_fits_80_columns(default_walkthrough):
    too_wide = [line for line in default_walkthrough.splitlines() if len(line) > 80]
    assert too_wide == []


def test_explain_without_colour_has_no_escape_codes(default_walkthrough):
    assert "\x1b" not in default_walkthrough


def test_explain_ends_each_model_with_its_check(default_walkthrough):
    for reference in ("torch.nn.RNN", "torch.nn.LSTM", "torch.nn.GRU", "torch.nn.functional"):
        assert f"checked equal to {reference}" in default_walkthrough
    assert "within 1e-06" in default_walkthrough
    assert "4 of 4 models" in default_walkthrough


def test_explain_shows_the_traced_numbers_with_4_decimals(default_walkthrough):
    lines = default_walkthrough.splitlines()
    lstm = seqdocs.lstm_trace()
    for step in lstm.steps:
        forget_row = [line for line in lines if line.strip().startswith("f ") and "forget gate" in line][step.index]
        assert forget_row.split()[-2:] == [f"{value:.4f}" for value in step["forget_gate"].tolist()]
    # The attention weights: one row per token, labelled with it, under columns labelled with the tokens.
    weights = seqdocs.attention_trace().steps[0]["attention_weights"]
    start = lines.index(next(line for line in lines if line.startswith("Attention weights")))
    table = lines[start + 2:start + 6]
    assert table[0].split() == ["'a'", "'b'", "'c'"]
    for token, row, line in zip("abc", weights.tolist(), table[1:]):
        assert line.split() == [f"'{token}'", *(f"{value:.4f}" for value in row)]


def test_explain_explains_the_gates(default_walkthrough):
    for words in ("forget gate", "input gate", "output gate", "update gate", "reset gate", "softmax", "σ", "⊙"):
        assert words in default_walkthrough


def test_explain_colours_when_asked():
    status, out, _ = run("explain", "--model", "rnn", "--color", "always")
    assert status == 0 and OUR_COLOUR_CODE.search(out)
    status, out, _ = run("explain", "--model", "rnn", "--color", "always", "--no-color")
    assert status == 0 and "\x1b" not in out


@pytest.mark.slow  # a real process: it imports torch afresh (CI runs it)
def test_explain_colours_with_force_color_but_not_in_a_pipe():
    coloured = run_process("explain", "--model", "rnn", env={"FORCE_COLOR": "1"})
    plain = run_process("explain", "--model", "rnn")
    assert coloured.returncode == plain.returncode == 0
    assert b"\x1b[" in coloured.stdout
    assert b"\x1b" not in plain.stdout
    assert OUR_COLOUR_CODE.sub("", coloured.stdout.decode()) == plain.stdout.decode()


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("choice", "environ", "expected"),
    [
        ("auto", {}, True),
        ("auto", {"NO_COLOR": "1"}, False),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        ("auto", {"TERM": "dumb"}, False),
        ("auto", {"TERM": "xterm-256color"}, True),
        ("never", {}, False),
        ("always", {"NO_COLOR": "1", "TERM": "dumb"}, True),
    ],
)
def test_colour_follows_the_terminal_and_the_environment(choice, environ, expected):
    assert use_colour(choice, FakeTerminal(), environ) is expected


@pytest.mark.parametrize("token", ["\x1b[31m", "\x1b]0;pwned\x07", "\u202e", "\x9b"])
def test_explain_never_prints_a_token_raw(token):
    for colour in ("never", "always"):
        status, out, _ = run("explain", f"a {token} a", "--color", colour)
        assert status == 0
        ours_removed = OUR_COLOUR_CODE.sub("", out)
        assert not any(character in ours_removed for character in "\x1b\x07\u202e\x9b")
        assert seqdocs.errors.show_token(token) in out


def test_explain_attention_with_heads_and_mask():
    status, out, _ = run("explain", "the cat sat on the mat", "--model", "attention", "--causal", "--heads", "2",
                         "--embedding-size", "4", "--no-color")
    assert status == 0
    assert all(len(line) <= 80 for line in out.splitlines())
    assert "Head 2 of 2" in out and "causal mask" in out
    assert "#5 'the'" in out  # a repeated token is told apart by its position
    assert "checked equal to torch.nn.functional.scaled_dot_product_attention" in out


def test_explain_wraps_wide_tensors_within_80_columns():
    status, out, _ = run("explain", "a b", "--hidden-size", "12", "--embedding-size", "6", "--heads", "3",
                         "--no-color")
    assert status == 0
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "columns i0 to i8" in out  # the LSTM's 48 weight columns come in groups


def test_explain_ascii_is_plain_ascii():
    status, out, _ = run("explain", "--ascii", "--no-color")
    assert status == 0
    assert out.isascii()
    assert "sigmoid(z_f)" in out


def test_a_failed_check_is_shown_and_exits_1(monkeypatch):
    import seqdocs.explain as explain_module

    def broken_check(setup):
        passed = seqdocs.check_rnn(setup)
        return seqdocs.Check(**{**passed.__dict__, "max_error": 0.5})

    monkeypatch.setattr(explain_module, "check_rnn", broken_check)
    status, out, _ = run("explain", "--model", "rnn", "--no-color")
    assert status == 1
    assert "NOT equal to torch.nn.RNN" in out


@pytest.mark.slow  # a real process: it imports torch afresh (CI runs it)
def test_an_unencodable_token_is_escaped_not_a_crash():
    result = run_process("explain", "é b", "--model", "rnn", env={"PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0, result.stderr
    assert b"'\\xe9'" in result.stdout
    assert result.stdout.isascii()


# --- the command itself ------------------------------------------------------------------------------------


def test_python_dash_m_help():
    result = run_process("--help")
    assert result.returncode == 0
    assert b"explain" in result.stdout and b"trace" in result.stdout


def test_no_command_prints_help():
    status, out, err = run()
    assert (status, err) == (0, "")
    assert out.startswith("usage: seqdocs")


@pytest.mark.parametrize("command", ["explain", "trace"])
def test_subcommand_help_lists_the_options(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--model", "--seed", "--embedding-size", "--hidden-size", "--vocab", "--dtype", "--heads"):
        assert option in out


@pytest.mark.slow  # a real process: it imports torch afresh (CI runs it)
def test_a_closed_pipe_is_not_a_traceback():
    process = subprocess.Popen(
        [sys.executable, "-m", "seqdocs", "trace", "--json", "--hidden-size", "256"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout.read(10) == b'{"seqdocs_'
    # Like `| head -c 10`: the reader goes away while the JSON (11 MB, more than any pipe buffers) is written.
    process.stdout.close()
    assert process.wait(timeout=120) == 1  # the pipe broke: main noticed, quietly
    assert process.stderr.read() == b""
