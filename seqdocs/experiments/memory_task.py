r"""A task that needs memory, and the four models that try it, each stacked over seeds.

The task: read a symbol, then $N$ distractors, then a query token, and answer with the symbol.

$$
\underbrace{s}_{\text{one of } K}\;\; \underbrace{d_1 \; d_2 \; \cdots \; d_N}_{\text{distractors}}\;\;
\underbrace{?}_{\text{query}} \quad\longrightarrow\quad s
$$

The task comes in two variants ([MEMORY_VARIANTS][seqdocs.experiments.MEMORY_VARIANTS]):

- `"content"`: token ids `0 .. K-1` are the symbols, the next `D` ids the distractor tokens, the last id the
  query. A symbol never looks like a distractor, so a model that can look at every token (self-attention) can
  find the answer by *what* it is, wherever it stands.
- `"position"`: symbol and distractors come from one alphabet, ids `0 .. K-1`, and the last id is the query.
  Only the *position* of the first token says which token is the answer.

Either way the symbol is drawn uniformly from the $K$ symbols and each distractor uniformly from its alphabet,
so nothing after the first token says anything about the answer, and a model that guesses is right with
probability $1/K$.

Every model embeds the tokens, reads them with the package's own cells ([rnn_cell][seqdocs.rnn_cell],
[lstm_cell][seqdocs.lstm_cell], [gru_cell][seqdocs.gru_cell], or one layer of
[self_attention][seqdocs.self_attention] over the embeddings plus the
[sinusoidal_positional_encoding][seqdocs.sinusoidal_positional_encoding]), takes the vector at the query
position and maps it to $K$ scores with a linear readout. Self-attention's output is needed at the query
only, so [attention_at_query][seqdocs.experiments.attention_at_query] computes that one row of it (the same
numbers as [self_attention][seqdocs.self_attention]'s, checked in the tests) for a fraction of the cost.

Each model is *stacked over seeds*: every parameter has a leading dimension S, one slice per seed, so one
forward pass runs S independent models. The slices never meet (each seed's loss depends only on its own slice),
so training them together is the same as training each alone. Shapes: S seeds, B sequences, T = N + 2 tokens,
V vocabulary, E embedding size, H hidden size, K symbols.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import torch

from .._checks import check_choice, check_seeds, check_size, check_whole
from ..errors import InputError, InputTypeError
from ..models import MODELS
from ..positional import sinusoidal_positional_encoding
from ..weights import AttentionWeights, GRUWeights, LSTMWeights, RNNWeights

MAX_SEED = 2**62
"""The largest seed accepted: each seed gives two generators, seeded 2 * seed and 2 * seed + 1."""

MEMORY_MODELS = ("rnn", "lstm", "gru", "attention")
"""The models [train_memory_model][seqdocs.experiments.train_memory_model] can train, by name."""

MEMORY_VARIANTS = ("content", "position")
"""The variants of the task: the answer told apart by what it is (`"content"`), or only by where (`"position"`)."""

MAX_DISTRACTORS = 1000
"""The most distractors accepted: far beyond what trains in a reasonable time on a CPU."""


@dataclass(frozen=True)
class MemoryConfig:
    """Every setting of the memory experiment: the task, the model sizes and the training budget.

    All four models get the same embedding size, hidden size (the attention width for self-attention), steps,
    batch size, optimizer settings and clipping, so they differ only in how they read.

    Attributes:
        num_symbols: K, how many symbols the first token is drawn from; guessing scores 1/K.
        num_distractor_tokens: D, how many different distractor tokens there are (the `"content"` variant; in
            the `"position"` variant the distractors are drawn from the K symbols).
        embedding_size: E, the size of a token's embedding.
        hidden_size: H, the hidden (and cell) state size; the query, key and value width for self-attention.
        forget_bias: What the LSTM's forget-gate biases start at (every other bias starts small and random).
            1.0 starts the forget gate at sigmoid(1) = 0.73, mostly keeping; PyTorch's own default is a small
            random value around 0, i.e. half forgetting.
        steps: How many optimizer steps each model trains for.
        batch_size: B, sequences per step and seed.
        learning_rate: Adam's step size.
        max_grad_norm: The largest gradient norm allowed, per seed; longer gradients are scaled down to it.
        test_size: How many held-out sequences each trained model is scored on.
        test_seed: The seed of the held-out sequences, the same for every model and seed.
        variant: One of [MEMORY_VARIANTS][seqdocs.experiments.MEMORY_VARIANTS]: `"content"`, distractors from their own
            tokens, or `"position"`, distractors from the symbols' alphabet.

    Raises:
        InputError: If a value is out of range, such as a learning rate that is not positive.
        InputTypeError: If a value has the wrong type.

    Examples:
        >>> config = MemoryConfig(steps=50)
        >>> config.chance
        0.125
    """

    num_symbols: int = 8
    num_distractor_tokens: int = 8
    embedding_size: int = 16
    hidden_size: int = 16
    forget_bias: float = 1.0
    steps: int = 160
    batch_size: int = 32
    learning_rate: float = 0.01
    max_grad_norm: float = 1.0
    test_size: int = 1000
    test_seed: int = 2024
    variant: str = "content"

    def __post_init__(self) -> None:
        for name in ("num_symbols", "num_distractor_tokens", "embedding_size", "hidden_size", "batch_size"):
            check_size(f"MemoryConfig.{name}", getattr(self, name))
        if self.num_symbols < 2:
            raise InputError(
                f"MemoryConfig.num_symbols must be at least 2 (one symbol needs no memory), got {self.num_symbols}"
            )
        check_whole("MemoryConfig.steps", self.steps, 1, 100_000)
        check_whole("MemoryConfig.test_size", self.test_size, 1, 100_000)
        check_whole("MemoryConfig.test_seed", self.test_seed, 0, 2**63 - 1)
        check_choice("MemoryConfig.variant", self.variant, MEMORY_VARIANTS)
        _check_real("MemoryConfig.forget_bias", self.forget_bias)
        for name in ("learning_rate", "max_grad_norm"):
            if _check_real(f"MemoryConfig.{name}", getattr(self, name)) <= 0:
                raise InputError(f"MemoryConfig.{name} must be positive, got {getattr(self, name)}")

    @property
    def vocabulary_size(self) -> int:
        """V = K symbols + D distractor tokens + 1 query token (K + 1 in the `"position"` variant)."""
        return self.query_id + 1

    @property
    def query_id(self) -> int:
        """The id of the query token, the last one."""
        return self.distractor_ids[1]

    @property
    def distractor_ids(self) -> tuple[int, int]:
        """The distractors' ids, from the first up to (not including) the second.

        Examples:
            >>> MemoryConfig().distractor_ids, MemoryConfig(variant="position").distractor_ids
            ((8, 16), (0, 8))
        """
        if self.variant == "position":
            return 0, self.num_symbols
        return self.num_symbols, self.num_symbols + self.num_distractor_tokens

    @property
    def chance(self) -> float:
        """The accuracy of guessing, 1/K: nothing but the first token says which symbol is the answer."""
        return 1 / self.num_symbols

    def token_names(self) -> list[str]:
        """A printable name for every token id: symbols `A`, `B`, ..., distractors `0`, `1`, ..., the query `?`.

        Examples:
            >>> " ".join(MemoryConfig(num_symbols=3, num_distractor_tokens=2).token_names())
            'A B C 0 1 ?'
            >>> " ".join(MemoryConfig(num_symbols=3, variant="position").token_names())  # one alphabet
            'A B C ?'
        """
        symbols = [_letters(index) for index in range(self.num_symbols)]
        distractors = [] if self.variant == "position" else [str(index) for index in range(self.num_distractor_tokens)]
        return symbols + distractors + ["?"]

    def settings(self) -> dict[str, int | float]:
        """Every setting by name, for a table on a page.

        Examples:
            >>> MemoryConfig().settings()["num_symbols"]
            8
        """
        return {field.name: getattr(self, field.name) for field in fields(self)}


def _letters(index: int) -> str:
    """A, B, ..., Z, AA, AB, ...: a name for symbol `index` that no distractor (a number) can be mistaken for."""
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(ord("A") + remainder) + name
    return name


def _check_real(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputTypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value):
        raise InputError(f"{name} must be a finite number, got {value}")
    return float(value)


def _check_model(model: object) -> str:
    """Return `model` if it names one of MEMORY_MODELS, else raise an error listing them."""
    return check_choice("model", model, MEMORY_MODELS)


def _check_distractors(num_distractors: object) -> int:
    """Return `num_distractors` if it is a whole number from 0 to MAX_DISTRACTORS, else raise an error."""
    return check_whole("num_distractors", num_distractors, 0, MAX_DISTRACTORS)


def _check_seeds(seeds: object) -> tuple[int, ...]:
    return check_seeds(seeds, highest=MAX_SEED)


def memory_task_batch(
    num_distractors: int, batch_size: int, generator: torch.Generator, config: MemoryConfig | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Draw sequences of the memory task: a symbol, `num_distractors` distractors, the query.

    The distractors come from `config.distractor_ids`: their own tokens in the `"content"` variant, the
    symbols' alphabet in the `"position"` variant.

    Args:
        num_distractors: N, how many distractors stand between the symbol and the query.
        batch_size: B, how many sequences to draw.
        generator: Where the random draws come from, so a seed fixes the batch.
        config: The vocabulary sizes; [MemoryConfig][seqdocs.experiments.MemoryConfig]'s defaults if not given.

    Returns:
        `tokens` (B, N + 2) token ids and `targets` (B,) the symbol each sequence started with.

    Raises:
        InputError: If `num_distractors` or `batch_size` is out of range.

    Examples:
        >>> import torch
        >>> tokens, targets = memory_task_batch(3, 2, torch.Generator().manual_seed(0))
        >>> tokens.shape, bool((tokens[:, 0] == targets).all()), tokens[:, -1].tolist()
        (torch.Size([2, 5]), True, [16, 16])
    """
    config = config or MemoryConfig()
    num_distractors = _check_distractors(num_distractors)
    batch_size = check_whole("batch_size", batch_size, 1, 100_000)
    symbols = torch.randint(0, config.num_symbols, (batch_size, 1), generator=generator)  # (B, 1)
    low, high = config.distractor_ids
    distractors = torch.randint(low, high, (batch_size, num_distractors), generator=generator)  # (B, N)
    query = torch.full((batch_size, 1), config.query_id)  # (B, 1)
    tokens = torch.cat([symbols, distractors, query], dim=1)  # (B, N + 2)
    return tokens, symbols[:, 0]


def seed_generators(seeds: tuple[int, ...]) -> tuple[list[torch.Generator], list[torch.Generator]]:
    """One generator per seed for the initial weights, and another per seed for the training batches.

    Seed s draws its weights from stream 2s and its batches from stream 2s + 1, so two models trained with the
    same seed see exactly the same training batches, whatever their number of weights.

    Args:
        seeds: The seeds, one per stacked model.

    Returns:
        The weight generators and the data generators, in the order of `seeds`.

    Examples:
        >>> weights, data = seed_generators((0, 1))
        >>> len(weights), len(data)
        (2, 2)
    """
    seeds = _check_seeds(seeds)
    weights = [torch.Generator().manual_seed(2 * seed) for seed in seeds]
    data = [torch.Generator().manual_seed(2 * seed + 1) for seed in seeds]
    return weights, data


def _uniform(generators: list[torch.Generator], shape: tuple[int, ...], bound: float) -> torch.Tensor:
    """(S, *shape) values uniform in [-bound, bound], slice s drawn from generators[s] alone."""
    slices = [(torch.rand(shape, generator=generator) * 2 - 1) * bound for generator in generators]
    return torch.stack(slices)  # (S, *shape)


def _normal(generators: list[torch.Generator], shape: tuple[int, ...]) -> torch.Tensor:
    """(S, *shape) standard normal values, slice s drawn from generators[s] alone."""
    return torch.stack([torch.randn(shape, generator=generator) for generator in generators])  # (S, *shape)


def init_memory_model(
    model: str, num_distractors: int, generators: list[torch.Generator], config: MemoryConfig | None = None
) -> dict[str, torch.Tensor]:
    r"""The initial parameters of one model per generator, stacked along a leading seed dimension S.

    The initialisation is PyTorch's: embeddings standard normal, like `nn.Embedding`;
    the recurrent and attention weights and biases uniform in $\pm 1/\sqrt{\text{fan}}$, like `nn.RNN`,
    `nn.LSTM`, `nn.GRU` and `nn.Linear`; the readout like `nn.Linear`. One change: the LSTM's forget-gate
    biases start at `config.forget_bias`.

    Matrices are (S, in, out), so `(S, B, in) @ (S, in, out)` multiplies each seed's batch by its own weights;
    biases are (S, 1, out), so they add to every sequence of their seed. Self-attention reads (S, B, T, E)
    inputs, so its matrices get one more axis, (S, 1, E, H), for the batch.

    Args:
        model: One of [MEMORY_MODELS][seqdocs.experiments.MEMORY_MODELS].
        num_distractors: N, checked to be in range; no model's size depends on it.
        generators: One per seed (see [seed_generators][seqdocs.experiments.seed_generators]).
        config: The sizes; [MemoryConfig][seqdocs.experiments.MemoryConfig]'s defaults if not given.

    Returns:
        The parameters by name, each with a leading dimension S, ready for `requires_grad_`.

    Raises:
        InputError: If the model is unknown or `num_distractors` is out of range.

    Examples:
        >>> import torch
        >>> generators = [torch.Generator().manual_seed(seed) for seed in (0, 1, 2)]
        >>> parameters = init_memory_model("lstm", 5, generators)
        >>> parameters["weight"].shape, parameters["bias"].shape  # (S, E + H, 4H), (S, 1, 4H)
        (torch.Size([3, 32, 64]), torch.Size([3, 1, 64]))
    """
    config = config or MemoryConfig()
    model, num_distractors = _check_model(model), _check_distractors(num_distractors)
    if not generators:
        raise InputError("generators is empty: give one torch.Generator per seed")
    vocabulary, embedding, hidden, symbols = (
        config.vocabulary_size,
        config.embedding_size,
        config.hidden_size,
        config.num_symbols,
    )
    bound = 1 / math.sqrt(hidden)  # PyTorch's recurrent layers use 1/sqrt(H) for every weight and bias
    parameters = {"embedding": _normal(generators, (vocabulary, embedding))}  # (S, V, E)
    if model == "rnn":
        parameters["input_to_hidden"] = _uniform(generators, (embedding, hidden), bound)  # (S, E, H)
        parameters["hidden_to_hidden"] = _uniform(generators, (hidden, hidden), bound)  # (S, H, H)
        parameters["bias"] = _uniform(generators, (1, hidden), bound)  # (S, 1, H)
    elif model == "lstm":
        parameters["weight"] = _uniform(generators, (embedding + hidden, 4 * hidden), bound)  # (S, E + H, 4H)
        bias = _uniform(generators, (1, 4 * hidden), bound)  # (S, 1, 4H), blocks in order i, f, g, o
        bias[..., hidden : 2 * hidden] = config.forget_bias  # the forget block
        parameters["bias"] = bias
    elif model == "gru":
        parameters["input_weight"] = _uniform(generators, (embedding, 3 * hidden), bound)  # (S, E, 3H)
        parameters["hidden_weight"] = _uniform(generators, (hidden, 3 * hidden), bound)  # (S, H, 3H)
        parameters["input_bias"] = _uniform(generators, (1, 3 * hidden), bound)  # (S, 1, 3H)
        parameters["hidden_bias"] = _uniform(generators, (1, 3 * hidden), bound)  # (S, 1, 3H)
    else:
        linear_bound = 1 / math.sqrt(embedding)  # nn.Linear's bound, 1/sqrt(fan_in)
        for name in ("query", "key", "value"):
            parameters[name] = _uniform(generators, (1, embedding, hidden), linear_bound)  # (S, 1, E, H)
    readout_bound = 1 / math.sqrt(hidden)
    parameters["readout_weight"] = _uniform(generators, (hidden, symbols), readout_bound)  # (S, H, K)
    parameters["readout_bias"] = _uniform(generators, (1, symbols), readout_bound)  # (S, 1, K)
    return parameters


def memory_model_weights(
    model: str, parameters: dict[str, torch.Tensor], config: MemoryConfig | None = None
) -> RNNWeights | LSTMWeights | GRUWeights | AttentionWeights:
    """The package's weights object for a stacked model, so the package's own cells do the reading.

    Args:
        model: One of [MEMORY_MODELS][seqdocs.experiments.MEMORY_MODELS].
        parameters: As made by [init_memory_model][seqdocs.experiments.init_memory_model].
        config: The sizes; [MemoryConfig][seqdocs.experiments.MemoryConfig]'s defaults if not given.

    Returns:
        An [RNNWeights][seqdocs.RNNWeights], [LSTMWeights][seqdocs.LSTMWeights],
        [GRUWeights][seqdocs.GRUWeights] or [AttentionWeights][seqdocs.AttentionWeights] whose tensors keep
        the seed dimension.

    Examples:
        >>> import torch
        >>> parameters = init_memory_model("gru", 3, [torch.Generator().manual_seed(0)])
        >>> memory_model_weights("gru", parameters).hidden_size
        16
    """
    config = config or MemoryConfig()
    model = _check_model(model)
    if model == "lstm":
        return LSTMWeights(parameters["weight"], parameters["bias"], embedding_size=config.embedding_size)
    weights_class = MODELS[model].weights  # its fields are named as the parameters are
    return weights_class(**{field.name: parameters[field.name] for field in fields(weights_class)
                            if field.name in parameters})


def memory_model_logits(
    model: str, parameters: dict[str, torch.Tensor], tokens: torch.Tensor, config: MemoryConfig | None = None
) -> torch.Tensor:
    """Read a batch of sequences with every seed's model and score the K symbols at the query.

    Args:
        model: One of [MEMORY_MODELS][seqdocs.experiments.MEMORY_MODELS].
        parameters: Stacked over S seeds, as made by [init_memory_model][seqdocs.experiments.init_memory_model].
        tokens: (S, B, T) token ids, one batch per seed, or (B, T) for the same batch for every seed.
        config: The sizes; [MemoryConfig][seqdocs.experiments.MemoryConfig]'s defaults if not given.

    Returns:
        (S, B, K) one score per symbol; the model's answer is the highest.

    Examples:
        >>> import torch
        >>> parameters = init_memory_model("rnn", 4, [torch.Generator().manual_seed(0)])
        >>> tokens, targets = memory_task_batch(4, 3, torch.Generator().manual_seed(1))
        >>> memory_model_logits("rnn", parameters, tokens).shape
        torch.Size([1, 3, 8])
    """
    config = config or MemoryConfig()
    weights = memory_model_weights(model, parameters, config)
    num_seeds = parameters["embedding"].shape[0]
    tokens = tokens.expand(num_seeds, *tokens.shape[-2:])  # (S, B, T)
    seed_index = torch.arange(num_seeds)[:, None, None]  # (S, 1, 1)
    inputs = parameters["embedding"][seed_index, tokens]  # (S, V, E)[(S, 1, 1), (S, B, T)] -> (S, B, T, E)
    if model == "attention":
        length, width = inputs.shape[-2:]
        # Positions as a Transformer adds them. In the "content" variant the symbol's own id also sets it apart;
        # in the "position" variant these encodings are all that does.
        inputs = inputs + sinusoidal_positional_encoding(length, width)  # (S, B, T, E) + (T, E)
        at_query = attention_at_query(inputs, weights)  # (S, B, H): self_attention's row at the query
    else:
        at_query = recurrent_states(model, inputs, weights)["hidden"][..., -1, :]  # (S, B, T, H) -> (S, B, H)
    # The answer is read where the query stands, the last position.
    return at_query @ parameters["readout_weight"] + parameters["readout_bias"]  # (S, B, H) @ (S, H, K) -> (S, B, K)


def attention_at_query(inputs: torch.Tensor, weights: AttentionWeights) -> torch.Tensor:
    r"""The output of one self-attention layer at the last position only: [self_attention][seqdocs.self_attention]'s last row.

    The memory task reads the answer at the query, the last position, and nothing else of the layer's output, so
    the other $T - 1$ rows would be computed only to be thrown away (their gradients are zero). This computes the
    last row alone, with its products regrouped so that no $T \times H$ keys or values are ever formed:

    $$
    \text{scores} = \frac{(x_T W_Q) K^\top}{\sqrt{H}} = \frac{\big((x_T W_Q) W_K^\top\big) X^\top}{\sqrt{H}},
    $$

    $$
    \text{output} = \operatorname{softmax}(\text{scores})\, (X W_V) = \big(\operatorname{softmax}(\text{scores})\, X\big) W_V.
    $$

    The same numbers as `self_attention(inputs, weights)["output"][..., -1, :]` up to rounding (a test checks
    both the values and the gradients), for about $1/T$ of the arithmetic and a fixed number of tensor operations
    whatever T is: what makes twenty seeds per model and gap affordable in the site's build.

    Args:
        inputs: (S, B, T, E) the input vectors (embeddings plus positions), one batch per seed.
        weights: Stacked over seeds: `query`, `key` and `value` each (S, 1, E, H); no output projection.

    Returns:
        (S, B, H) the attention output at the last position.

    Examples:
        >>> import torch
        >>> from seqdocs import AttentionWeights, self_attention
        >>> generator = torch.Generator().manual_seed(0)
        >>> inputs = torch.randn(2, 3, 5, 4, generator=generator)  # S = 2 seeds, B = 3, T = 5, E = 4
        >>> weights = AttentionWeights(*(torch.randn(2, 1, 4, 4, generator=generator) for _ in range(3)))
        >>> full = self_attention(inputs, weights)["output"][..., -1, :]  # every row, then the last
        >>> torch.allclose(attention_at_query(inputs, weights), full, atol=1e-5)
        True
    """
    if weights.output is not None:
        raise InputError("attention_at_query reads a layer without an output projection, as the memory task's")
    query_weight, key_weight, value_weight = (matrix[:, 0] for matrix in (weights.query, weights.key, weights.value))
    last = inputs[..., -1, :]  # (S, B, E): the query's input vector
    query = last @ query_weight  # (S, B, E) @ (S, E, H) -> (S, B, H)
    folded = query @ key_weight.transpose(-2, -1)  # (S, B, H) @ (S, H, E) -> (S, B, E): the query seen in input space
    # Products of one vector with many, written as multiply-and-sum: PyTorch's batched matrix product is several
    # times slower on thousands of tiny matrices, forward and backward.
    scores = (inputs * folded.unsqueeze(-2)).sum(dim=-1) / math.sqrt(weights.width)  # (S, B, T, E) * (S, B, 1, E) -> (S, B, T)
    attention_weights = torch.softmax(scores, dim=-1)  # (S, B, T), sums to 1 over the positions
    context = (attention_weights.unsqueeze(-1) * inputs).sum(dim=-2)  # (S, B, T, 1) * (S, B, T, E) -> (S, B, E)
    return context @ value_weight  # (S, B, E) @ (S, E, H) -> (S, B, H)


def recurrent_states(
    model: str,
    inputs: torch.Tensor,
    weights: RNNWeights | LSTMWeights | GRUWeights,
    keep: tuple[str, ...] = ("hidden",),
) -> dict[str, torch.Tensor]:
    """Run a recurrent model over whole sequences with the package's cells, keeping the named step tensors.

    This is [rnn_forward][seqdocs.rnn_forward], [lstm_forward][seqdocs.lstm_forward] and
    [gru_forward][seqdocs.gru_forward] in one, with one difference that matters for training speed: the inputs
    are split into time steps with `unbind`, whose backward pass is one `stack`, instead of being indexed step by
    step, whose backward pass writes a full-size tensor of zeros for every step.

    Args:
        model: `"rnn"`, `"lstm"` or `"gru"`.
        inputs: (..., T, E) the input vectors in order.
        weights: The model's weights, with any leading dimensions that broadcast against the inputs'.
        keep: Which tensors of each step to return, by the names the cell gives them.

    Returns:
        Each kept tensor stacked over time, (..., T, H).

    Raises:
        InputError: If the model is not a recurrent one, or a name in `keep` is not one the cell returns.

    Examples:
        >>> import torch
        >>> from seqdocs import LSTMWeights
        >>> weights = LSTMWeights(torch.zeros(3, 4), torch.zeros(4), embedding_size=2)
        >>> recurrent_states("lstm", torch.zeros(5, 2), weights, keep=("forget_gate", "cell"))["forget_gate"].shape
        torch.Size([5, 1])
    """
    if _check_model(model) == "attention":
        raise InputError("recurrent_states runs the recurrent models only: use self_attention for attention")
    return MODELS[model].forward(inputs, weights, keep=keep)  # each (..., T, H): the loop every model shares


def count_parameters(parameters: dict[str, torch.Tensor]) -> int:
    """How many numbers one seed's model learns (the stacked total divided by S).

    Examples:
        >>> import torch
        >>> count_parameters({"weight": torch.zeros(5, 3, 4), "bias": torch.zeros(5, 1, 4)})
        16
    """
    return sum(tensor[0].numel() for tensor in parameters.values())


INSPECTED = ("input_gate", "forget_gate", "cell_candidate", "output_gate", "new_information", "cell", "hidden")
"""What [lstm_memory_states][seqdocs.experiments.lstm_memory_states] keeps of each step."""


def lstm_memory_states(
    parameters: dict[str, torch.Tensor], tokens: torch.Tensor, seed_index: int = 0, config: MemoryConfig | None = None
) -> dict[str, torch.Tensor]:
    r"""Open up one trained LSTM of a stack: its gates, cell and hidden state at every step of some sequences.

    Args:
        parameters: A stacked LSTM, as trained by [train_memory_model][seqdocs.experiments.train_memory_model].
        tokens: (B, T) the sequences to read.
        seed_index: Which slice of the stack to open (its position in the run's seeds, not the seed itself).
        config: The sizes; [MemoryConfig][seqdocs.experiments.MemoryConfig]'s defaults if not given.

    Returns:
        `input_gate`, `forget_gate`, `cell_candidate`, `output_gate`, `new_information` (what the step writes,
        $i_t \odot g_t$), `cell` and `hidden`, each (B, T, H).

    Raises:
        InputError: If `seed_index` is out of range or the parameters are not an LSTM's.

    Examples:
        >>> import torch
        >>> parameters = init_memory_model("lstm", 2, [torch.Generator().manual_seed(0)])
        >>> tokens, _ = memory_task_batch(2, 3, torch.Generator().manual_seed(1))
        >>> lstm_memory_states(parameters, tokens)["forget_gate"].shape
        torch.Size([3, 4, 16])
    """
    config = config or MemoryConfig()
    if "weight" not in parameters or "embedding" not in parameters:
        raise InputError("these parameters are not an LSTM's: give the parameters of a run trained with model='lstm'")
    num_seeds = parameters["embedding"].shape[0]
    if isinstance(seed_index, bool) or not isinstance(seed_index, int) or not 0 <= seed_index < num_seeds:
        raise InputError(f"seed_index must be a whole number from 0 to {num_seeds - 1}, got {seed_index!r}")
    one_seed = {name: tensor[seed_index] for name, tensor in parameters.items()}  # drop the seed dimension
    weights = LSTMWeights(one_seed["weight"], one_seed["bias"][0], embedding_size=config.embedding_size)
    inputs = one_seed["embedding"][tokens]  # (V, E)[(B, T)] -> (B, T, E)
    with torch.no_grad():
        return recurrent_states(
            "lstm", inputs, weights, keep=INSPECTED
        )  # each (B, T, H)


def symbol_share(values: torch.Tensor, symbols: torch.Tensor, num_symbols: int) -> torch.Tensor:
    r"""How much of each unit's spread across sequences the first symbol explains, from 0 (none) to 1 (all).

    This is the correlation ratio $\eta^2$: group the sequences by their first symbol, and divide the variance
    of the group means (weighted by group size) by the variance of all values. A unit that holds the symbol
    through the distractors scores near 1 at every step; a unit that follows the distractors scores near 0.

    Args:
        values: (B, ..., H) one value per sequence (and, optionally, per step) and unit, e.g. a cell state.
        symbols: (B,) each sequence's first symbol, from 0 to `num_symbols` - 1.
        num_symbols: K.

    Returns:
        (..., H) the share explained, in [0, 1]; 0 where a unit does not vary at all.

    Raises:
        InputError: If `symbols` does not have one entry per sequence.

    Examples:
        >>> import torch
        >>> symbols = torch.tensor([0, 0, 1, 1])
        >>> values = torch.tensor([[1.0, 0.3], [1.0, -0.3], [-1.0, 0.3], [-1.0, -0.3]])  # unit 1 = symbol
        >>> symbol_share(values, symbols, 2)
        tensor([1., 0.])
    """
    if symbols.dim() != 1 or symbols.shape[0] != values.shape[0]:
        raise InputError(
            f"symbols has shape {tuple(symbols.shape)}, but it needs one entry per sequence, ({values.shape[0]},)"
        )
    one_hot = torch.nn.functional.one_hot(symbols, num_symbols).to(values.dtype)  # (B, K)
    counts = one_hot.sum(dim=0)  # (K,)
    flat = values.flatten(1)  # (B, F), F = everything after the sequence axis
    group_means = (one_hot.T @ flat) / counts.clamp(min=1)[:, None]  # (K, B) @ (B, F) -> (K, F)
    overall_mean = flat.mean(dim=0)  # (F,)
    between = (counts[:, None] * (group_means - overall_mean).square()).sum(dim=0) / flat.shape[0]  # (F,)
    total = (flat - overall_mean).square().mean(dim=0)  # (F,)
    share = torch.where(total > 0, between / total.clamp(min=torch.finfo(values.dtype).tiny), torch.zeros_like(total))
    return share.clamp(0, 1).view(values.shape[1:])  # (..., H)


def lstm_gate_summary(states: dict[str, torch.Tensor]) -> dict[str, float]:
    """The LSTM's gates in a few numbers: how open each is at the symbol, over the distractors and at the query.

    Args:
        states: As returned by [lstm_memory_states][seqdocs.experiments.lstm_memory_states] for sequences of the memory task
            with at least one distractor: step 0 is the symbol, the last step the query, the rest distractors.

    Returns:
        `<gate>_at_symbol`, `<gate>_on_distractors` and `<gate>_at_query` for the input, forget and output gates
        (means over sequences and units); `forget_lowest_on_distractors`, `forget_median_on_distractors` and
        `forget_tenth_percentile_on_distractors` (over every sequence, distractor and unit: the mean alone hides
        how far some units close); `kept_over_distractors`, the median over
        sequences and units of the product of the forget gates over all distractors (the share of the cell after
        the symbol that would survive to the query if nothing were written); `cell_size_after_symbol` and
        `cell_size_at_query`, the mean absolute cell value.

    Raises:
        InputError: If the sequences have no distractor.

    Examples:
        >>> import torch
        >>> states = {name: torch.full((2, 4, 3), 0.5) for name in INSPECTED}
        >>> lstm_gate_summary(states)["kept_over_distractors"]  # two distractors: 0.5 * 0.5
        0.25
    """
    length = states["forget_gate"].shape[-2]
    if length < 3:
        raise InputError(f"the sequences have {length} steps: give sequences with at least one distractor (3 steps)")
    summary = {}
    for gate in ("input_gate", "forget_gate", "output_gate"):
        values = states[gate]  # (B, T, H)
        summary[f"{gate}_at_symbol"] = values[:, 0].mean().item()
        summary[f"{gate}_on_distractors"] = values[:, 1:-1].mean().item()
        summary[f"{gate}_at_query"] = values[:, -1].mean().item()
    forget_on_distractors = states["forget_gate"][:, 1:-1]  # (B, N, H)
    summary["forget_lowest_on_distractors"] = forget_on_distractors.min().item()
    summary["forget_median_on_distractors"] = forget_on_distractors.median().item()
    summary["forget_tenth_percentile_on_distractors"] = torch.quantile(forget_on_distractors.flatten(), 0.1).item()
    summary["kept_over_distractors"] = forget_on_distractors.prod(dim=1).median().item()  # (B, H) -> median
    summary["cell_size_after_symbol"] = states["cell"][:, 0].abs().mean().item()
    summary["cell_size_at_query"] = states["cell"][:, -1].abs().mean().item()
    return summary
