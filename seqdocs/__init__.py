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
from .cost import (
    COST_MODELS,
    CostMeasurement,
    PeakMemory,
    SavedMemory,
    Timing,
    Workload,
    dependent_steps,
    describe_machine,
    make_workload,
    measure_cost,
    peak_memory,
    saved_memory,
    time_call,
)
from .errors import InputError, InputTypeError, show_token
from .gradients import (
    GRADIENT_MODELS,
    JACOBIAN_NORMS,
    GradientConfig,
    GradientFlow,
    check_gradient_flow,
    final_state,
    gradient_flow,
    gradient_inputs,
    gradient_norms,
    init_gradient_weights,
    input_jacobian,
)
from .gru import GRUWeights, gru_cell, gru_forward, gru_trace
from .lstm import LSTMWeights, lstm_cell, lstm_forward, lstm_trace
from .memory_task import (
    MAX_DISTRACTORS,
    MEMORY_MODELS,
    MEMORY_VARIANTS,
    MemoryConfig,
    count_parameters,
    init_memory_model,
    lstm_gate_summary,
    lstm_memory_states,
    memory_model_logits,
    memory_model_weights,
    memory_task_batch,
    recurrent_states,
    seed_generators,
    symbol_share,
)
from .position import (
    ATTENTION_VARIANTS,
    ENCODING_BASE,
    MAX_POSITIONS,
    RECURRENT_MODELS,
    OrderExperiment,
    add_positions,
    order_experiment,
    permutation_gap,
    sinusoidal_positional_encoding,
)
from .reference import TOLERANCE, Check, check_all, check_attention, check_gru, check_lstm, check_rnn
from .rnn import RNNWeights, rnn_cell, rnn_forward, rnn_trace
from .setups import DEFAULT_SEED, DEFAULT_SEQUENCE, Setup, make_setup
from .trace import Step, Trace
from .training import (
    MEMORY_SEEDS,
    OPTIMIZER,
    SOLVED_ACCURACY,
    VERDICTS_OVER_GAPS,
    MemoryRun,
    above_chance_accuracy,
    chance_seen_in_training,
    clip_grad_norm_per_seed,
    compare_by_gap,
    compare_solved,
    evaluate_memory_model,
    first_clear_drop,
    longest_remembered,
    overall_verdict,
    memory_test_set,
    train_memory_model,
)
from .vocabulary import Vocabulary, tokenize

try:
    __version__ = version("seqdocs")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "COST_MODELS",
    "DEFAULT_SEED",
    "DEFAULT_SEQUENCE",
    "MAX_DISTRACTORS",
    "MEMORY_MODELS",
    "MEMORY_SEEDS",
    "MEMORY_VARIANTS",
    "VERDICTS_OVER_GAPS",
    "OPTIMIZER",
    "SOLVED_ACCURACY",
    "TOLERANCE",
    "AttentionWeights",
    "Check",
    "CostMeasurement",
    "GRUWeights",
    "InputError",
    "InputTypeError",
    "LSTMWeights",
    "MemoryConfig",
    "MemoryRun",
    "PeakMemory",
    "RNNWeights",
    "SavedMemory",
    "Setup",
    "Step",
    "Timing",
    "Trace",
    "Vocabulary",
    "Workload",
    "attention_trace",
    "causal_mask",
    "above_chance_accuracy",
    "chance_seen_in_training",
    "check_all",
    "check_attention",
    "check_gru",
    "check_lstm",
    "check_rnn",
    "clip_grad_norm_per_seed",
    "compare_by_gap",
    "compare_solved",
    "first_clear_drop",
    "overall_verdict",
    "count_parameters",
    "dependent_steps",
    "describe_machine",
    "evaluate_memory_model",
    "gru_cell",
    "gru_forward",
    "gru_trace",
    "init_memory_model",
    "lstm_cell",
    "longest_remembered",
    "lstm_forward",
    "lstm_gate_summary",
    "lstm_memory_states",
    "lstm_trace",
    "make_setup",
    "make_workload",
    "measure_cost",
    "memory_model_logits",
    "memory_model_weights",
    "memory_task_batch",
    "memory_test_set",
    "recurrent_states",
    "rnn_cell",
    "rnn_forward",
    "peak_memory",
    "rnn_trace",
    "saved_memory",
    "seed_generators",
    "self_attention",
    "show_token",
    "symbol_share",
    "time_call",
    "tokenize",
    "train_memory_model",
    "ATTENTION_VARIANTS",
    "ENCODING_BASE",
    "MAX_POSITIONS",
    "RECURRENT_MODELS",
    "OrderExperiment",
    "add_positions",
    "order_experiment",
    "permutation_gap",
    "sinusoidal_positional_encoding",
    "GRADIENT_MODELS",
    "JACOBIAN_NORMS",
    "GradientConfig",
    "GradientFlow",
    "check_gradient_flow",
    "final_state",
    "gradient_flow",
    "gradient_inputs",
    "gradient_norms",
    "init_gradient_weights",
    "input_jacobian",
]
