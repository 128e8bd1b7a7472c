import torch
from torch import nn

import seqdocs

torch.manual_seed(0)  # nn.Linear and nn.RNN start from random weights

# PyTorch stores a weight as (out, in) and computes x @ W.T.
linear = nn.Linear(in_features=3, out_features=2, bias=False)
x = torch.randn(4, 3)  # (T, in)
print("nn.Linear(3, 2).weight.shape:", tuple(linear.weight.shape))
print("linear(x) == x @ weight.T:   ",
      torch.allclose(linear(x), x @ linear.weight.T))

# seqdocs, the seed notebook and the maths store (in, out): x @ W.
setup = seqdocs.make_setup(embedding_size=3, hidden_size=2)
print("seqdocs input_to_hidden:     ",
      tuple(setup.rnn.input_to_hidden.shape))
print("nn.RNN(3, 2).weight_ih_l0:   ",
      tuple(nn.RNN(3, 2).weight_ih_l0.shape))


def torch_final_hidden(setup, input_weight, hidden_weight):
    E, H = setup.embedding_size, setup.rnn.hidden_size
    rnn = nn.RNN(E, H)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(input_weight)  # must be (H, E)
        rnn.weight_hh_l0.copy_(hidden_weight)  # must be (H, H)
        rnn.bias_ih_l0.zero_()
        rnn.bias_hh_l0.zero_()
        _, hidden = rnn(setup.inputs)  # (T, E) -> (1, H)
    return hidden[0]


# With E == H every matrix is square: a forgotten .T raises nothing.
setup = seqdocs.make_setup()  # E = H = 2
W_xh, W_hh = setup.rnn.input_to_hidden, setup.rnn.hidden_to_hidden
print("seqdocs rnn_trace:     ", seqdocs.rnn_trace(setup).final("hidden"))
print("nn.RNN, copied with .T:", torch_final_hidden(setup, W_xh.T, W_hh.T))
print("nn.RNN, copied as is:  ", torch_final_hidden(setup, W_xh, W_hh))
