"""What a traced model records: its steps in order, each with its tensors by name.

A [Trace][seqdocs.Trace] is plain data. It holds no model and no code, only tensors and the tokens they
belong to, so a page, a figure, a table, a notebook and the terminal can all show the same numbers. It
round-trips through JSON without losing a bit: float32 and float64 values are written with enough digits to
be read back exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import torch

_DTYPES = {"float32": torch.float32, "float64": torch.float64, "bool": torch.bool, "int64": torch.int64}


@dataclass(frozen=True)
class Step:
    """One step of a model: the token it read and every tensor it computed, in the order it computed them.

    Attributes:
        index: The position of the step, counting from 0.
        token: The token read at this step; `None` for self-attention, which reads all tokens in one step.
        tensors: The named tensors of this step, in the order the model computed them.

    Examples:
        >>> from seqdocs import rnn_trace
        >>> step = rnn_trace().steps[0]
        >>> step.token, list(step.tensors)[-1]
        ('a', 'hidden')
    """

    index: int
    token: str | None
    tensors: dict[str, torch.Tensor] = field(default_factory=dict)

    def __getitem__(self, name: str) -> torch.Tensor:
        return self.tensors[name]


@dataclass(frozen=True)
class Trace:
    """Everything a model computed while reading a sequence.

    Attributes:
        model: Which model: `"rnn"`, `"lstm"`, `"gru"` or `"attention"`.
        tokens: The sequence that was read.
        steps: The steps in order: one per token for the recurrent models, one for self-attention.
        weights: The weights used, by name, in the layout the model multiplies them (`x @ W`).
        options: Settings that changed the computation, such as `{"causal": True}`.

    Examples:
        >>> from seqdocs import lstm_trace
        >>> trace = lstm_trace()
        >>> trace.tokens, len(trace.steps)
        (('a', 'b', 'c'), 3)
        >>> trace.stacked("forget_gate").shape  # one row per step
        torch.Size([3, 2])
        >>> Trace.from_json(trace.to_json()) == trace
        True
    """

    model: str
    tokens: tuple[str, ...]
    steps: tuple[Step, ...]
    weights: dict[str, torch.Tensor]
    options: dict[str, Any] = field(default_factory=dict)

    def stacked(self, name: str) -> torch.Tensor:
        """Stack one named tensor over all steps.

        Args:
            name: A tensor name that every step records, e.g. `"hidden"`.

        Returns:
            A tensor whose first dimension is the step.

        Raises:
            KeyError: If a step does not record `name`; the message lists the names it does record.
        """
        for step in self.steps:
            if name not in step.tensors:
                raise KeyError(f"{self.model} steps record no {name!r}; they record {', '.join(step.tensors)}")
        return torch.stack([step.tensors[name] for step in self.steps])

    def final(self, name: str) -> torch.Tensor:
        """The named tensor of the last step, e.g. the final hidden state.

        Examples:
            >>> from seqdocs import rnn_trace
            >>> rnn_trace().final("hidden").shape
            torch.Size([2])
        """
        return self.steps[-1].tensors[name]

    def to_dict(self) -> dict[str, Any]:
        """The trace as plain Python data (lists, numbers, strings), ready for `json.dumps`."""
        return {
            "model": self.model,
            "tokens": list(self.tokens),
            "options": dict(self.options),
            "weights": {name: tensor_to_data(tensor) for name, tensor in self.weights.items()},
            "steps": [
                {
                    "index": step.index,
                    "token": step.token,
                    "tensors": {name: tensor_to_data(tensor) for name, tensor in step.tensors.items()},
                }
                for step in self.steps
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trace:
        """Rebuild a trace from [to_dict][seqdocs.Trace.to_dict]'s output."""
        return cls(
            model=data["model"],
            tokens=tuple(data["tokens"]),
            options=dict(data.get("options", {})),
            weights={name: _tensor_from_data(value) for name, value in data["weights"].items()},
            steps=tuple(
                Step(
                    index=step["index"],
                    token=step["token"],
                    tensors={name: _tensor_from_data(value) for name, value in step["tensors"].items()},
                )
                for step in data["steps"]
            ),
        )

    def to_json(self, indent: int | None = None) -> str:
        """The trace as JSON text; [from_json][seqdocs.Trace.from_json] reads it back exactly."""
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_json(cls, text: str) -> Trace:
        """Read a trace written by [to_json][seqdocs.Trace.to_json]."""
        return cls.from_dict(json.loads(text))

    def __eq__(self, other: object) -> bool:
        """Two traces are equal when every field and every tensor is identical, bit for bit."""
        if not isinstance(other, Trace):
            return NotImplemented
        return (
            (self.model, self.tokens, self.options) == (other.model, other.tokens, other.options)
            and _same_tensors(self.weights, other.weights)
            and len(self.steps) == len(other.steps)
            and all(
                (mine.index, mine.token) == (theirs.index, theirs.token)
                and _same_tensors(mine.tensors, theirs.tensors)
                for mine, theirs in zip(self.steps, other.steps)
            )
        )

    __hash__ = None  # type: ignore[assignment]  # mutable tensors inside: not hashable


def _same_tensors(mine: dict[str, torch.Tensor], theirs: dict[str, torch.Tensor]) -> bool:
    return list(mine) == list(theirs) and all(
        mine[name].dtype == theirs[name].dtype and torch.equal(mine[name], theirs[name]) for name in mine
    )


def tensor_to_data(tensor: torch.Tensor) -> dict[str, Any]:
    """One tensor as plain data, `{"dtype", "shape", "data"}`, that reads back bit for bit."""
    # A float32 value converts to a Python float (float64) exactly, and json writes the shortest text that
    # reads back to that same float64, so casting back to float32 on load restores every bit.
    dtype = str(tensor.dtype).removeprefix("torch.")
    if dtype not in _DTYPES:
        raise TypeError(f"cannot write a {dtype} tensor to JSON; use one of {', '.join(_DTYPES)}")
    return {"dtype": dtype, "shape": list(tensor.shape), "data": tensor.detach().cpu().tolist()}


def _tensor_from_data(value: dict[str, Any]) -> torch.Tensor:
    tensor = torch.tensor(value["data"], dtype=_DTYPES[value["dtype"]])
    return tensor.reshape(value["shape"])
