"""The setup page: the vocabulary, the ids, the embedding matrix, and the order of the seeded random draws."""

import math

import matplotlib.pyplot as plt
import torch
from _artifacts import Artifacts
from _figures import arrows_from_origin, plane, token_colour
from _render import figure_style, subscript, tensor_table, vector_text

import seqdocs
import seqdocs.experiments


def build(out: Artifacts) -> None:
    setup = seqdocs.make_setup()
    tokens, ids = setup.tokens, setup.token_ids
    vocabulary = setup.vocabulary.tokens
    embedding_size = setup.embedding_size

    out.value("seed", str(setup.seed))
    out.value("sequence", " ".join(tokens))
    out.value("vocabulary_size", str(len(vocabulary)))
    out.value("embedding_size", str(embedding_size))
    out.value("length", str(len(tokens)))
    out.value("hidden_size", str(setup.rnn.hidden_size))
    out.value("ids", ", ".join(str(token_id) for token_id in ids))

    out.markdown(
        "vocabulary",
        "| token | id |\n| :---: | :---: |\n"
        + "".join(f"| `{token}` | {token_id} |\n" for token_id, token in enumerate(vocabulary)),
    )
    out.markdown(
        "sequence",
        "| step $t$ | " + " | ".join(str(step + 1) for step in range(len(tokens))) + " |\n"
        "| :--- |" + " :---: |" * len(tokens) + "\n"
        "| token | " + " | ".join(f"`{token}`" for token in tokens) + " |\n"
        "| id | " + " | ".join(str(token_id) for token_id in ids) + " |\n",
    )
    component_labels = [f"e{subscript(index + 1)}" for index in range(embedding_size)]  # e₁, e₂
    out.markdown(
        "embeddings",
        tensor_table(
            setup.embeddings,
            row_labels=[f"`{token}` (row {token_id})" for token_id, token in enumerate(vocabulary)],
            column_labels=component_labels,
        ),
    )
    for token_id, token in enumerate(vocabulary):
        out.value(f"embedding_{token}", vector_text(setup.embeddings[token_id]))

    # The draws in the order make_setup takes them; the table shows each one's first number so that a reader
    # who reruns the seed notebook can match them one by one.
    draws = [
        ("embedding matrix", "$W_{\\text{emb}}$, one row per token", setup.embeddings),
        ("RNN", "$W_{xh}$, input to hidden", setup.rnn.input_to_hidden),
        ("RNN", "$W_{hh}$, hidden to hidden", setup.rnn.hidden_to_hidden),
        ("LSTM", "$W$: three gates and the candidate", setup.lstm.weight),
        ("self-attention", "$W_Q$, queries", setup.attention.query),
        ("self-attention", "$W_K$, keys", setup.attention.key),
        ("self-attention", "$W_V$, values", setup.attention.value),
        ("GRU", "$W_{ir}, W_{iz}, W_{in}$: input", setup.gru.input_weight),
        ("GRU", "$W_{hr}, W_{hz}, W_{hn}$: hidden", setup.gru.hidden_weight),
    ]
    lines = ["| draw | for | what | shape | numbers | its first number |", "| ---: | :--- | :--- | :---: | ---: | ---: |"]
    for index, (model, what, tensor) in enumerate(draws):
        shape = " × ".join(str(size) for size in tensor.shape)
        lines.append(
            f"| {index + 1} | {model} | {what} | {shape} | {tensor.numel()} | {float(tensor.flatten()[0]):.4f} |"
        )
    out.markdown("draws", "\n".join(lines) + "\n")
    notebook_numbers = sum(tensor.numel() for model, _, tensor in draws if model != "GRU")
    out.value("notebook_draws", str(sum(model != "GRU" for model, _, _ in draws)))
    out.value("notebook_numbers", str(notebook_numbers))
    out.value("gru_numbers", str(sum(tensor.numel() for model, _, tensor in draws if model == "GRU")))

    # What would happen if the GRU, the newcomer, were drawn first: the same seed, one draw moved.
    generator = torch.Generator().manual_seed(setup.seed)
    for _, _, tensor in draws[-2:]:
        torch.randn(*tensor.shape, generator=generator)
    moved_embeddings = torch.randn(*setup.embeddings.shape, generator=generator)
    out.value("moved_embedding_a", vector_text(moved_embeddings[0]))

    # How large the toy's weights are next to PyTorch's own initialisation of nn.RNN, nn.LSTM and nn.GRU:
    # uniform in ±1/√H, whose standard deviation is (1/√H)/√3 = 1/√(3H). The toy's are standard normal, spread 1.
    # The hidden sizes are the package's defaults for the two chapters that use PyTorch's initialisation.
    sizes = [
        ("the toy pages", setup.rnn.hidden_size),
        ("[Memory](memory.md)", seqdocs.experiments.MemoryConfig().hidden_size),
        ("[Gradients](gradients.md)", seqdocs.experiments.GradientConfig().hidden_size),
    ]
    lines = [
        "| where | hidden size $H$ | PyTorch's bound $1/\\sqrt{H}$ | PyTorch's spread $1/\\sqrt{3H}$ "
        "| the toy's spread | the toy's, as a multiple of PyTorch's |",
        "| :--- | ---: | ---: | ---: | ---: | ---: |",
    ]
    ratios = []
    for where, hidden_size in sizes:
        bound = 1 / math.sqrt(hidden_size)
        spread = bound / math.sqrt(3)  # the standard deviation of a uniform draw from -bound to bound
        ratios.append(1.0 / spread)
        lines.append(f"| {where} | {hidden_size} | {bound:.4f} | {spread:.4f} | 1 | {1.0 / spread:.1f} |")
    out.markdown("weight_scales", "\n".join(lines) + "\n")
    out.value("toy_scale_ratio", f"{ratios[0]:.1f}")
    out.value("memory_scale_ratio", f"{ratios[1]:.1f}")
    out.value("gradients_scale_ratio", f"{ratios[2]:.1f}")

    # The seed notebook seeds torch's global generator; make_setup seeds a private one. Same seed, same stream.
    torch.manual_seed(setup.seed)
    same = torch.equal(torch.randn(*setup.embeddings.shape), setup.embeddings)
    out.value("notebook_stream", "the very same numbers" if same else "different numbers")

    with figure_style():
        figure, axes = plt.subplots(figsize=(6.0, 2.7))
        vectors = setup.embeddings.tolist()
        plane(axes, vectors, margin=0.3, labels=component_labels)
        left, right = axes.get_xlim()
        axes.set_xlim(left, right + 0.6)  # room for the labels beside the tips
        # a and b nearly share a direction: a's label goes below its tip and b's above; c's goes under its tip.
        offsets = [(6, -4), (6, 4), (2, -8)]
        arrows_from_origin(
            axes,
            vectors,
            [f"{token} {vector_text(setup.embeddings[index])}" for index, token in enumerate(vocabulary)],
            [token_colour(index) for index in range(len(vocabulary))],
            label_offsets=offsets,
        )
        figure.tight_layout()
    def length(row: int) -> float:
        return float(setup.embeddings[row].norm())

    def angle(first: int, second: int) -> float:
        cosine = setup.embeddings[first] @ setup.embeddings[second] / (length(first) * length(second))
        return math.degrees(math.acos(float(cosine.clamp(-1, 1))))

    alt = (
        "Three arrows from the origin, one per token, drawn from the embedding matrix: "
        + "; ".join(f"{token} points to {vector_text(setup.embeddings[index])}" for index, token in enumerate(vocabulary))
        + f". The angle between a and b is {angle(0, 1):.0f} degrees, between a and c {angle(0, 2):.0f} degrees; "
        f"c is {length(2) / length(0):.1f} times as long as a."
    )
    out.figure("embeddings_plane", figure, alt=alt)
    out.provenance(setup.seed, checks=[])


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
