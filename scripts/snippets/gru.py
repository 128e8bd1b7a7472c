import torch

import seqdocs

torch.set_printoptions(precision=4, sci_mode=False)  # as in the tables
setup = seqdocs.make_setup("a b c")
trace = seqdocs.gru_trace(setup)  # PyTorch's GRU: reset after the product
for step in trace.steps:
    print(f"step {step.index + 1} reads {step.token!r}")
    for name in ("reset_gate", "update_gate", "candidate", "hidden"):
        print(f"  {name:<11}", step[name])

# The textbook GRU (Cho et al., 2014) resets the old state before the
# product. Same weights; all the biases are zero here, so they are left out.
W_x = setup.gru.input_weight  # (E, 3H): blocks r, z, n
W_hr, W_hz, W_hn = setup.gru.hidden_weight.chunk(3, dim=-1)  # (H, H) each
hidden = torch.zeros(setup.gru.hidden_size)
for token, x in zip(setup.tokens, setup.inputs):
    x_r, x_z, x_n = (x @ W_x).chunk(3)  # (H,) each
    reset_gate = torch.sigmoid(x_r + hidden @ W_hr)
    update_gate = torch.sigmoid(x_z + hidden @ W_hz)
    # PyTorch would compute x_n + reset_gate * (hidden @ W_hn) here.
    candidate = torch.tanh(x_n + (reset_gate * hidden) @ W_hn)
    hidden = (1 - update_gate) * candidate + update_gate * hidden
    print(f"textbook hidden after {token!r}:", hidden)
