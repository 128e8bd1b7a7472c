import torch
from torch import nn

import seqdocs

torch.manual_seed(0)  # PyTorch draws random weights and biases
x = seqdocs.make_setup().inputs  # (T, E) = (3, 2): "a b c"


def verdict(first, second):
    return "the same" if torch.allclose(first, second) else "DIFFERENT"


for module in (nn.RNN(2, 2), nn.LSTM(2, 2), nn.GRU(2, 2)):
    b_ih, b_hh = module.bias_ih_l0, module.bias_hh_l0
    print(f"{type(module).__name__}: bias_ih_l0 {tuple(b_ih.shape)},"
          f" bias_hh_l0 {tuple(b_hh.shape)}")
    with torch.no_grad():
        two_biases, _ = module(x)  # (T, H)
        # The maths has one bias b = b_ih + b_hh: put all of it in b_ih.
        b_ih.add_(b_hh)
        b_hh.zero_()
        one_bias, _ = module(x)
    print("    one bias instead of two:", verdict(two_biases, one_bias))

# In the GRU's candidate, tanh(x W_in + b_in + r * (h W_hn + b_hn)), the
# reset gate r scales b_hn, so that block cannot move. The r and z blocks
# (the first 2H entries) can.
gru = nn.GRU(2, 2)
first_two = slice(0, 2 * gru.hidden_size)
with torch.no_grad():
    two_biases, _ = gru(x)
    gru.bias_ih_l0[first_two] += gru.bias_hh_l0[first_two]
    gru.bias_hh_l0[first_two] = 0
    moved, _ = gru(x)
print("GRU, only the r and z blocks moved:", verdict(two_biases, moved))
