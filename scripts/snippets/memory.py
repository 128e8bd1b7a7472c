import seqdocs
import seqdocs.experiments

config = seqdocs.experiments.MemoryConfig(steps=100)  # the page's settings, but fewer steps
names = config.token_names()
tokens, symbols = seqdocs.experiments.memory_test_set(4, config)  # held out, 4 distractors
for sequence, symbol in zip(tokens[:3].tolist(), symbols[:3].tolist()):
    print(" ".join(names[token] for token in sequence), "->", names[symbol])

# Three GRUs, one per seed, trained side by side as one stacked model.
run = seqdocs.experiments.train_memory_model("gru", 4, seeds=(0, 1, 2), config=config)
print(f"chance: {config.chance:.1%}")
for seed, accuracy in zip(run.seeds, run.test_accuracy.tolist()):
    print(f"seed {seed}: {accuracy:.1%} of {config.test_size} held-out sequences")
