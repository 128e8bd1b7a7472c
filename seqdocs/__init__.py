"""seqdocs: watch an RNN, an LSTM, a GRU and self-attention read a sequence, one tensor at a time.

Every function here computes; nothing draws or prints. Start with [make_setup][seqdocs.make_setup], then trace
a model with [rnn_trace][seqdocs.rnn_trace], [lstm_trace][seqdocs.lstm_trace], [gru_trace][seqdocs.gru_trace] or
[attention_trace][seqdocs.attention_trace], and check it against PyTorch with [check_all][seqdocs.check_all].

Examples:
    >>> import seqdocs
    >>> trace = seqdocs.lstm_trace(seqdocs.make_setup("a b c"))
    >>> trace.stacked("hidden").shape
    torch.Size([3, 2])
"""

from importlib.metadata import PackageNotFoundError, version

from .attention import AttentionWeights, attention_trace, causal_mask, self_attention
from .errors import InputError, InputTypeError, show_token
from .gru import GRUWeights, gru_cell, gru_forward, gru_trace
from .lstm import LSTMWeights, lstm_cell, lstm_forward, lstm_trace
from .reference import TOLERANCE, Check, check_all, check_attention, check_gru, check_lstm, check_rnn
from .rnn import RNNWeights, rnn_cell, rnn_forward, rnn_trace
from .setups import DEFAULT_SEED, DEFAULT_SEQUENCE, Setup, make_setup
from .trace import Step, Trace
from .vocabulary import Vocabulary, tokenize

try:
    __version__ = version("seqdocs")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "DEFAULT_SEED",
    "DEFAULT_SEQUENCE",
    "TOLERANCE",
    "AttentionWeights",
    "Check",
    "GRUWeights",
    "InputError",
    "InputTypeError",
    "LSTMWeights",
    "RNNWeights",
    "Setup",
    "Step",
    "Trace",
    "Vocabulary",
    "attention_trace",
    "causal_mask",
    "check_all",
    "check_attention",
    "check_gru",
    "check_lstm",
    "check_rnn",
    "gru_cell",
    "gru_forward",
    "gru_trace",
    "lstm_cell",
    "lstm_forward",
    "lstm_trace",
    "make_setup",
    "rnn_cell",
    "rnn_forward",
    "rnn_trace",
    "self_attention",
    "show_token",
    "tokenize",
]
