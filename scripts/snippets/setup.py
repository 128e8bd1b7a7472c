import torch

import seqdocs

setup = seqdocs.make_setup("a b c")  # seed 42, as in the seed notebook
print("vocabulary:", setup.vocabulary.tokens)
print("ids:", setup.token_ids)
print("embeddings (row i is the vector of id i):")
print(setup.embeddings)

# The notebook seeded torch's global generator and drew the embeddings
# first: same seed, same numbers.
torch.manual_seed(42)
same = torch.equal(torch.randn(3, 2), setup.embeddings)
print("same as the notebook's torch.randn(3, 2):", same)
