"""Cost measures: saved and peak bytes match counts by hand and grow with the right power of T; bad input fails."""

import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import seqdocs
import seqdocs.experiments
from seqdocs.experiments.cost import make_workload

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts" / "examples"))
import cost as cost_page  # noqa: E402  (scripts/examples/cost.py: the page's rules, as the build runs them)

FLOAT32_BYTES = 4


def saved_bytes(model: str, length: int, *, batch: int = 1, width: int = 2) -> int:
    workload = make_workload(model, length, batch=batch, width=width)
    return seqdocs.experiments.saved_memory(workload.forward, not_counted=workload.leaves).total_bytes


def test_one_rnn_step_saves_its_start_state_and_its_new_hidden_state():
    # By hand, for h1 = tanh(x1 W_xh + h0 W_hh + b): the product h0 W_hh keeps h0 to find W_hh's gradient,
    # and tanh keeps its output h1 (tanh' = 1 - tanh^2). x1 is a slice of the inputs and W_xh, W_hh, b are
    # weights: those are not counted. Everything else (the sums, the stack) keeps no tensor.
    batch, hidden = 3, 5
    expected = 2 * batch * hidden * FLOAT32_BYTES
    assert saved_bytes("rnn", 1, batch=batch, width=hidden) == expected


def test_one_lstm_step_saves_what_its_gradients_need():
    # By hand: the product [x h0] W keeps [x h0] (B, E + H); the three sigmoids and the tanh keep their
    # outputs i, f, o, g; f * c0 keeps c0 (f is already kept); o * tanh(c1) keeps tanh(c1).
    batch, width = 2, 3
    expected = (batch * (width + width) + 6 * batch * width) * FLOAT32_BYTES
    assert saved_bytes("lstm", 1, batch=batch, width=width) == expected


def test_attention_saves_queries_keys_values_and_the_weights():
    # By hand: scores = Q K^T keeps Q and K; softmax keeps its output, the (T, T) weights, which the product
    # with V also needs, along with V. The projections keep only the inputs and the weights, not counted.
    batch, length, width = 2, 7, 4
    expected = (3 * batch * length * width + batch * length * length) * FLOAT32_BYTES
    workload = make_workload("attention", length, batch=batch, width=width)
    saved = seqdocs.experiments.saved_memory(workload.forward, not_counted=workload.leaves)
    assert saved.total_bytes == expected
    assert saved.largest_bytes == batch * length * length * FLOAT32_BYTES


def test_a_storage_saved_twice_counts_once():
    weight = torch.ones(3, requires_grad=True)
    doubled = weight * 2  # (3,), saved below by both products
    assert seqdocs.experiments.saved_memory(lambda: doubled * doubled * weight, not_counted=[weight]).storages == 2


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru"])
def test_recurrent_models_save_memory_linear_in_length(model):
    # One step saves a fixed set of (B, H) tensors, so the bytes are a + b T exactly.
    lengths = (5, 6, 7)
    first, second, third = (saved_bytes(model, length) for length in lengths)
    assert second - first == third - second > 0
    assert 1.9 < saved_bytes(model, 512) / saved_bytes(model, 256) < 2.1


def test_attention_saves_memory_quadratic_in_length():
    # The (T, T) weights make the bytes a T^2 + b T: a constant, positive second difference.
    first, second, third, fourth = (saved_bytes("attention", length) for length in (5, 6, 7, 8))
    assert (third - 2 * second + first) == (fourth - 2 * third + second) > 0
    # With width 2 the T^2 term dominates by T = 256, so doubling T nearly quadruples the bytes.
    assert 3.5 < saved_bytes("attention", 512) / saved_bytes("attention", 256) <= 4.0


ALIGNMENT = 64
"""Slack allowed per block for an allocator that rounds sizes up (PyTorch's CPU allocator aligns blocks to 64 bytes)."""


def test_peak_of_a_tensor_freed_before_the_next_is_made_is_the_larger_one():
    def make_and_drop():
        first = torch.ones(1000)  # 1,000 float32 numbers: 4,000 bytes
        del first
        return torch.ones(2000)  # 8,000 bytes, made after the first is freed

    peak = seqdocs.experiments.peak_memory(make_and_drop)
    # By hand: 4,000 bytes held, then none, then 8,000: never both at once. The result is dropped by
    # peak_memory before the profiler stops, so nothing is left.
    assert 8000 <= peak.peak_bytes < 8000 + ALIGNMENT
    assert 12000 <= peak.allocated_bytes < 12000 + 2 * ALIGNMENT
    assert (peak.allocations, peak.retained_bytes) == (2, 0)


def test_peak_of_two_tensors_held_together_is_their_sum():
    kept = []

    def make_both():
        kept.append(torch.ones(1000))  # 4,000 bytes, still held when the next is made
        kept.append(torch.ones(2000))  # 8,000 bytes

    peak = seqdocs.experiments.peak_memory(make_both)
    assert 12000 <= peak.peak_bytes < 12000 + 2 * ALIGNMENT
    assert peak.retained_bytes == peak.peak_bytes  # both are still held by `kept` when the call returns


def test_memory_from_before_the_call_neither_counts_nor_lowers_the_peak():
    kept = [torch.zeros(5000)]  # 20,000 bytes allocated outside any measurement
    assert seqdocs.experiments.peak_memory(lambda: kept.append(torch.ones(1000))).peak_bytes >= 4000
    # Freeing both earlier tensors (one of them allocated while the profiler watched the last call) must not
    # be subtracted: the call's own 2,000 floats are 8,000 bytes at their peak.
    peak = seqdocs.experiments.peak_memory(lambda: (kept.clear(), torch.ones(2000)))
    assert 8000 <= peak.peak_bytes < 8000 + ALIGNMENT


def test_rnn_forward_holds_every_hidden_state_twice_at_its_peak():
    # By hand: rnn_forward keeps each step's (B, H) hidden state in a list and stacks the list into the
    # (B, T, H) output. At that moment both exist: 2 T B H float32 numbers. Every earlier moment holds less
    # (the list so far and a few (B, H) temporaries), and nothing else grows with T.
    batch, length, hidden = 3, 12, 5
    workload = make_workload("rnn", length, batch=batch, width=hidden)
    assert seqdocs.experiments.peak_memory(workload.run_forward).peak_bytes == 2 * length * batch * hidden * FLOAT32_BYTES


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru", "torch_lstm"])
def test_recurrent_peaks_grow_linearly_and_attention_quadratically(model):
    # Width 2, so that the tensors that grow with T are what decide the peak even at these short lengths.
    def peaks(name: str, call: str) -> list[int]:
        workloads = [make_workload(name, length, batch=1, width=2) for length in (5, 6, 7, 8)]
        return [seqdocs.experiments.peak_memory(getattr(workload, call)).peak_bytes for workload in workloads]

    for call in ("run_forward", "run_forward_backward"):
        first, second, third, fourth = peaks(model, call)
        assert second - first == third - second == fourth - third > 0
        first, second, third, fourth = peaks("attention", call)
        assert third - 2 * second + first == fourth - 2 * third + second > 0


def test_peak_memory_is_the_same_on_every_run():
    workload = make_workload("lstm", 9, batch=2, width=3)
    for call in (workload.run_forward, workload.run_forward_backward):
        assert seqdocs.experiments.peak_memory(call) == seqdocs.experiments.peak_memory(call)


def test_recurrent_chains_grow_with_length_and_attention_does_not():
    def steps(model: str, length: int) -> int:
        return seqdocs.experiments.dependent_steps(make_workload(model, length, width=2).forward())

    for model in ("rnn", "lstm", "gru"):
        assert steps(model, 9) - steps(model, 8) == steps(model, 8) - steps(model, 7) > 0
    assert steps("attention", 4) == steps("attention", 64)


def test_dependent_steps_counts_a_chain_by_hand():
    leaf = torch.ones(2, requires_grad=True)
    assert seqdocs.experiments.dependent_steps(leaf) == 0
    assert seqdocs.experiments.dependent_steps(((leaf + 1) * 2 + leaf).exp()) == 4  # add, multiply, add, exp


def test_timing_median_lies_between_fastest_and_slowest():
    timing = seqdocs.experiments.time_call(lambda: torch.randn(50, 50) @ torch.randn(50, 50), repeats=6, warmup=0)
    assert timing.repeats == 6
    assert 0 < timing.fastest <= timing.median <= timing.slowest


def test_timing_reports_the_median_fastest_and_slowest_of_the_timed_calls(monkeypatch):
    # A fake clock: the five timed calls take 3, 1, 2, 10 and 4 seconds; the warm-up call reads no clock.
    durations = [3.0, 1.0, 2.0, 10.0, 4.0]
    starts = [10.0 * index for index in range(len(durations))]
    readings = iter([reading for start, duration in zip(starts, durations) for reading in (start, start + duration)])
    monkeypatch.setattr(seqdocs.experiments.cost.time, "perf_counter", lambda: next(readings))
    calls = []
    timing = seqdocs.experiments.time_call(lambda: calls.append(1), repeats=5, warmup=1)
    assert (timing.median, timing.fastest, timing.slowest, timing.repeats) == (3.0, 1.0, 10.0, 5)
    assert len(calls) == 6


def test_measure_cost_fills_every_field():
    cost = seqdocs.experiments.measure_cost("gru", 3, batch=1, width=2, repeats=2, warmup=0)
    assert (cost.model, cost.length, cost.batch, cost.width, cost.threads) == ("gru", 3, 1, 2, 1)
    assert cost.forward.repeats == cost.forward_backward.repeats == 2
    assert cost.saved.total_bytes == saved_bytes("gru", 3)
    workload = make_workload("gru", 3, batch=1, width=2)
    assert cost.forward_peak == seqdocs.experiments.peak_memory(workload.run_forward)
    assert cost.forward_backward_peak == seqdocs.experiments.peak_memory(workload.run_forward_backward)


def test_measure_cost_restores_the_thread_count():
    before = torch.get_num_threads()
    seqdocs.experiments.measure_cost("rnn", 2, batch=1, width=2, repeats=1, threads=1)
    assert torch.get_num_threads() == before


def test_machine_description_names_torch():
    assert seqdocs.experiments.describe_machine(threads=1)["torch"] == torch.__version__


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: make_workload("transformer", 4), seqdocs.InputError, "use one of rnn, lstm"),
        (lambda: make_workload("rnn", 0), seqdocs.InputError, "length must be between 1 and 4096"),
        (lambda: make_workload("rnn", 5000), seqdocs.InputError, "length must be between 1 and 4096"),
        (lambda: make_workload("rnn", 4.0), seqdocs.InputTypeError, "length must be a whole number"),
        (lambda: make_workload("rnn", 4, batch=0), seqdocs.InputError, "batch must be between"),
        (lambda: seqdocs.experiments.measure_cost("rnn", 4, repeats=0), seqdocs.InputError, "repeats must be between"),
        (lambda: seqdocs.experiments.time_call(lambda: None, warmup=-1), seqdocs.InputError, "warmup must be between"),
        (lambda: seqdocs.experiments.time_call("not a function"), seqdocs.InputTypeError, "must be a function"),
        (lambda: seqdocs.experiments.Timing.from_seconds([]), seqdocs.InputError, "no times to summarise"),
        (lambda: seqdocs.experiments.saved_memory(lambda: None, not_counted=[1.0]), seqdocs.InputTypeError, "must hold tensors"),
        (lambda: seqdocs.experiments.dependent_steps([1.0]), seqdocs.InputTypeError, "must be a torch.Tensor"),
        (lambda: seqdocs.experiments.peak_memory(torch.ones(3)), seqdocs.InputTypeError, "must be a function"),
    ],
)
def test_bad_input_raises_a_clear_error(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_peak_memory_inside_another_profiler_raises_a_clear_error():
    with torch.autograd.profiler.profile(profile_memory=True):
        with pytest.raises(seqdocs.InputError, match="profiler is already running"):
            seqdocs.experiments.peak_memory(lambda: torch.ones(3))


@pytest.mark.slow  # a real process: it imports torch afresh (CI runs it)
def test_peak_memory_prints_nothing_to_stderr():
    # PyTorch's profiler prints a line on every start and stop from C++; a reader of the cost page runs
    # peak_memory in a snippet and must see only what the snippet prints.
    code = "import seqdocs.experiments, torch; print(seqdocs.experiments.peak_memory(lambda: torch.ones(1000)).peak_bytes)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr == ""
    assert int(result.stdout) >= 4000


# --- PyTorch's fused attention: the same outputs, memory linear in T ---------------------------------------------


def test_fused_attention_computes_what_self_attention_computes():
    batch, length, width = 2, 11, 8
    ours = make_workload("attention", length, batch=batch, width=width, seed=5)
    fused = make_workload("fused_attention", length, batch=batch, width=width, seed=5)
    assert torch.equal(ours.inputs, fused.inputs)
    torch.testing.assert_close(fused.forward(), ours.forward(), rtol=0, atol=1e-5)
    # And the same gradients for the three weight matrices.
    ours.run_forward_backward()
    fused.run_forward_backward()
    for mine, theirs in zip(ours.parameters, fused.parameters):
        torch.testing.assert_close(theirs.grad, mine.grad, rtol=0, atol=1e-4)


def test_fused_attention_saves_no_t_by_t_matrix():
    # By hand: the fused kernel keeps Q, K, V and its output, (B, T, D) each, and one float per query (the
    # log-sum-exp of its scores) to compute the weights again in the backward pass. Nothing is T x T.
    batch, width = 2, 4
    for length in (5, 50, 300):
        expected = (4 * batch * length * width + batch * length) * FLOAT32_BYTES
        assert saved_bytes("fused_attention", length, batch=batch, width=width) == expected
    assert saved_bytes("fused_attention", 512) / saved_bytes("fused_attention", 256) == 2.0
    assert saved_bytes("attention", 512) / saved_bytes("attention", 256) > 3.5


# --- The page's rules, on made-up measurements ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("factor", "power"),
    [(1.0, 0), (2.0, 1), (2 ** 1.09, 1), (2 ** 0.91, 1), (4.0, 2), (2 ** 2.09, 2),
     (2 ** 1.11, None), (2 ** 1.5, None), (2 ** 1.89, None), (2 ** 0.5, None), (2 ** 2.2, None)],
)
def test_a_growth_is_named_only_within_the_tolerance(factor, power):
    k = cost_page.exponent(100.0, 100.0 * factor)
    assert k == pytest.approx(math.log2(factor))
    assert cost_page.growth_power(k) == power


def test_the_story_holds_only_when_every_model_grows_as_told():
    told = {"rnn": 1, "attention": 2}
    assert cost_page.verdict({"rnn": 1.02, "attention": 1.95}, told) == "as told"
    for exponents in ({"rnn": 1.3, "attention": 2.0}, {"rnn": 1.0, "attention": 1.79}, {"rnn": 2.0, "attention": 1.0}):
        assert cost_page.verdict(exponents, told) != "as told"
    missed = cost_page.verdict({"rnn": 1.0, "attention": 1.79}, told)
    assert "1.79" in missed and "RNN" not in missed  # names the model that missed, and only it


@pytest.mark.parametrize(
    ("ours", "theirs", "outcome"),
    [((1, 2), (3, 4), "less"), ((5, 6), (3, 4), "more"), ((1, 3.5), (3, 4), "tie"), ((3.5, 5), (3, 4), "tie"),
     ((2, 2), (2, 2), "tie"), ((1, 1), (2, 2), "less"), ((3, 3), (2, 2), "more")],
)
def test_one_model_takes_less_only_when_all_its_runs_do(ours, theirs, outcome):
    assert cost_page.compare(ours, theirs) == outcome


def test_comparisons_group_the_lengths_by_outcome():
    lengths = cost_page.LENGTHS
    words = {"less": "L", "more": "M", "tie": "="}

    def made_up(attention_by_length):
        return lambda model, length: attention_by_length[length] if model == "attention" else (10.0, 20.0)

    below = {length: (1.0, 2.0) for length in lengths}
    assert cost_page.comparison(made_up(below), "rnn", words) == "L at every length"
    above = {length: (30.0, 40.0) for length in lengths}
    assert cost_page.comparison(made_up(above), "rnn", words) == "M at every length"
    # Faster at the two shortest, overlapping at the third, slower from the fourth on.
    mixed = {length: (1.0, 2.0) if index < 2 else (15.0, 25.0) if index == 2 else (30.0, 40.0)
             for index, length in enumerate(lengths)}
    found = cost_page.comparison(made_up(mixed), "rnn", words).replace("\u00a0", " ")
    assert found == f"L up to T = {lengths[1]:,}; = at T = {lengths[2]:,}; M from T = {lengths[3]:,} on"


def test_lines_that_coincide_are_found_and_only_those():
    lengths = cost_page.LENGTHS
    made_up = {(model, length): {"lstm": length * 8, "gru": length * 8, "rnn": length}[model]
               for model in ("rnn", "lstm", "gru") for length in lengths}
    assert cost_page.coinciding(made_up, ("rnn", "lstm", "gru"), lambda value: value) == [("lstm", "gru")]
    made_up["gru", lengths[-1]] += 1
    assert cost_page.coinciding(made_up, ("rnn", "lstm", "gru"), lambda value: value) == []


def test_every_size_has_three_significant_figures():
    for bytes_, text in [(2 * 2**20, "2.00 MiB"), (2.04 * 2**20, "2.04 MiB"), (17 * 2**10, "17.0 KiB"),
                         (128 * 2**10, "128 KiB"), (2**20 - 1, "1.00 MiB"), (512, "512 bytes")]:
        assert cost_page.size(bytes_) == text.replace(" ", "\u00a0")  # a no-break space before the unit


def test_every_line_lies_between_two_labelled_ticks():
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots()
    values = [1000.0, 1500.0, 3 * 2**20]  # 1,000 bytes lies below the 1 KiB tick that autoscaling would start at
    axes.plot([16, 32, 64], values)
    cost_page.log_axes(axes, "bytes", cost_page.tick_size, in_bytes=True)
    cost_page.enclose_in_ticks([axes], cost_page.BYTE_TICKS)
    low, high = axes.get_ylim()
    ticks = [tick for tick in axes.get_yticks() if low <= tick <= high]
    assert ticks[0] <= min(values) and ticks[-1] >= max(values)
    plt.close(figure)
