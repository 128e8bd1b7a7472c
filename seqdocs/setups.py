"""Everything a model needs before it reads: the tokens, their ids, the embeddings and the seeded weights.

[make_setup][seqdocs.make_setup] with no arguments reproduces the seed notebook exactly: seed 42, embedding
size 2, hidden size 2, and the same random draws in the same order (embeddings, RNN, LSTM, attention), so
every number the notebook printed comes out identical. The GRU, which the notebook lacks, draws its weights
after all of those, so adding it changed none of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ._checks import check_dtype, check_size, check_tensor
from .errors import InputError, InputTypeError
from .vocabulary import Vocabulary, tokenize
from .weights import AttentionWeights, GRUWeights, LSTMWeights, RNNWeights

DEFAULT_SEQUENCE = "a b c"
"""The toy sequence the whole site follows."""

DEFAULT_SEED = 42
"""The seed of the notebook this project grew out of."""

@dataclass(frozen=True)
class Setup:
    """A sequence ready to be read, with the weights of every model.

    Attributes:
        tokens: The sequence, one token per step.
        vocabulary: The known tokens; a token's id is its row in `embeddings`.
        embeddings: (V, E): one vector per vocabulary entry.
        rnn: The RNN's weights.
        lstm: The LSTM's weights.
        gru: The GRU's weights.
        attention: Self-attention's weights.
        seed: The seed the weights were drawn with, or `None` if they were given.

    Raises:
        InputError: If a token is not in the vocabulary or the sizes disagree.

    Examples:
        >>> setup = make_setup()
        >>> setup.token_ids, setup.inputs.shape
        ((0, 1, 2), torch.Size([3, 2]))
    """

    tokens: tuple[str, ...]
    vocabulary: Vocabulary
    embeddings: torch.Tensor
    rnn: RNNWeights
    lstm: LSTMWeights
    gru: GRUWeights
    attention: AttentionWeights
    seed: int | None = None

    def __post_init__(self) -> None:
        if not self.tokens:
            raise InputError('the sequence is empty: give at least one token, e.g. "a b c"')
        self.vocabulary.ids(self.tokens)  # raises on an unknown token, naming it
        check_tensor("Setup", "embeddings", self.embeddings, (len(self.vocabulary), None))
        if self.embeddings.dim() != 2:
            raise InputError(f"Setup.embeddings must be 2-D (V, E), got shape {tuple(self.embeddings.shape)}")
        for name in ("rnn", "lstm", "gru", "attention"):
            weights = getattr(self, name)
            if weights.embedding_size != self.embedding_size:
                raise InputError(
                    f"the {name} weights expect inputs of size {weights.embedding_size}, but the embeddings "
                    f"have size {self.embedding_size}: give weights made for embedding size {self.embedding_size}"
                )

    @property
    def token_ids(self) -> tuple[int, ...]:
        """The id of each token of the sequence."""
        return self.vocabulary.ids(self.tokens)

    @property
    def inputs(self) -> torch.Tensor:
        """(T, E): the embedding of each token of the sequence, in order."""
        return self.embeddings[list(self.token_ids)]

    @property
    def embedding_size(self) -> int:
        """E, the size of each token's vector."""
        return self.embeddings.shape[-1]


def make_setup(
    sequence: str = DEFAULT_SEQUENCE,
    *,
    vocabulary: str | Vocabulary | None = None,
    seed: int = DEFAULT_SEED,
    embedding_size: int = 2,
    hidden_size: int = 2,
    dtype: str | torch.dtype = torch.float32,
) -> Setup:
    """Tokenize a sequence and draw the embeddings and every model's weights from one seeded generator.

    The draws happen in the seed notebook's order, all from a standard normal distribution, with every bias
    zero: the embedding matrix (V, E); the RNN's input-to-hidden (E, H) and hidden-to-hidden (H, H) weights;
    the LSTM's weights (E + H, 4H); attention's query, key and value weights (E, E) each; then, after all of
    the notebook's draws, the GRU's input (E, 3H) and hidden (H, 3H) weights.

    Args:
        sequence: Whitespace-separated tokens.
        vocabulary: The known tokens, as a [Vocabulary][seqdocs.Vocabulary] or a string like `"a b c d"`;
            by default the sequence's distinct tokens in order of first appearance.
        seed: Seeds the generator that draws every weight.
        embedding_size: E, the size of each token's vector (1 to 512).
        hidden_size: H, the size of the recurrent models' hidden state (1 to 512).
        dtype: `float32` (the notebook's) or `float64`. Values are drawn in float32 either way, so a float64
            setup holds the very same numbers, only computed with more precision.

    Returns:
        The setup.

    Raises:
        InputError: If the sequence is empty, a token is unknown, or a size is out of range.
        InputTypeError: If the seed or a size is not a whole number.

    Examples:
        >>> setup = make_setup()
        >>> setup.embeddings
        tensor([[ 0.3367,  0.1288],
                [ 0.2345,  0.2303],
                [-1.1229, -0.1863]])
        >>> make_setup("the cat sat on the mat").vocabulary.tokens
        ('the', 'cat', 'sat', 'on', 'mat')
    """
    tokens = tokenize(sequence)
    if vocabulary is None:
        vocabulary = Vocabulary.from_sequence(tokens)
    elif isinstance(vocabulary, str):
        vocabulary = Vocabulary.parse(vocabulary)
    elif not isinstance(vocabulary, Vocabulary):
        raise InputTypeError(f"vocabulary must be a string like \"a b c\" or a Vocabulary, got {type(vocabulary).__name__}")
    vocabulary.ids(tokens)  # fail on an unknown token before drawing anything
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputTypeError(f"seed must be a whole number, got {seed!r} ({type(seed).__name__})")
    if not 0 <= seed < 2**63:
        raise InputError(f"seed must be between 0 and 2**63 - 1, got {seed}")
    embedding_size = check_size("embedding_size", embedding_size)
    hidden_size = check_size("hidden_size", hidden_size)
    dtype = check_dtype(dtype)

    generator = torch.Generator().manual_seed(seed)

    def draw(*shape: int) -> torch.Tensor:
        return torch.randn(*shape, generator=generator).to(dtype)

    E, H = embedding_size, hidden_size
    # The order of these draws is the seed notebook's; moving one line changes every number after it.
    embeddings = draw(len(vocabulary), E)
    rnn = RNNWeights.drawn(draw, E, H)
    lstm = LSTMWeights.drawn(draw, E, H)
    attention = AttentionWeights.drawn(draw, E)
    gru = GRUWeights.drawn(draw, E, H)  # after all of the notebook's draws, so it changes none of them
    return Setup(
        tokens=tokens,
        vocabulary=vocabulary,
        embeddings=embeddings,
        rnn=rnn,
        lstm=lstm,
        gru=gru,
        attention=attention,
        seed=seed,
    )
