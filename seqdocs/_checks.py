"""Checks of arguments shared across the package, so that every function reports a bad value in the same words."""

from __future__ import annotations

from collections.abc import Iterable

import torch

from .errors import InputError, InputTypeError

MAX_SIZE = 512
"""The largest embedding or hidden size accepted: bigger is never needed to watch a model read "a b c"."""

DTYPES = {"float32": torch.float32, "float64": torch.float64}
"""The dtypes a setup may compute in, by name."""


def check_whole(name: str, value: object, low: int, high: int) -> int:
    """Return `value` if it is a whole number from `low` to `high`, else raise an error naming `name`."""
    if isinstance(value, bool) or not isinstance(value, int):  # True is an int to Python, not to a reader
        raise InputTypeError(f"{name} must be a whole number, got {value!r} ({type(value).__name__})")
    if not low <= value <= high:
        raise InputError(f"{name} must be between {low} and {high}, got {value}")
    return value


def check_choice(name: str, value: object, choices: Iterable[str]) -> str:
    """Return `value` if it is one of `choices`, else raise an error naming `name` and listing the choices."""
    choices = tuple(choices)
    if not isinstance(value, str):  # also keeps an unhashable value away from `in` on a dict's keys
        raise InputTypeError(f"{name} must be a string, got {value!r} ({type(value).__name__})")
    if value not in choices:
        raise InputError(f"unknown {name} {value!r}: use one of {', '.join(choices)}")
    return value


def check_seeds(seeds: object, highest: int) -> tuple[int, ...]:
    """Return `seeds` as a tuple if it is a non-empty collection of distinct whole numbers from 0 to `highest`."""
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise InputTypeError(f"seeds must be a list of whole numbers, e.g. [0, 1, 2], got {seeds!r}")
    seeds = tuple(seeds)
    if not seeds:
        raise InputError("seeds is empty: give at least one seed, e.g. [0, 1, 2]")
    for seed in seeds:
        check_whole("every seed", seed, 0, highest)
    if len(set(seeds)) != len(seeds):
        raise InputError(f"seeds must be distinct, got {list(seeds)}: repeating a seed repeats the same result")
    return seeds


def check_size(name: str, value: object) -> int:
    """Return `value` if it is a whole number from 1 to MAX_SIZE, else raise an error naming `name`."""
    return check_whole(name, value, 1, MAX_SIZE)


def check_tensor(owner: str, name: str, tensor: object, trailing_shape: tuple[int | None, ...]) -> None:
    """Check that `tensor` is a floating-point tensor whose last dimensions are `trailing_shape`.

    Leading dimensions are allowed (they stack independent models, e.g. one per seed); `None` in
    `trailing_shape` accepts any size there.
    """
    if not isinstance(tensor, torch.Tensor):
        raise InputTypeError(f"{owner}.{name} must be a torch.Tensor, got {type(tensor).__name__}")
    if not tensor.is_floating_point():
        raise InputTypeError(f"{owner}.{name} must hold floating-point numbers, got {tensor.dtype}")
    actual = tuple(tensor.shape[-len(trailing_shape):]) if tensor.dim() >= len(trailing_shape) else None
    expected_ok = actual is not None and all(
        want is None or want == got for want, got in zip(trailing_shape, actual)
    )
    if not expected_ok:
        wanted = "(" + ", ".join("any" if size is None else str(size) for size in trailing_shape) + ")"
        raise InputError(
            f"{owner}.{name} has shape {tuple(tensor.shape)}, but its last dimensions must be {wanted}: "
            f"give a tensor of that shape"
        )


def check_heads(num_heads: object, width: int) -> int:
    """Return `num_heads` if it is a whole number that divides the attention width, else raise naming the divisors."""
    if isinstance(num_heads, bool) or not isinstance(num_heads, int):
        raise InputTypeError(f"num_heads must be a whole number, got {num_heads!r}")
    if num_heads < 1 or width % num_heads:
        divisors = [str(count) for count in range(1, width + 1) if width % count == 0]
        raise InputError(
            f"num_heads must divide the attention width {width}, got {num_heads}: use one of {', '.join(divisors)}"
        )
    return num_heads


def check_dtype(dtype: object) -> torch.dtype:
    """Return `dtype` as a torch.dtype if it is float32 or float64 (by name or as a dtype), else raise."""
    if isinstance(dtype, str):
        if dtype not in DTYPES:
            raise InputError(f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
        return DTYPES[dtype]
    if dtype not in DTYPES.values():
        raise InputError(f"dtype must be torch.float32 or torch.float64, got {dtype!r}")
    return dtype  # type: ignore[return-value]
