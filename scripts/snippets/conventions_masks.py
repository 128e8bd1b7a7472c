import torch
import torch.nn.functional as F
from torch import nn

import seqdocs

setup = seqdocs.make_setup()  # "a b c", seed 42
W, x = setup.attention, setup.inputs  # x: (T, E)
queries, keys, values = x @ W.query, x @ W.key, x @ W.value  # (T, D) each

mha = nn.MultiheadAttention(embed_dim=2, num_heads=1, bias=False)
with torch.no_grad():
    mha.in_proj_weight.copy_(torch.cat([W.query.T, W.key.T, W.value.T]))
    mha.out_proj.weight.copy_(torch.eye(2))  # seqdocs has no output matrix


def sdpa(mask):
    return F.scaled_dot_product_attention(
        queries, keys, values, attn_mask=mask)  # (T, D)


def multihead(mask):
    with torch.no_grad():
        return mha(x, x, x, attn_mask=mask)[0]  # (T, D)


may_attend = seqdocs.causal_mask(3)  # (T, T), True where j <= i
seqdocs_output = seqdocs.attention_trace(setup, causal=True).steps[0]
results = {
    "seqdocs attention_trace(causal=True)": seqdocs_output["output"],
    "scaled_dot_product_attention, mask": sdpa(may_attend),
    "MultiheadAttention, the same mask": multihead(may_attend),
    "MultiheadAttention, ~mask": multihead(~may_attend),
}
print("mask (True = may attend):")
print(may_attend)
for name, output in results.items():
    print(f"{name}:")
    print(output)

# An additive float mask (0 = allowed, -inf = blocked) means the same to both.
additive = torch.zeros(3, 3).masked_fill(~may_attend, float("-inf"))
same = torch.allclose(sdpa(additive), multihead(additive))
print("float mask, both equal:", same)
