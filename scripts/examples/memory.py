"""The memory page: four models trained to recall the first token across N distractors, every seed shown.

All settings are fixed here, before any run, and every sentence that states a result is built from the numbers.
"""

import matplotlib.pyplot as plt
import numpy as np
import torch
from _artifacts import Artifacts
from _figures import PALETTE, SHARES, SIGNED, foreground
from _render import figure_style

import seqdocs

DISTRACTORS = (2, 4, 8, 16, 32)
"""The gaps tried, doubling up to 32; the sequence is two tokens longer (the symbol and the query).

Training time grows with the sequence, so a gap of 64 alone would cost as much as all of these together: more
than the cold build can afford (the chapters past the toy share one minute of CPU). When 64 was in the sweep it
told what 32 tells: every recurrent model's median seed at chance, self-attention's median seed solving it."""

# The budget (steps, batch) is what the whole page can afford in a cold build (about half a minute of one CPU
# core here); all four models get the same. Everything else is PyTorch's defaults or the usual textbook choices.
CONFIG = seqdocs.MemoryConfig(
    num_symbols=8,
    num_distractor_tokens=8,
    embedding_size=16,
    hidden_size=16,
    forget_bias=1.0,
    steps=160,
    batch_size=32,
    learning_rate=0.01,
    max_grad_norm=1.0,
    test_size=1000,
    test_seed=2024,
)

NAMES = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU", "attention": "self-attention"}
COLOURS = dict(zip(seqdocs.MEMORY_MODELS, PALETTE))
MARKERS = {"rnn": "o", "lstm": "s", "gru": "D", "attention": "^"}
# Eight symbols need eight colours, more than the site's palette has: matplotlib's tab10, told apart by marker too.
SYMBOL_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
SYMBOL_MARKERS = ("o", "s", "D", "^", "v", "P", "X", "*")
ABOVE_CHANCE_P = 0.001
"""An accuracy counts as clearly above chance if a guesser reaches it with at most this probability."""
SMOOTHING = 10
"""Steps averaged in each point of the learning curves."""
SHOWN_SEQUENCES = 120
"""Sequences drawn in the cell figure: enough for every symbol to show as a band, few enough to see lines."""


def percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def name_list(items: list[str]) -> str:
    """'', 'a', 'a and b', 'a, b and c'."""
    return " and ".join(items) if len(items) < 3 else ", ".join(items[:-1]) + " and " + items[-1]


def capital(text: str) -> str:
    return text[0].upper() + text[1:]


def train_all() -> dict[tuple[str, int], seqdocs.MemoryRun]:
    return {
        (model, gap): seqdocs.train_memory_model(model, gap, seqdocs.MEMORY_SEEDS, CONFIG)
        for model in seqdocs.MEMORY_MODELS
        for gap in DISTRACTORS
    }


def settings_table(runs: dict, above_chance: float) -> str:
    optimizer = seqdocs.OPTIMIZER([torch.zeros(1, requires_grad=True)]).defaults
    counts = {
        model: sorted({seqdocs.count_parameters(runs[model, gap].parameters) for gap in DISTRACTORS})
        for model in seqdocs.MEMORY_MODELS
    }
    count_text = "; ".join(
        f"{NAMES[model]} {counts[model][0]:,}"
        + (f" to {counts[model][-1]:,}" if len(counts[model]) > 1 else "")
        for model in seqdocs.MEMORY_MODELS
    )
    c = CONFIG
    sigmoid = torch.sigmoid(torch.tensor(c.forget_bias)).item()
    rows = [
        ("Gaps tried, N (distractors)", ", ".join(map(str, DISTRACTORS)), "the sequence is N + 2 tokens long"),
        ("Seeds per model and gap", ", ".join(map(str, seqdocs.MEMORY_SEEDS)),
         "each seed fixes the initial weights and the training batches; the same seed gives every model the same "
         "batches"),
        ("Symbols K", str(c.num_symbols), "the first token is one of these, uniformly"),
        ("Chance level", percent(c.chance), "1/K: the accuracy of guessing"),
        ("Clearly above chance", f"≥ {percent(above_chance)}",
         f"guessing reaches this on {c.test_size:,} sequences with probability below {ABOVE_CHANCE_P:.1%}"),
        ("Solved", f"≥ {percent(seqdocs.SOLVED_ACCURACY)}",
         "a seed that reaches this on the held-out sequences has solved the task"),
        ("Distractor tokens D", str(c.num_distractor_tokens), "each distractor is one of these, uniformly"),
        ("Embedding size E", str(c.embedding_size), "learned embeddings, one per token"),
        ("Hidden size H", str(c.hidden_size),
         "the same for all four models (the query, key and value width for self-attention)"),
        ("Parameters per model", count_text, "the same hidden size, not the same number of parameters"),
        ("Initial weights", "PyTorch's defaults",
         "recurrent, attention and readout weights uniform in ±1/√fan; embeddings standard normal"),
        ("LSTM forget-gate bias at start", f"{c.forget_bias:g}",
         f"the forget gate starts near σ({c.forget_bias:g}) = {sigmoid:.2f}; PyTorch's default bias is small and "
         "random, so near σ(0) = 0.5"),
        ("Self-attention", "1 layer, 1 head",
         "sinusoidal positional encoding added to the embeddings; no mask, no feed-forward layer"),
        ("Readout", "linear, at the query", "the vector at the last position, mapped to K scores"),
        ("Optimizer", seqdocs.OPTIMIZER.__name__,
         f"betas {optimizer['betas']}, eps {optimizer['eps']:g}, no weight decay"),
        ("Learning rate", f"{c.learning_rate:g}", "constant"),
        ("Training steps", f"{c.steps:,}", "the same for every model and gap"),
        ("Batch size", str(c.batch_size), f"fresh sequences every step: {c.steps * c.batch_size:,} per seed in all"),
        ("Gradient clipping", f"norm ≤ {c.max_grad_norm:g}", "per seed"),
        ("Held-out sequences", f"{c.test_size:,}", f"drawn with seed {c.test_seed}, the same for every model and seed"),
    ]
    lines = ["| Setting | Value | Note |", "| --- | --- | --- |"]
    lines += [f"| {name} | {value} | {note} |" for name, value, note in rows]
    return "\n".join(lines) + "\n"


def results_table(runs: dict) -> str:
    """One row per gap, one column per model: the median in bold, then the range over seeds and how many solved."""
    header = "| N | " + " | ".join(capital(NAMES[model]) for model in seqdocs.MEMORY_MODELS) + " |"
    lines = [header, "| ---: |" + " ---: |" * len(seqdocs.MEMORY_MODELS)]
    for gap in DISTRACTORS:
        cells = []
        for model in seqdocs.MEMORY_MODELS:
            run = runs[model, gap]
            low, high = (f"{100 * value:.1f}" for value in (run.test_accuracy.min(), run.test_accuracy.max()))
            spread = f"all {high}%" if low == high else f"{low}–{high}%"
            cells.append(f"**{percent(run.median_test_accuracy)}**<br>{spread} · {run.solved_seeds}/{len(run.seeds)}")
        lines.append(f"| {gap} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def seeds_table(runs: dict) -> str:
    seeds = ", ".join(map(str, seqdocs.MEMORY_SEEDS))
    lines = [f"| Model | N | held-out accuracy of seeds {seeds} (%) | clipped steps |", "| --- | ---: | ---: | ---: |"]
    for model in seqdocs.MEMORY_MODELS:
        for gap in DISTRACTORS:
            run = runs[model, gap]
            accuracies = " · ".join(f"{100 * value:.1f}" for value in run.test_accuracy.tolist())
            lines.append(f"| {capital(NAMES[model])} | {gap} | {accuracies} | {percent(run.clipped_fraction)} |")
    return "\n".join(lines) + "\n"


def outcome_sentences(runs: dict, above_chance: float) -> dict[str, str]:
    """The results in words, each sentence chosen by the numbers."""
    values = {}
    longest_gap = DISTRACTORS[-1]
    lines = []
    for model in seqdocs.MEMORY_MODELS:
        longest = seqdocs.longest_remembered(runs.values(), model)
        name = f"**{capital(NAMES[model])}**"
        if longest == longest_gap:
            lines.append(f"- {name}: the median seed solved every gap tried, up to N = {longest_gap}.")
            continue
        failed_gap = DISTRACTORS[0] if longest is None else DISTRACTORS[DISTRACTORS.index(longest) + 1]
        failed = runs[model, failed_gap]
        level = "at chance" if failed.median_test_accuracy < above_chance else "above chance but short of solved"
        solved_part = (
            "failed already at the shortest gap" if longest is None else f"solved the task up to N = {longest}, then failed"
        )
        lines.append(
            f"- {name}: the median seed {solved_part}: at N = {failed_gap} it scored "
            f"{percent(failed.median_test_accuracy)} ({level}), and {failed.solved_seeds} of {len(failed.seeds)} seeds "
            "solved it."
        )
    values["longest_list"] = "\n".join(lines) + "\n"

    final = {model: runs[model, longest_gap] for model in seqdocs.MEMORY_MODELS}
    ranked = sorted(seqdocs.MEMORY_MODELS, key=lambda model: -final[model].median_test_accuracy)
    learned = [NAMES[model] for model in ranked if final[model].median_test_accuracy >= above_chance]
    guessing = [NAMES[model] for model in ranked if final[model].median_test_accuracy < above_chance]
    sentence = f"At the longest gap, N = {longest_gap}, the median seeds scored " + name_list(
        [f"{NAMES[model]} {percent(final[model].median_test_accuracy)}" for model in ranked]
    ) + f", against a chance level of {percent(CONFIG.chance)}."
    if guessing:
        verb = "was" if len(guessing) == 1 else "were"
        sentence += f" The median {name_list(guessing)} {verb} no better than guessing"
        sentence += f" (below {percent(above_chance)})"
        sentence += f"; {name_list(learned)} did better." if learned else "."
    else:
        sentence += " Every model's median seed did better than guessing."
    values["longest_sentence"] = sentence

    # The usual story: a gated cell remembers at least as long as a plain RNN. It fails where the RNN's median
    # is clearly above chance and above the gated model's.
    story = []
    for gated in ("lstm", "gru"):
        beaten = [
            gap for gap in DISTRACTORS
            if runs["rnn", gap].median_test_accuracy >= above_chance
            and runs["rnn", gap].median_test_accuracy > runs[gated, gap].median_test_accuracy
        ]
        if beaten:
            story.append(
                f"For the {NAMES[gated]} it fails: the plain RNN's median seed did better at "
                + name_list(
                    [
                        f"N = {gap} ({percent(runs['rnn', gap].median_test_accuracy)} against "
                        f"{percent(runs[gated, gap].median_test_accuracy)})"
                        for gap in beaten
                    ]
                )
                + "."
            )
        else:
            story.append(
                f"For the {NAMES[gated]} it holds: wherever the RNN's median seed did better than chance, the "
                f"{NAMES[gated]}'s did at least as well."
            )
    values["usual_story"] = " ".join(story)

    short = [gap for gap in DISTRACTORS if runs["attention", gap].median_test_accuracy < seqdocs.SOLVED_ACCURACY]
    if not short:
        values["attention_story"] = (
            f"It holds here: self-attention's median seed solved the task at every gap, up to N = {longest_gap}."
        )
    else:
        misses = name_list(
            [
                f"N = {gap} ({percent(runs['attention', gap].median_test_accuracy)}, "
                f"{runs['attention', gap].solved_seeds} of {len(runs['attention', gap].seeds)} seeds solved)"
                for gap in short
            ]
        )
        sentence = f"It does not fully hold here: self-attention's median seed fell short of solved at {misses}"
        if short[0] != DISTRACTORS[0]:
            sentence += f", while it solved every gap below N = {short[0]}"
        if short == [gap for gap in DISTRACTORS if gap >= short[0]]:
            which = "the longest gap was" if len(short) == 1 else "the longer gaps were"
            sentence += f". Within this budget, {which} harder for attention too."
        else:
            sentence += ". Its misses do not line up with the length of the gap."
        values["attention_story"] = sentence

    gated_better = [
        gap for gap in DISTRACTORS
        if runs["lstm", gap].median_test_accuracy > runs["gru", gap].median_test_accuracy
        and runs["lstm", gap].median_test_accuracy >= above_chance
    ]
    gru_better = [
        gap for gap in DISTRACTORS
        if runs["gru", gap].median_test_accuracy > runs["lstm", gap].median_test_accuracy
        and runs["gru", gap].median_test_accuracy >= above_chance
    ]
    if gru_better and not gated_better:
        values["lstm_vs_gru"] = (
            f"The GRU's median seed scored higher than the LSTM's at N = {name_list(list(map(str, gru_better)))}, "
            "and never lower where either did better than chance."
        )
    elif gated_better and not gru_better:
        values["lstm_vs_gru"] = (
            f"The LSTM's median seed scored higher than the GRU's at N = {name_list(list(map(str, gated_better)))}, "
            "and never lower where either did better than chance."
        )
    elif not gated_better and not gru_better:
        values["lstm_vs_gru"] = (
            "The LSTM's and the GRU's median seeds scored the same wherever either did better than chance."
        )
    else:
        values["lstm_vs_gru"] = (
            "Neither gated cell was ahead at every gap: the LSTM's median seed scored higher at "
            f"N = {name_list([str(gap) for gap in gated_better]) or 'no gap'}, the GRU's at "
            f"N = {name_list([str(gap) for gap in gru_better]) or 'no gap'}."
        )

    window = max(1, CONFIG.steps // 10)
    late = {
        model: runs[model, longest_gap].train_accuracy[-window:].mean(dim=0).median().item()
        for model in seqdocs.MEMORY_MODELS
    }
    flat = [model for model in seqdocs.MEMORY_MODELS if late[model] < above_chance]
    if flat:
        values["curves_sentence"] = (
            f"At N = {longest_gap}, over the last {window} steps, the median seed's training accuracy was "
            + name_list([f"{percent(late[model])} for the {NAMES[model]}" for model in flat])
            + ": still at chance when training stopped. The curves do not say whether more steps would have "
            "found the signal, only that these did not."
        )
    else:
        values["curves_sentence"] = (
            f"At N = {longest_gap}, every model's median training accuracy over the last {window} steps was above "
            "chance: each had found the signal before training stopped."
        )
    return values


def seen_sentence() -> str:
    """How likely a held-out sequence is to have turned up in training too, gap by gap."""
    chances = {gap: seqdocs.chance_seen_in_training(gap, CONFIG) for gap in DISTRACTORS}
    common = [gap for gap in DISTRACTORS if chances[gap] >= 0.001]
    rare = [gap for gap in DISTRACTORS if chances[gap] < 0.001]
    if not common:
        return (
            "At every gap, a held-out sequence turns up among a seed's training sequences with probability below 0.1%."
        )
    sentence = "A held-out sequence also turns up among a seed's training sequences with probability " + name_list(
        [f"{percent(chances[gap])} at N = {gap}" for gap in common]
    )
    if rare:
        sentence += f", and below 0.1% at N = {name_list([str(gap) for gap in rare])}"
    return sentence + "."


def accuracy_figure(runs: dict, above_chance: float):
    positions = np.arange(len(DISTRACTORS))
    offsets = np.linspace(-0.22, 0.22, len(seqdocs.MEMORY_SEEDS))
    figure, axes_row = plt.subplots(1, len(seqdocs.MEMORY_MODELS), figsize=(8.4, 2.9), sharey=True)
    for axes, model in zip(axes_row, seqdocs.MEMORY_MODELS):
        medians = [runs[model, gap].median_test_accuracy * 100 for gap in DISTRACTORS]
        axes.axhline(CONFIG.chance * 100, color=foreground(), linestyle=(0, (4, 3)), linewidth=1, alpha=0.7)
        axes.plot(positions, medians, color=COLOURS[model], linewidth=1.2, alpha=0.6, zorder=1)
        for position, gap in zip(positions, DISTRACTORS):
            accuracy = runs[model, gap].test_accuracy * 100
            axes.scatter(position + offsets, accuracy.numpy(), s=22, marker=MARKERS[model], color=COLOURS[model],
                         edgecolors="none", zorder=3)
            axes.plot([position - 0.32, position + 0.32], [medians[position]] * 2, color=foreground(), linewidth=2,
                      zorder=2, solid_capstyle="butt")
        axes.set_title(capital(NAMES[model]), fontweight="bold", fontsize=10)
        axes.set_xticks(positions, [str(gap) for gap in DISTRACTORS])
        axes.set_xlim(-0.6, len(DISTRACTORS) - 0.4)
        axes.set_ylim(-3, 103)
        axes.set_xlabel("distractors N")
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    axes_row[0].set_ylabel("held-out accuracy (%)")
    # Outside the last panel, on the right, the label can hide no dot.
    axes_row[-1].annotate("chance", xy=(1.0, CONFIG.chance * 100), xycoords=("axes fraction", "data"), xytext=(3, 0),
                          textcoords="offset points", ha="left", va="center", fontsize=8, color=foreground())
    figure.tight_layout()
    alt = (
        "Four panels, one per model, each showing held-out accuracy (0 to 100%) against the number of distractors N "
        f"({', '.join(map(str, DISTRACTORS))}). Every seed is a dot and a bar marks the median; a dashed line marks "
        f"chance, {percent(CONFIG.chance)}. "
        + " ".join(
            f"{capital(NAMES[model])} medians: "
            + ", ".join(f"N = {gap} {percent(runs[model, gap].median_test_accuracy)}" for gap in DISTRACTORS) + "."
            for model in seqdocs.MEMORY_MODELS
        )
    )
    return figure, alt


def curves_figure(runs: dict):
    figure, axes_row = plt.subplots(1, len(DISTRACTORS), figsize=(8.4, 2.5), sharey=True)
    for axes, gap in zip(axes_row, DISTRACTORS):
        axes.axhline(CONFIG.chance * 100, color=foreground(), linestyle=(0, (4, 3)), linewidth=1, alpha=0.7)
        for model in seqdocs.MEMORY_MODELS:
            accuracy = runs[model, gap].train_accuracy  # (steps, S)
            windows = accuracy[: CONFIG.steps // SMOOTHING * SMOOTHING].view(-1, SMOOTHING, accuracy.shape[1])
            smoothed = windows.mean(dim=1).median(dim=1).values * 100  # (steps / SMOOTHING,) median seed
            steps = (torch.arange(smoothed.shape[0]) + 1) * SMOOTHING
            axes.plot(steps.numpy(), smoothed.numpy(), color=COLOURS[model], linewidth=1.6, label=capital(NAMES[model]))
        axes.set_title(f"N = {gap}", fontsize=10)
        axes.set_xlabel("step")
        axes.set_ylim(-3, 103)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    axes_row[0].set_ylabel("training accuracy (%)")
    figure.legend(*axes_row[0].get_legend_handles_labels(), loc="lower center", ncol=4, frameon=False,
                  bbox_to_anchor=(0.5, -0.02))
    figure.tight_layout(rect=(0, 0.08, 1, 1))
    window = max(1, CONFIG.steps // 10)
    alt = (
        f"Five panels, one per N, each with one line per model: the median seed's training accuracy, averaged over "
        f"{SMOOTHING} steps, over the {CONFIG.steps} training steps; a dashed line marks chance. Final values "
        f"(mean of the last {window} steps): "
        + " ".join(
            f"N = {gap}: "
            + ", ".join(
                f"{NAMES[model]} {percent(runs[model, gap].train_accuracy[-window:].mean(dim=0).median().item())}"
                for model in seqdocs.MEMORY_MODELS
            ) + "."
            for gap in DISTRACTORS
        )
    )
    return figure, alt


def pick_lstm(runs: dict) -> tuple[seqdocs.MemoryRun, int, str]:
    """The LSTM to open up: the best seed at the longest gap where some seed solved the task."""
    solved = [gap for gap in DISTRACTORS if runs["lstm", gap].solved_seeds > 0]
    gap = solved[-1] if solved else DISTRACTORS[0]
    run = runs["lstm", gap]
    index = int(run.test_accuracy.argmax())
    if solved:
        why = (
            f"the best of the {len(run.seeds)} LSTM seeds at N = {gap}, the longest gap at which any LSTM seed "
            f"solved the task. It answered {percent(run.test_accuracy[index].item())} of the held-out sequences."
        )
    else:
        why = (
            f"the best seed at the shortest gap, N = {gap}, since no LSTM seed solved the task at any gap. It "
            f"answered only {percent(run.test_accuracy[index].item())} of the held-out sequences, so its gates show "
            "a model that has not learned the task."
        )
    return run, index, why


def compare(name: str, first: tuple[str, float], second: tuple[str, float], margin: float = 0.1) -> str:
    """'the input gate is wider open at the symbol (0.83) than on the distractors (0.41)', the reverse, or 'about as'."""
    (first_place, first_value), (second_place, second_value) = first, second
    if first_value > second_value + margin:
        return f"the {name} is wider open {first_place} ({first_value:.2f}) than {second_place} ({second_value:.2f})"
    if second_value > first_value + margin:
        return f"the {name} is wider open {second_place} ({second_value:.2f}) than {first_place} ({first_value:.2f})"
    return f"the {name} is about as open {first_place} ({first_value:.2f}) as {second_place} ({second_value:.2f})"


def gates_sentence(summary: dict[str, float]) -> str:
    """What the gates do on average, each comparison worded by its numbers."""
    parts = [
        compare("input gate", ("at the symbol", summary["input_gate_at_symbol"]),
                ("on the distractors", summary["input_gate_on_distractors"])),
        compare("output gate", ("at the query", summary["output_gate_at_query"]),
                ("on the distractors", summary["output_gate_on_distractors"])),
    ]
    return "Averaged over all units and the held-out sequences, " + parts[0] + ", and " + parts[1] + "."


def forget_sentence(summary: dict[str, float], gap: int) -> str:
    mean = summary["forget_gate_on_distractors"]
    level = "stay near 1" if mean >= 0.9 else "stay mostly open" if mean >= 0.5 else "are mostly shut"
    return (
        f"Over the distractors the forget gates {level}: {mean:.2f} on average, "
        f"{summary['forget_lowest_on_distractors']:.2f} at the lowest. Multiplied over all {gap} distractors, they would leave a median "
        f"{summary['kept_over_distractors']:.2f} of what a unit's cell held after the symbol, if nothing new were "
        "written."
    )


def cell_sentence(summary: dict[str, float], top_share: float, top: int) -> str:
    before, after = summary["cell_size_after_symbol"], summary["cell_size_at_query"]
    if after > 1.5 * before:
        change = f"grows from {before:.2f} on average after the symbol to {after:.2f} at the query"
    elif after < before / 1.5:
        change = f"shrinks from {before:.2f} on average after the symbol to {after:.2f} at the query"
    else:
        change = f"stays about the same, {before:.2f} on average after the symbol and {after:.2f} at the query"
    return (
        f"The size of the cell {change}, and at the query the first symbol explains a share of {top_share:.2f} of "
        f"unit {top + 1}'s spread across the held-out sequences."
    )


def time_labels(names: list[str]) -> list[str]:
    if len(names) <= 20:
        return names
    return [name if t in (0, len(names) - 1) or t % 8 == 0 else "" for t, name in enumerate(names)]


def build(out: Artifacts) -> None:
    runs = train_all()
    above_chance = seqdocs.above_chance_accuracy(CONFIG, p_value=ABOVE_CHANCE_P)

    out.markdown("settings", settings_table(runs, above_chance))
    out.markdown("results", results_table(runs))
    out.markdown("seeds", seeds_table(runs))
    for key, text in outcome_sentences(runs, above_chance).items():
        if key == "longest_list":
            out.markdown("longest", text)
        else:
            out.value(key, text)
    out.value("steps", f"{CONFIG.steps:,}")
    out.value("batch_size", str(CONFIG.batch_size))
    out.value("sequences_seen", f"{CONFIG.steps * CONFIG.batch_size:,}")
    out.value("chance", percent(CONFIG.chance))
    out.value("above_chance", percent(above_chance))
    out.value("solved", percent(seqdocs.SOLVED_ACCURACY))
    out.value("num_symbols", str(CONFIG.num_symbols))
    out.value("num_distractor_tokens", str(CONFIG.num_distractor_tokens))
    out.value("seeds", str(len(seqdocs.MEMORY_SEEDS)))
    out.value("test_size", f"{CONFIG.test_size:,}")
    out.value("gaps", str(len(DISTRACTORS)))
    out.value("longest_gap", str(DISTRACTORS[-1]))
    out.value("seen_sentence", seen_sentence())
    out.value("models", str(len(seqdocs.MEMORY_MODELS)))
    out.value("above_chance_p", f"{ABOVE_CHANCE_P:.1%}")
    guess_spread = (CONFIG.chance * (1 - CONFIG.chance) / CONFIG.test_size) ** 0.5  # binomial standard deviation
    out.value("guess_spread", f"{100 * guess_spread:.1f}")
    example_tokens, example_symbols = seqdocs.memory_test_set(4, CONFIG)
    names = CONFIG.token_names()
    out.value("example_four", " ".join(names[token] for token in example_tokens[1].tolist()))
    out.value("example_four_answer", names[example_symbols[1].item()])
    out.value("hidden_size", str(CONFIG.hidden_size))
    out.value("forget_bias", f"{CONFIG.forget_bias:g}")
    out.json(
        "results",
        {
            "config": CONFIG.settings(),
            "distractors": list(DISTRACTORS),
            "seeds": list(seqdocs.MEMORY_SEEDS),
            "above_chance": above_chance,
            "solved": seqdocs.SOLVED_ACCURACY,
            "runs": [
                {
                    "model": model,
                    "distractors": gap,
                    "test_accuracy": runs[model, gap].test_accuracy.tolist(),
                    "median": runs[model, gap].median_test_accuracy,
                    "solved_seeds": runs[model, gap].solved_seeds,
                    "parameters": seqdocs.count_parameters(runs[model, gap].parameters),
                    "clipped_fraction": runs[model, gap].clipped_fraction,
                }
                for model in seqdocs.MEMORY_MODELS
                for gap in DISTRACTORS
            ],
        },
    )

    with figure_style():
        figure, alt = accuracy_figure(runs, above_chance)
    out.figure("accuracy", figure, alt=alt)
    with figure_style():
        figure, alt = curves_figure(runs)
    out.figure("curves", figure, alt=alt)

    # Open up one LSTM: its gates on one held-out sequence, and what its cell keeps over many.
    run, index, why = pick_lstm(runs)
    out.value("lstm_choice", why)
    gap = run.num_distractors
    tokens, symbols = seqdocs.memory_test_set(gap, CONFIG)  # (N_test, T), (N_test,)
    states = seqdocs.lstm_memory_states(run.parameters, tokens, index, CONFIG)  # each (N_test, T, H)
    share = seqdocs.symbol_share(states["cell"], symbols, CONFIG.num_symbols)  # (T, H)
    summary = seqdocs.lstm_gate_summary(states)
    order = share[-1].argsort(descending=True)  # units by how much of the symbol their cell holds at the query
    top, second = order[0].item(), order[1].item()
    names = CONFIG.token_names()
    example = [names[token] for token in tokens[0].tolist()]
    out.value("shown_sequences", str(SHOWN_SEQUENCES))
    out.value("example_sequence", " ".join(example))
    out.value("carriers", str(int((share[-1] >= 0.5).sum())))
    out.value("lowest_share", f"{share[-1].min().item():.2f}")
    out.value("top_unit", str(top + 1))
    out.value("second_unit", str(second + 1))
    out.value("gates_sentence", gates_sentence(summary))
    out.value("forget_sentence", forget_sentence(summary, gap))
    out.value("cell_sentence", cell_sentence(summary, share[-1, top].item(), top))

    with figure_style():
        figure, axes_column = plt.subplots(4, 1, figsize=(8.4, 7.4), sharex=True)
        limit = states["cell"][0].abs().max().item()
        panels = [
            ("input_gate", "input gate $i_t$", SHARES, (0, 1)),
            ("forget_gate", "forget gate $f_t$", SHARES, (0, 1)),
            ("output_gate", "output gate $o_t$", SHARES, (0, 1)),
            ("cell", "cell $c_t$", SIGNED, (-limit, limit)),
        ]
        units = range(CONFIG.hidden_size)
        for axes, (name, label, colour_map, limits) in zip(axes_column, panels):
            grid = states[name][0].T  # (H, T): one row per unit, one column per step
            image = axes.imshow(grid.numpy(), cmap=colour_map, vmin=limits[0], vmax=limits[1], aspect="auto",
                                interpolation="nearest")
            axes.set_yticks(list(units), [str(unit + 1) if unit % 3 == 0 else "" for unit in units], fontsize=7)
            axes.set_ylabel(f"{label}\nunit", fontsize=9)
            colour_bar = figure.colorbar(image, ax=axes, fraction=0.025, pad=0.01)
            colour_bar.ax.tick_params(labelsize=7)
            colour_bar.outline.set_visible(False)
            for spine in axes.spines.values():
                spine.set_visible(False)
            axes.tick_params(length=0)
        axes_column[-1].set_xticks(range(len(example)), time_labels(example), fontsize=9)
        axes_column[-1].set_xlabel("token read at each step")
        figure.align_ylabels(axes_column)
        figure.tight_layout()
    first = {name: states[name][0] for name in ("input_gate", "forget_gate", "output_gate", "cell")}  # (T, H)
    alt = (
        f"Four heatmaps of the trained LSTM reading the held-out sequence {' '.join(example)}, one column per token "
        f"and one row per unit ({CONFIG.hidden_size} units): the input, forget and output gates (white 0 to dark blue "
        f"1) and the cell state (blue negative, white 0, red positive, up to {limit:.1f} in size). On this sequence "
        f"the gates average: input {first['input_gate'][0].mean():.2f} at the symbol and "
        f"{first['input_gate'][1:-1].mean():.2f} on the distractors; forget {first['forget_gate'][1:-1].mean():.2f} "
        f"on the distractors; output {first['output_gate'][1:-1].mean():.2f} on the distractors and "
        f"{first['output_gate'][-1].mean():.2f} at the query. The cell's mean size grows from "
        f"{first['cell'][0].abs().mean():.2f} after the symbol to {first['cell'][-1].abs().mean():.2f} at the query."
    )
    out.figure("gates", figure, alt=alt)

    with figure_style():
        figure, (time_axes, plane_axes) = plt.subplots(1, 2, figsize=(8.4, 3.5), gridspec_kw={"width_ratios": [1.4, 1]})
        shown = slice(0, SHOWN_SEQUENCES)
        steps = np.arange(len(example))
        for symbol in range(CONFIG.num_symbols):
            chosen = symbols[shown] == symbol
            colour = SYMBOL_COLOURS[symbol % len(SYMBOL_COLOURS)]
            trajectories = states["cell"][shown][chosen][:, :, top]  # (sequences, T)
            # One path per symbol, its sequences separated by NaN breaks: a small SVG however many lines it holds.
            gaps = torch.full((trajectories.shape[0], 1), float("nan"))
            xs = np.tile(np.append(steps, np.nan), trajectories.shape[0])
            ys = torch.cat([trajectories, gaps], dim=1).flatten().numpy()
            time_axes.plot(xs, ys, color=colour, linewidth=0.7, alpha=0.55)
            at_query = states["cell"][shown][chosen][:, -1]  # (sequences, H)
            plane_axes.scatter(
                at_query[:, top].numpy(), at_query[:, second].numpy(), s=14, color=colour,
                marker=SYMBOL_MARKERS[symbol % len(SYMBOL_MARKERS)], edgecolors="none", alpha=0.85, label=names[symbol],
            )
        time_axes.axhline(0, color=foreground(), linewidth=0.6, alpha=0.5)
        time_axes.set_xticks(steps, time_labels(["symbol"] + [""] * gap + ["query"]) if gap <= 18
                             else time_labels([str(t) for t in steps]), fontsize=8)
        time_axes.set_xlabel("step")
        time_axes.set_ylabel(f"cell unit {top + 1}")
        plane_axes.set_xlabel(f"cell unit {top + 1} at the query")
        plane_axes.set_ylabel(f"cell unit {second + 1} at the query")
        plane_axes.legend(title="first symbol", fontsize=8, title_fontsize=8.5, frameon=False, ncol=1,
                          loc="center left", bbox_to_anchor=(1.0, 0.5), handletextpad=0.2, markerscale=1.6)
        for axes in (time_axes, plane_axes):
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
        figure.tight_layout()
    alt = (
        f"Left: the cell value of unit {top + 1} at every step of {SHOWN_SEQUENCES} held-out sequences, one line "
        f"each, coloured by the sequence's first symbol. Right: the cell values of units {top + 1} and {second + 1} "
        "at the query for the same sequences, one dot each, coloured and shaped by the first symbol. Across {CONFIG.test_size:,} held-out sequences, the first symbol explains a share of "
        f"{share[-1, top].item():.2f} of unit {top + 1}'s spread at the query and {share[-1, second].item():.2f} of "
        f"unit {second + 1}'s; {int((share[-1] >= 0.5).sum())} of {CONFIG.hidden_size} units reach 0.5 or more."
    )
    out.figure("cell", figure, alt=alt)
    out.provenance(None)  # the seeds, several, are listed in the settings table


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
