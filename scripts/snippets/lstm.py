import torch

import seqdocs

torch.set_printoptions(precision=4, sci_mode=False)  # as in the tables
trace = seqdocs.lstm_trace(seqdocs.make_setup("a b c"))
names = ("input_gate", "forget_gate", "cell_candidate", "output_gate",
         "kept_memory", "new_information", "cell", "hidden")
for step in trace.steps:
    print(f"step {step.index + 1} reads {step.token!r}")
    for name in names:
        print(f"  {name:<15}", step[name])
