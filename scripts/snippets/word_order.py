import torch

import seqdocs
import seqdocs.experiments

torch.set_printoptions(precision=4, sci_mode=False)  # as in the tables
experiment = seqdocs.experiments.order_experiment("a b c", "c b a", seed=42)

# Recurrent models: the final hidden state after each order.
for model in seqdocs.RECURRENT_MODELS:
    original, reordered = experiment.final_states(model)
    print(f"{model}: a b c -> {original}, c b a -> {reordered}")

# Self-attention: the outputs for c b a against those of a b c, un-permuted.
for variant in seqdocs.experiments.ATTENTION_VARIANTS:
    print(f"{variant}: largest difference {experiment.gap(variant):.4g}")

# The toy's positional encoding: width 2, positions 0, 1, 2.
print(seqdocs.sinusoidal_positional_encoding(3, 2))
