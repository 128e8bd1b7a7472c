import torch

import seqdocs

torch.set_printoptions(precision=4, sci_mode=False)  # as in the tables
setup = seqdocs.make_setup("a b c")
step = seqdocs.attention_trace(setup).steps[0]  # rows: the tokens a, b, c
names = ("queries", "keys", "values", "scores", "attention_weights",
         "output")
for name in names:
    print(f"{name}:\n{step[name]}")

causal = seqdocs.attention_trace(setup, causal=True).steps[0]
print(f"causal attention_weights:\n{causal['attention_weights']}")
print(f"causal output:\n{causal['output']}")
