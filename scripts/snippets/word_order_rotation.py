import torch

import seqdocs

width, delta, p = 32, 3, 10  # d_model, the distance, one position
encoding = seqdocs.sinusoidal_positional_encoding(64, width, dtype=torch.float64)
rotation = seqdocs.positional.position_rotation(delta, width, dtype=torch.float64)

# One rotation moves every position delta positions on: PE_{p+delta} = PE_p R.
moved = encoding[:-delta] @ rotation  # PE_p R for p = 0 .. 60
error = (encoding[delta:] - moved).abs().max().item()
print(f"largest |PE_(p+{delta}) - PE_p R|, over p = 0 .. 60: {error:.1e}")

# The dot product of two encodings is the same delta ahead and delta behind.
ahead = encoding[p] @ encoding[p + delta]
behind = encoding[p] @ encoding[p - delta]
print(f"PE_{p} . PE_{p + delta} = {ahead:.4f}, PE_{p} . PE_{p - delta} = {behind:.4f}")

# A query that carries the rotation, PE_p R, tells them apart: its score
# is largest for the key delta positions ahead, and not for the one behind.
scores = encoding[p] @ rotation @ encoding.T  # (T,): position p against all
print(f"with R: ahead {scores[p + delta]:.4f}, behind {scores[p - delta]:.4f},"
      f" best position {scores.argmax().item()}")
