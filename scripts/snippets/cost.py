import torch

import seqdocs
import seqdocs.experiments

torch.set_num_threads(1)  # as the page measured

# Bytes kept for backward, the peak bytes of a training step (forward
# and backward) and the longest chain of dependent operations: exact
# counts, the same on every run.
print("model        T  saved bytes    largest  peak bytes  chain")
for model in ("rnn", "lstm", "gru", "attention"):
    for length in (256, 512):
        workload = seqdocs.experiments.make_workload(model, length, batch=4, width=64)
        saved = seqdocs.experiments.saved_memory(
            workload.forward, not_counted=workload.leaves
        )
        peak = seqdocs.experiments.peak_memory(workload.run_forward_backward)
        chain = seqdocs.experiments.dependent_steps(workload.forward())
        print(
            f"{model:<9} {length:>4} {saved.total_bytes:>12,} "
            f"{saved.largest_bytes:>10,} {peak.peak_bytes:>11,} {chain:>6,}"
        )
