import seqdocs

setup = seqdocs.make_setup("a b c")
rnn = seqdocs.rnn_trace(setup)
lstm = seqdocs.lstm_trace(setup)
gru = seqdocs.gru_trace(setup)
attention = seqdocs.attention_trace(setup)

# What each model hands on once it has read the whole sequence.
print("RNN  final hidden:", rnn.final("hidden"))
print("LSTM final hidden:", lstm.final("hidden"))
print("LSTM final cell:  ", lstm.final("cell"))
print("GRU  final hidden:", gru.final("hidden"))
print("self-attention, one output per token:")
print(attention.steps[0]["output"])  # (T, D)

# How many steps each took, one after another.
for trace in (rnn, lstm, gru, attention):
    steps = len(trace.steps)
    print(f"{trace.model}: {steps} step{'s' if steps > 1 else ''}")
