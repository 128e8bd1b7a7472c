import torch

import seqdocs

torch.set_printoptions(precision=4, sci_mode=False)  # as in the tables
setup = seqdocs.make_setup("a b c")

# The RNN: one step of learning, last step first as the gradient flows.
rnn = seqdocs.learning.rnn_learning_step(setup, learning_rate=0.5, max_norm=1.0)
print("loss", rnn.loss)
for step in reversed(rnn.steps):
    print(f"step {step.index + 1} ({step.token!r})")
    print("  dL/dh   ", step["hidden_gradient"])
    print("  delta   ", step["pre_activation_gradient"])
print("dL/dW_hh, the sum over time\n", rnn.gradients["hidden_to_hidden"])
print("norm", rnn.gradient_norm, "scale", rnn.clip_scale)
print("W_hh after\n", rnn.updated_weights["hidden_to_hidden"])
print("loss after", rnn.updated_loss)

# The LSTM: the cell's gradient, and what reaches the cell before
# through the forget gate.
lstm = seqdocs.learning.lstm_learning_step(setup, learning_rate=0.5, max_norm=1.0)
print("LSTM loss", lstm.loss, "after", lstm.updated_loss)
for step in reversed(lstm.steps):
    print(f"step {step.index + 1}  dL/dc", step["cell_gradient"],
          " to c_before", step["cell_gradient_through_forget_gate"])

# Both steps against torch.autograd, clip_grad_norm_ and SGD.
for model in ("rnn", "lstm"):
    print(seqdocs.check_learning_step(setup, model=model))
