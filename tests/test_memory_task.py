"""The memory task and its training: the right target, the right chance level, seeds that never mix, clipping
per seed, models that learn a short gap, and bad settings that fail clearly."""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import torch

import seqdocs
from seqdocs.memory_task import INSPECTED

from generated import example_values  # tests/generated.py

# Small enough that every model trains in a blink; big enough that every weight matrix is non-trivial.
TINY = seqdocs.MemoryConfig(
    num_symbols=3, num_distractor_tokens=2, embedding_size=4, hidden_size=5, steps=4, batch_size=6, test_size=20
)


def test_the_target_is_the_first_token_and_the_query_comes_last():
    config = seqdocs.MemoryConfig(num_symbols=5, num_distractor_tokens=3)
    tokens, targets = seqdocs.memory_task_batch(7, 400, torch.Generator().manual_seed(0), config)
    assert tokens.shape == (400, 7 + 2)
    assert torch.equal(tokens[:, 0], targets)
    assert set(targets.tolist()) == set(range(5))  # every symbol turns up in 400 draws
    distractors = tokens[:, 1:-1]
    assert bool(((distractors >= 5) & (distractors < 8)).all())  # never a symbol, never the query
    assert set(distractors.flatten().tolist()) == {5, 6, 7}
    assert bool((tokens[:, -1] == config.query_id).all())
    assert config.query_id == config.vocabulary_size - 1 == 8


def test_token_names_tell_symbols_distractors_and_the_query_apart():
    names = seqdocs.MemoryConfig(num_symbols=3, num_distractor_tokens=2).token_names()
    assert names == ["A", "B", "C", "0", "1", "?"]
    assert len(set(seqdocs.MemoryConfig(num_symbols=30).token_names())) == 30 + 8 + 1


def test_chance_level_is_what_a_guesser_scores():
    config = seqdocs.MemoryConfig(num_symbols=8, test_size=20_000)
    assert config.chance == 1 / 8
    _, targets = seqdocs.memory_test_set(3, config)
    # A guesser that always answers symbol 0 is right on the share of sequences that start with it.
    always_zero = (targets == 0).float().mean().item()
    spread = math.sqrt(config.chance * (1 - config.chance) / config.test_size)
    assert abs(always_zero - config.chance) < 4 * spread


def test_above_chance_threshold_is_the_binomial_tail():
    config = seqdocs.MemoryConfig(num_symbols=4, test_size=50)
    threshold = seqdocs.above_chance_accuracy(config, p_value=0.01)
    count = round(threshold * config.test_size)

    def tail(k: int) -> float:  # P(a guesser gets k or more right), summed exactly
        p = config.chance
        return sum(math.comb(50, j) * p**j * (1 - p) ** (50 - j) for j in range(k, 51))

    assert tail(count) < 0.01 <= tail(count - 1)


def test_the_same_seed_sees_the_same_batches_in_every_model(monkeypatch):
    # The RNN and the LSTM draw different numbers of initial weights: the batches must not depend on that.
    import seqdocs.training

    seen: dict[str, list[torch.Tensor]] = {}
    draw = seqdocs.training.memory_task_batch

    def recording(*arguments, **keywords):
        tokens, targets = draw(*arguments, **keywords)
        seen[model].append(tokens)
        return tokens, targets

    monkeypatch.setattr(seqdocs.training, "memory_task_batch", recording)
    for model in ("rnn", "lstm"):
        seen[model] = []
        seqdocs.train_memory_model(model, 3, seeds=(4, 7), config=TINY)
    assert len(seen["rnn"]) == TINY.steps * 2 + 1  # a batch per step and seed, then the held-out set
    assert all(torch.equal(rnn, lstm) for rnn, lstm in zip(seen["rnn"], seen["lstm"]))
    assert not torch.equal(seen["rnn"][0], seen["rnn"][1])  # the two seeds' batches differ


@pytest.mark.parametrize("model", seqdocs.MEMORY_MODELS)
def test_training_seeds_together_equals_training_each_alone(model):
    # "Equal" up to the last bit of float32: a batched matrix product may sum in another order when it holds
    # three matrices instead of one.
    together = seqdocs.train_memory_model(model, 3, seeds=(0, 1, 2), config=TINY)
    for position, seed in enumerate(together.seeds):
        alone = seqdocs.train_memory_model(model, 3, seeds=(seed,), config=TINY)
        for name, tensor in alone.parameters.items():
            torch.testing.assert_close(together.parameters[name][position], tensor[0], rtol=0, atol=1e-6)
        torch.testing.assert_close(together.losses[:, position], alone.losses[:, 0], rtol=0, atol=1e-6)
        torch.testing.assert_close(together.gradient_norms[:, position], alone.gradient_norms[:, 0], rtol=1e-6, atol=0)
        assert together.test_accuracy[position] == alone.test_accuracy[0]


def test_training_is_deterministic_given_the_seeds():
    first = seqdocs.train_memory_model("gru", 2, seeds=(3, 5), config=TINY)
    second = seqdocs.train_memory_model("gru", 2, seeds=(3, 5), config=TINY)
    for name in first.parameters:
        assert torch.equal(first.parameters[name], second.parameters[name])


def test_training_changes_every_parameter_of_every_seed():
    config = seqdocs.MemoryConfig(steps=3, test_size=10)
    for model in seqdocs.MEMORY_MODELS:
        weights, _ = seqdocs.seed_generators((0, 1))
        start = seqdocs.init_memory_model(model, 2, weights, config)
        trained = seqdocs.train_memory_model(model, 2, seeds=(0, 1), config=config).parameters
        for name, tensor in start.items():
            for seed in range(2):
                assert not torch.equal(tensor[seed], trained[name][seed]), (model, name, seed)


def test_clipping_scales_each_seed_on_its_own():
    generator = torch.Generator().manual_seed(0)
    weight = torch.zeros(3, 4, 5, requires_grad=True)
    bias = torch.zeros(3, 1, 5, requires_grad=True)
    weight.grad = torch.randn(3, 4, 5, generator=generator) * torch.tensor([10.0, 0.01, 1.0])[:, None, None]
    bias.grad = torch.randn(3, 1, 5, generator=generator) * torch.tensor([10.0, 0.01, 1.0])[:, None, None]
    original = [weight.grad.clone(), bias.grad.clone()]

    norms = seqdocs.clip_grad_norm_per_seed([weight, bias], max_norm=1.5)

    for seed in range(3):
        # The reference: PyTorch's own clipping, applied to this seed's slices alone.
        alone = [torch.zeros_like(tensor[seed], requires_grad=True) for tensor in original]
        for copy, tensor in zip(alone, original):
            copy.grad = tensor[seed].clone()
        expected_norm = torch.nn.utils.clip_grad_norm_(alone, max_norm=1.5)
        torch.testing.assert_close(norms[seed], expected_norm)
        torch.testing.assert_close(weight.grad[seed], alone[0].grad)
        torch.testing.assert_close(bias.grad[seed], alone[1].grad)
    after = (weight.grad.flatten(1).square().sum(1) + bias.grad.flatten(1).square().sum(1)).sqrt()
    assert after[0] == pytest.approx(1.5, rel=1e-5)  # the large one clipped to the limit
    assert torch.equal(weight.grad[1], original[0][1])  # the small one untouched, not scaled up
    # A global clip would have shrunk the small seeds too: the per-seed clip must differ from it here.
    assert norms[1] < 1.5 and norms[0] > 1.5


def test_clipping_without_gradients_says_what_to_do():
    with pytest.raises(seqdocs.InputError, match="backward"):
        seqdocs.clip_grad_norm_per_seed([torch.zeros(2, 3, requires_grad=True)], max_norm=1.0)


@pytest.mark.parametrize("model", seqdocs.MEMORY_MODELS)
def test_a_few_dozen_steps_learn_a_one_distractor_gap(model):
    config = seqdocs.MemoryConfig(steps=40, test_size=200)
    run = seqdocs.train_memory_model(model, 1, seeds=(0, 1, 2), config=config)
    assert bool((run.test_accuracy > seqdocs.above_chance_accuracy(config)).all()), run.test_accuracy


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru"])
def test_recurrent_states_match_the_package_forward_functions(model):
    generator = torch.Generator().manual_seed(1)
    inputs = torch.randn(2, 3, 7, 4, generator=generator)  # (S, B, T, E)
    weights_generators = [torch.Generator().manual_seed(seed) for seed in (0, 1)]
    parameters = seqdocs.init_memory_model(model, 5, weights_generators, TINY)
    weights = seqdocs.memory_model_weights(model, parameters, TINY)
    ours = seqdocs.recurrent_states(model, inputs, weights)["hidden"]
    forward = {"rnn": seqdocs.rnn_forward, "gru": seqdocs.gru_forward}
    theirs = (
        seqdocs.lstm_forward(inputs, weights)["hidden"] if model == "lstm" else forward[model](inputs, weights)
    )
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-6)


def test_the_lstm_forget_bias_starts_where_the_config_says():
    config = seqdocs.MemoryConfig(hidden_size=6, forget_bias=2.5)
    weights, _ = seqdocs.seed_generators((0, 1))
    bias = seqdocs.init_memory_model("lstm", 3, weights, config)["bias"]  # (S, 1, 4H), blocks i, f, g, o
    assert bool((bias[..., 6:12] == 2.5).all())
    assert bool((bias[..., :6].abs() <= 1 / math.sqrt(6)).all())


def test_symbol_share_by_hand():
    symbols = torch.tensor([0, 0, 1, 1, 2, 2])
    # Unit 1 is the symbol plus a little noise; unit 2 ignores the symbol; unit 3 never changes.
    values = torch.tensor([[0.0, 1.0, 5.0], [0.2, -1.0, 5.0], [1.0, 1.0, 5.0], [1.2, -1.0, 5.0], [2.0, 1.0, 5.0],
                           [2.2, -1.0, 5.0]])
    share = seqdocs.symbol_share(values, symbols, 3)
    # Unit 1: group means 0.1, 1.1, 2.1 around 1.1: between = 2/3; within = 0.01; total = 2/3 + 0.01.
    assert share[0].item() == pytest.approx((2 / 3) / (2 / 3 + 0.01), rel=1e-5)
    assert share[1].item() == pytest.approx(0.0, abs=1e-7)
    assert share[2].item() == 0.0


def test_gate_summary_by_hand():
    states = {name: torch.full((2, 5, 3), 0.5) for name in INSPECTED}
    states["forget_gate"][:, 1:4] = torch.tensor([0.9, 0.8, 0.5])[None, :, None]  # three distractors
    states["input_gate"][:, 0] = 1.0
    summary = seqdocs.lstm_gate_summary(states)
    assert summary["kept_over_distractors"] == pytest.approx(0.9 * 0.8 * 0.5)
    assert summary["forget_lowest_on_distractors"] == 0.5
    assert summary["input_gate_at_symbol"] == 1.0
    assert summary["input_gate_on_distractors"] == 0.5


def test_lstm_memory_states_open_one_seed_of_the_stack():
    run = seqdocs.train_memory_model("lstm", 2, seeds=(0, 1), config=TINY)
    tokens, _ = seqdocs.memory_test_set(2, TINY)
    states = seqdocs.lstm_memory_states(run.parameters, tokens, 1, TINY)
    alone = seqdocs.train_memory_model("lstm", 2, seeds=(1,), config=TINY)
    torch.testing.assert_close(states["cell"], seqdocs.lstm_memory_states(alone.parameters, tokens, 0, TINY)["cell"])
    assert set(states) == set(INSPECTED)
    with pytest.raises(seqdocs.InputError, match="seed_index"):
        seqdocs.lstm_memory_states(run.parameters, tokens, 2, TINY)


def test_longest_remembered_stops_at_the_first_failure():
    run = seqdocs.train_memory_model("rnn", 1, seeds=(0,), config=TINY)
    make = lambda gap, accuracy: seqdocs.MemoryRun(  # noqa: E731
        "rnn", gap, (0,), TINY, run.parameters, run.losses, run.train_accuracy, run.gradient_norms,
        torch.tensor([accuracy]),
    )
    assert seqdocs.longest_remembered([make(8, 1.0), make(2, 1.0), make(4, 0.5)], "rnn") == 2
    assert seqdocs.longest_remembered([make(2, 0.5), make(4, 1.0)], "rnn") is None
    assert seqdocs.longest_remembered([make(2, 0.99), make(4, 0.96)], "rnn") == 4


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"steps": 0}, "steps"),
        ({"learning_rate": 0.0}, "learning_rate must be positive"),
        ({"learning_rate": -0.01}, "learning_rate must be positive"),
        ({"max_grad_norm": 0}, "max_grad_norm must be positive"),
        ({"hidden_size": 0}, "hidden_size"),
        ({"num_symbols": 1}, "num_symbols"),
        ({"forget_bias": float("nan")}, "forget_bias must be a finite number"),
        ({"test_size": 0}, "test_size"),
        ({"batch_size": 10_000}, "batch_size"),
    ],
)
def test_bad_settings_raise_an_input_error(settings, message):
    with pytest.raises(seqdocs.InputError, match=message):
        seqdocs.MemoryConfig(**settings)


@pytest.mark.parametrize("settings", [{"steps": 1.5}, {"hidden_size": "16"}, {"learning_rate": "fast"}])
def test_settings_of_the_wrong_type_raise_an_input_type_error(settings):
    with pytest.raises(seqdocs.InputTypeError):
        seqdocs.MemoryConfig(**settings)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"model": "transformer"}, "unknown model 'transformer': use one of rnn, lstm, gru, attention"),
        ({"num_distractors": -1}, "num_distractors must be between 0"),
        ({"seeds": ()}, "seeds is empty"),
        ({"seeds": (1, 1)}, "seeds must be distinct"),
        ({"seeds": (-1,)}, "every seed must be between 0"),
    ],
)
def test_bad_training_arguments_raise_an_input_error(arguments, message):
    call = {"model": "rnn", "num_distractors": 2, "seeds": (0,), "config": TINY} | arguments
    with pytest.raises(seqdocs.InputError, match=message):
        seqdocs.train_memory_model(**call)


# --- The page: every sentence that states a result agrees with the numbers the build saved. -----------------

REPO_ROOT = Path(__file__).resolve().parent.parent
GENERATED = REPO_ROOT / "docs" / "generated" / "memory"
NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU", "attention": "Self-attention"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._skip += tag in ("script", "style")
        if tag == "img":
            self.parts.append(" " + (dict(attrs).get("alt") or "") + " ")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")
        if tag in ("p", "li", "td", "th", "tr", "div", "br", "h1", "h2", "h3", "mi", "mn", "mo"):
            self.parts.append(" ")  # keep blocks and cells apart, but not the words of one sentence

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _memory_page(site: Path) -> str:
    for candidate in (site / "memory" / "index.html", site / "memory.html"):
        if candidate.exists():
            parser = _Text()
            parser.feed(candidate.read_text(encoding="utf-8"))
            return " ".join("".join(parser.parts).split())
    raise AssertionError("the built site has no page for memory.md")


def _percent(value: float) -> str:
    return f"{100 * value:.1f}%"


@pytest.mark.slow
def test_the_page_says_what_the_saved_results_say(built_site: Path) -> None:
    results = json.loads((GENERATED / "results.json").read_text(encoding="utf-8"))
    values = example_values("memory")
    page = _memory_page(built_site)
    assert "{{" not in page, "a value was left unreplaced"
    used = set(re.findall(r"\{\{ *memory\.(\w+) *\}\}", (REPO_ROOT / "docs" / "memory.md").read_text(encoding="utf-8")))
    assert used <= set(values), f"the page uses values the build does not make: {sorted(used - set(values))}"
    for key in used:
        assert " ".join(values[key].split()) in page, f"the page does not show memory.{key}: {values[key]!r}"

    gaps = results["distractors"]
    runs = {(run["model"], run["distractors"]): run for run in results["runs"]}
    # Recompute each run's median from its seeds (the lower middle of five), independently of the package.
    for run in runs.values():
        assert run["median"] == sorted(run["test_accuracy"])[(len(run["test_accuracy"]) - 1) // 2]
        # Every seed's accuracy is on the page, in its row of the table of seeds.
        assert " · ".join(f"{100 * accuracy:.1f}" for accuracy in run["test_accuracy"]) in page
    for model, name in NAMES.items():
        solved = [runs[model, gap]["median"] >= results["solved"] for gap in gaps]
        reach = solved.index(False) if False in solved else len(gaps)
        if reach == len(gaps):
            assert f"{name}: the median seed solved every gap tried, up to N = {gaps[-1]}." in page
        elif reach == 0:
            assert f"{name}: the median seed failed already at the shortest gap" in page
        else:
            assert f"{name}: the median seed solved the task up to N = {gaps[reach - 1]}, then failed" in page

    longest = sorted(NAMES, key=lambda model: -runs[model, gaps[-1]]["median"])
    listed = ", ".join(f"{NAMES[model].lower() if model == 'attention' else NAMES[model]} "
                       f"{_percent(runs[model, gaps[-1]]['median'])}" for model in longest)
    assert listed.rsplit(", ", 1)[0] in values["longest_sentence"]

    for gated in ("lstm", "gru"):
        beaten = [
            gap for gap in gaps
            if runs["rnn", gap]["median"] >= results["above_chance"]
            and runs["rnn", gap]["median"] > runs[gated, gap]["median"]
        ]
        verdict = "fails" if beaten else "holds"
        assert f"For the {NAMES[gated]} it {verdict}" in values["usual_story"]

    config = results["config"]
    for setting in (f"{config['steps']:,}", str(config["batch_size"]), f"{config['learning_rate']:g}",
                    f"norm ≤ {config['max_grad_norm']:g}", _percent(1 / config["num_symbols"])):
        assert setting in page, f"the settings table does not show {setting}"
