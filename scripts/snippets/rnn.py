import torch

import seqdocs

torch.set_printoptions(precision=4, sci_mode=False)  # as in the tables
trace = seqdocs.rnn_trace(seqdocs.make_setup("a b c"))
names = ("input_contribution", "recurrent_contribution", "pre_activation",
         "hidden")
for step in trace.steps:
    print(f"step {step.index + 1} reads {step.token!r}: {step['input']}")
    for name in names:
        print(f"  {name:<22}", step[name])
