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
W_ir, W_iz, W_in = setup.gru.input_weight.chunk(3, dim=-1)  # (E, H) each
W_hr, W_hz, W_hn = setup.gru.hidden_weight.chunk(3, dim=-1)  # (H, H) each
hidden = torch.zeros(setup.gru.hidden_size)
for token, x in zip(setup.tokens, setup.inputs):
    reset_gate = torch.sigmoid(x @ W_ir + hidden @ W_hr)
    update_gate = torch.sigmoid(x @ W_iz + hidden @ W_hz)
    # PyTorch would compute x @ W_in + reset_gate * (hidden @ W_hn) here.
    candidate = torch.tanh(x @ W_in + (reset_gate * hidden) @ W_hn)
    hidden = (1 - update_gate) * candidate + update_gate * hidden
    print(f"textbook hidden after {token!r}:", hidden)
