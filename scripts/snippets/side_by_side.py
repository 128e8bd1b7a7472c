import seqdocs

setup = seqdocs.make_setup("a b c")
rnn = seqdocs.rnn_trace(setup)
lstm = seqdocs.lstm_trace(setup)
gru = seqdocs.gru_trace(setup)
attention = seqdocs.attention_trace(setup, causal=True)

# What each model must keep to read one more token.
print("RNN  final hidden:", rnn.final("hidden"))
print("LSTM final hidden:", lstm.final("hidden"))
print("LSTM final cell:  ", lstm.final("cell"))
print("GRU  final hidden:", gru.final("hidden"))
step = attention.steps[0]
keys, values = step["keys"], step["values"]  # (T, d_model) each
print("self-attention, a key and a value per token (the KV cache):")
print(keys)
print(values)

# How many steps each took, one after another, to read the known sequence.
for trace in (rnn, lstm, gru, attention):
    steps = len(trace.steps)
    print(f"{trace.model}: {steps} step{'s' if steps > 1 else ''}")
