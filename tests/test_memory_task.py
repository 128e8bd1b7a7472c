"""The memory task and its training: the right target, the right chance level, seeds that never mix, clipping
per seed, models that learn a short gap, and bad settings that fail clearly."""

from __future__ import annotations

import dataclasses
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import torch

import seqdocs
import seqdocs.experiments
from seqdocs.experiments.memory_task import INSPECTED

from generated import example_json, example_values  # tests/generated.py

# Small enough that every model trains in a blink; big enough that every weight matrix is non-trivial.
TINY = seqdocs.experiments.MemoryConfig(
    num_symbols=3, num_distractor_tokens=2, embedding_size=4, hidden_size=5, steps=4, batch_size=6, test_size=20
)


def test_the_target_is_the_first_token_and_the_query_comes_last():
    config = seqdocs.experiments.MemoryConfig(num_symbols=5, num_distractor_tokens=3)
    tokens, targets = seqdocs.experiments.memory_task_batch(7, 400, torch.Generator().manual_seed(0), config)
    assert tokens.shape == (400, 7 + 2)
    assert torch.equal(tokens[:, 0], targets)
    assert set(targets.tolist()) == set(range(5))  # every symbol turns up in 400 draws
    distractors = tokens[:, 1:-1]
    assert bool(((distractors >= 5) & (distractors < 8)).all())  # never a symbol, never the query
    assert set(distractors.flatten().tolist()) == {5, 6, 7}
    assert bool((tokens[:, -1] == config.query_id).all())
    assert config.query_id == config.vocabulary_size - 1 == 8


def test_token_names_tell_symbols_distractors_and_the_query_apart():
    names = seqdocs.experiments.MemoryConfig(num_symbols=3, num_distractor_tokens=2).token_names()
    assert names == ["A", "B", "C", "0", "1", "?"]
    assert len(set(seqdocs.experiments.MemoryConfig(num_symbols=30).token_names())) == 30 + 8 + 1


def test_chance_level_is_what_a_guesser_scores():
    config = seqdocs.experiments.MemoryConfig(num_symbols=8, test_size=20_000)
    assert config.chance == 1 / 8
    _, targets = seqdocs.experiments.memory_test_set(3, config)
    # A guesser that always answers symbol 0 is right on the share of sequences that start with it.
    always_zero = (targets == 0).float().mean().item()
    spread = math.sqrt(config.chance * (1 - config.chance) / config.test_size)
    assert abs(always_zero - config.chance) < 4 * spread


def test_above_chance_threshold_is_the_binomial_tail():
    config = seqdocs.experiments.MemoryConfig(num_symbols=4, test_size=50)
    threshold = seqdocs.experiments.above_chance_accuracy(config, p_value=0.01)
    count = round(threshold * config.test_size)

    def tail(k: int) -> float:  # P(a guesser gets k or more right), summed exactly
        p = config.chance
        return sum(math.comb(50, j) * p**j * (1 - p) ** (50 - j) for j in range(k, 51))

    assert tail(count) < 0.01 <= tail(count - 1)


def test_the_same_seed_sees_the_same_batches_in_every_model(monkeypatch):
    # The RNN and the LSTM draw different numbers of initial weights: the batches must not depend on that.
    import seqdocs.experiments.training

    seen: dict[str, list[torch.Tensor]] = {}
    draw = seqdocs.experiments.training.memory_task_batch

    def recording(*arguments, **keywords):
        tokens, targets = draw(*arguments, **keywords)
        seen[model].append(tokens)
        return tokens, targets

    monkeypatch.setattr(seqdocs.experiments.training, "memory_task_batch", recording)
    for model in ("rnn", "lstm"):
        seen[model] = []
        seqdocs.experiments.train_memory_model(model, 3, seeds=(4, 7), config=TINY)
    assert len(seen["rnn"]) == TINY.steps * 2 + 1  # a batch per step and seed, then the held-out set
    assert all(torch.equal(rnn, lstm) for rnn, lstm in zip(seen["rnn"], seen["lstm"]))
    assert not torch.equal(seen["rnn"][0], seen["rnn"][1])  # the two seeds' batches differ


@pytest.mark.parametrize("model", seqdocs.experiments.MEMORY_MODELS)
def test_training_seeds_together_equals_training_each_alone(model):
    # "Equal" up to the last bit of float32: a batched matrix product may sum in another order when it holds
    # three matrices instead of one.
    together = seqdocs.experiments.train_memory_model(model, 3, seeds=(0, 1, 2), config=TINY)
    for position, seed in enumerate(together.seeds):
        alone = seqdocs.experiments.train_memory_model(model, 3, seeds=(seed,), config=TINY)
        for name, tensor in alone.parameters.items():
            torch.testing.assert_close(together.parameters[name][position], tensor[0], rtol=0, atol=1e-6)
        torch.testing.assert_close(together.losses[:, position], alone.losses[:, 0], rtol=0, atol=1e-6)
        torch.testing.assert_close(together.gradient_norms[:, position], alone.gradient_norms[:, 0], rtol=1e-6, atol=0)
        assert together.test_accuracy[position] == alone.test_accuracy[0]


def test_training_is_deterministic_given_the_seeds():
    first = seqdocs.experiments.train_memory_model("gru", 2, seeds=(3, 5), config=TINY)
    second = seqdocs.experiments.train_memory_model("gru", 2, seeds=(3, 5), config=TINY)
    for name in first.parameters:
        assert torch.equal(first.parameters[name], second.parameters[name])


def test_training_changes_every_parameter_of_every_seed():
    config = seqdocs.experiments.MemoryConfig(steps=3, test_size=10)
    for model in seqdocs.experiments.MEMORY_MODELS:
        weights, _ = seqdocs.experiments.seed_generators((0, 1))
        start = seqdocs.experiments.init_memory_model(model, 2, weights, config)
        trained = seqdocs.experiments.train_memory_model(model, 2, seeds=(0, 1), config=config).parameters
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

    norms = seqdocs.experiments.clip_grad_norm_per_seed([weight, bias], max_norm=1.5)

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
        seqdocs.experiments.clip_grad_norm_per_seed([torch.zeros(2, 3, requires_grad=True)], max_norm=1.0)


@pytest.mark.parametrize("model", seqdocs.experiments.MEMORY_MODELS)
def test_a_few_dozen_steps_learn_a_one_distractor_gap(model):
    config = seqdocs.experiments.MemoryConfig(steps=40, test_size=200)
    run = seqdocs.experiments.train_memory_model(model, 1, seeds=(0, 1, 2), config=config)
    assert bool((run.test_accuracy > seqdocs.experiments.above_chance_accuracy(config)).all()), run.test_accuracy


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru"])
def test_recurrent_states_match_torch_nn_for_every_seed(model):
    """Each seed's slice of the stacked model reads a batch as torch.nn.RNN, LSTM or GRU does with its weights."""
    generator = torch.Generator().manual_seed(1)
    inputs = torch.randn(2, 3, 7, 4, generator=generator)  # (S, B, T, E)
    weights_generators = [torch.Generator().manual_seed(seed) for seed in (0, 1)]
    parameters = seqdocs.experiments.init_memory_model(model, 5, weights_generators, TINY)
    weights = seqdocs.experiments.memory_model_weights(model, parameters, TINY)
    ours = seqdocs.experiments.recurrent_states(model, inputs, weights)["hidden"]  # (S, B, T, H)
    for seed in range(2):
        # One seed's weights: matrices (S, in, out) -> (in, out), biases (S, 1, out) -> (out,).
        one = dataclasses.replace(weights, **{
            field.name: getattr(weights, field.name)[seed, 0] if "bias" in field.name else getattr(weights, field.name)[seed]
            for field in dataclasses.fields(weights) if isinstance(getattr(weights, field.name), torch.Tensor)
        })
        module = seqdocs.models.to_torch(model, one, batch_first=True)
        with torch.no_grad():
            theirs = module(inputs[seed])[0]  # (B, T, E) -> (B, T, H)
        torch.testing.assert_close(ours[seed], theirs, rtol=0, atol=1e-6)


def test_attention_at_the_query_is_the_last_row_of_full_self_attention_in_value_and_gradient():
    """The memory task's attention computes only the query's row; it must equal that row of the whole layer
    (the package's self_attention and PyTorch's scaled_dot_product_attention), and train the same: same gradients."""
    generator = torch.Generator().manual_seed(3)
    inputs = torch.randn(3, 4, 9, 4, generator=generator, dtype=torch.float64, requires_grad=True)  # (S, B, T, E)
    parameters = seqdocs.experiments.init_memory_model(
        "attention", 7, [torch.Generator().manual_seed(seed) for seed in (0, 1, 2)], TINY
    )
    parameters = {name: tensor.double().requires_grad_() for name, tensor in parameters.items()}
    weights = seqdocs.experiments.memory_model_weights("attention", parameters, TINY)
    ours = seqdocs.experiments.attention_at_query(inputs, weights)  # (S, B, H)
    full = seqdocs.self_attention(inputs, weights)["output"][..., -1, :]  # (S, B, H)
    queries, keys, values = (inputs @ getattr(weights, name) for name in ("query", "key", "value"))  # (S, B, T, H)
    theirs = torch.nn.functional.scaled_dot_product_attention(queries, keys, values)[..., -1, :]
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-12)
    torch.testing.assert_close(ours, full, rtol=0, atol=1e-12)
    probe = torch.randn(ours.shape, generator=generator, dtype=torch.float64)  # a made-up loss: <probe, output>
    differentiated = [inputs, parameters["query"], parameters["key"], parameters["value"]]
    ours_gradients = torch.autograd.grad((ours * probe).sum(), differentiated)
    full_gradients = torch.autograd.grad((full * probe).sum(), differentiated)
    for mine, reference in zip(ours_gradients, full_gradients):
        assert mine.abs().max() > 0
        torch.testing.assert_close(mine, reference, rtol=0, atol=1e-12)


def test_the_lstm_forget_bias_starts_where_the_config_says():
    config = seqdocs.experiments.MemoryConfig(hidden_size=6, forget_bias=2.5)
    weights, _ = seqdocs.experiments.seed_generators((0, 1))
    bias = seqdocs.experiments.init_memory_model("lstm", 3, weights, config)["bias"]  # (S, 1, 4H), blocks i, f, g, o
    assert bool((bias[..., 6:12] == 2.5).all())
    assert bool((bias[..., :6].abs() <= 1 / math.sqrt(6)).all())


def test_symbol_share_by_hand():
    symbols = torch.tensor([0, 0, 1, 1, 2, 2])
    # Unit 1 is the symbol plus a little noise; unit 2 ignores the symbol; unit 3 never changes.
    values = torch.tensor([[0.0, 1.0, 5.0], [0.2, -1.0, 5.0], [1.0, 1.0, 5.0], [1.2, -1.0, 5.0], [2.0, 1.0, 5.0],
                           [2.2, -1.0, 5.0]])
    share = seqdocs.experiments.symbol_share(values, symbols, 3)
    # Unit 1: group means 0.1, 1.1, 2.1 around 1.1: between = 2/3; within = 0.01; total = 2/3 + 0.01.
    assert share[0].item() == pytest.approx((2 / 3) / (2 / 3 + 0.01), rel=1e-5)
    assert share[1].item() == pytest.approx(0.0, abs=1e-7)
    assert share[2].item() == 0.0


def test_gate_summary_by_hand():
    states = {name: torch.full((2, 5, 3), 0.5) for name in INSPECTED}
    states["forget_gate"][:, 1:4] = torch.tensor([0.9, 0.8, 0.5])[None, :, None]  # three distractors
    states["input_gate"][:, 0] = 1.0
    summary = seqdocs.experiments.lstm_gate_summary(states)
    assert summary["kept_over_distractors"] == pytest.approx(0.9 * 0.8 * 0.5)
    assert summary["forget_lowest_on_distractors"] == 0.5
    assert summary["input_gate_at_symbol"] == 1.0
    assert summary["input_gate_on_distractors"] == 0.5


def test_lstm_memory_states_open_one_seed_of_the_stack():
    run = seqdocs.experiments.train_memory_model("lstm", 2, seeds=(0, 1), config=TINY)
    tokens, _ = seqdocs.experiments.memory_test_set(2, TINY)
    states = seqdocs.experiments.lstm_memory_states(run.parameters, tokens, 1, TINY)
    alone = seqdocs.experiments.train_memory_model("lstm", 2, seeds=(1,), config=TINY)
    torch.testing.assert_close(states["cell"], seqdocs.experiments.lstm_memory_states(alone.parameters, tokens, 0, TINY)["cell"])
    assert set(states) == set(INSPECTED)
    with pytest.raises(seqdocs.InputError, match="seed_index"):
        seqdocs.experiments.lstm_memory_states(run.parameters, tokens, 2, TINY)


def test_longest_remembered_stops_at_the_first_failure():
    run = seqdocs.experiments.train_memory_model("rnn", 1, seeds=(0,), config=TINY)
    make = lambda gap, accuracy: seqdocs.experiments.MemoryRun(  # noqa: E731
        "rnn", gap, (0,), TINY, run.parameters, run.losses, run.train_accuracy, run.gradient_norms,
        torch.tensor([accuracy]),
    )
    assert seqdocs.experiments.longest_remembered([make(8, 1.0), make(2, 1.0), make(4, 0.5)], "rnn") == 2
    assert seqdocs.experiments.longest_remembered([make(2, 0.5), make(4, 1.0)], "rnn") is None
    assert seqdocs.experiments.longest_remembered([make(2, 0.99), make(4, 0.96)], "rnn") == 4


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
        seqdocs.experiments.MemoryConfig(**settings)


@pytest.mark.parametrize("settings", [{"steps": 1.5}, {"hidden_size": "16"}, {"learning_rate": "fast"}])
def test_settings_of_the_wrong_type_raise_an_input_type_error(settings):
    with pytest.raises(seqdocs.InputTypeError):
        seqdocs.experiments.MemoryConfig(**settings)


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
        seqdocs.experiments.train_memory_model(**call)


def test_the_position_variant_draws_distractors_from_the_symbols():
    config = seqdocs.experiments.MemoryConfig(num_symbols=4, num_distractor_tokens=6, variant="position")
    tokens, targets = seqdocs.experiments.memory_task_batch(9, 500, torch.Generator().manual_seed(0), config)
    assert torch.equal(tokens[:, 0], targets)
    assert set(tokens[:, 1:-1].flatten().tolist()) == {0, 1, 2, 3}  # the symbols' alphabet, every one of it
    assert bool((tokens[:, -1] == 4).all()) and config.query_id == 4 and config.vocabulary_size == 5
    assert config.token_names() == ["A", "B", "C", "D", "?"]
    # K * K**N distinct sequences: with K = 2 and no distractor, 2 sequences, one draw: 1/2.
    tiny = seqdocs.experiments.MemoryConfig(num_symbols=2, num_distractor_tokens=5, steps=1, batch_size=1, variant="position")
    assert seqdocs.experiments.chance_seen_in_training(1, tiny) == pytest.approx(1 / 4)
    # In the content variant, the same first symbol never turns up again as a distractor.
    content_tokens, _ = seqdocs.experiments.memory_task_batch(9, 500, torch.Generator().manual_seed(0), seqdocs.experiments.MemoryConfig())
    assert bool((content_tokens[:, 1:-1] >= 8).all())


def test_a_bad_variant_is_named():
    with pytest.raises(seqdocs.InputError, match="unknown MemoryConfig.variant 'order': use one of content, position"):
        seqdocs.experiments.MemoryConfig(variant="order")


def test_self_attention_learns_the_position_variant_at_a_short_gap():
    config = seqdocs.experiments.MemoryConfig(steps=60, test_size=200, variant="position")
    run = seqdocs.experiments.train_memory_model("attention", 1, seeds=(0, 1), config=config)
    assert bool((run.test_accuracy > seqdocs.experiments.above_chance_accuracy(config)).all()), run.test_accuracy


# --- The decision rule, fed made-up per-seed results on both sides of it. -----------------------------------

_TEMPLATE: seqdocs.experiments.MemoryRun | None = None


def _made_up(model: str, gap: int, solved: int, seeds: int = 20, variant: str = "content") -> seqdocs.experiments.MemoryRun:
    """A run whose first `solved` seeds answered every held-out sequence and the rest guessed."""
    global _TEMPLATE
    if _TEMPLATE is None:
        _TEMPLATE = seqdocs.experiments.train_memory_model("rnn", 1, seeds=(0,), config=TINY)
    accuracy = torch.tensor([1.0] * solved + [0.125] * (seeds - solved))
    config = TINY if variant == "content" else seqdocs.experiments.MemoryConfig(**(TINY.settings() | {"variant": variant}))
    return seqdocs.experiments.MemoryRun(model, gap, tuple(range(seeds)), config, _TEMPLATE.parameters, _TEMPLATE.losses,
                             _TEMPLATE.train_accuracy, _TEMPLATE.gradient_norms, accuracy)


def test_compare_solved_separates_only_when_the_wilson_intervals_do():
    assert seqdocs.experiments.compare_solved(_made_up("lstm", 8, 20), _made_up("rnn", 8, 5)).verdict == "higher"
    assert seqdocs.experiments.compare_solved(_made_up("lstm", 8, 5), _made_up("rnn", 8, 20)).verdict == "lower"
    # 12 of 20 against 10 of 20: intervals [0.39, 0.78] and [0.30, 0.70] overlap.
    assert seqdocs.experiments.compare_solved(_made_up("lstm", 8, 12), _made_up("rnn", 8, 10)).verdict == "unclear"
    # 5 of 5 against 2 of 5 looks like a big gap, but five seeds cannot separate it: [0.57, 1] and [0.12, 0.77].
    assert seqdocs.experiments.compare_solved(_made_up("lstm", 8, 5, seeds=5), _made_up("rnn", 8, 2, seeds=5)).verdict == "unclear"


@pytest.mark.parametrize(
    "lstm_solved, rnn_solved, expected",
    [
        ((20, 20, 3), (20, 20, 0), "unclear"),  # 3 of 20 against 0 of 20: [0.05, 0.36] and [0, 0.16] overlap
        ((20, 20, 18), (20, 4, 0), "higher"),  # ahead at two gaps, behind at none
        ((20, 2, 20), (20, 20, 0), "mixed"),  # behind at one gap, ahead at another
        ((20, 4, 0), (20, 20, 18), "lower"),
    ],
)
def test_the_verdict_over_gaps_follows_the_rule(lstm_solved, rnn_solved, expected):
    gaps = (2, 8, 16)
    runs = [_made_up("lstm", gap, k) for gap, k in zip(gaps, lstm_solved)]
    runs += [_made_up("rnn", gap, k) for gap, k in zip(gaps, rnn_solved)]
    comparisons = seqdocs.experiments.compare_by_gap(runs, "lstm", "rnn")
    assert list(comparisons) == list(gaps)
    assert seqdocs.experiments.overall_verdict(comparisons.values()) == expected


def test_first_clear_drop_finds_a_drop_with_distance_and_only_a_clear_one():
    # The rerun: 20 fresh seeds solved N = 4 in 19 of 20, N = 32 in 11 of 20. That is a clear drop.
    dropping = [_made_up("attention", gap, k) for gap, k in ((4, 19), (8, 19), (16, 18), (32, 11))]
    drop, comparisons = seqdocs.experiments.first_clear_drop(dropping, "attention")
    assert drop == 32
    assert comparisons[16].verdict == "unclear" and comparisons[32].verdict == "lower"
    # 20, 18, 17 of 20: fewer, but never clearly.
    steady = [_made_up("attention", gap, k) for gap, k in ((2, 20), (8, 18), (32, 17))]
    assert seqdocs.experiments.first_clear_drop(steady, "attention")[0] is None
    with pytest.raises(seqdocs.InputError, match="at least two"):
        seqdocs.experiments.first_clear_drop(steady[:1], "attention")


def _memory_example():
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts" / "examples"))
    import memory  # scripts/examples/memory.py

    return memory


def _page_runs(solved: dict[str, tuple[int, ...]], gaps=(2, 8, 32)) -> dict:
    """Made-up results for every column of the page, `solved[column][i]` seeds of 20 at gap i."""
    return {
        (column, gap): _made_up(column.split("_")[0], gap, k, variant="position" if "position" in column else "content")
        for column, counts in solved.items()
        for gap, k in zip(gaps, counts)
    }


def test_the_page_picks_its_sentences_by_the_rule(monkeypatch):
    memory = _memory_example()
    monkeypatch.setattr(memory, "DISTRACTORS", (2, 8, 32))
    above_chance = 0.2
    # Attention finds the symbol by content at every gap, but fails by position at 32: the claim must fail.
    runs = _page_runs({
        "rnn": (20, 0, 0), "lstm": (20, 20, 0), "gru": (20, 16, 0),
        "attention": (20, 20, 20), "attention_position": (20, 19, 6),
    })
    _, verdicts = memory.outcome_sentences(runs, above_chance)
    assert verdicts["lstm_vs_rnn"] == "higher"  # 20 against 0 at N = 8
    assert verdicts["gru_vs_rnn"] == "higher"  # 16 against 0 at N = 8: [0.58, 0.92] against [0, 0.16]
    assert verdicts["lstm_vs_gru"] == "unclear"  # 20 against 16 at N = 8: [0.84, 1] and [0.58, 0.92] overlap
    assert verdicts["attention"]["content_vs_position"] == "higher"  # 20 against 6 at N = 32
    assert verdicts["attention"]["content"] == "no clear drop"
    assert verdicts["attention"]["position"] == "drop"
    assert verdicts["attention"]["claim"] == "fails"
    assert verdicts["first_clear_drop"]["attention_position"] == 32
    assert verdicts["first_clear_drop"]["rnn"] == 8
    assert verdicts["longest_beats"]["attention"] == ["rnn", "lstm", "gru"]

    # The other side of the rule: position only solved nearly as often at 32, the RNN as often as the gated cells.
    runs = _page_runs({
        "rnn": (20, 12, 0), "lstm": (20, 14, 0), "gru": (20, 10, 0),
        "attention": (20, 20, 20), "attention_position": (20, 19, 18),
    })
    _, verdicts = memory.outcome_sentences(runs, above_chance)
    assert verdicts["lstm_vs_rnn"] == verdicts["gru_vs_rnn"] == verdicts["lstm_vs_gru"] == "unclear"
    assert verdicts["attention"]["position"] == "no clear drop"
    assert verdicts["attention"]["claim"] == "survives"
    assert verdicts["attention"]["content_vs_position"] == "unclear"
    assert verdicts["longest_beats"]["rnn"] == []


# --- The page: every sentence that states a result agrees with the numbers the build saved. -----------------

REPO_ROOT = Path(__file__).resolve().parent.parent


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


def verdict_between(solved: dict, interval, column: str, gap: int, shortest: int) -> str:
    """One column's solve rate at `gap` against its own at the shortest gap, by non-overlapping intervals."""
    (low, high), (short_low, short_high) = interval(solved[column, gap]), interval(solved[column, shortest])
    return "higher" if low > short_high else "lower" if high < short_low else "unclear"


@pytest.mark.slow
@pytest.mark.generated("memory")
def test_the_page_says_what_the_saved_results_say(built_site: Path) -> None:
    results = example_json("memory", "results.json")
    values = example_values("memory")
    page = _memory_page(built_site)
    assert "{{" not in page, "a value was left unreplaced"
    used = set(re.findall(r"\{\{ *memory\.(\w+) *\}\}", (REPO_ROOT / "docs" / "memory.md").read_text(encoding="utf-8")))
    assert used <= set(values), f"the page uses values the build does not make: {sorted(used - set(values))}"
    for key in used:
        assert " ".join(values[key].split()) in page, f"the page does not show memory.{key}: {values[key]!r}"

    gaps = results["distractors"]
    runs = {(run["column"], run["distractors"]): run for run in results["runs"]}
    assert len(results["seeds"]) >= 20, "the rule needs at least 20 seeds per model and gap to separate anything"
    solved = {}
    for key, run in runs.items():
        assert len(run["test_accuracy"]) == len(results["seeds"])
        solved[key] = sum(accuracy >= results["solved"] for accuracy in run["test_accuracy"])
        assert run["solved_seeds"] == solved[key]
        # Every seed's accuracy is on the page, in its row of the table of seeds.
        assert " · ".join(f"{100 * accuracy:.1f}" for accuracy in run["test_accuracy"]) in page
    assert {column for column, _ in runs} == {"rnn", "lstm", "gru", "attention", "attention_position"}

    # The verdicts, recomputed from the per-seed accuracies with a Wilson interval written out here.
    seeds = len(results["seeds"])

    def interval(k: int) -> tuple[float, float]:
        z, p = 1.959964, k / seeds
        centre, half = p + z * z / (2 * seeds), z * math.sqrt(p * (1 - p) / seeds + z * z / (4 * seeds**2))
        return (centre - half) / (1 + z * z / seeds), (centre + half) / (1 + z * z / seeds)

    def verdict(a: str, b: str, gap: int) -> str:
        (a_low, a_high), (b_low, b_high) = interval(solved[a, gap]), interval(solved[b, gap])
        return "higher" if a_low > b_high + 1e-12 else "lower" if a_high < b_low - 1e-12 else "unclear"

    def over_gaps(a: str, b: str) -> str:
        found = {verdict(a, b, gap) for gap in gaps}
        return ("mixed" if {"higher", "lower"} <= found else "higher" if "higher" in found
                else "lower" if "lower" in found else "unclear")

    verdicts = results["verdicts"]
    assert verdicts["lstm_vs_rnn"] == over_gaps("lstm", "rnn")
    assert verdicts["gru_vs_rnn"] == over_gaps("gru", "rnn")
    assert verdicts["lstm_vs_gru"] == over_gaps("lstm", "gru")
    assert verdicts["attention"]["content_vs_position"] == over_gaps("attention", "attention_position")
    for column in ("rnn", "lstm", "gru", "attention", "attention_position"):
        drops = [gap for gap in gaps[1:] if verdict_between(solved, interval, column, gap, gaps[0]) == "lower"]
        assert verdicts["first_clear_drop"][column] == (drops[0] if drops else None), column
    position_drop = verdicts["first_clear_drop"]["attention_position"]
    assert verdicts["attention"]["position"] == ("drop" if position_drop is not None else "no clear drop")
    any_drop = position_drop is not None or verdicts["first_clear_drop"]["attention"] is not None
    assert verdicts["attention"]["claim"] == ("fails" if any_drop else "survives")

    config = results["config"]
    for setting in (f"{config['steps']:,}", str(config["batch_size"]), f"{config['learning_rate']:g}",
                    f"norm ≤ {config['max_grad_norm']:g}", _percent(1 / config["num_symbols"])):
        assert setting in page, f"the settings table does not show {setting}"
