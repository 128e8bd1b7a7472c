"""seqdocs: watch an RNN, an LSTM, a GRU and self-attention read a sequence, one tensor at a time.

Every function here computes; nothing draws or prints. Start with [make_setup][seqdocs.make_setup], then trace
a model with [rnn_trace][seqdocs.rnn_trace], [lstm_trace][seqdocs.lstm_trace], [gru_trace][seqdocs.gru_trace] or
[attention_trace][seqdocs.attention_trace], and check it against PyTorch with [check_all][seqdocs.check_all].
[MODELS][seqdocs.MODELS] is the table of the four models. This namespace holds what a learner uses; the
experiments that go past the toy (word order, gradients, the memory task, cost) are in
[seqdocs.experiments][seqdocs.experiments], and each module's other public names stay importable from it,
e.g. `seqdocs.block.layer_norm`.

Examples:
    >>> import seqdocs
    >>> trace = seqdocs.lstm_trace(seqdocs.make_setup("a b c"))
    >>> trace.stacked("hidden").shape
    torch.Size([3, 2])
"""

from importlib.metadata import PackageNotFoundError, version

from .attention import attention_trace, causal_mask, self_attention
from .block import BlockConfig, BlockWeights, block_trace
from .errors import InputError, InputTypeError
from .gru import gru_cell, gru_forward, gru_trace
from .learning import LearningStep, check_learning_step, learning_step
from .lstm import lstm_cell, lstm_forward, lstm_trace
from .models import MODELS, RECURRENT_MODELS
from .positional import sinusoidal_positional_encoding
from .reference import Check, check_all, check_attention, check_block, check_gru, check_lstm, check_rnn
from .rnn import rnn_cell, rnn_forward, rnn_trace
from .setups import Setup, make_setup
from .trace import Step, Trace
from .vocabulary import Vocabulary, tokenize
from .weights import AttentionWeights, GRUWeights, LSTMWeights, RNNWeights

try:
    __version__ = version("seqdocs")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    # the sequence and its weights
    "Setup",
    "make_setup",
    "Vocabulary",
    "tokenize",
    "RNNWeights",
    "LSTMWeights",
    "GRUWeights",
    "AttentionWeights",
    # the models: one step, a whole sequence, a trace
    "MODELS",
    "RECURRENT_MODELS",
    "rnn_cell",
    "rnn_forward",
    "rnn_trace",
    "lstm_cell",
    "lstm_forward",
    "lstm_trace",
    "gru_cell",
    "gru_forward",
    "gru_trace",
    "self_attention",
    "attention_trace",
    "causal_mask",
    "sinusoidal_positional_encoding",
    "Trace",
    "Step",
    # the checks against PyTorch
    "Check",
    "check_rnn",
    "check_lstm",
    "check_gru",
    "check_attention",
    "check_block",
    "check_all",
    # the Transformer block and the learning step
    "BlockConfig",
    "BlockWeights",
    "block_trace",
    "LearningStep",
    "learning_step",
    "check_learning_step",
    # errors
    "InputError",
    "InputTypeError",
]
