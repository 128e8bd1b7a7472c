import torch

import seqdocs
import seqdocs.experiments

torch.set_printoptions(precision=4)

# The toy RNN ("a b c", seed 42): how much its final state depends on
# each token, at distance 0 (the last token), 1 and 2.
setup = seqdocs.make_setup("a b c")
print("toy RNN:", seqdocs.experiments.gradient_norms("rnn", setup.inputs, setup.rnn))

# This page's experiment, smaller: 4 seeds, sequences of 32 inputs.
config = seqdocs.experiments.GradientConfig(length=32, seeds=range(4))
flow = seqdocs.experiments.gradient_flow(config)
print("median norm at distance 0, 10 and 31; 1000-fold fade by distance")
for curve in config.curves:
    median = flow.median(curve)
    faded = flow.distance_below(curve, 1e-3)  # None: not within 31
    sizes = "  ".join(f"{median[d]:.1e}" for d in (0, 10, 31))
    print(f"{curve:<19} {sizes}  {faded}")
