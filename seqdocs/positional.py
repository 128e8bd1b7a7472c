r"""The sinusoidal positional encoding, which tells a Transformer where each token stands.

Self-attention compares every token with every token in one step; nothing in it says which token came first.
To tell positions apart, a Transformer adds a vector to each input that depends only on the position
(Vaswani et al., 2017, "Attention is all you need", section 3.5). For position $p$ and model width
$d_{\text{model}}$:

$$
\mathrm{PE}_{p,\,2i} = \sin\!\left(\frac{p}{10000^{2i/d_{\text{model}}}}\right), \qquad
\mathrm{PE}_{p,\,2i+1} = \cos\!\left(\frac{p}{10000^{2i/d_{\text{model}}}}\right)
$$

Each pair of columns $(2i, 2i + 1)$ is a point turning around the unit circle as $p$ grows, the first pair by
one radian per position, each later pair more slowly, the last one nearly 10000 times more slowly. So moving
$\Delta$ positions on turns every pair by its own angle, the same at every position: $\mathrm{PE}_{p+\Delta} =
\mathrm{PE}_p R(\Delta)$ for one rotation $R(\Delta)$ ([position_rotation][seqdocs.positional.position_rotation]).

Shapes: T sequence length, E embedding size (= $d_{\text{model}}$, the width the encoding is added to).
"""

from __future__ import annotations

import torch

from ._checks import check_size, check_whole
from .errors import InputError, InputTypeError

MAX_POSITIONS = 10_000
"""The longest sequence [sinusoidal_positional_encoding][seqdocs.sinusoidal_positional_encoding] encodes."""

ENCODING_BASE = 10_000.0
"""The base of the wavelengths, Vaswani et al.'s: the slowest pair of columns turns once every 2π·10000 positions."""


def sinusoidal_positional_encoding(length: int, width: int, *, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    r"""The sinusoidal positional encoding of Vaswani et al. (2017): one row per position, one column per dimension.

    Column $2i$ holds $\sin(p / 10000^{2i/d})$ and column $2i + 1$ holds $\cos(p / 10000^{2i/d})$, for
    positions $p = 0, 1, \ldots$ counted from 0. An odd width keeps the sine of its last pair and drops the
    cosine, the usual extension of the formula.

    Args:
        length: T, how many positions (1 to 10000).
        width: d, the size of each position's vector (1 to 512); to add it to inputs, their embedding size.
        dtype: The floating-point type of the result. The angles are computed in float64 either way.

    Returns:
        (T, d) the encoding; every value is in [-1, 1].

    Raises:
        InputError: If `length` or `width` is out of range, e.g. a sequence of length 0.
        InputTypeError: If `length` or `width` is not a whole number, or `dtype` not a floating-point type.

    Examples:
        >>> sinusoidal_positional_encoding(3, 2)  # d = 2: one pair, (sin p, cos p), one radian per position
        tensor([[ 0.0000,  1.0000],
                [ 0.8415,  0.5403],
                [ 0.9093, -0.4161]])
        >>> sinusoidal_positional_encoding(64, 32).shape
        torch.Size([64, 32])
    """
    length = check_whole("length", length, 1, MAX_POSITIONS)
    width = check_size("width", width)
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise InputTypeError(f"dtype must be a floating-point torch.dtype such as torch.float32, got {dtype!r}")

    positions = torch.arange(length, dtype=torch.float64)[:, None]  # (T, 1): p = 0 .. T-1
    pair_starts = torch.arange(0, width, 2, dtype=torch.float64)  # (ceil(d/2),): 2i = 0, 2, 4, ...
    frequencies = ENCODING_BASE ** (-pair_starts / width)  # (ceil(d/2),): 1 / 10000^(2i/d), radians per position
    angles = positions * frequencies  # (T, 1) * (ceil(d/2),) -> (T, ceil(d/2))
    encoding = torch.empty(length, width, dtype=torch.float64)  # (T, d)
    encoding[:, 0::2] = torch.sin(angles)  # even columns 2i
    encoding[:, 1::2] = torch.cos(angles[:, : width // 2])  # odd columns 2i + 1 (one fewer if d is odd)
    return encoding.to(dtype)


def position_rotation(distance: int, width: int, *, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    r"""The rotation $R(\Delta)$ that moves every position's encoding $\Delta$ positions on.

    $\mathrm{PE}_{p+\Delta} = \mathrm{PE}_p R(\Delta)$ for every position $p$.

    Pair $i$ of columns of [sinusoidal_positional_encoding][seqdocs.sinusoidal_positional_encoding] is
    $(\sin \omega_i p, \cos \omega_i p)$ with $\omega_i = 10000^{-2i/d_{\text{model}}}$. Moving $\Delta$
    positions on adds $a_i = \omega_i \Delta$ to its angle, and for a row vector that is one product with the 2 x 2 block
    `[[cos a, -sin a], [sin a, cos a]]`. $R(\Delta)$ holds these blocks on its diagonal. It depends on $\Delta$ alone, not on $p$: the encoding
    of "$\Delta$ positions later" is the same linear map of the encoding at every position. $R(-\Delta)$ is
    $R(\Delta)^\top$, the inverse turn.

    Args:
        distance: $\Delta$, how many positions on (negative: back), -10000 to 10000.
        width: $d_{\text{model}}$, the encoding's width; even, since an odd width's last column has a sine
            and no cosine to turn with it.
        dtype: The floating-point type of the result. The angles are computed in float64 either way.

    Returns:
        ($d_{\text{model}}$, $d_{\text{model}}$) the block-diagonal rotation; use it as `encoding @ rotation`.

    Raises:
        InputError: If `distance` is out of range, or `width` is out of range or odd.
        InputTypeError: If `distance` or `width` is not a whole number, or `dtype` not a floating-point type.

    Examples:
        >>> import torch
        >>> encoding = sinusoidal_positional_encoding(10, 4, dtype=torch.float64)  # (T, d_model)
        >>> rotation = position_rotation(3, 4, dtype=torch.float64)  # (d_model, d_model)
        >>> bool(torch.allclose(encoding[:7] @ rotation, encoding[3:]))  # PE_{p+3} = PE_p R(3), every p
        True
        >>> position_rotation(1, 2)  # d_model = 2: one pair, turned by one radian
        tensor([[ 0.5403, -0.8415],
                [ 0.8415,  0.5403]])
    """
    distance = check_whole("distance", distance, -MAX_POSITIONS, MAX_POSITIONS)
    width = check_size("width", width)
    if width % 2:
        raise InputError(
            f"width must be even for a rotation, got {width}: an odd width's last column is a sine with no "
            "cosine to turn with it"
        )
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise InputTypeError(f"dtype must be a floating-point torch.dtype such as torch.float32, got {dtype!r}")

    pair_starts = torch.arange(0, width, 2, dtype=torch.float64)  # (d/2,): 2i = 0, 2, 4, ...
    angles = distance * ENCODING_BASE ** (-pair_starts / width)  # (d/2,): a_i = omega_i * Delta
    cosines, sines = torch.cos(angles), torch.sin(angles)  # (d/2,) each
    rotation = torch.zeros(width, width, dtype=torch.float64)  # (d, d)
    rotation[0::2, 0::2] = torch.diag(cosines)  # sine column -> sine column: cos a
    rotation[0::2, 1::2] = torch.diag(-sines)  # sine column -> cosine column: -sin a
    rotation[1::2, 0::2] = torch.diag(sines)  # cosine column -> sine column: sin a
    rotation[1::2, 1::2] = torch.diag(cosines)  # cosine column -> cosine column: cos a
    return rotation.to(dtype)


def add_positions(inputs: torch.Tensor) -> torch.Tensor:
    """Add the sinusoidal positional encoding to a sequence of input vectors, as a Transformer does.

    Args:
        inputs: (..., T, E) the input vectors in order.

    Returns:
        (..., T, E) each input plus its position's vector
        ([sinusoidal_positional_encoding][seqdocs.sinusoidal_positional_encoding]): equal tokens at
        different positions now differ.

    Raises:
        InputError: If `inputs` is not at least 2-D or holds no token.
        InputTypeError: If `inputs` is not a floating-point tensor.

    Examples:
        >>> import torch
        >>> add_positions(torch.zeros(2, 2))  # zeros plus the encoding is the encoding
        tensor([[0.0000, 1.0000],
                [0.8415, 0.5403]])
    """
    if not isinstance(inputs, torch.Tensor):
        raise InputTypeError(f"inputs must be a torch.Tensor of shape (T, E), got {type(inputs).__name__}")
    if not inputs.is_floating_point():
        raise InputTypeError(f"inputs must hold floating-point numbers, got {inputs.dtype}: convert with .float()")
    if inputs.dim() < 2:
        raise InputError(f"inputs has shape {tuple(inputs.shape)}, but it must be (..., T, E): one row per token")
    length, width = inputs.shape[-2:]
    if length == 0:
        raise InputError("inputs holds no token (T = 0): give at least one input vector")
    encoding = sinusoidal_positional_encoding(length, width, dtype=inputs.dtype).to(inputs.device)  # (T, E)
    return inputs + encoding  # (..., T, E) + (T, E) -> (..., T, E)
