r"""What reading a longer sequence costs each model: wall time, memory kept for backward, dependent steps.

A recurrent model reads a sequence of length $T$ in $T$ steps, and step $t$ cannot start before step $t - 1$
has finished, because it needs $h_{t-1}$. Its work grows like $T$, and so does its chain of dependent steps.
Self-attention compares every token with every token in one go: its work and its $T \times T$ weights grow
like $T^2$, but it has no chain through time at all.

Four things are measured here, each by a function that works on any model:

- [time_call][seqdocs.experiments.time_call]: wall time, the median of several repeats after a warm-up, with the fastest
  and slowest (like `timeit`). Times change from run to run and machine to machine.
- [saved_memory][seqdocs.experiments.saved_memory]: the bytes autograd keeps from the forward pass to use in the backward
  pass, counted exactly through `torch.autograd.graph.saved_tensors_hooks`. Each storage counts once, however
  many operations save it; the inputs and weights are left out, as they exist whether or not you train. The
  same code gives the same count on every run.
- [peak_memory][seqdocs.experiments.peak_memory]: the most memory a call held at one time, found by replaying every
  allocation and free that PyTorch's CPU allocator reported to the profiler. Everything the call makes counts
  here, the tensors it frees on the way included; what existed before the call does not. Allocation sizes do
  not depend on chance, so this too comes out the same on every run.
- [dependent_steps][seqdocs.experiments.dependent_steps]: the longest chain of operations in the autograd graph, each of
  which needs the one before it: how many things must happen one after the other, however many cores you have.

[measure_cost][seqdocs.experiments.measure_cost] runs all four on one model at one length, using the package's own
[rnn_forward][seqdocs.rnn_forward], [lstm_forward][seqdocs.lstm_forward], [gru_forward][seqdocs.gru_forward]
and [self_attention][seqdocs.self_attention], or two references from PyTorch: `nn.LSTM` (`"torch_lstm"`), a
fused C++ loop over time, which autograd sees as a single operation; and `F.scaled_dot_product_attention`
with the fused FlashAttention-style kernel (`"fused_attention"`), which computes the same outputs as
[self_attention][seqdocs.self_attention] without ever holding the $T \times T$ weights.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sys
import statistics
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch._C._profiler import _ExtraFields_Allocation
from torch.nn.attention import SDPBackend, sdpa_kernel
from torch.profiler import ProfilerActivity

from .._checks import check_choice, check_size
from ..errors import InputError, InputTypeError

COST_MODELS = ("rnn", "lstm", "gru", "attention", "torch_lstm", "fused_attention")
"""The models [measure_cost][seqdocs.experiments.measure_cost] knows: the package's four, PyTorch's fused `nn.LSTM` and its
fused attention kernel."""

MAX_LENGTH = 4096
"""The longest sequence accepted: attention's weights for it alone take 64 MiB per sequence of the batch."""

MAX_REPEATS = 1000
"""The most timed repeats accepted."""


@dataclass(frozen=True)
class Timing:
    """How long a call took over several repeats, in seconds.

    Attributes:
        median: The middle time: what a typical call costs, not pulled up by a rare slow one.
        fastest: The shortest time: the call with the least interference from the rest of the machine.
        slowest: The longest time.
        repeats: How many timed calls the three come from.

    Examples:
        >>> timing = Timing(median=0.002, fastest=0.001, slowest=0.005, repeats=3)
        >>> timing.fastest <= timing.median <= timing.slowest
        True
    """

    median: float
    fastest: float
    slowest: float
    repeats: int

    @classmethod
    def from_seconds(cls, seconds: Sequence[float]) -> Timing:
        """Summarise the times of several calls.

        Args:
            seconds: How long each call took.

        Returns:
            Their median, fastest and slowest.

        Raises:
            InputError: If there are no times.

        Examples:
            >>> Timing.from_seconds([0.3, 0.1, 0.2, 1.0])
            Timing(median=0.25, fastest=0.1, slowest=1.0, repeats=4)
        """
        if len(seconds) == 0:
            raise InputError("no times to summarise: time at least one call")
        return cls(median=statistics.median(seconds), fastest=min(seconds), slowest=max(seconds), repeats=len(seconds))


@dataclass(frozen=True)
class SavedMemory:
    """What autograd keeps from a forward pass for the backward pass.

    Attributes:
        total_bytes: The bytes of every distinct storage saved, each counted once.
        largest_bytes: The bytes of the largest of those storages.
        storages: How many distinct storages were saved.

    Examples:
        >>> import torch
        >>> weight = torch.ones(3, requires_grad=True)
        >>> saved_memory(lambda: torch.tanh(weight * 2), not_counted=[weight])  # tanh keeps its output
        SavedMemory(total_bytes=12, largest_bytes=12, storages=1)
    """

    total_bytes: int
    largest_bytes: int
    storages: int


@dataclass(frozen=True)
class PeakMemory:
    """The memory a call allocated, at its highest and in all.

    Attributes:
        peak_bytes: The most bytes the call's own allocations held at one time: what it needs on top of the
            memory that was in use before it started.
        retained_bytes: The bytes still held when the call returned: tensors it stored somewhere, such as the
            gradients it left in `.grad`. What it returns is dropped before the count ends, so it is not here.
        allocated_bytes: Every byte the call allocated, however briefly it was held.
        allocations: How many blocks of memory the call allocated.

    Examples:
        >>> import torch
        >>> kept = []
        >>> peak_memory(lambda: kept.append(torch.ones(1000).exp()))  # ones, then exp of it: both at once
        PeakMemory(peak_bytes=8000, retained_bytes=4000, allocated_bytes=8000, allocations=2)
    """

    peak_bytes: int
    retained_bytes: int
    allocated_bytes: int
    allocations: int


@dataclass(frozen=True)
class Workload:
    """One model ready to read one batch of random sequences, with its weights set to require gradients.

    Attributes:
        model: One of [COST_MODELS][seqdocs.experiments.COST_MODELS].
        inputs: (B, T, E) the input vectors: fixed data, so no gradient is computed for them.
        parameters: The model's weights, every one a leaf that requires gradients.
        forward: Runs the model over `inputs` and returns (B, T, H), its output at every position.

    Examples:
        >>> workload = make_workload("gru", 5, batch=2, width=3)
        >>> workload.forward().shape
        torch.Size([2, 5, 3])
    """

    model: str
    inputs: torch.Tensor
    parameters: tuple[torch.Tensor, ...]
    forward: Callable[[], torch.Tensor]

    @property
    def leaves(self) -> tuple[torch.Tensor, ...]:
        """The inputs and the weights: the tensors that exist whether or not anything is trained."""
        return (self.inputs, *self.parameters)

    def run_forward(self) -> None:
        """The forward pass with autograd off, as when the model is only used: what a forward time measures."""
        with torch.no_grad():
            self.forward()

    def run_forward_backward(self) -> None:
        """A forward pass recorded by autograd, then the backward pass that finds every weight's gradient."""
        for parameter in self.parameters:
            parameter.grad = None  # start from nothing, as a training step does after zero_grad
        self.forward().sum().backward()


@dataclass(frozen=True)
class CostMeasurement:
    r"""The cost of one model reading one batch of sequences of one length.

    Attributes:
        model: Which model, one of [COST_MODELS][seqdocs.experiments.COST_MODELS].
        length: T, the sequence length.
        batch: B, how many sequences are read at once.
        width: E = H = $d_{\text{model}}$, the size of every input, hidden state, query, key and value.
        forward: Wall time of the forward pass alone, with autograd off (as when the model is only used).
        forward_backward: Wall time of a forward pass that records for autograd plus the backward pass that
            finds the gradient of every weight.
        saved: What the forward pass keeps for the backward pass (see [saved_memory][seqdocs.experiments.saved_memory]).
        forward_peak: The most memory the forward pass alone held at one time, with autograd off (see
            [peak_memory][seqdocs.experiments.peak_memory]).
        forward_backward_peak: The most memory a forward pass recorded for autograd and the backward pass
            after it held at one time, the gradients they leave included.
        dependent_steps: The longest chain of operations that must run one after the other (see
            [dependent_steps][seqdocs.experiments.dependent_steps]).
        threads: How many threads torch used while timing.

    Examples:
        >>> cost = measure_cost("rnn", 4, batch=1, width=2, repeats=1)
        >>> cost.saved.total_bytes  # the zero start state and 4 hidden states of 2 float32 numbers
        40
    """

    model: str
    length: int
    batch: int
    width: int
    forward: Timing
    forward_backward: Timing
    saved: SavedMemory
    forward_peak: PeakMemory
    forward_backward_peak: PeakMemory
    dependent_steps: int
    threads: int


def _check_count(name: str, value: object, lowest: int, highest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputTypeError(f"{name} must be a whole number, got {value!r} ({type(value).__name__})")
    if not lowest <= value <= highest:
        raise InputError(f"{name} must be between {lowest} and {highest}, got {value}")
    return value


def _check_callable(name: str, value: object) -> None:
    if not callable(value):
        raise InputTypeError(f"{name} must be a function to call with no arguments, got {type(value).__name__}")


def time_call(function: Callable[[], object], *, repeats: int = 5, warmup: int = 1) -> Timing:
    """Time a call the way `timeit` does: a few untimed warm-up calls, then several timed ones.

    The warm-up calls pay the one-off costs (the allocator finding memory, caches filling) so that the timed
    calls measure the work itself. The median is reported because a shared machine makes a few calls slow at
    random; the fastest and slowest show how far apart the repeats were.

    Args:
        function: What to time, called with no arguments.
        repeats: How many timed calls (1 to 1000).
        warmup: How many untimed calls first (0 to 1000).

    Returns:
        The median, fastest and slowest time, in seconds.

    Raises:
        InputTypeError: If `function` cannot be called, or a count is not a whole number.
        InputError: If a count is out of range.

    Examples:
        >>> timing = time_call(lambda: sum(range(1000)), repeats=3)
        >>> timing.repeats, timing.fastest <= timing.median <= timing.slowest
        (3, True)
    """
    _check_callable("function", function)
    repeats = _check_count("repeats", repeats, 1, MAX_REPEATS)
    warmup = _check_count("warmup", warmup, 0, MAX_REPEATS)
    for _ in range(warmup):
        function()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return Timing.from_seconds(seconds)


def _storage_of(tensor: torch.Tensor) -> tuple[int, int]:
    # A view shares its base's storage; keying on the storage counts the memory once, however many views
    # (a slice per time step, a transpose) get saved.
    storage = tensor.untyped_storage()
    return storage.data_ptr(), storage.nbytes()


def saved_memory(function: Callable[[], object], *, not_counted: Iterable[torch.Tensor] = ()) -> SavedMemory:
    """Run a forward pass and count the bytes autograd saves for the backward pass.

    Every operation that will need a tensor to compute its gradient (a matrix product needs both factors, a
    tanh its output) hands that tensor to a hook as it runs. The hook keeps a reference; afterwards each
    distinct storage is counted once, at its full size in bytes.

    Args:
        function: The forward pass, called once with no arguments; autograd must be on.
        not_counted: Tensors whose storage is not counted even if saved, usually the inputs and the weights,
            which take memory whether or not you train.

    Returns:
        The total bytes, the largest storage's bytes, and how many storages.

    Raises:
        InputTypeError: If `function` cannot be called or `not_counted` holds something other than tensors.

    Examples:
        >>> import torch
        >>> weight = torch.ones(4, 4, requires_grad=True)
        >>> inputs = torch.ones(2, 4)
        >>> saved_memory(lambda: inputs @ weight, not_counted=[weight])  # the product keeps its input, 2 x 4 x 4 bytes
        SavedMemory(total_bytes=32, largest_bytes=32, storages=1)
    """
    return _count_saved(function, not_counted)[0]


def _count_saved(function: Callable[[], object], not_counted: Iterable[torch.Tensor]) -> tuple[SavedMemory, object]:
    _check_callable("function", function)
    excluded = []
    for tensor in not_counted:
        if not isinstance(tensor, torch.Tensor):
            raise InputTypeError(f"not_counted must hold tensors, got a {type(tensor).__name__}")
        excluded.append(tensor)
    saved: list[torch.Tensor] = []

    def keep(tensor: torch.Tensor) -> torch.Tensor:
        saved.append(tensor)
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(keep, lambda tensor: tensor):
        output = function()
    # Every tensor counted is still alive (held in `saved`), so no two distinct storages share an address.
    skipped = {_storage_of(tensor)[0] for tensor in excluded}
    sizes = dict(_storage_of(tensor) for tensor in saved)
    sizes = {address: size for address, size in sizes.items() if address not in skipped}
    memory = SavedMemory(
        total_bytes=sum(sizes.values()), largest_bytes=max(sizes.values(), default=0), storages=len(sizes)
    )
    return memory, output


_ALL_ACTIVITIES = (ProfilerActivity.CPU, ProfilerActivity.CUDA, ProfilerActivity.XPU)
# Turning off the record of every operation (below) must name all three: torch warns about GPU traces
# otherwise, even on a machine with no GPU.


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """Send what C++ code writes to the process's stderr to /dev/null, for the length of the block.

    The profiler's C++ side (Kineto) prints a "profiler_start" and a "profiler_stop" line to stderr each time it
    starts and stops, whatever its log level; a reader running the cost page's snippet would see two such lines
    for every measurement. Only the profiler's start and stop run inside this block, never the measured call,
    so no error of the reader's own code is hidden.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def peak_memory(function: Callable[[], object]) -> PeakMemory:
    """Run a call once and find the most memory it held at one time.

    With `profile_memory=True`, PyTorch's profiler hears from the CPU allocator every time a block of memory is
    handed out or given back, with its address and size. Replaying those reports in order gives the bytes the
    call held after each one; the largest of these is the peak. Frees of blocks the call did not allocate
    (a `.grad` left from before, say) are ignored, so the memory in use before the call is not counted
    either way. Allocation sizes depend only on the code and the shapes, so the same call gives the same peak
    on every run.

    Only PyTorch's own CPU allocator is seen: memory taken outside it (a matrix-multiply library's scratch
    space, Python's own objects) is not counted, and neither is a GPU's.

    Args:
        function: What to measure, called once with no arguments, on this thread. Its return value is
            dropped inside the measurement.

    Returns:
        The peak, what was still held at the end, and the bytes and number of all the allocations.

    Raises:
        InputTypeError: If `function` cannot be called.
        InputError: If a PyTorch profiler is already running: the two would share one record.

    Examples:
        >>> import torch
        >>> def make_and_drop():
        ...     first = torch.ones(1000)  # 4,000 bytes
        ...     del first
        ...     second = torch.ones(2000)  # 8,000 bytes, after the first is freed
        ...     return second
        >>> peak_memory(make_and_drop).peak_bytes  # never both at once
        8000
    """
    _check_callable("function", function)
    if torch.autograd._profiler_enabled():
        raise InputError("a PyTorch profiler is already running: call peak_memory outside its `with` block")
    # torch.autograd.profiler is the profiler underneath torch.profiler, without the latter's import of the
    # compiler on first use (over a second on a small machine).
    profiler = torch.autograd.profiler.profile(use_cpu=True, profile_memory=True)
    with _native_stderr_silenced():
        profiler.__enter__()
    try:
        # Only the allocations are wanted; recording every operation as well would make the call slower.
        profiler.toggle_collection_dynamic(False, _ALL_ACTIVITIES)
        function()
    finally:
        with _native_stderr_silenced():
            profiler.__exit__(None, None, None)

    # With operations turned off, the record is the allocator's reports alone, in the order they were made.
    records = [event.extra_fields for event in profiler.kineto_results.experimental_event_tree()]
    reports = [(record.ptr, record.alloc_size) for record in records if type(record) is _ExtraFields_Allocation]

    held: dict[int, int] = {}  # address -> bytes, for each block the call allocated and has not freed yet
    current = peak = allocated = allocations = 0
    for address, size in reports:  # size > 0: an allocation; size < 0: a free
        if size > 0:
            held[address] = size
            current += size
            allocated += size
            allocations += 1
            peak = max(peak, current)
        elif address in held:  # not for a block from before the call, which was never counted
            current -= held.pop(address)
    return PeakMemory(peak_bytes=peak, retained_bytes=current, allocated_bytes=allocated, allocations=allocations)


def dependent_steps(output: torch.Tensor) -> int:
    """The longest chain of operations behind a tensor in which each must wait for the one before.

    This walks the autograd graph from `output` back to the leaves and returns the number of operations on
    the longest path (reading weights and inputs not counted). Operations off that path could run at the same
    time on enough cores; the ones on it cannot. It is also the length of the chain the backward pass walks.

    Args:
        output: A tensor computed with autograd on.

    Returns:
        The number of operations on the longest chain; 0 for a tensor that no operation recorded.

    Raises:
        InputTypeError: If `output` is not a tensor.

    Examples:
        >>> import torch
        >>> weight = torch.ones(2, requires_grad=True)
        >>> dependent_steps(torch.tanh(weight * 2).sum())  # multiply, then tanh, then sum
        3
    """
    if not isinstance(output, torch.Tensor):
        raise InputTypeError(f"output must be a torch.Tensor, got {type(output).__name__}")
    if output.grad_fn is None:
        return 0
    # Longest path in a DAG, iteratively: a recurrent model's graph is thousands of operations deep, far
    # deeper than Python's recursion limit.
    depth: dict[object, int] = {}
    pending = [(output.grad_fn, False)]
    while pending:
        node, inputs_done = pending.pop()
        if node in depth:
            continue
        inputs = [child for child, _ in node.next_functions if child is not None]
        if inputs_done:
            counts = 0 if node.name().endswith("AccumulateGrad") else 1  # a leaf being read is not an operation
            depth[node] = counts + max((depth[child] for child in inputs), default=0)
        else:
            pending.append((node, True))
            pending.extend((child, False) for child in inputs if child not in depth)
    return depth[output.grad_fn]


def make_workload(model: str, length: int, *, batch: int = 4, width: int = 64, seed: int = 0) -> Workload:
    r"""Build one model and a batch of random sequences for it to read, ready to time and measure.

    The weights come from [make_setup][seqdocs.make_setup] with embedding and hidden size `width`; the inputs
    are drawn from a standard normal distribution with the same seed. `"torch_lstm"` copies the LSTM's weights
    into a `torch.nn.LSTM`, so it computes the same function as [lstm_forward][seqdocs.lstm_forward].
    `"fused_attention"` uses the attention weights with PyTorch's fused attention kernel (FlashAttention-style:
    it works through the keys in blocks and computes the weights again in the backward pass), so it computes
    the same function as [self_attention][seqdocs.self_attention] but keeps no $T \times T$ matrix.

    Args:
        model: One of [COST_MODELS][seqdocs.experiments.COST_MODELS].
        length: T, the sequence length (1 to 4096).
        batch: B, how many sequences at once (1 to 512).
        width: E = H = $d_{\text{model}}$, the size of inputs, hidden states, queries, keys and values (1 to 512).
        seed: Seeds the weights and the inputs.

    Returns:
        The workload.

    Raises:
        InputError: If the model is unknown or a size is out of range.
        InputTypeError: If a size or the seed is not a whole number.

    Examples:
        >>> workload = make_workload("attention", 6, batch=2, width=4)
        >>> workload.inputs.shape, len(workload.parameters)
        (torch.Size([2, 6, 4]), 3)
    """
    from ..attention import self_attention
    from ..models import MODELS, RECURRENT_MODELS, to_torch
    from ..setups import make_setup

    model = check_choice("model", model, COST_MODELS)
    length = _check_count("length", length, 1, MAX_LENGTH)
    batch = check_size("batch", batch)
    width = check_size("width", width)
    setup = make_setup("a", seed=seed, embedding_size=width, hidden_size=width)
    generator = torch.Generator().manual_seed(setup.seed)
    # The inputs need no gradient: the package's loops read them one slice per step, and a slice's gradient
    # is a full (B, T, E) tensor, so T of them would add a T^2 cost that belongs to the slicing, not the model.
    inputs = torch.randn(batch, length, width, generator=generator)  # (B, T, E)

    if model in RECURRENT_MODELS:
        weights = getattr(setup, model)
        parameters = tuple(value for value in vars(weights).values() if isinstance(value, torch.Tensor))  # in field order
        forward = lambda: MODELS[model].forward(inputs, weights)["hidden"]  # noqa: E731 - (B, T, E) -> (B, T, H)
    elif model == "attention":
        weights = setup.attention
        parameters = (weights.query, weights.key, weights.value)
        forward = lambda: self_attention(inputs, weights)["output"]  # noqa: E731 - (B, T, E) -> (B, T, D)
    elif model == "fused_attention":
        weights = setup.attention
        parameters = (weights.query, weights.key, weights.value)

        def forward() -> torch.Tensor:
            queries, keys, values = (inputs @ weight for weight in parameters)  # (B, T, E) @ (E, D) -> (B, T, D)
            # The fused kernel takes (B, heads, T, d_k); forcing it makes a build that lacks it fail loudly
            # instead of falling back to the matrix-by-matrix path, which would keep the T x T weights.
            with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
                output = F.scaled_dot_product_attention(queries[:, None], keys[:, None], values[:, None])
            return output[:, 0]  # (B, 1, T, D) -> (B, T, D)
    else:
        # nn.LSTM keeps (4H, E) and (4H, H) in `W x` layout and two biases; ours is one (E + H, 4H) matrix.
        fused = to_torch("lstm", setup.lstm, batch_first=True)
        parameters = tuple(fused.parameters())
        forward = lambda: fused(inputs)[0]  # noqa: E731 - (B, T, E) -> (B, T, H)
    for parameter in parameters:
        parameter.requires_grad_()
    return Workload(model=model, inputs=inputs, parameters=parameters, forward=forward)


def measure_cost(
    model: str,
    length: int,
    *,
    batch: int = 4,
    width: int = 64,
    repeats: int = 5,
    warmup: int = 1,
    threads: int = 1,
    seed: int = 0,
) -> CostMeasurement:
    r"""Measure one model reading a batch of sequences: its times, its memory, its dependent steps.

    Everything runs on `threads` threads: one by default, so that a parallel step gets no help from extra cores
    and the times depend less on the machine (and on what else it is running). The previous setting is
    restored afterwards. The peaks are measured once each, before the timed calls: they come out the same
    every time.

    Args:
        model: One of [COST_MODELS][seqdocs.experiments.COST_MODELS].
        length: T, the sequence length (1 to 4096).
        batch: B, how many sequences at once (1 to 512).
        width: E = H = $d_{\text{model}}$ (1 to 512).
        repeats: Timed calls per measurement (1 to 1000).
        warmup: Untimed calls before them (0 to 1000).
        threads: Threads torch may use while measuring (1 to 512).
        seed: Seeds the weights and the inputs.

    Returns:
        The measurement.

    Raises:
        InputError: If the model is unknown, a number is out of range, or a PyTorch profiler is running.
        InputTypeError: If a number is not a whole number.

    Examples:
        >>> cost = measure_cost("attention", 8, batch=1, width=2, repeats=1)
        >>> cost.saved.largest_bytes  # the 8 x 8 attention weights, float32
        256
    """
    workload = make_workload(model, length, batch=batch, width=width, seed=seed)
    repeats = _check_count("repeats", repeats, 1, MAX_REPEATS)
    warmup = _check_count("warmup", warmup, 0, MAX_REPEATS)
    threads = check_size("threads", threads)

    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        saved, output = _count_saved(workload.forward, workload.leaves)
        steps = dependent_steps(output)
        del output  # free the graph before measuring the peaks and timing
        forward_peak = peak_memory(workload.run_forward)
        forward_backward_peak = peak_memory(workload.run_forward_backward)
        forward = time_call(workload.run_forward, repeats=repeats, warmup=warmup)
        forward_backward = time_call(workload.run_forward_backward, repeats=repeats, warmup=warmup)
    finally:
        torch.set_num_threads(previous_threads)
    return CostMeasurement(
        model=model,
        length=length,
        batch=batch,
        width=width,
        forward=forward,
        forward_backward=forward_backward,
        saved=saved,
        forward_peak=forward_peak,
        forward_backward_peak=forward_backward_peak,
        dependent_steps=steps,
        threads=threads,
    )


def describe_machine(threads: int = 1) -> dict[str, str]:
    """The facts about this machine that a wall time depends on, to print beside the times.

    Args:
        threads: The number of threads the times were taken with.

    Returns:
        `cpu` (the model name from /proc/cpuinfo, or what the platform reports), `cores` (logical cores the
        operating system sees), `threads`, `torch` (version) and `python` (version), all as text.

    Examples:
        >>> sorted(describe_machine())
        ['cores', 'cpu', 'python', 'threads', 'torch']
    """
    cpu = platform.processor() or platform.machine() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.lower().startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:  # not Linux: keep what the platform module says
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count() or "unknown"),
        "threads": str(threads),
        "torch": torch.__version__,
        "python": platform.python_version(),
    }
