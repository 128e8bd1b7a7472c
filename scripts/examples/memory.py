"""The memory page: four models trained to recall the first token across N distractors, every seed shown.

All settings are fixed here, before any run. Every sentence that ranks models, or says a claim holds, is chosen
by the Wilson rule of `seqdocs.experiments.evidence` (through `seqdocs.experiments.compare_solved`) from the per-seed results.
"""

import concurrent.futures
import contextlib
import ctypes
import dataclasses
import multiprocessing

import matplotlib.pyplot as plt
import numpy as np
import torch
from _artifacts import Artifacts
from _figures import PALETTE, SHARES, SIGNED, foreground
from _render import figure_style

import seqdocs
import seqdocs.experiments
from seqdocs.experiments.evidence import CONFIDENCE, compare_rates, wilson_interval

DISTRACTORS = (4, 8, 16, 32)
"""The gaps tried, doubling up to 32; the sequence is two tokens longer (the symbol and the query).

Training time grows with the sequence, so a gap of 64 alone would cost as much as all of these together: more
than the cold build can afford. A gap of 2 was dropped when the seeds went from 5 to 20, to stay within the
build's budget; with 5 seeds every model had solved it with every seed."""

SEEDS = seqdocs.experiments.MEMORY_SEEDS
"""20 seeds per model and gap: enough for two solve rates to land in separate Wilson intervals."""

# The budget (steps, batch, seeds, gaps, held-out size) is what the page can afford in a cold build of the site,
# on one CPU core; all models get the same. Everything else is PyTorch's defaults or the usual
# textbook choices, fixed before any run.
LONG_RUNNING = True
"""The site's longest unit: the build starts it first (scripts/build_artifacts.py)."""

CONFIG = seqdocs.experiments.MemoryConfig(
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
POSITION_CONFIG = dataclasses.replace(CONFIG, variant="position")
"""The same settings on the position-only variant: symbol and distractors from one alphabet."""

COLUMNS = ("rnn", "lstm", "gru", "attention", "attention_position")
"""Every (model, variant) trained: the four models on the content variant, self-attention on the position one."""
MODEL_OF = {column: column.split("_")[0] for column in COLUMNS}
NAMES = {
    "rnn": "RNN",
    "lstm": "LSTM",
    "gru": "GRU",
    "attention": "self-attention",
    "attention_position": "self-attention, position only",
}
COLOURS = dict(zip(seqdocs.experiments.MEMORY_MODELS, PALETTE)) | {"attention_position": PALETTE[3]}
MARKERS = {"rnn": "o", "lstm": "s", "gru": "D", "attention": "^", "attention_position": "v"}
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


def the(name: str) -> str:
    """'the RNN', but 'self-attention': a name with its article, if it takes one."""
    return name if name.startswith("self-attention") else f"the {name}"


def capital(text: str) -> str:
    return text[0].upper() + text[1:]


def train_one(column_and_gap: tuple[str, int]) -> seqdocs.experiments.MemoryRun:
    """One column at one gap, all SEEDS stacked into one training run."""
    column, gap = column_and_gap
    torch.set_num_threads(1)  # as every unit of the build: the same arithmetic, so the same bits, in any process
    return seqdocs.experiments.train_memory_model(
        MODEL_OF[column], gap, SEEDS, POSITION_CONFIG if column.endswith("_position") else CONFIG
    )


def keep_freed_memory() -> None:
    """Ask glibc's malloc to keep the memory a training step frees, instead of handing it back to the system.

    Every step builds an autograd graph of a few megabytes and frees it after the backward pass. By default
    malloc returns the freed top of its heap to the system and the next step faults the same pages back in,
    zeroed (measured: a 20-seed LSTM run at N = 32 took about 70,000 page faults and 0.2 s of system time;
    with this, 7,000 and none; a few percent of the unit). Keeping them changes no number, only where the
    memory comes from. Elsewhere than glibc (no `mallopt`), nothing changes.
    """
    trim_threshold, top_pad, mmap_threshold = -1, -2, -3  # mallopt's parameter numbers, from glibc's malloc.h
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(trim_threshold, 1 << 30)  # never trim the heap
        libc.mallopt(top_pad, 64 << 20)  # grow it 64 MiB at a time
        libc.mallopt(mmap_threshold, 1 << 30)  # large tensors from the heap too, not from fresh mmaps


def train_all() -> dict[tuple[str, int], seqdocs.experiments.MemoryRun]:
    """Every column at every gap.

    This is the site's longest unit, so its runs are shared between two processes: while the build's other
    worker has finished its units, this one alone would keep one core busy for a minute. Each run is seeded on
    its own, so which process trains it changes no number.
    """
    jobs = [(column, gap) for column in COLUMNS for gap in DISTRACTORS]
    # Longest first (the longest gaps), so the two processes end together.
    order = sorted(jobs, key=lambda job: -job[1])
    keep_freed_memory()  # before the fork: both processes inherit it
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        runs = dict(zip(order, pool.map(train_one, order)))
    return {job: runs[job] for job in jobs}


def content_runs(runs: dict) -> list[seqdocs.experiments.MemoryRun]:
    return [runs[column, gap] for column in seqdocs.experiments.MEMORY_MODELS for gap in DISTRACTORS]


def position_runs(runs: dict) -> list[seqdocs.experiments.MemoryRun]:
    return [runs["attention_position", gap] for gap in DISTRACTORS]


def at_chance(run: seqdocs.experiments.MemoryRun, above_chance: float) -> int:
    """How many seeds stayed below the clearly-above-chance accuracy: as good as guessing."""
    return int((run.test_accuracy < above_chance).sum())


def solved_text(run: seqdocs.experiments.MemoryRun) -> str:
    """'16/20 [58–92%]': how many seeds solved it, and the Wilson interval of that share."""
    low, high = wilson_interval(run.solved_seeds, len(run.seeds))
    return f"{run.solved_seeds}/{len(run.seeds)} [{100 * low:.0f}–{100 * high:.0f}%]"


def seed_range() -> str:
    return f"{SEEDS[0]}–{SEEDS[-1]}" if SEEDS == tuple(range(SEEDS[0], SEEDS[-1] + 1)) else ", ".join(map(str, SEEDS))


def settings_table(runs: dict, above_chance: float) -> str:
    optimizer = seqdocs.experiments.OPTIMIZER([torch.zeros(1, requires_grad=True)]).defaults
    counts = {
        column: sorted({seqdocs.experiments.count_parameters(runs[column, gap].parameters) for gap in DISTRACTORS})
        for column in COLUMNS
    }
    count_text = "; ".join(
        f"{NAMES[column]} {counts[column][0]:,}"
        + (f" to {counts[column][-1]:,}" if len(counts[column]) > 1 else "")
        for column in COLUMNS
    )
    c = CONFIG
    sigmoid = torch.sigmoid(torch.tensor(c.forget_bias)).item()
    rows = [
        ("Gaps tried, N (distractors)", ", ".join(map(str, DISTRACTORS)), "the sequence is N + 2 tokens long"),
        ("Seeds per model and gap", f"{len(SEEDS)}: {seed_range()}",
         "each seed fixes the initial weights and the training batches; the same seed gives every model the same "
         "batches"),
        ("Task variants", "content; position only",
         "all four models on the content variant; self-attention on both"),
        ("Symbols K", str(c.num_symbols), "the first token is one of these, uniformly"),
        ("Chance level", percent(c.chance), "1/K: the accuracy of guessing"),
        ("Clearly above chance", f"≥ {percent(above_chance)}",
         f"guessing reaches this on {c.test_size:,} sequences with probability below {ABOVE_CHANCE_P:.1%}"),
        ("Solved", f"≥ {percent(seqdocs.experiments.SOLVED_ACCURACY)}",
         "a seed that reaches this on the held-out sequences has solved the task"),
        ("Decision rule", f"Wilson {CONFIDENCE:.0%} intervals",
         "on the share of seeds that solved the task; one model is called ahead of another only where the "
         "intervals do not overlap"),
        ("Distractor tokens D", str(c.num_distractor_tokens),
         "each distractor is one of these, uniformly (position only: one of the K symbols)"),
        ("Embedding size E", str(c.embedding_size), "learned embeddings, one per token"),
        ("Hidden size H", str(c.hidden_size),
         "the same for all four models (the query, key and value width for self-attention)"),
        ("Parameters per model", count_text,
         "the same hidden size, not the same number of parameters; position only has no distractor tokens to embed"),
        ("Initial weights", "PyTorch's defaults",
         "recurrent, attention and readout weights uniform in ±1/√fan; embeddings standard normal"),
        ("LSTM forget-gate bias at start", f"{c.forget_bias:g}",
         f"the one setting for one model: the forget gate starts near σ({c.forget_bias:g}) = {sigmoid:.2f}; "
         "PyTorch's default bias is small and random, so near σ(0) = 0.5"),
        ("Self-attention", "1 layer, 1 head",
         "sinusoidal positional encoding added to the embeddings; no mask, no feed-forward layer"),
        ("Readout", "linear, at the query", "the vector at the last position, mapped to K scores"),
        ("Optimizer", seqdocs.experiments.OPTIMIZER.__name__,
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


def results_table(runs: dict, above_chance: float) -> str:
    """One row per gap, one column per model: seeds solved with the Wilson interval, and seeds at chance."""
    header = "| N | " + " | ".join(capital(NAMES[column]) for column in COLUMNS) + " |"
    lines = [header, "| ---: |" + " ---: |" * len(COLUMNS)]
    for gap in DISTRACTORS:
        cells = []
        for column in COLUMNS:
            run = runs[column, gap]
            low, high = wilson_interval(run.solved_seeds, len(run.seeds))
            cells.append(
                f"**{run.solved_seeds}/{len(run.seeds)}**<br>{100 * low:.0f}–{100 * high:.0f}%<br>"
                f"{at_chance(run, above_chance)} at chance"
            )
        lines.append(f"| {gap} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def seeds_table(runs: dict) -> str:
    lines = [
        f"| Model | N | held-out accuracy of seeds {seed_range()}, in order (%) | clipped steps |",
        "| --- | ---: | ---: | ---: |",
    ]
    for column in COLUMNS:
        for gap in DISTRACTORS:
            run = runs[column, gap]
            accuracies = " · ".join(f"{100 * value:.1f}" for value in run.test_accuracy.tolist())
            lines.append(f"| {capital(NAMES[column])} | {gap} | {accuracies} | {percent(run.clipped_fraction)} |")
    return "\n".join(lines) + "\n"


def versus(runs: dict, a: str, b: str, gaps) -> str:
    """'at N = 8 (20/20 (84–100%) against 3/20 (5–36%))' for each gap."""
    return name_list([f"N = {gap}, {solved_text(runs[a, gap])} against {solved_text(runs[b, gap])}" for gap in gaps])


def pair_sentence(runs: dict, a: str, b: str) -> tuple[str, str]:
    """The verdict of model a against model b over all gaps, and the sentence the verdict chooses."""
    comparisons = seqdocs.experiments.compare_by_gap(content_runs(runs), a, b)
    verdict = seqdocs.experiments.overall_verdict(comparisons.values())
    ahead = [gap for gap, comparison in comparisons.items() if comparison.verdict == "higher"]
    behind = [gap for gap, comparison in comparisons.items() if comparison.verdict == "lower"]
    a_name, b_name = NAMES[a], NAMES[b]
    if verdict == "higher":
        text = (f"clearly more {a_name} seeds than {b_name} seeds solved the task at {versus(runs, a, b, ahead)}, "
                "and clearly fewer at no gap")
    elif verdict == "lower":
        text = (f"clearly fewer {a_name} seeds than {b_name} seeds solved the task at {versus(runs, a, b, behind)}, "
                "and clearly more at no gap")
    elif verdict == "mixed":
        text = (f"clearly more {a_name} seeds than {b_name} seeds solved the task at {versus(runs, a, b, ahead)}, "
                f"but clearly fewer at {versus(runs, a, b, behind)}")
    else:
        text = f"at no gap do {the(a_name)}'s and {the(b_name)}'s intervals separate"
    return verdict, text


def reach_lines(runs: dict) -> tuple[dict[str, int | None], str]:
    """Per column, the first gap whose solve rate is clearly below the shortest gap's, and a line saying so."""
    drops, lines = {}, []
    shortest = DISTRACTORS[0]
    for column in COLUMNS:
        group = position_runs(runs) if column.endswith("_position") else content_runs(runs)
        drop, _ = seqdocs.experiments.first_clear_drop(group, MODEL_OF[column])
        drops[column] = drop
        name = f"**{capital(NAMES[column])}**"
        if drop is None:
            lines.append(
                f"- {name}: at no gap tried did clearly fewer seeds solve it than at N = {shortest} "
                f"({solved_text(runs[column, shortest])} there, {solved_text(runs[column, DISTRACTORS[-1]])} "
                f"at N = {DISTRACTORS[-1]})."
            )
        else:
            lines.append(
                f"- {name}: clearly fewer seeds solved it at N = {drop}, {solved_text(runs[column, drop])}, than at "
                f"N = {shortest}, {solved_text(runs[column, shortest])}."
            )
    return drops, "\n".join(lines) + "\n"


def split_sentence(runs: dict, above_chance: float) -> str:
    """Where a model's seeds split into some that solved it and some at chance: a median would hide that."""
    split = [
        (column, gap) for column in COLUMNS for gap in DISTRACTORS
        if runs[column, gap].solved_seeds >= 2 and at_chance(runs[column, gap], above_chance) >= 2
    ]
    if not split:
        return ("At no gap did a model's seeds split into two or more that solved the task and two or more at "
                "chance.")
    parts = [
        f"{the(NAMES[column])} at N = {gap} ({runs[column, gap].solved_seeds} solved, "
        f"{at_chance(runs[column, gap], above_chance)} at chance)"
        for column, gap in split
    ]
    return (
        "Some results are split, not spread: " + name_list(parts) + ". There a median or a mean describes no seed "
        "that was actually trained, so this page counts seeds instead."
    )


def longest_sentence(runs: dict) -> tuple[dict[str, list[str]], str]:
    """At the longest gap: each model's solve count, and which pairs the rule separates."""
    gap = DISTRACTORS[-1]
    group = content_runs(runs)
    beats = {}
    for a in seqdocs.experiments.MEMORY_MODELS:
        beats[a] = [b for b in seqdocs.experiments.MEMORY_MODELS if b != a
                    and seqdocs.experiments.compare_by_gap(group, a, b)[gap].verdict == "higher"]
    sentence = f"At the longest gap, N = {gap}, " + name_list(
        [f"{runs[model, gap].solved_seeds} of {len(SEEDS)} {NAMES[model]} seeds" for model in seqdocs.experiments.MEMORY_MODELS]
    ) + " solved the task."
    winners = [model for model in seqdocs.experiments.MEMORY_MODELS if beats[model]]
    if winners:
        sentence += " By the rule, " + "; ".join(
            f"{the(NAMES[model])} solved it clearly more often than {name_list([the(NAMES[b]) for b in beats[model]])}"
            for model in winners
        ) + "; no other pair is separated at this budget."
    else:
        sentence += " By the rule, no model solved it clearly more often than another at this budget."
    return beats, sentence


def attention_story(runs: dict, drops: dict) -> tuple[dict[str, str], str]:
    """The claim that attention does not care how far back the answer is, tested where it can fail."""
    shortest, longest = DISTRACTORS[0], DISTRACTORS[-1]
    verdicts = {}
    parts = []
    content_drop, position_drop = drops["attention"], drops["attention_position"]
    verdicts["content"] = "drop" if content_drop is not None else "no clear drop"
    verdicts["position"] = "drop" if position_drop is not None else "no clear drop"
    if content_drop is None:
        parts.append(
            f"On the content version, no longer gap was solved by clearly fewer seeds than N = {shortest} "
            f"({solved_text(runs['attention', shortest])} there, {solved_text(runs['attention', longest])} at "
            f"N = {longest}); but success there says little about distance, since the query can find the symbol by "
            "what it is."
        )
    else:
        parts.append(
            f"Yet even on the content version, clearly fewer seeds solved it at N = {content_drop}, "
            f"{solved_text(runs['attention', content_drop])}, than at N = {shortest}, "
            f"{solved_text(runs['attention', shortest])}."
        )
    if position_drop is None:
        parts.append(
            f"On the position-only version, no longer gap was solved by clearly fewer seeds than N = {shortest} "
            f"({solved_text(runs['attention_position', shortest])} there, "
            f"{solved_text(runs['attention_position', longest])} at N = {longest})."
        )
    else:
        parts.append(
            f"On the position-only version, where only the place of the first token marks the answer, clearly "
            f"fewer seeds solved it at N = {position_drop}, {solved_text(runs['attention_position', position_drop])}, "
            f"than at N = {shortest}, {solved_text(runs['attention_position', shortest])}."
        )
    if content_drop is None and position_drop is None:
        verdicts["claim"] = "survives"
        parts.append(
            f"So at this budget the claim survives a test that could have failed it, up to N = {longest}; that is "
            "not proof that distance never matters, only that these seeds show no clear effect of it."
        )
    else:
        verdicts["claim"] = "fails"
        parts.append(
            "So the claim does not hold here as stated: within this budget, a longer gap cost self-attention "
            "seeds on " + ("both versions." if content_drop is not None and position_drop is not None
                           else "the " + ("content" if content_drop is not None else "position-only") + " version.")
        )
    comparisons = {
        gap: seqdocs.experiments.compare_solved(runs["attention", gap], runs["attention_position", gap]) for gap in DISTRACTORS
    }
    verdict = seqdocs.experiments.overall_verdict(comparisons.values())
    verdicts["content_vs_position"] = verdict
    easier = [gap for gap, comparison in comparisons.items() if comparison.verdict == "higher"]
    harder = [gap for gap, comparison in comparisons.items() if comparison.verdict == "lower"]
    if verdict == "unclear":
        parts.append(
            "Between the two versions there is no clear difference at this budget: at no gap do their intervals "
            "separate."
        )
    else:
        if easier:
            parts.append(
                f"Finding the symbol by content helped: clearly more seeds solved the content version than the "
                f"position-only one at {versus(runs, 'attention', 'attention_position', easier)}."
            )
        if harder:
            parts.append(
                f"The position-only version was solved clearly more often at "
                f"{versus(runs, 'attention_position', 'attention', harder)}."
            )
    return verdicts, " ".join(parts)


def outcome_sentences(runs: dict, above_chance: float) -> tuple[dict[str, str], dict]:
    """The results in words, each ranking chosen by the decision rule; and the verdicts, for the JSON."""
    values, verdicts = {}, {}
    drops, values["longest_list"] = reach_lines(runs)
    verdicts["first_clear_drop"] = drops
    verdicts["longest_beats"], values["longest_sentence"] = longest_sentence(runs)
    values["split_sentence"] = split_sentence(runs, above_chance)

    story = []
    for gated in ("lstm", "gru"):
        verdict, text = pair_sentence(runs, gated, "rnn")
        verdicts[f"{gated}_vs_rnn"] = verdict
        kind = {"higher": "it holds", "lower": "it fails", "mixed": "the evidence is mixed",
                "unclear": "this budget does not decide"}[verdict]
        story.append(f"For the {NAMES[gated]}, {kind}: {text}.")
    values["usual_story"] = " ".join(story)

    verdict, text = pair_sentence(runs, "lstm", "gru")
    verdicts["lstm_vs_gru"] = verdict
    values["lstm_vs_gru"] = (
        f"Between the two gated cells, {text}"
        + (", so there is no clear difference at this budget." if verdict == "unclear" else ".")
    )

    verdicts["attention"], values["attention_story"] = attention_story(runs, drops)

    window = max(1, CONFIG.steps // 10)
    longest_gap = DISTRACTORS[-1]
    late = {
        column: runs[column, longest_gap].train_accuracy[-window:].mean(dim=0).median().item() for column in COLUMNS
    }
    flat = [column for column in COLUMNS if late[column] < above_chance]
    if flat:
        values["curves_sentence"] = (
            f"At N = {longest_gap}, over the last {window} steps, the median seed's training accuracy was "
            + name_list([f"{percent(late[column])} for {the(NAMES[column])}" for column in flat])
            + ": still at chance when training stopped. The curves do not say whether more steps would have "
            "found the signal, only that these did not."
        )
    else:
        values["curves_sentence"] = (
            f"At N = {longest_gap}, every model's median training accuracy over the last {window} steps was above "
            "chance: each had found the signal before training stopped."
        )
    return values, verdicts


def rule_example() -> str:
    """What the rule separates at this many seeds, computed: all against half, and three quarters against half."""
    count = len(SEEDS)
    pairs = [(count, count // 2), (3 * count // 4, count // 2)]
    parts = []
    for a, b in pairs:
        verdict = compare_rates(a, count, b, count).verdict
        parts.append(f"{a} of {count} against {b} of {count} {'separates' if verdict != 'unclear' else 'does not'}")
    return "; ".join(parts) + "."


def seen_sentence() -> str:
    """How likely a held-out sequence is to have turned up in training too, gap by gap."""
    chances = {gap: seqdocs.experiments.chance_seen_in_training(gap, CONFIG) for gap in DISTRACTORS}
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
    offsets = np.linspace(-0.3, 0.3, len(SEEDS))
    figure, axes_row = plt.subplots(1, len(COLUMNS), figsize=(9.6, 3.1), sharey=True)
    for axes, column in zip(axes_row, COLUMNS):
        axes.axhline(CONFIG.chance * 100, color=foreground(), linestyle=(0, (4, 3)), linewidth=1, alpha=0.7)
        axes.axhline(seqdocs.experiments.SOLVED_ACCURACY * 100, color=foreground(), linestyle=":", linewidth=0.8, alpha=0.6)
        for position, gap in zip(positions, DISTRACTORS):
            run = runs[column, gap]
            axes.scatter(position + offsets, (run.test_accuracy * 100).numpy(), s=10, marker=MARKERS[column],
                         color=COLOURS[column], edgecolors="none", alpha=0.85, zorder=3)
            # How many seeds solved it, above the column: the number the page's rule compares.
            axes.text(position, 108, str(run.solved_seeds), ha="center", va="bottom", fontsize=8, color=foreground())
        axes.set_title(capital(NAMES[column]).replace(", ", ",\n"), fontweight="bold", fontsize=9, pad=16)
        axes.set_xticks(positions, [str(gap) for gap in DISTRACTORS])
        axes.set_xlim(-0.6, len(DISTRACTORS) - 0.4)
        axes.set_ylim(-3, 106)
        axes.set_xlabel("distractors N")
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    axes_row[0].set_ylabel("held-out accuracy (%)")
    # Outside the last panel, on the right, the labels can hide no dot.
    for level, label in ((CONFIG.chance, "chance"), (seqdocs.experiments.SOLVED_ACCURACY, "solved")):
        axes_row[-1].annotate(label, xy=(1.0, level * 100), xycoords=("axes fraction", "data"), xytext=(3, 0),
                              textcoords="offset points", ha="left", va="center", fontsize=8, color=foreground())
    figure.tight_layout()
    alt = (
        f"{len(COLUMNS)} panels, one per model (the last is self-attention on the position-only task), each showing "
        "held-out accuracy (0 to 100%) against the number of distractors N "
        f"({', '.join(map(str, DISTRACTORS))}). Every one of the {len(SEEDS)} seeds is a dot; a dashed line marks "
        f"chance, {percent(CONFIG.chance)}, a dotted one solved, {percent(seqdocs.experiments.SOLVED_ACCURACY)}; the number "
        "above each column counts the seeds that solved it. "
        + " ".join(
            f"{capital(NAMES[column])}, seeds solved: "
            + ", ".join(f"N = {gap} {runs[column, gap].solved_seeds} of {len(SEEDS)}" for gap in DISTRACTORS) + "."
            for column in COLUMNS
        )
    )
    return figure, alt


def curves_figure(runs: dict):
    figure, axes_row = plt.subplots(1, len(DISTRACTORS), figsize=(8.4, 2.6), sharey=True)
    for axes, gap in zip(axes_row, DISTRACTORS):
        axes.axhline(CONFIG.chance * 100, color=foreground(), linestyle=(0, (4, 3)), linewidth=1, alpha=0.7)
        for column in COLUMNS:
            accuracy = runs[column, gap].train_accuracy  # (steps, S)
            windows = accuracy[: CONFIG.steps // SMOOTHING * SMOOTHING].view(-1, SMOOTHING, accuracy.shape[1])
            smoothed = windows.mean(dim=1).median(dim=1).values * 100  # (steps / SMOOTHING,) median seed
            steps = (torch.arange(smoothed.shape[0]) + 1) * SMOOTHING
            axes.plot(steps.numpy(), smoothed.numpy(), color=COLOURS[column], linewidth=1.6,
                      linestyle="--" if column.endswith("_position") else "-", label=capital(NAMES[column]))
        axes.set_title(f"N = {gap}", fontsize=10)
        axes.set_xlabel("step")
        axes.set_ylim(-3, 103)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    axes_row[0].set_ylabel("training accuracy (%)")
    figure.legend(*axes_row[0].get_legend_handles_labels(), loc="lower center", ncol=3, frameon=False,
                  bbox_to_anchor=(0.5, -0.02), fontsize=8)
    figure.tight_layout(rect=(0, 0.14, 1, 1))
    window = max(1, CONFIG.steps // 10)
    alt = (
        f"{len(DISTRACTORS)} panels, one per N, each with one line per model (dashed: self-attention on the "
        f"position-only task): the median seed's training accuracy, averaged over {SMOOTHING} steps, over the "
        f"{CONFIG.steps} training steps; a dashed line marks chance. Final values (mean of the last {window} steps): "
        + " ".join(
            f"N = {gap}: "
            + ", ".join(
                f"{NAMES[column]} {percent(runs[column, gap].train_accuracy[-window:].mean(dim=0).median().item())}"
                for column in COLUMNS
            ) + "."
            for gap in DISTRACTORS
        )
    )
    return figure, alt


def pick_lstm(runs: dict) -> tuple[seqdocs.experiments.MemoryRun, int, str]:
    """The LSTM to open up, by a rule fixed before looking: at the longest gap where some LSTM seed solved the
    task, the first seed (in seed order) that solved it."""
    solved = [gap for gap in DISTRACTORS if runs["lstm", gap].solved_seeds > 0]
    gap = solved[-1] if solved else DISTRACTORS[0]
    run = runs["lstm", gap]
    if solved:
        index = int((run.test_accuracy >= seqdocs.experiments.SOLVED_ACCURACY).nonzero()[0])
        why = (
            f"at N = {gap}, the longest gap at which any LSTM seed solved the task ({run.solved_seeds} of "
            f"{len(run.seeds)} did), the first of those seeds in seed order, seed {run.seeds[index]}. It answered "
            f"{percent(run.test_accuracy[index].item())} of the held-out sequences."
        )
    else:
        index = int(run.test_accuracy.argmax())
        why = (
            f"the best seed at the shortest gap, N = {gap}, seed {run.seeds[index]}, since no LSTM seed solved the "
            f"task at any gap. It answered only {percent(run.test_accuracy[index].item())} of the held-out "
            "sequences, so its gates show a model that has not learned the task."
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
    return (
        f"Over the distractors the forget gates average {summary['forget_gate_on_distractors']:.2f}; half of the "
        f"values (one per sequence, distractor and unit) are above {summary['forget_median_on_distractors']:.2f}, "
        f"one in ten is below {summary['forget_tenth_percentile_on_distractors']:.2f}, and the lowest is "
        f"{summary['forget_lowest_on_distractors']:.2f}. Multiplied over all {gap} distractors, they would leave a "
        f"median {summary['kept_over_distractors']:.2f} of what a unit's cell held after the symbol, if nothing "
        "new were written."
    )


def cell_sentence(summary: dict[str, float], top_share: float, top: int) -> str:
    before, after = summary["cell_size_after_symbol"], summary["cell_size_at_query"]
    if after > 1.5 * before:
        change = (
            f"The cell does not hold still while it remembers: its mean size grows {after / before:.1f}-fold, from "
            f"{before:.2f} after the symbol to {after:.2f} at the query, so it is written again at every step, not "
            "held."
        )
    elif after < before / 1.5:
        change = (
            f"The cell fades while it remembers: its mean size shrinks from {before:.2f} after the symbol to "
            f"{after:.2f} at the query."
        )
    else:
        change = (
            f"The cell's mean size stays about the same, {before:.2f} after the symbol and {after:.2f} at the query."
        )
    if top_share >= 0.5:
        kept = (
            f" Yet at the query the first symbol explains a share of {top_share:.2f} of unit {top + 1}'s spread: "
            "what the cell keeps is not the value it had after the symbol, but a value from which the symbol can "
            "still be read."
        )
    else:
        kept = f" At the query the first symbol explains only a share of {top_share:.2f} of unit {top + 1}'s spread."
    return change + kept


def time_labels(names: list[str]) -> list[str]:
    if len(names) <= 20:
        return names
    return [name if t in (0, len(names) - 1) or t % 8 == 0 else "" for t, name in enumerate(names)]


def build(out: Artifacts) -> None:
    runs = train_all()
    above_chance = seqdocs.experiments.above_chance_accuracy(CONFIG, p_value=ABOVE_CHANCE_P)

    out.markdown("settings", settings_table(runs, above_chance))
    out.markdown("results", results_table(runs, above_chance))
    out.markdown("seeds", seeds_table(runs))
    sentences, verdicts = outcome_sentences(runs, above_chance)
    for key, text in sentences.items():
        if key == "longest_list":
            out.markdown("longest", text)
        else:
            out.value(key, text)
    out.value("steps", f"{CONFIG.steps:,}")
    out.value("batch_size", str(CONFIG.batch_size))
    out.value("sequences_seen", f"{CONFIG.steps * CONFIG.batch_size:,}")
    out.value("chance", percent(CONFIG.chance))
    out.value("above_chance", percent(above_chance))
    out.value("solved", percent(seqdocs.experiments.SOLVED_ACCURACY))
    out.value("num_symbols", str(CONFIG.num_symbols))
    out.value("num_distractor_tokens", str(CONFIG.num_distractor_tokens))
    out.value("seeds", str(len(SEEDS)))
    out.value("confidence", f"{CONFIDENCE:.0%}")
    out.value("rule_example", rule_example())
    out.value("test_size", f"{CONFIG.test_size:,}")
    out.value("gaps", str(len(DISTRACTORS)))
    out.value("longest_gap", str(DISTRACTORS[-1]))
    out.value("seen_sentence", seen_sentence())
    out.value("models", str(len(seqdocs.experiments.MEMORY_MODELS)))
    out.value("above_chance_p", f"{ABOVE_CHANCE_P:.1%}")
    guess_spread = (CONFIG.chance * (1 - CONFIG.chance) / CONFIG.test_size) ** 0.5  # binomial standard deviation
    out.value("guess_spread", f"{100 * guess_spread:.1f}")
    example_tokens, example_symbols = seqdocs.experiments.memory_test_set(4, CONFIG)
    names = CONFIG.token_names()
    out.value("example_four", " ".join(names[token] for token in example_tokens[1].tolist()))
    out.value("example_four_answer", names[example_symbols[1].item()])
    position_tokens, position_symbols = seqdocs.experiments.memory_test_set(4, POSITION_CONFIG)
    position_names = POSITION_CONFIG.token_names()
    out.value("example_position", " ".join(position_names[token] for token in position_tokens[1].tolist()))
    out.value("example_position_answer", position_names[position_symbols[1].item()])
    out.value("hidden_size", str(CONFIG.hidden_size))
    out.value("forget_bias", f"{CONFIG.forget_bias:g}")
    out.json(
        "results",
        {
            "config": CONFIG.settings(),
            "distractors": list(DISTRACTORS),
            "seeds": list(SEEDS),
            "above_chance": above_chance,
            "solved": seqdocs.experiments.SOLVED_ACCURACY,
            "verdicts": verdicts,
            "runs": [
                {
                    "column": column,
                    "model": MODEL_OF[column],
                    "variant": runs[column, gap].config.variant,
                    "distractors": gap,
                    "test_accuracy": runs[column, gap].test_accuracy.tolist(),
                    "solved_seeds": runs[column, gap].solved_seeds,
                    "parameters": seqdocs.experiments.count_parameters(runs[column, gap].parameters),
                    "clipped_fraction": runs[column, gap].clipped_fraction,
                }
                for column in COLUMNS
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
    tokens, symbols = seqdocs.experiments.memory_test_set(gap, CONFIG)  # (N_test, T), (N_test,)
    states = seqdocs.experiments.lstm_memory_states(run.parameters, tokens, index, CONFIG)  # each (N_test, T, H)
    share = seqdocs.experiments.symbol_share(states["cell"], symbols, CONFIG.num_symbols)  # (T, H)
    summary = seqdocs.experiments.lstm_gate_summary(states)
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
    # The numbers in the alt text are the ones the text beside the figure gives: averages over all held-out
    # sequences, so the two never disagree.
    alt = (
        f"Four heatmaps of the trained LSTM reading the held-out sequence {' '.join(example)}, one column per token "
        f"and one row per unit ({CONFIG.hidden_size} units): the input, forget and output gates (white 0 to dark blue "
        f"1) and the cell state (blue negative, white 0, red positive, up to {limit:.1f} in size on this sequence). "
        f"Averaged over all {CONFIG.test_size:,} held-out sequences and units, the input gate is "
        f"{summary['input_gate_at_symbol']:.2f} at the symbol and {summary['input_gate_on_distractors']:.2f} on the "
        f"distractors; the forget gate {summary['forget_gate_on_distractors']:.2f} on the distractors; the output "
        f"gate {summary['output_gate_on_distractors']:.2f} on the distractors and "
        f"{summary['output_gate_at_query']:.2f} at the query. The cell's mean size is {summary['cell_size_after_symbol']:.2f} after the symbol and "
        f"{summary['cell_size_at_query']:.2f} at the query."
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
        "at the query for the same sequences, one dot each, coloured and shaped by the first symbol. "
        f"Across all {CONFIG.test_size:,} held-out sequences, the first symbol explains a share of "
        f"{share[-1, top].item():.2f} of unit {top + 1}'s spread at the query and {share[-1, second].item():.2f} of "
        f"unit {second + 1}'s; {int((share[-1] >= 0.5).sum())} of {CONFIG.hidden_size} units reach 0.5 or more."
    )
    out.figure("cell", figure, alt=alt)
    out.provenance(None)  # the seeds, several, are listed in the settings table


if __name__ == "__main__":
    from _artifacts import run_standalone

    run_standalone(build)
