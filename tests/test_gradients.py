"""Gradient flow: the Jacobians against finite differences and the chain rule by hand, cases with known decay,
seeds stacked against seeds alone, bad input, and the page's claims against the numbers the build wrote."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import torch

import seqdocs
import seqdocs.experiments
from seqdocs import AttentionWeights, GRUWeights, InputError, InputTypeError, LSTMWeights, RNNWeights

from generated import example_json, example_values, number  # tests/generated.py

REPO_ROOT = Path(__file__).resolve().parent.parent
PAGE = REPO_ROOT / "docs" / "gradients.md"

TINY = seqdocs.experiments.GradientConfig(length=5, embedding_size=2, hidden_size=3, seeds=(0, 1))
"""Small enough that finite differences over every input component are instant."""


def weights_for(curve: str, config: seqdocs.experiments.GradientConfig):
    model, bias = {name: (model, bias) for name, model, bias in config.curve_models()}[curve]
    return model, seqdocs.experiments.init_gradient_weights(model, config, forget_bias=bias)


# --- The Jacobian itself -----------------------------------------------------------------------------------


@pytest.mark.parametrize("curve", TINY.curves)
def test_jacobian_matches_central_differences(curve: str) -> None:
    model, weights = weights_for(curve, TINY)
    inputs = seqdocs.experiments.gradient_inputs(TINY)  # (S, 1, T, E), float64
    jacobian = seqdocs.experiments.input_jacobian(model, inputs, weights)  # (S, 1, T, H, E)
    step = 1e-6
    by_differences = torch.zeros_like(jacobian)
    for t in range(TINY.length):
        for j in range(TINY.embedding_size):
            nudge = torch.zeros_like(inputs)
            nudge[..., t, j] = step
            up = seqdocs.experiments.final_state(model, inputs + nudge, weights)  # (S, 1, H)
            down = seqdocs.experiments.final_state(model, inputs - nudge, weights)
            by_differences[..., t, :, j] = (up - down) / (2 * step)
    torch.testing.assert_close(jacobian, by_differences, rtol=1e-6, atol=1e-8)


def test_rnn_jacobian_is_the_chain_rule_product() -> None:
    """J_t = D_T W_hh^T D_{T-1} W_hh^T ... D_t W_xh^T with D_k = diag(1 - h_k^2), multiplied out by hand."""
    config = seqdocs.experiments.GradientConfig(length=12, embedding_size=3, hidden_size=4, seeds=(5,))
    weights = seqdocs.experiments.init_gradient_weights("rnn", config)
    inputs = seqdocs.experiments.gradient_inputs(config)[0, 0]  # (T, E)
    one = RNNWeights(weights.input_to_hidden[0], weights.hidden_to_hidden[0], weights.bias[0, 0])
    states = seqdocs.rnn_forward(inputs, one)["hidden"]  # (T, H)
    expected = []
    for t in range(config.length):
        product = torch.diag(1 - states[t] ** 2) @ one.input_to_hidden.T  # dh_t/dx_t, (H, E)
        for k in range(t + 1, config.length):
            product = torch.diag(1 - states[k] ** 2) @ one.hidden_to_hidden.T @ product  # dh_k/dh_{k-1} @ ...
        expected.append(product)
    torch.testing.assert_close(seqdocs.experiments.input_jacobian("rnn", inputs, one), torch.stack(expected), rtol=1e-12, atol=0)


def test_norms_are_ordered_by_distance_and_spectral_is_the_largest_singular_value() -> None:
    model, weights = weights_for("gru", TINY)
    inputs = seqdocs.experiments.gradient_inputs(TINY)
    jacobian = seqdocs.experiments.input_jacobian(model, inputs, weights)  # (S, 1, T, H, E), reading order
    frobenius = seqdocs.experiments.gradient_norms(model, inputs, weights)  # (S, 1, T), by distance
    spectral = seqdocs.experiments.gradient_norms(model, inputs, weights, norm="spectral")
    last_input = jacobian[..., -1, :, :]
    assert torch.allclose(frobenius[..., 0], last_input.square().sum(dim=(-2, -1)).sqrt())
    assert torch.allclose(spectral[..., 0], torch.linalg.svdvals(last_input)[..., 0])
    assert torch.allclose(frobenius[..., -1], jacobian[..., 0, :, :].square().sum(dim=(-2, -1)).sqrt())
    # ||J||_2 <= ||J||_F <= sqrt(min(H, E)) ||J||_2
    assert bool((spectral <= frobenius * (1 + 1e-12)).all())
    assert bool((frobenius <= math.sqrt(min(TINY.hidden_size, TINY.embedding_size)) * spectral * (1 + 1e-12)).all())


def test_the_check_against_pytorch_passes_and_can_fail() -> None:
    flow = seqdocs.experiments.gradient_flow(TINY)
    checks = seqdocs.experiments.check_gradient_flow(flow)
    assert [check.reference for check in checks] == [
        "torch.nn.RNN", "torch.nn.LSTM", "torch.nn.LSTM", "torch.nn.GRU", "F.scaled_dot_product_attention"
    ]
    assert all(check.passed for check in checks), [str(check) for check in checks]
    wrong = {**flow.norms, "gru": flow.norms["gru"] * (1 + 1e-9)}
    tampered = seqdocs.experiments.check_gradient_flow(seqdocs.experiments.GradientFlow(TINY, wrong))
    assert [check.passed for check in tampered] == [True, True, True, False, True]


# --- Cases whose decay is known on paper ---------------------------------------------------------------------


@pytest.mark.parametrize("scale", [0.5, 0.9, 1.1])
def test_linear_rnn_decays_as_a_power_of_its_recurrent_scale(scale: float) -> None:
    """W_hh = a I, W_xh = I, tiny inputs: tanh is the identity to 1e-10, so dh_T/dx_t = a^d I, of norm a^d sqrt(H)."""
    size, length = 3, 20
    weights = RNNWeights(torch.eye(size, dtype=torch.float64), scale * torch.eye(size, dtype=torch.float64),
                         torch.zeros(size, dtype=torch.float64))
    inputs = torch.full((length, size), 1e-7, dtype=torch.float64)
    norms = seqdocs.experiments.gradient_norms("rnn", inputs, weights)
    expected = math.sqrt(size) * scale ** torch.arange(length, dtype=torch.float64)
    torch.testing.assert_close(norms, expected, rtol=1e-7, atol=0)


@pytest.mark.parametrize("forget_bias", [0.0, 1.0, 3.0])
def test_lstm_with_constant_gates_decays_as_sigmoid_of_its_forget_bias(forget_bias: float) -> None:
    """Only the input reaches the cell candidate: i = o = 1/2 and f = sigmoid(b) are constants, g = tanh(x) ~ x,
    so c_T = sum_t f^(T-t) g_t / 2 and h_T ~ c_T / 2: dh_T/dx_t = f^d / 4 I, of norm f^d sqrt(H) / 4."""
    size, length = 2, 15
    weight = torch.zeros(2 * size, 4 * size, dtype=torch.float64)
    weight[:size, 2 * size : 3 * size] = torch.eye(size)  # input -> cell candidate
    bias = torch.zeros(4 * size, dtype=torch.float64)
    bias[size : 2 * size] = forget_bias
    weights = LSTMWeights(weight, bias, embedding_size=size)
    inputs = torch.full((length, size), 1e-7, dtype=torch.float64)
    forget = 1 / (1 + math.exp(-forget_bias))
    expected = math.sqrt(size) / 4 * forget ** torch.arange(length, dtype=torch.float64)
    torch.testing.assert_close(seqdocs.experiments.gradient_norms("lstm", inputs, weights), expected, rtol=1e-7, atol=0)


def test_gru_with_a_constant_update_gate_keeps_z_per_step() -> None:
    """Only the input reaches the candidate and z = sigmoid(b_z): h_k = (1 - z) x_k + z h_{k-1} to first order."""
    size, length, update_bias = 2, 12, 0.7
    input_weight = torch.zeros(size, 3 * size, dtype=torch.float64)
    input_weight[:, 2 * size :] = torch.eye(size)  # input -> candidate
    hidden_bias = torch.zeros(3 * size, dtype=torch.float64)
    hidden_bias[size : 2 * size] = update_bias
    weights = GRUWeights(input_weight, torch.zeros(size, 3 * size, dtype=torch.float64),
                         torch.zeros(3 * size, dtype=torch.float64), hidden_bias)
    inputs = torch.full((length, size), 1e-7, dtype=torch.float64)
    keep = 1 / (1 + math.exp(-update_bias))
    expected = math.sqrt(size) * (1 - keep) * keep ** torch.arange(length, dtype=torch.float64)
    torch.testing.assert_close(seqdocs.experiments.gradient_norms("gru", inputs, weights), expected, rtol=1e-7, atol=0)


def test_attention_with_uniform_weights_gives_every_distance_the_same_gradient() -> None:
    """Zero queries and keys: every weight is 1/T, the last output is the mean of x W_V, and J_t = W_V^T / T."""
    generator = torch.Generator().manual_seed(0)
    size, length = 3, 9
    value = torch.randn(size, size, generator=generator, dtype=torch.float64)
    zeros = torch.zeros(size, size, dtype=torch.float64)
    inputs = torch.randn(length, size, generator=generator, dtype=torch.float64)
    norms = seqdocs.experiments.gradient_norms("attention", inputs, AttentionWeights(zeros, zeros, value))
    torch.testing.assert_close(norms, torch.full((length,), value.norm().item() / length, dtype=torch.float64))


def test_a_causal_mask_changes_nothing_at_the_last_position() -> None:
    config = seqdocs.experiments.GradientConfig(length=7, embedding_size=4, hidden_size=4, seeds=(0, 1, 2))
    weights = seqdocs.experiments.init_gradient_weights("attention", config)
    inputs = seqdocs.experiments.gradient_inputs(config)
    plain = seqdocs.experiments.input_jacobian("attention", inputs, weights)
    masked = seqdocs.experiments.input_jacobian("attention", inputs, weights, causal=True)
    torch.testing.assert_close(plain, masked, rtol=0, atol=0)
    # ... while the mask does change what earlier positions see, so it is not a no-op.
    outputs = seqdocs.self_attention(inputs, weights)["output"], seqdocs.self_attention(inputs, weights, causal=True)["output"]
    assert (outputs[0][..., 0, :] - outputs[1][..., 0, :]).abs().max() > 1e-3


# --- Other kinds of self-attention ------------------------------------------------------------------------------


SMALL = seqdocs.experiments.GradientConfig(length=7, embedding_size=4, hidden_size=6, seeds=(0, 1))
ALL_VARIANTS = (
    seqdocs.experiments.AttentionVariant(),
    seqdocs.experiments.AttentionVariant(causal=True),
    seqdocs.experiments.AttentionVariant(positions=True),
    seqdocs.experiments.AttentionVariant(layers=2),
    seqdocs.experiments.AttentionVariant(layers=2, causal=True),
    seqdocs.experiments.AttentionVariant(layers=3, positions=True, causal=True),
)


def stack(config: seqdocs.experiments.GradientConfig, layers: int) -> list[AttentionWeights]:
    return [seqdocs.experiments.init_gradient_weights("attention", config, layer=layer) for layer in range(1, layers + 1)]


@pytest.mark.parametrize("variant", ALL_VARIANTS, ids=lambda variant: variant.name)
def test_attention_stack_jacobian_matches_central_differences(variant) -> None:
    layers = stack(SMALL, variant.layers)
    inputs = seqdocs.experiments.gradient_inputs(SMALL)  # (S, 1, T, E)
    read = seqdocs.positional.add_positions(inputs) if variant.positions else inputs
    jacobian = seqdocs.experiments.input_jacobian("attention", read, layers, causal=variant.causal)  # (S, 1, T, H, E)
    step = 1e-6
    for t in (0, 3, SMALL.length - 1):
        for j in range(SMALL.embedding_size):
            nudge = torch.zeros_like(read)
            nudge[..., t, j] = step
            up = seqdocs.experiments.final_state("attention", read + nudge, layers, causal=variant.causal)
            down = seqdocs.experiments.final_state("attention", read - nudge, layers, causal=variant.causal)
            torch.testing.assert_close(jacobian[..., t, :, j], (up - down) / (2 * step), rtol=1e-6, atol=1e-9)


def test_attention_variants_match_scaled_dot_product_attention_and_the_check_can_fail() -> None:
    flow = seqdocs.experiments.attention_gradient_flow(ALL_VARIANTS, SMALL)
    checks = seqdocs.experiments.check_attention_gradient_flow(flow, ALL_VARIANTS)
    assert all(check.passed for check in checks), [str(check) for check in checks]
    name = "attention_2_layers_causal"
    tampered = seqdocs.experiments.GradientFlow(SMALL, {**flow.norms, name: flow.norms[name] * (1 + 1e-9)})
    verdicts = [check.passed for check in seqdocs.experiments.check_attention_gradient_flow(tampered, ALL_VARIANTS)]
    assert verdicts == [variant.name != name for variant in ALL_VARIANTS]


def test_plain_attention_is_flat_by_construction_and_a_causal_stack_is_not() -> None:
    """Reordering the inputs before the last reorders plain attention's norms the same way, exactly (up to
    rounding): no distance can differ from another but by the inputs it happens to hold. A causal stack breaks this."""
    config = seqdocs.experiments.GradientConfig(length=9, embedding_size=4, hidden_size=6, seeds=(0, 1, 2))
    inputs = seqdocs.experiments.gradient_inputs(config)  # (S, 1, T, E)
    order = torch.tensor([5, 2, 7, 0, 3, 6, 1, 4, 8])  # every position but the last moves
    for layers, causal, symmetric in ((1, False, True), (2, False, True), (1, True, True), (2, True, False)):
        weights = stack(config, layers)
        norms = seqdocs.experiments.gradient_norms("attention", inputs, weights, causal=causal).flip(-1)  # (S, 1, T), reading order
        reordered = seqdocs.experiments.gradient_norms("attention", inputs[..., order, :], weights, causal=causal).flip(-1)
        same = torch.allclose(reordered, norms[..., order], rtol=1e-10, atol=0)
        assert same == symmetric, (layers, causal)


def test_one_layer_variants_share_the_main_experiments_weights() -> None:
    flow = seqdocs.experiments.gradient_flow(SMALL)
    variants = seqdocs.experiments.attention_gradient_flow(ALL_VARIANTS[:3], SMALL)
    assert torch.equal(variants.norms["attention_1_layer"], flow.norms["attention"])
    assert torch.equal(variants.norms["attention_1_layer_causal"], flow.norms["attention"])
    assert not torch.allclose(variants.norms["attention_1_layer_positions"], flow.norms["attention"])
    # Layer 2 is drawn on its own, (H, H), from its own stream.
    second = seqdocs.experiments.init_gradient_weights("attention", SMALL, layer=2)
    assert second.query.shape == (2, 1, SMALL.hidden_size, SMALL.hidden_size)
    assert second.query.abs().max() <= 1 / math.sqrt(SMALL.hidden_size)


# --- The rule that chooses comparative sentences, on made-up per-seed curves -----------------------------------


def made_up_flow(curves: dict[str, torch.Tensor]) -> seqdocs.experiments.GradientFlow:
    seeds, length = next(iter(curves.values())).shape
    return seqdocs.experiments.GradientFlow(seqdocs.experiments.GradientConfig(length=length, seeds=tuple(range(seeds))), curves)


def noisy(median: torch.Tensor, spread: float, seeds: int = 16, seed: int = 0) -> torch.Tensor:
    """(seeds, T): each seed the median times exp(spread * z), z standard normal."""
    generator = torch.Generator().manual_seed(seed)
    return median * torch.exp(spread * torch.randn(seeds, len(median), generator=generator, dtype=torch.float64))


def test_a_clean_crossing_is_placed_between_the_two_distances_the_rule_separates() -> None:
    distances = torch.arange(12, dtype=torch.float64)
    decay = noisy(2.0 * 0.5**distances, 0.05)  # 2, 1, 0.5, ... crosses 0.1 between distance 4 and 5
    flat = noisy(torch.full((12,), 0.1, dtype=torch.float64), 0.05, seed=1)
    crossing = made_up_flow({"a": decay, "b": flat}).crossing("a", "b")
    assert crossing.kind == "crosses"
    assert crossing.between == (4, 5) and crossing.unclear_between == () and crossing.stays_below
    assert crossing.verdicts[:5] == ("higher",) * 5 and set(crossing.verdicts[5:]) == {"lower"}


def test_curves_that_meet_over_several_distances_are_not_given_a_crossing_there() -> None:
    """Equal medians at distances 4 to 6 and a wide spread: the rule must leave those distances undecided."""
    median = torch.tensor([8.0, 4.0, 2.0, 1.5, 1.0, 1.0, 1.0, 0.6, 0.3, 0.1], dtype=torch.float64)
    a = noisy(median, 0.1, seed=2)
    b = noisy(torch.ones(10, dtype=torch.float64), 0.1, seed=3)
    crossing = made_up_flow({"a": a, "b": b}).crossing("a", "b")
    assert crossing.kind == "crosses"
    assert crossing.last_above <= 3 and crossing.first_below >= 7
    assert set(crossing.unclear_between) >= {4, 5, 6}
    assert all(crossing.verdicts[d] == "unclear" for d in (4, 5, 6))


def test_curves_the_rule_cannot_separate_anywhere_and_curves_that_cross_twice() -> None:
    same = made_up_flow({"a": noisy(torch.ones(6, dtype=torch.float64), 0.3, seed=4),
                         "b": noisy(torch.ones(6, dtype=torch.float64), 0.3, seed=5)})
    assert same.crossing("a", "b").kind == "never_below" and same.crossing("a", "b").between is None
    assert same.crossing("a", "b").verdicts == ("unclear",) * 6
    wave = torch.tensor([2.0, 0.5, 0.5, 2.0, 2.0], dtype=torch.float64)  # above, below, below, above, above
    twice = made_up_flow({"a": noisy(wave, 0.05, seed=6), "b": noisy(torch.ones(5, dtype=torch.float64), 0.05, seed=7)})
    assert twice.crossing("a", "b").kind == "mixed" and twice.crossing("a", "b").unclear_between == ()
    assert twice.crossing("b", "a").kind == "mixed"


def test_compare_and_trend_decide_only_when_the_seeds_allow() -> None:
    rising = torch.tensor([1.0, 1.0, 1.1, 1.2, 3.0], dtype=torch.float64)
    flow = made_up_flow({"tight": noisy(rising, 0.05, seed=8), "loose": noisy(rising, 2.0, seed=9),
                         "flat": noisy(torch.ones(5, dtype=torch.float64), 0.05, seed=10)})
    assert flow.trend("tight").verdict == "higher"  # distance 4 against distance 1
    assert flow.trend("tight", near=0, far=1).verdict == "unclear"  # equal medians
    assert flow.trend("loose").verdict == "unclear"  # the same medians, but the seeds spread too widely
    assert flow.compare("tight", "flat", 4).verdict == "higher"
    assert flow.compare("flat", "tight", 4).verdict == "lower"
    assert flow.compare("tight", "flat", 0).verdict == "unclear"
    interval = flow.compare("tight", "flat", 4).a_interval
    assert interval[0] > 0 and interval[0] < 2.0 < interval[1]  # the true difference of medians is 2


# --- Seeds, stacked and alone; the initialisation ------------------------------------------------------------


def test_stacked_seeds_equal_seeds_run_one_at_a_time() -> None:
    config = seqdocs.experiments.GradientConfig(length=9, embedding_size=3, hidden_size=5, seeds=(3, 5, 8))
    together = seqdocs.experiments.gradient_flow(config)
    for index, seed in enumerate(config.seeds):
        alone = seqdocs.experiments.gradient_flow(seqdocs.experiments.GradientConfig(length=9, embedding_size=3, hidden_size=5, seeds=(seed,)))
        for curve in config.curves:
            torch.testing.assert_close(together.norms[curve][index], alone.norms[curve][0], rtol=1e-12, atol=0)
    # Different seeds are different models.
    assert not torch.equal(together.norms["rnn"][0], together.norms["rnn"][1])


def test_the_two_lstms_differ_in_the_forget_bias_alone() -> None:
    zero = seqdocs.experiments.init_gradient_weights("lstm", TINY, forget_bias=0.0)
    one = seqdocs.experiments.init_gradient_weights("lstm", TINY, forget_bias=1.0)
    size = TINY.hidden_size
    assert torch.equal(zero.weight, one.weight)
    assert torch.equal(zero.bias[..., :size], one.bias[..., :size])
    assert torch.equal(zero.bias[..., 2 * size :], one.bias[..., 2 * size :])
    assert bool((zero.bias[..., size : 2 * size] == 0).all()) and bool((one.bias[..., size : 2 * size] == 1).all())


def test_initialisation_scales() -> None:
    config = seqdocs.experiments.GradientConfig(embedding_size=16, hidden_size=32, seeds=tuple(range(4)))
    pytorch = seqdocs.experiments.init_gradient_weights("rnn", config)
    bound = 1 / math.sqrt(32)
    assert pytorch.hidden_to_hidden.abs().max() <= bound
    assert pytorch.hidden_to_hidden.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.05)
    attention = seqdocs.experiments.init_gradient_weights("attention", config)
    assert attention.query.abs().max() <= 1 / math.sqrt(16)
    notebook = seqdocs.experiments.init_gradient_weights("gru", seqdocs.experiments.GradientConfig(seeds=tuple(range(4)), weight_scale=1.0))
    assert notebook.hidden_weight.std().item() == pytest.approx(1.0, rel=0.05)
    assert bool((notebook.input_bias == 0).all()) and bool((notebook.hidden_bias == 0).all())


def test_flow_summaries() -> None:
    config = seqdocs.experiments.GradientConfig(length=4, seeds=(0, 1, 2))
    norms = torch.tensor([[1.0, 0.5, 0.1, 0.0004], [2.0, 1.0, 0.2, 0.0008], [4.0, 2.0, 0.4, 0.0016]], dtype=torch.float64)
    flow = seqdocs.experiments.GradientFlow(config, {"rnn": norms})
    assert flow.median("rnn").tolist() == [2.0, 1.0, 0.2, 0.0008]
    assert flow.distance_below("rnn", 0.01) == 3
    assert flow.distance_below("rnn", 1e-4) is None
    assert flow.factor_per_step("rnn", 1, 3) == pytest.approx(math.sqrt(0.0008))
    assert flow.quantile("rnn", 0.0).tolist() == norms[0].tolist()


# --- Bad input -------------------------------------------------------------------------------------------------


_RNN = RNNWeights(torch.eye(2), torch.eye(2), torch.zeros(2))
_X = torch.zeros(3, 2)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: seqdocs.experiments.gradient_norms("cnn", _X, _RNN), InputError, "unknown model 'cnn': use one of rnn, lstm"),
        (lambda: seqdocs.experiments.gradient_norms(None, _X, _RNN), InputTypeError, "model must be a string"),
        (lambda: seqdocs.experiments.gradient_norms("gru", _X, _RNN), InputTypeError, "the gru model needs GRUWeights, got RNNWeights"),
        (lambda: seqdocs.experiments.gradient_norms("rnn", [[0.0, 0.0]], _RNN), InputTypeError, "must be a torch.Tensor"),
        (lambda: seqdocs.experiments.gradient_norms("rnn", torch.zeros(3, 2, dtype=torch.long), _RNN), InputTypeError,
         "floating-point"),
        (lambda: seqdocs.experiments.gradient_norms("rnn", torch.zeros(2), _RNN), InputError, "must be (..., T, E)"),
        (lambda: seqdocs.experiments.gradient_norms("rnn", torch.zeros(0, 2), _RNN), InputError, "at least one token"),
        (lambda: seqdocs.experiments.gradient_norms("rnn", torch.zeros(3, 5), _RNN), InputError,
         "vectors of size 5, but the weights expect size 2"),
        (lambda: seqdocs.experiments.gradient_norms("rnn", _X.double(), _RNN), InputTypeError, "convert one"),
        (lambda: seqdocs.experiments.gradient_norms("rnn", _X, _RNN, causal=True), InputError, "causal applies to attention only"),
        (lambda: seqdocs.experiments.gradient_norms("rnn", _X, _RNN, causal="yes"), InputTypeError, "causal must be True or False"),
        (lambda: seqdocs.experiments.gradient_norms("rnn", _X, _RNN, norm="max"), InputError, "unknown norm 'max'"),
        (lambda: seqdocs.experiments.gradient_norms("rnn", torch.zeros(3, 2), RNNWeights(torch.ones(4, 2, 2), torch.ones(4, 2, 2),
                                                                          torch.zeros(4, 1, 2))),
         InputError, "that the inputs (3, 2) lack: give the inputs the same leading dimensions"),
        (lambda: seqdocs.experiments.GradientConfig(length=0), InputError, "GradientConfig.length must be between 1 and"),
        (lambda: seqdocs.experiments.GradientConfig(length=2.5), InputTypeError, "GradientConfig.length must be a whole number"),
        (lambda: seqdocs.experiments.GradientConfig(seeds=[]), InputError, "seeds is empty"),
        (lambda: seqdocs.experiments.GradientConfig(seeds=[1, 1]), InputError, "seeds must be distinct"),
        (lambda: seqdocs.experiments.GradientConfig(seeds="012"), InputTypeError, "seeds must be a list of whole numbers"),
        (lambda: seqdocs.experiments.GradientConfig(seeds=[-1]), InputError, "every seed must be between 0"),
        (lambda: seqdocs.experiments.GradientConfig(forget_biases=(0.0, math.nan)), InputError, "finite"),
        (lambda: seqdocs.experiments.GradientConfig(forget_biases=(1, 1.0)), InputError, "repeats a value"),
        (lambda: seqdocs.experiments.GradientConfig(weight_scale=0), InputError, "weight_scale must be positive"),
        (lambda: seqdocs.experiments.GradientConfig(dtype="float16"), InputError, "dtype must be one of float32, float64"),
        (lambda: seqdocs.experiments.GradientConfig(norm="l1"), InputError, "unknown norm 'l1'"),
        (lambda: seqdocs.experiments.init_gradient_weights("gru", TINY, forget_bias=1.0), InputError,
         "forget_bias applies to the LSTM only"),
        (lambda: seqdocs.experiments.GradientFlow(TINY, {"rnn": torch.ones(2, 5)}).median("lstm"), InputError,
         "unknown curve 'lstm': use one of rnn"),
        (lambda: seqdocs.experiments.GradientFlow(TINY, {"rnn": torch.ones(2, 5)}).factor_per_step("rnn", 3, 3), InputError,
         "need 0 <= first < last < 5"),
        (lambda: seqdocs.experiments.GradientFlow(TINY, {"rnn": torch.ones(2, 5)}).factor_per_step("rnn", 0.5, 3), InputTypeError,
         "whole numbers"),
        (lambda: seqdocs.experiments.GradientFlow(TINY, {"rnn": torch.ones(2, 5)}).quantile("rnn", 1.5), InputError,
         "level must be between 0 and 1"),
        (lambda: seqdocs.experiments.GradientFlow(TINY, {"rnn": torch.ones(2, 5)}).distance_below("rnn", 0), InputError,
         "fraction must be positive"),
        (lambda: seqdocs.experiments.GradientFlow(TINY, {"rnn": torch.ones(2, 5)}).compare("rnn", "rnn", 5), InputError,
         "distance must be a distance from 0 to 4"),
        (lambda: seqdocs.experiments.GradientFlow(TINY, {"rnn": torch.ones(2, 5)}).trend("rnn", near=3, far=2), InputError,
         "near must be less than far"),
        (lambda: seqdocs.experiments.Crossing(("higher", "above")), InputError, "unknown verdict 'above'"),
        (lambda: seqdocs.experiments.AttentionVariant(layers=0), InputError, "AttentionVariant.layers must be between 1 and"),
        (lambda: seqdocs.experiments.AttentionVariant(causal=1), InputTypeError, "AttentionVariant.causal must be True or False"),
        (lambda: seqdocs.experiments.attention_gradient_flow([], TINY), InputError, "variants is empty"),
        (lambda: seqdocs.experiments.attention_gradient_flow(seqdocs.experiments.AttentionVariant(), TINY), InputTypeError,
         "variants must be a list of AttentionVariant"),
        (lambda: seqdocs.experiments.attention_gradient_flow([seqdocs.experiments.AttentionVariant()] * 2, TINY), InputError,
         "repeats a kind of attention"),
        (lambda: seqdocs.experiments.init_gradient_weights("rnn", TINY, layer=2), InputError, "layer applies to attention only"),
        (lambda: seqdocs.experiments.gradient_norms("attention", _X, []), InputError, "empty list of layers"),
        (lambda: seqdocs.experiments.gradient_norms("attention", _X, [_RNN]), InputTypeError, "got RNNWeights for layer 1"),
        (lambda: seqdocs.experiments.gradient_norms(
            "attention", _X, [AttentionWeights(torch.eye(2, 3), torch.eye(2, 3), torch.eye(2, 3))] * 2),
         InputError, "layer 2 reads vectors of size 2, but layer 1 writes vectors of size 3"),
    ],
)
def test_bad_input_names_the_problem(call, error, message) -> None:
    with pytest.raises(error) as caught:
        call()
    assert message in str(caught.value)


# --- The page against what the build wrote ---------------------------------------------------------------------


def close_to(text: str, value: float) -> bool:
    """Whether `text`, rounded as the example rounds, could have come from `value`."""
    return number(text) == pytest.approx(value, rel=0.06)


@pytest.fixture(scope="module")
def values() -> dict[str, str]:
    return example_values("gradients")


@pytest.fixture(scope="module")
def measured() -> dict:
    return example_json("gradients", "norms.json")


def medians(measured: dict, run: str = "pytorch_init") -> dict[str, torch.Tensor]:
    return {curve: torch.tensor(data["median"], dtype=torch.float64) for curve, data in measured[run]["curves"].items()}


def fade(median: torch.Tensor) -> int | None:
    below = [d for d in range(len(median)) if median[d] < 1e-3 * median[0]]
    return below[0] if below else None


def per_step(median: torch.Tensor) -> float:
    last = len(median) - 1
    return float((median[last] / median[1]) ** (1 / (last - 1)))


@pytest.mark.slow
@pytest.mark.generated("gradients")
def test_the_page_uses_only_values_the_build_makes(values: dict[str, str]) -> None:
    page = PAGE.read_text(encoding="utf-8")
    used = set(re.findall(r"\{\{ *gradients\.(\w+) *\}\}", page))
    assert len(used) > 20, "the page quotes hardly any generated value"
    assert used <= set(values), f"the page uses values the build does not make: {sorted(used - set(values))}"
    typed = re.search(r"\d\.\d|\d+e-\d", re.sub(r"\{\{.*?\}\}", "", page))
    assert not typed, f"a measured number is typed into the page: {typed.group(0) if typed else ''}"


@pytest.mark.slow
@pytest.mark.generated("gradients")
def test_the_measurement_is_what_the_package_computes_now(measured: dict) -> None:
    config = seqdocs.experiments.GradientConfig(**{
        name: tuple(value) if isinstance(value, list) else value
        for name, value in measured["pytorch_init"]["config"].items()
    })
    flow = seqdocs.experiments.gradient_flow(config)
    for curve, median in medians(measured).items():
        torch.testing.assert_close(flow.median(curve), median, rtol=1e-12, atol=0)
    names = {variant.name: variant for variant in ALL_VARIANTS + (seqdocs.experiments.AttentionVariant(layers=2, positions=True, causal=True),)}
    variants = [names[curve] for curve in measured["attention_variants"]["curves"]]
    now = seqdocs.experiments.attention_gradient_flow(variants, config)
    for curve, median in medians(measured, "attention_variants").items():
        torch.testing.assert_close(now.median(curve), median, rtol=1e-12, atol=0)


@pytest.mark.slow
@pytest.mark.generated("gradients")
def test_fade_distances_and_factors_as_the_page_says(values: dict[str, str], measured: dict) -> None:
    runs = medians(measured)
    keys = {"rnn": "rnn", "lstm_forget_bias_0": "lstm0", "lstm_forget_bias_1": "lstm1", "gru": "gru",
            "attention": "attention"}
    for curve, key in keys.items():
        distance = fade(runs[curve])
        assert values[f"{key}_fade"] == (str(distance) if distance is not None else f"not within {len(runs[curve]) - 1}")
        assert close_to(values[f"{key}_factor"], per_step(runs[curve]))
        assert close_to(values[f"{key}_at_0"], runs[curve][0].item())
        assert close_to(values[f"{key}_at_compared"], runs[curve][20].item())
    assert values["compared_at"] == "20" and values["fraction"] == "0.001"
    assert close_to(values["rnn_relative_compared"], (runs["rnn"][20] / runs["rnn"][0]).item())
    # A printed ratio is the ratio of the two numbers printed beside it, exactly as a reader would compute it.
    assert number(values["attention_self_ratio"]) == pytest.approx(
        number(values["attention_self"]) / number(values["attention_near"]), abs=0.005)


def seed_flow(measured: dict, run: str = "pytorch_init") -> seqdocs.experiments.GradientFlow:
    """The per-seed norms the build wrote, as a GradientFlow, to apply the page's rule to them anew."""
    norms = {curve: torch.tensor(data["seeds"], dtype=torch.float64) for curve, data in measured[run]["curves"].items()}
    seeds, length = next(iter(norms.values())).shape
    return seqdocs.experiments.GradientFlow(seqdocs.experiments.GradientConfig(length=length, seeds=tuple(range(seeds))), norms)


@pytest.mark.slow
@pytest.mark.generated("gradients")
def test_the_verdicts_on_the_page_are_the_rules_on_the_seeds(values: dict[str, str], measured: dict) -> None:
    flow = seed_flow(measured)
    last = flow.config.length - 1
    verdicts = tuple(
        seqdocs.experiments.evidence.compare_medians(flow.norms["rnn"][:, d], flow.norms["attention"][:, d]).verdict
        for d in range(flow.config.length)
    )
    assert values["crossing_verdicts"].split() == list(verdicts)
    assert values["crossing_kind"] == seqdocs.experiments.Crossing(verdicts).kind
    attention = flow.norms["attention"]
    trend = seqdocs.experiments.evidence.compare_medians(attention[:, last], attention[:, 1]).verdict
    assert values["attention_trend"] == trend
    variants = seed_flow(measured, "attention_variants")
    for curve, norms in variants.norms.items():
        expected = seqdocs.experiments.evidence.compare_medians(norms[:, last], norms[:, 1]).verdict
        assert values[f"v_{curve.removeprefix('attention_')}_trend"] == expected, curve
    # One layer with a causal mask is the one-layer curve, exactly; and it is the main experiment's attention.
    assert torch.equal(variants.norms["attention_1_layer_causal"], variants.norms["attention_1_layer"])
    assert torch.equal(variants.norms["attention_1_layer"], flow.norms["attention"])


@pytest.mark.slow
@pytest.mark.generated("gradients")
def test_the_stories_follow_the_numbers(values: dict[str, str], measured: dict) -> None:
    runs = medians(measured)
    # The RNN: "vanishes, as the usual story says" only if its median fades and shrinks per step.
    rnn = seed_flow(measured).norms["rnn"]
    shrinks = seqdocs.experiments.evidence.compare_medians(rnn[:, -1], rnn[:, 1]).verdict == "lower"
    vanishes = fade(runs["rnn"]) is not None and per_step(runs["rnn"]) < 1 and shrinks
    assert values["rnn_story"].startswith("The RNN's gradient vanishes") == vanishes
    # The LSTM: the page says the usual story fails exactly when both LSTMs' gradients fade within the sequence
    # and the rule finds both lower at the first input than at distance 1.
    seeds = seed_flow(measured).norms
    both_fade = all(
        fade(runs[curve]) is not None
        and seqdocs.experiments.evidence.compare_medians(seeds[curve][:, -1], seeds[curve][:, 1]).verdict == "lower"
        for curve in ("lstm_forget_bias_0", "lstm_forget_bias_1")
    )
    assert ("it does not:" in values["lstm_story"]) == both_fade
    far = runs["attention"][1:]
    assert close_to(values["attention_spread"], (far.max() / far.min()).item())
    # The seed notebook's weights: the curves said to grow are exactly those the rule finds higher at the first
    # input than at distance 1.
    notebook = medians(measured, "notebook_init")
    seeds = seed_flow(measured, "notebook_init")
    last = seeds.config.length - 1
    growing = [
        curve for curve in ("rnn", "gru", "lstm_forget_bias_0", "lstm_forget_bias_1")
        if seqdocs.experiments.evidence.compare_medians(seeds.norms[curve][:, last], seeds.norms[curve][:, 1]).verdict == "higher"
    ]
    story = values["nb_story"]
    grows_part = story.split("*grow*")[0] if "*grow*" in story else ""
    for curve, name in (("rnn", "the RNN"), ("gru", "the GRU"), ("lstm_forget_bias_0", "forget bias 0"),
                        ("lstm_forget_bias_1", "forget bias 1")):
        assert (name in grows_part) == (curve in growing), (curve, story)
    assert close_to(values["nb_rnn_factor"], per_step(notebook["rnn"]))


@pytest.mark.slow
@pytest.mark.generated("gradients")
def test_the_toy_rnn_claim(values: dict[str, str]) -> None:
    setup = seqdocs.make_setup()
    norms = seqdocs.experiments.gradient_norms("rnn", setup.inputs, setup.rnn)
    assert values["toy_norms"] == ", ".join(f"{value:.4f}" for value in norms.tolist())
    growing = bool((norms[1:] > norms[:-1]).all())
    assert values["toy_story"].startswith("grows") == growing
