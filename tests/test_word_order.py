"""Word order: the positional encoding, permutation-equivariance and its breaking, the causal mask, the page."""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import pytest
import torch

import seqdocs
import seqdocs.experiments
from seqdocs import InputError, InputTypeError

from generated import example_json, example_values, number  # tests/generated.py

REPO_ROOT = Path(__file__).resolve().parent.parent
PAGE = REPO_ROOT / "docs" / "word-order.md"


# --- The sinusoidal encoding, against the formula written out one element at a time ---------------------------


def encoding_by_hand(length: int, width: int) -> list[list[float]]:
    """PE[p][2i] = sin(p / 10000^(2i/d)), PE[p][2i+1] = cos(p / 10000^(2i/d)), with Python's math module."""
    rows = []
    for position in range(length):
        row = []
        for column in range(width):
            pair_start = column - column % 2  # 2i for both columns of pair i
            angle = position / 10000 ** (pair_start / width)
            row.append(math.sin(angle) if column % 2 == 0 else math.cos(angle))
        rows.append(row)
    return rows


@pytest.mark.parametrize(("length", "width"), [(1, 1), (3, 2), (7, 6), (5, 5), (64, 32), (200, 3)])
def test_encoding_matches_the_formula(length: int, width: int) -> None:
    expected = torch.tensor(encoding_by_hand(length, width), dtype=torch.float64)
    in_float64 = seqdocs.sinusoidal_positional_encoding(length, width, dtype=torch.float64)
    in_float32 = seqdocs.sinusoidal_positional_encoding(length, width)
    assert in_float64.shape == in_float32.shape == (length, width)
    assert in_float32.dtype == torch.float32
    torch.testing.assert_close(in_float64, expected, rtol=0, atol=1e-12)
    torch.testing.assert_close(in_float32.double(), expected, rtol=0, atol=1e-6)


def test_encoding_first_row_and_first_pair() -> None:
    encoding = seqdocs.sinusoidal_positional_encoding(4, 6)
    assert encoding[0].tolist() == [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]  # sin 0 = 0, cos 0 = 1 in every pair
    # The first pair turns one radian per position, whatever the width.
    assert encoding[3, 0].item() == pytest.approx(math.sin(3), abs=1e-7)
    assert encoding[3, 1].item() == pytest.approx(math.cos(3), abs=1e-7)


def test_add_positions_adds_the_encoding_to_every_sequence_of_a_batch() -> None:
    inputs = torch.randn(4, 5, 6, generator=torch.Generator().manual_seed(0))  # (batch, T, E)
    with_positions = seqdocs.positional.add_positions(inputs)
    expected = torch.tensor(encoding_by_hand(5, 6), dtype=torch.float32)
    for sequence in range(4):
        torch.testing.assert_close(with_positions[sequence] - inputs[sequence], expected, rtol=0, atol=1e-6)


# --- Distance, and which way: the encoding moves by a rotation, its dot product is symmetric --------------------


@pytest.mark.parametrize("width", [2, 6, 32])
@pytest.mark.parametrize("distance", [-5, -1, 0, 1, 3, 17])
def test_one_rotation_moves_every_position_by_the_same_distance(width: int, distance: int) -> None:
    """PE_{p+Δ} = PE_p R(Δ) for every p, with R(Δ) the same matrix whatever p: checked against the formula."""
    length = 40
    by_hand = torch.tensor(encoding_by_hand(length + abs(distance), width), dtype=torch.float64)  # p = 0 .. 39 + |Δ|
    rotation = seqdocs.positional.position_rotation(distance, width, dtype=torch.float64)  # (d, d)
    start = abs(distance) if distance < 0 else 0  # every p for which p and p + Δ are both in the table
    positions = torch.arange(start, start + length - abs(distance))
    torch.testing.assert_close(by_hand[positions] @ rotation, by_hand[positions + distance], rtol=0, atol=1e-12)
    # A rotation: it keeps lengths, and turning back by Δ is its transpose.
    torch.testing.assert_close(rotation @ rotation.T, torch.eye(width, dtype=torch.float64), rtol=0, atol=1e-12)
    torch.testing.assert_close(
        seqdocs.positional.position_rotation(-distance, width, dtype=torch.float64), rotation.T, rtol=0, atol=1e-15
    )


def test_the_rotation_is_block_diagonal_and_float32_by_default() -> None:
    rotation = seqdocs.positional.position_rotation(2, 6)
    assert rotation.dtype == torch.float32 and rotation.shape == (6, 6)
    outside_blocks = torch.ones(6, 6, dtype=torch.bool)
    for pair in range(3):
        outside_blocks[2 * pair : 2 * pair + 2, 2 * pair : 2 * pair + 2] = False
    assert rotation[outside_blocks].abs().max().item() == 0.0
    angle = 2 * 10000 ** (-2 / 6)  # pair 1 turns omega_1 = 10000^(-2/6) radians per position, two positions
    assert rotation[2, 2].item() == pytest.approx(math.cos(angle), abs=1e-7)
    assert rotation[2, 3].item() == pytest.approx(-math.sin(angle), abs=1e-7)


@pytest.mark.parametrize("distance", [1, 3, 10])
def test_the_dot_product_cannot_tell_ahead_from_behind_but_a_rotated_query_can(distance: int) -> None:
    width, length = 32, 64
    encoding = torch.tensor(encoding_by_hand(length, width), dtype=torch.float64)  # (T, d)
    rotation = seqdocs.positional.position_rotation(distance, width, dtype=torch.float64)
    for p in range(distance, length - distance):
        ahead, behind = encoding[p] @ encoding[p + distance], encoding[p] @ encoding[p - distance]
        # The same, and equal to the sum of cos(omega_i * distance), whatever p.
        expected = sum(math.cos(distance * 10000 ** (-2 * pair / width)) for pair in range(width // 2))
        assert ahead.item() == pytest.approx(expected, abs=1e-9)
        assert behind.item() == pytest.approx(expected, abs=1e-9)
        scores = encoding[p] @ rotation @ encoding.T  # (T,)
        assert scores.argmax().item() == p + distance
        assert scores[p + distance].item() == pytest.approx(width / 2, abs=1e-9)  # every cosine is cos 0 = 1
        assert scores[p + distance] - scores[p - distance] > 1e-3


@pytest.mark.slow  # a real process: it imports torch afresh (CI runs it)
def test_the_rotation_snippet_prints_what_the_page_says() -> None:
    """The page's claim rests on this output: a tiny error for the rotation, equal dot products, and the
    rotated query's best match exactly Δ ahead."""
    import subprocess
    import sys

    completed = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "snippets" / "word_order_rotation.py")],
        capture_output=True, text=True, timeout=120, check=True,
    )
    lines = completed.stdout.splitlines()
    assert float(lines[0].rsplit(" ", 1)[1]) < 1e-12
    ahead, behind = re.findall(r"= (-?\d+\.\d+)", lines[1])
    assert ahead == behind
    with_rotation = dict(re.findall(r"(ahead|behind) (-?\d+\.\d+)", lines[2]))
    assert float(with_rotation["ahead"]) > float(with_rotation["behind"])
    assert lines[2].endswith("best position 13")  # p = 10, delta = 3 in the snippet


# --- Permutation-equivariance of plain attention, and what breaks it -------------------------------------------


def random_attention(seed: int, length: int, width: int, dtype: torch.dtype):
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(length, width, generator=generator, dtype=dtype)
    weights = seqdocs.AttentionWeights(*(torch.randn(width, width, generator=generator, dtype=dtype) for _ in range(3)))
    permutation = torch.randperm(length, generator=generator).tolist()
    return inputs, weights, permutation


@pytest.mark.parametrize("seed", range(5))
def test_plain_attention_only_permutes_its_outputs(seed: int) -> None:
    inputs, weights, permutation = random_attention(seed, 6, 4, torch.float64)
    output = seqdocs.self_attention(inputs, weights)["output"]
    reordered_output = seqdocs.self_attention(inputs[permutation], weights)["output"]
    torch.testing.assert_close(reordered_output, output[permutation], rtol=0, atol=1e-12)
    assert seqdocs.experiments.permutation_gap(output, reordered_output, permutation) < 1e-12


@pytest.mark.parametrize("seed", range(5))
def test_positions_and_the_causal_mask_each_break_the_symmetry(seed: int) -> None:
    inputs, weights, permutation = random_attention(seed, 6, 4, torch.float64)
    if permutation == sorted(permutation):
        permutation = permutation[::-1]  # the identity would change nothing
    with_positions = seqdocs.self_attention(seqdocs.positional.add_positions(inputs), weights)["output"]
    reordered = seqdocs.self_attention(seqdocs.positional.add_positions(inputs[permutation]), weights)["output"]
    assert (reordered - with_positions[permutation]).abs().max() > 1e-3
    causal = seqdocs.self_attention(inputs, weights, causal=True)["output"]
    reordered_causal = seqdocs.self_attention(inputs[permutation], weights, causal=True)["output"]
    assert (reordered_causal - causal[permutation]).abs().max() > 1e-3


def test_order_experiment_on_a_longer_sequence() -> None:
    experiment = seqdocs.experiments.order_experiment("a b c d e", "e c a d b", seed=3, embedding_size=4, dtype="float64")
    assert experiment.order == (4, 2, 0, 3, 1)
    differences = experiment.differences()
    assert differences["plain"] < 1e-12
    for name in ("rnn", "lstm", "gru", "causal", "positions", "positions_causal"):
        assert differences[name] > 1e-3, name


def test_order_experiment_shares_embeddings_and_weights() -> None:
    experiment = seqdocs.experiments.order_experiment()
    original, reordered = (tensors["inputs"] for tensors in experiment.attention["plain"])
    assert torch.equal(reordered, original[list(experiment.order)])
    # And the recurrent states agree with a trace made directly, on "c b a" with a b c's vocabulary.
    setup = seqdocs.make_setup("c b a", vocabulary="a b c")
    assert torch.equal(experiment.final_states("rnn")[1], seqdocs.rnn_trace(setup).final("hidden"))


def test_repeated_tokens_are_matched_in_order() -> None:
    experiment = seqdocs.experiments.order_experiment("a b a", "b a a", dtype="float64")
    assert experiment.order == (1, 0, 2)
    assert experiment.gap("plain") < 1e-12


def test_permutation_gap_is_the_largest_difference_after_un_permuting() -> None:
    output = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    reordered = torch.tensor([[5.0, 6.0], [3.0, 4.5], [1.0, 2.0]])  # rows 2, 1, 0; one entry off by 0.5
    assert seqdocs.experiments.permutation_gap(output, reordered, (2, 1, 0)) == 0.5
    assert seqdocs.experiments.permutation_gap(output, reordered, (0, 1, 2)) == 4.0


# --- The causal mask -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", ["causal", "positions_causal"])
def test_causal_weights_are_zero_above_the_diagonal_and_rows_sum_to_one(variant: str) -> None:
    experiment = seqdocs.experiments.order_experiment("a b c d", "d c b a", seed=7, embedding_size=3)
    for tensors in experiment.attention[variant]:
        weights = tensors["attention_weights"]  # (T, T)
        length = weights.shape[-1]
        for row, column in itertools.product(range(length), repeat=2):
            if column > row:
                assert weights[row, column].item() == 0.0
            else:
                assert weights[row, column].item() > 0.0
        torch.testing.assert_close(weights.sum(dim=-1), torch.ones(length), rtol=0, atol=1e-6)
        assert weights[0, 0].item() == 1.0  # the first token sees only itself


# --- Bad input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: seqdocs.sinusoidal_positional_encoding(0, 2), InputError, "length must be between 1 and 10000, got 0"),
        (lambda: seqdocs.sinusoidal_positional_encoding(10_001, 2), seqdocs.InputError, "length must be between"),
        (lambda: seqdocs.sinusoidal_positional_encoding(3, 0), seqdocs.InputError, "width must be between 1 and 512"),
        (lambda: seqdocs.sinusoidal_positional_encoding(3, 513), seqdocs.InputError, "width must be between"),
        (lambda: seqdocs.sinusoidal_positional_encoding(2.5, 2), InputTypeError, "length must be a whole number"),
        (lambda: seqdocs.sinusoidal_positional_encoding(True, 2), InputTypeError, "length must be a whole number"),
        (lambda: seqdocs.sinusoidal_positional_encoding(3, "2"), InputTypeError, "width must be a whole number"),
        (lambda: seqdocs.sinusoidal_positional_encoding(3, 2, dtype=torch.int64), seqdocs.InputTypeError,
         "dtype must be a floating-point"),
        (lambda: seqdocs.positional.position_rotation(1, 3), InputError, "width must be even for a rotation, got 3"),
        (lambda: seqdocs.positional.position_rotation(1, 0), InputError, "width must be between 1 and 512"),
        (lambda: seqdocs.positional.position_rotation(1.5, 2), InputTypeError, "distance must be a whole number"),
        (lambda: seqdocs.positional.position_rotation(10_001, 2), InputError, "distance must be between -10000 and 10000"),
        (lambda: seqdocs.positional.position_rotation(1, 2, dtype=torch.int32), InputTypeError, "dtype must be a floating-point"),
        (lambda: seqdocs.positional.add_positions([[1.0, 2.0]]), seqdocs.InputTypeError, "inputs must be a torch.Tensor"),
        (lambda: seqdocs.positional.add_positions(torch.ones(2, 2, dtype=torch.int64)), seqdocs.InputTypeError,
         "floating-point numbers, got torch.int64"),
        (lambda: seqdocs.positional.add_positions(torch.ones(3)), seqdocs.InputError, r"must be \(\.\.\., T, E\)"),
        (lambda: seqdocs.positional.add_positions(torch.ones(0, 2)), seqdocs.InputError, "holds no token"),
        (lambda: seqdocs.experiments.permutation_gap(torch.ones(3, 2), torch.ones(2, 2), (0, 1)), seqdocs.InputError,
         "same shape"),
        (lambda: seqdocs.experiments.permutation_gap(torch.ones(2, 2), torch.ones(2, 2), (0, 0)), seqdocs.InputError,
         r"order must hold each of 0\.\.1 once"),
        (lambda: seqdocs.experiments.permutation_gap(torch.ones(2, 2), torch.ones(2, 2), (0.0, 1.0)), seqdocs.InputError,
         "order must hold each of"),
        (lambda: seqdocs.experiments.permutation_gap([1.0], torch.ones(2, 2), (0, 1)), seqdocs.InputTypeError,
         "output must be a torch.Tensor"),
        (lambda: seqdocs.experiments.order_experiment("a b c", "a b d"), seqdocs.InputError,
         "does not hold the same tokens as 'a b c'"),
        (lambda: seqdocs.experiments.order_experiment("a b c", "a b"), seqdocs.InputError, "give the same tokens in another order"),
        (lambda: seqdocs.experiments.order_experiment("", ""), seqdocs.InputError, "the sequence is empty"),
        (lambda: seqdocs.experiments.order_experiment(seed=1.5), seqdocs.InputTypeError, "seed must be a whole number"),
        (lambda: seqdocs.experiments.order_experiment(embedding_size=0), seqdocs.InputError, "embedding_size must be between"),
        (lambda: seqdocs.experiments.order_experiment().final_states("transformer"), seqdocs.InputError,
         "unknown model 'transformer': use one of rnn, lstm, gru"),
        (lambda: seqdocs.experiments.order_experiment().gap("sideways"), seqdocs.InputError, "unknown variant 'sideways'"),
    ],
)
def test_bad_input_names_the_problem(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


# --- The page: every stated result agrees with what the build measured -----------------------------------------


@pytest.fixture(scope="module")
def values() -> dict[str, str]:
    return example_values("word_order")


@pytest.fixture(scope="module")
def measurements() -> dict:
    return example_json("word_order", "measurements.json")


@pytest.mark.generated("word_order")
def test_the_page_uses_only_values_the_build_makes(values: dict[str, str]) -> None:
    page = PAGE.read_text(encoding="utf-8")
    used = set(re.findall(r"\{\{ *word_order\.(\w+) *\}\}", page))
    assert used, "the page quotes no generated value"
    assert used <= set(values), f"the page uses values the build does not make: {sorted(used - set(values))}"
    typed = re.search(r"\d\.\d{4}", re.sub(r"\{\{.*?\}\}", "", page))
    assert not typed, f"a number with decimals is typed into the page: {typed.group(0) if typed else ''}"


@pytest.mark.generated("word_order")
def test_recurrent_final_states_differ_as_the_page_says(values: dict[str, str]) -> None:
    setups = [seqdocs.make_setup(text, vocabulary="a b c", seed=int(values["seed"])) for text in ("a b c", "c b a")]
    for model, trace in (("rnn", seqdocs.rnn_trace), ("lstm", seqdocs.lstm_trace), ("gru", seqdocs.gru_trace)):
        original, reordered = (trace(setup).final("hidden") for setup in setups)
        difference = float((original - reordered).abs().max())
        assert number(values[f"{model}_difference"]) == pytest.approx(difference, abs=5e-5)
        assert difference > 1e-3
    assert number(values["recurrent_smallest"]) > 1e-3  # "no seed made a recurrent model blind to the order"


@pytest.mark.generated("word_order")
def test_plain_attention_gap_is_rounding_as_the_page_says(values: dict[str, str], measurements: dict) -> None:
    float32_gap, float64_gap = number(values["plain_gap"]), number(values["plain_gap_float64"])
    assert float32_gap < 1e-6  # "not exactly zero, and the reason is rounding"
    assert float64_gap < 1e-12
    assert float64_gap < float32_gap  # "shrinks with the precision"
    assert number(values["weights_gap"]) < 1e-6
    assert number(values["float32_eps"]) == pytest.approx(torch.finfo(torch.float32).eps, rel=0.05)
    assert values["order"] == "2, 1, 0"
    # Over every seed: only plain attention is at rounding size, and every other model tells the orders apart.
    for dtype, limit in (("float32", 1e-5), ("float64", 1e-12)):
        for differences in measurements[f"{dtype}_over_seeds"]:
            assert differences["plain"] < limit
            assert min(value for name, value in differences.items() if name != "plain") > 1e-3
    assert number(values["plain_gap_largest"]) == pytest.approx(
        max(differences["plain"] for differences in measurements["float32_over_seeds"]), rel=0.1
    )


@pytest.mark.generated("word_order")
def test_positions_make_order_matter_as_the_page_says(values: dict[str, str], measurements: dict) -> None:
    assert number(values["positions_gap"]) > 1e-3
    assert number(values["middle_difference"]) > 1e-3
    assert values["middle_token"] == "`b`" and values["middle_position"] == "1"  # b stays in place in c b a
    assert number(values["positions_gap_smallest"]) == pytest.approx(
        min(differences["positions"] for differences in measurements["float32_over_seeds"]), abs=5e-5
    )
    # The first pair turns one radian per position: the position that comes back nearest to 0, by hand.
    distances = {p: math.hypot(math.sin(p), math.cos(p) - 1) for p in range(1, 10)}
    nearest = min(distances, key=distances.get)
    assert values["first_pair_return"] == str(nearest)
    assert number(values["first_pair_distance"]) == pytest.approx(distances[nearest], abs=5e-5)


@pytest.mark.generated("word_order")
def test_causal_claims_hold(values: dict[str, str]) -> None:
    assert number(values["causal_above_diagonal"]) == 0
    assert number(values["causal_row_sum_error"]) < 1e-6
    assert number(values["renormalise_gap"]) < 1e-6  # "the weights that remain keep their ratios"
    assert values["causal_first_output"] == values["first_value"]  # "its output is its own value vector"
    assert values["last_row_equal"] == "the same"
    assert number(values["causal_gap"]) > 1e-3
    assert number(values["causal_gap_smallest"]) > 1e-3
