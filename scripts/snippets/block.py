import torch
from torch import nn

import seqdocs

torch.set_printoptions(precision=4, sci_mode=False)  # as in the tables
setup = seqdocs.make_setup("a b c", embedding_size=4)  # d_model = 4: 2 heads of width 2
trace = seqdocs.block_trace(setup)  # post-norm, 2 heads, feed-forward width 8
step = trace.steps[0]  # rows: the tokens a, b, c
names = ("inputs", "attention_weights", "attention_output",
         "attention_residual", "norm1_mean", "norm1_variance",
         "norm1_output", "feedforward_hidden", "output")
for name in names:
    print(f"{name}:\n{step[name]}")

# The trace's weights load into PyTorch's own layer, which gives the same output.
layer = nn.TransformerEncoderLayer(d_model=4, nhead=2, dim_feedforward=8,
                                   dropout=0.0, batch_first=True).eval()
layer.load_state_dict(trace.weights)
with torch.no_grad():
    print(f"nn.TransformerEncoderLayer:\n{layer(step['inputs'][None])[0]}")

# Generation: one token at a time with a causal block, keeping keys and values.
cached = seqdocs.block.cached_block_trace(setup)
for token_step in cached.steps:
    kept = token_step["keys"].numel() + token_step["values"].numel()
    print(f"after {token_step.token}: keeps {kept} numbers;",
          f"output {token_step['output'][0]}")
