"""The conventions page: one LSTM weight as seqdocs lays it out and as PyTorch does, and the parameters counted."""

import matplotlib.pyplot as plt
from _artifacts import Artifacts
from _figures import heatmap
from _render import figure_style, subscript
from torch import nn

import seqdocs

GATES = ("i", "f", "g", "o")
"""The LSTM's gate blocks in the order both seqdocs and PyTorch store them."""


def parameter_count(module: nn.Module) -> int:
    return sum(parameter.numel() for parameter in module.parameters())


def build(out: Artifacts) -> None:
    setup = seqdocs.make_setup()
    E, H = setup.embedding_size, setup.lstm.hidden_size
    weight = setup.lstm.weight  # (E + H, 4H), x @ W layout
    input_weight, hidden_weight = weight[:E].T, weight[E:].T  # PyTorch's weight_ih_l0 (4H, E), weight_hh_l0 (4H, H)

    out.value("lstm_weight_shape", f"({E + H}, {4 * H})")
    out.value("torch_weight_ih_shape", f"({4 * H}, {E})")
    out.value("torch_weight_hh_shape", f"({4 * H}, {H})")

    # Parameters: PyTorch's modules carry two bias vectors where the maths has one. Only their sum matters,
    # except in the GRU's candidate block, where the reset gate multiplies b_hn: there both are needed.
    for name, module, needed_biases in (
        ("rnn", nn.RNN(E, H), H),
        ("lstm", nn.LSTM(E, H), 4 * H),
        ("gru", nn.GRU(E, H), 3 * H + H),
    ):
        biases = module.bias_ih_l0.numel() + module.bias_hh_l0.numel()
        out.value(f"{name}_torch_parameters", str(parameter_count(module)))
        out.value(f"{name}_torch_biases", str(biases))
        out.value(f"{name}_needed_biases", str(needed_biases))
        out.value(f"{name}_needed_parameters", str(parameter_count(module) - biases + needed_biases))

    input_labels = [f"x{subscript(index + 1)}" for index in range(E)]
    hidden_labels = [f"h{subscript(index + 1)}" for index in range(H)]
    gate_labels = [f"{gate}{subscript(unit + 1)}" for gate in GATES for unit in range(H)]
    largest = float(weight.abs().max())
    limits = (-largest, largest)
    with figure_style():
        figure, (left, right) = plt.subplots(
            1, 2, figsize=(9.6, 4.4), gridspec_kw={"width_ratios": [4 * H, E + H + 1], "wspace": 0.3}
        )
        heatmap(
            left, weight.tolist(), input_labels + hidden_labels, gate_labels, limits=limits, digits=2,
            column_groups=list(GATES),
        )
        left.set_title(f"seqdocs: one W, ({E + H}, {4 * H}), used as [x h] @ W", pad=44)
        heatmap(
            right, [list(a) + list(b) for a, b in zip(input_weight.tolist(), hidden_weight.tolist())],
            gate_labels, input_labels + hidden_labels, limits=limits, digits=2,
            column_groups=["weight_ih_l0", "weight_hh_l0"],
        )
        right.set_title(f"PyTorch: ({4 * H}, {E}) and ({4 * H}, {H}), used as x @ W.T", pad=44)
    alt = (
        f"Two grids holding the same {weight.numel()} numbers of the LSTM's weights. Left, seqdocs's matrix W: "
        f"{E + H} rows (x₁, x₂, then h₁, h₂) and {4 * H} columns in four blocks of {H}, for the input gate i, "
        f"the forget gate f, the cell candidate g and the output gate o. Right, PyTorch's weight_ih_l0 and "
        f"weight_hh_l0 side by side: the same numbers transposed, one row per gate unit in the order "
        f"{', '.join(gate_labels)}, one column per input component or hidden unit. For example the number in row "
        f"x₁, column f₁ on the left, {float(weight[0, H]):.2f}, sits in row f₁, column x₁ on the right."
    )
    out.figure("lstm_layout", figure, alt=alt)
    out.provenance(setup.seed, checks=seqdocs.check_all(setup))


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
