import torch
from torch import nn

import seqdocs

setup = seqdocs.make_setup()  # "a b c", seed 42
gru = setup.gru  # input_weight (E, 3H), hidden_weight (H, 3H): blocks r, z, n
E, H = setup.embedding_size, gru.hidden_size


def torch_gru(order):
    """nn.GRU's state after each token, seqdocs's blocks in the order given."""
    def reorder(tensor):  # (..., 3H), blocks r, z, n -> blocks in `order`
        blocks = dict(zip("rzn", tensor.chunk(3, dim=-1)))
        return torch.cat([blocks[name] for name in order], dim=-1)

    module = nn.GRU(E, H)
    with torch.no_grad():
        module.weight_ih_l0.copy_(reorder(gru.input_weight).T)  # (3H, E)
        module.weight_hh_l0.copy_(reorder(gru.hidden_weight).T)  # (3H, H)
        module.bias_ih_l0.copy_(reorder(gru.input_bias))
        module.bias_hh_l0.copy_(reorder(gru.hidden_bias))
        states, _ = module(setup.inputs)  # (T, E) -> (T, H)
    return states


def reset_before_product():
    """The GRU paper's formula: r scales h before h meets W_hn."""
    W_hr, W_hz, W_hn = gru.hidden_weight.chunk(3, dim=1)  # 3 x (H, H)
    hidden, states = torch.zeros(H), []
    for x in setup.inputs:
        x_r, x_z, x_n = (x @ gru.input_weight).chunk(3)  # 3 x (H,)
        reset = torch.sigmoid(x_r + hidden @ W_hr)
        update = torch.sigmoid(x_z + hidden @ W_hz)
        candidate = torch.tanh(x_n + (reset * hidden) @ W_hn)
        hidden = (1 - update) * candidate + update * hidden
        states.append(hidden)
    return torch.stack(states)  # (T, H)


reference = torch_gru("rzn")
rows = {
    "nn.GRU r z n": reference,
    "seqdocs": seqdocs.gru_trace(setup).stacked("hidden"),
    "nn.GRU z r n": torch_gru("zrn"),
    "reset before": reset_before_product(),
}
header = "".join(f"after {token:<13}" for token in setup.tokens)
print(" " * 14 + header.rstrip())
for name, states in rows.items():
    vectors = [f"({a:.4f}, {b:.4f})" for a, b in states.tolist()]
    verdict = "equal" if torch.allclose(states, reference) else "NOT equal"
    print(f"{name:<14}" + "".join(f"{v:<19}" for v in vectors) + verdict)
