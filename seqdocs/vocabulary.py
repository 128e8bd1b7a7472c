"""Turning a sequence of words into ids: the vocabulary and the tokenizer.

A sequence is a string of whitespace-separated tokens ("a b c"). The vocabulary maps each token to a row of
the embedding matrix. By default it is built from the sequence itself, in order of first appearance, which
is how the seed notebook numbered "a b c" (a:0, b:1, c:2).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError, InputTypeError, show_token

MAX_TOKENS = 4096
"""The longest sequence or vocabulary accepted; longer ones are almost surely a mistake on a teaching site."""


def tokenize(sequence: str) -> tuple[str, ...]:
    """Split a sequence into its tokens at whitespace.

    Args:
        sequence: Tokens separated by spaces, e.g. `"a b c"`.

    Returns:
        The tokens in order.

    Raises:
        InputTypeError: If `sequence` is not a string.
        InputError: If it holds no token, or more than `MAX_TOKENS` (4096).

    Examples:
        >>> tokenize("a b  c")
        ('a', 'b', 'c')
    """
    if not isinstance(sequence, str):
        raise InputTypeError(
            f"the sequence must be a string of tokens separated by spaces, like \"a b c\", "
            f"got {type(sequence).__name__}"
        )
    tokens = tuple(sequence.split())
    if not tokens:
        raise InputError('the sequence is empty: give at least one token, e.g. "a b c"')
    if len(tokens) > MAX_TOKENS:
        raise InputError(
            f"the sequence has {len(tokens)} tokens; at most {MAX_TOKENS} are allowed: give a shorter one"
        )
    return tokens


@dataclass(frozen=True)
class Vocabulary:
    """The tokens a model knows, each with its id (its row in the embedding matrix).

    Attributes:
        tokens: The known tokens; a token's id is its position here.

    Examples:
        >>> vocabulary = Vocabulary(("a", "b", "c"))
        >>> vocabulary.ids(("c", "a"))
        (2, 0)
        >>> vocabulary.tokens[1]
        'b'
    """

    tokens: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.tokens:
            raise InputError('the vocabulary is empty: give at least one token, e.g. --vocab "a b c"')
        seen: set[str] = set()
        for token in self.tokens:
            if token in seen:
                raise InputError(
                    f"the vocabulary lists {show_token(token)} twice: give each token once"
                )
            seen.add(token)

    @classmethod
    def from_sequence(cls, tokens: tuple[str, ...]) -> Vocabulary:
        """Build the vocabulary of a sequence: its distinct tokens in order of first appearance.

        Args:
            tokens: The tokens of a sequence, as [tokenize][seqdocs.tokenize] returns them.

        Returns:
            The vocabulary.

        Examples:
            >>> Vocabulary.from_sequence(("b", "a", "b")).tokens
            ('b', 'a')
        """
        return cls(tuple(dict.fromkeys(tokens)))

    @classmethod
    def parse(cls, text: str) -> Vocabulary:
        """Build a vocabulary from whitespace-separated tokens, ids in the order given.

        Args:
            text: The tokens, e.g. `"a b c d"`.

        Returns:
            The vocabulary.

        Raises:
            InputError: If `text` holds no token or repeats one.

        Examples:
            >>> Vocabulary.parse("x y").tokens
            ('x', 'y')
        """
        if not isinstance(text, str):
            raise InputTypeError(f"the vocabulary must be a string like \"a b c\", got {type(text).__name__}")
        tokens = tuple(text.split())
        if not tokens:
            raise InputError('the vocabulary is empty: give at least one token, e.g. --vocab "a b c"')
        if len(tokens) > MAX_TOKENS:
            raise InputError(f"the vocabulary has {len(tokens)} tokens; at most {MAX_TOKENS} are allowed")
        return cls(tokens)

    def __len__(self) -> int:
        return len(self.tokens)

    def ids(self, tokens: tuple[str, ...]) -> tuple[int, ...]:
        """Look up the id of each token.

        Args:
            tokens: Tokens of a sequence.

        Returns:
            Their ids, in order.

        Raises:
            InputError: If a token is not in the vocabulary; the message names it and lists the vocabulary.

        Examples:
            >>> Vocabulary(("a", "b")).ids(("b", "b", "a"))
            (1, 1, 0)
        """
        index = {token: position for position, token in enumerate(self.tokens)}
        for token in tokens:
            if token not in index:
                known = ", ".join(show_token(known_token) for known_token in self.tokens[:20])
                more = ", ..." if len(self.tokens) > 20 else ""
                raise InputError(
                    f"unknown token {show_token(token)}: the vocabulary is {known}{more}; "
                    f"add it to the vocabulary or leave it out of the sequence"
                )
        return tuple(index[token] for token in tokens)
