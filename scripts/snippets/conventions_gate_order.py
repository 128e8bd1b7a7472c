import torch
from torch import nn

import seqdocs

setup = seqdocs.make_setup()  # "a b c", seed 42
E, H = setup.embedding_size, setup.lstm.hidden_size
ours = seqdocs.lstm_trace(setup).final("hidden")  # (H,)

# seqdocs's LSTM weight is (E + H, 4H): four column blocks, one per gate.
i, f, g, o = setup.lstm.weight.chunk(4, dim=1)  # 4 x (E + H, H)


def torch_final_hidden(blocks):
    """nn.LSTM's final hidden state, its weight blocks in the order given."""
    weight = torch.cat(blocks, dim=1)  # (E + H, 4H)
    lstm = nn.LSTM(E, H)
    with torch.no_grad():
        lstm.weight_ih_l0.copy_(weight[:E].T)  # (4H, E)
        lstm.weight_hh_l0.copy_(weight[E:].T)  # (4H, H)
        lstm.bias_ih_l0.zero_()  # seqdocs's biases are zero
        lstm.bias_hh_l0.zero_()
        _, (hidden, _) = lstm(setup.inputs)  # (T, E) -> (1, H)
    return hidden[0]


orders = {
    "i, f, g, o (PyTorch's order)": (i, f, g, o),
    "i, o, f, g (ONNX's order)": (i, o, f, g),
    "f, i, g, o (i and f swapped)": (f, i, g, o),
}
print(f"{'seqdocs lstm_trace':<30}", ours)
for name, blocks in orders.items():
    theirs = torch_final_hidden(blocks)
    verdict = "equal" if torch.allclose(ours, theirs) else "NOT equal"
    print(f"{name:<30}", theirs, verdict)
