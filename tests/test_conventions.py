"""The facts the conventions page states about PyTorch hold, computed here with torch and seqdocs.

Each fact is checked on the page's own example and on other seeds and sizes, so a fact that happened to hold
for one set of weights cannot pass. The slow tests run the page's snippets and the walk-through notebook.
"""

import itertools
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import seqdocs

ROOT = Path(__file__).resolve().parents[1]
SNIPPETS = ROOT / "scripts" / "snippets"
NOTEBOOK = ROOT / "scripts" / "notebooks" / "walkthrough.py"

# The page's own example in float32, then float64 setups, where "equal" can mean equal to 1e-10. "Different"
# means more than 1e-4 apart everywhere.
SETUPS = [
    seqdocs.make_setup(),
    seqdocs.make_setup("a b c d a", seed=7, embedding_size=3, hidden_size=3, dtype="float64"),
    seqdocs.make_setup("b a c c", seed=123, embedding_size=2, hidden_size=4, dtype="float64"),
]
IDS = ["seed notebook", "seed 7, E=H=3", "seed 123, E=2, H=4"]


def max_difference(first: torch.Tensor, second: torch.Tensor) -> float:
    return float((first - second).detach().abs().max())


def tolerance(setup: seqdocs.Setup) -> float:
    return 1e-5 if setup.inputs.dtype == torch.float32 else 1e-10


# ---------------------------------------------------------------------------------------------------------------
# Gate order


def torch_lstm_states(setup: seqdocs.Setup, blocks: list[torch.Tensor]) -> torch.Tensor:
    """nn.LSTM's hidden state after each token, with the weight's column blocks loaded in the order given."""
    E, H = setup.embedding_size, setup.lstm.hidden_size
    weight = torch.cat(blocks, dim=1)  # (E + H, 4H)
    module = nn.LSTM(E, H, dtype=setup.inputs.dtype)
    with torch.no_grad():
        module.weight_ih_l0.copy_(weight[:E].T)
        module.weight_hh_l0.copy_(weight[E:].T)
        module.bias_ih_l0.zero_()
        module.bias_hh_l0.zero_()
        states, _ = module(setup.inputs)  # (T, H)
    return states


@pytest.mark.parametrize("setup", SETUPS, ids=IDS)
def test_lstm_blocks_in_order_i_f_g_o_reproduce_nn_lstm(setup):
    blocks = list(setup.lstm.weight.chunk(4, dim=1))  # seqdocs's order, i, f, g, o
    ours = seqdocs.lstm_trace(setup).stacked("hidden")
    assert max_difference(torch_lstm_states(setup, blocks), ours) < tolerance(setup)


@pytest.mark.parametrize("setup", SETUPS, ids=IDS)
def test_every_other_lstm_block_order_breaks_equality(setup):
    blocks = list(setup.lstm.weight.chunk(4, dim=1))
    ours = seqdocs.lstm_trace(setup).stacked("hidden")
    for order in itertools.permutations(range(4)):
        if order == (0, 1, 2, 3):
            continue
        theirs = torch_lstm_states(setup, [blocks[index] for index in order])
        assert max_difference(theirs, ours) > 1e-4, f"block order {order} gave nn.LSTM's numbers"


def torch_gru_states(setup: seqdocs.Setup, order: str) -> torch.Tensor:
    """nn.GRU's hidden state after each token, with seqdocs's r, z, n blocks loaded in the order given."""
    gru = setup.gru

    def reorder(tensor: torch.Tensor) -> torch.Tensor:
        blocks = dict(zip("rzn", tensor.chunk(3, dim=-1)))
        return torch.cat([blocks[name] for name in order], dim=-1)

    module = nn.GRU(setup.embedding_size, gru.hidden_size, dtype=setup.inputs.dtype)
    with torch.no_grad():
        module.weight_ih_l0.copy_(reorder(gru.input_weight).T)
        module.weight_hh_l0.copy_(reorder(gru.hidden_weight).T)
        module.bias_ih_l0.copy_(reorder(gru.input_bias))
        module.bias_hh_l0.copy_(reorder(gru.hidden_bias))
        states, _ = module(setup.inputs)
    return states


@pytest.mark.parametrize("setup", SETUPS, ids=IDS)
def test_gru_blocks_are_r_z_n_and_no_other_order(setup):
    ours = seqdocs.gru_trace(setup).stacked("hidden")
    assert max_difference(torch_gru_states(setup, "rzn"), ours) < tolerance(setup)
    for order in ("rnz", "zrn", "znr", "nrz", "nzr"):
        assert max_difference(torch_gru_states(setup, order), ours) > 1e-4, f"order {order} gave nn.GRU's numbers"


def reset_before_product_states(setup: seqdocs.Setup) -> torch.Tensor:
    """The GRU paper's formulation: the reset gate scales h before the product with W_hn (zero biases)."""
    gru = setup.gru
    hidden = setup.inputs.new_zeros(gru.hidden_size)
    hidden_reset, hidden_update, hidden_candidate = gru.hidden_weight.chunk(3, dim=1)
    states = []
    for token_vector in setup.inputs:
        input_reset, input_update, input_candidate = (token_vector @ gru.input_weight).chunk(3)
        reset = torch.sigmoid(input_reset + hidden @ hidden_reset)
        update = torch.sigmoid(input_update + hidden @ hidden_update)
        candidate = torch.tanh(input_candidate + (reset * hidden) @ hidden_candidate)
        hidden = (1 - update) * candidate + update * hidden
        states.append(hidden)
    return torch.stack(states)


@pytest.mark.parametrize("setup", SETUPS, ids=IDS)
def test_nn_gru_resets_after_the_product_and_agrees_with_reset_before_only_on_the_first_token(setup):
    theirs = torch_gru_states(setup, "rzn")
    textbook = reset_before_product_states(setup)
    # From a zero state with zero biases, both formulas multiply the reset gate by zero.
    assert max_difference(textbook[0], theirs[0]) < tolerance(setup)
    assert max_difference(textbook[1:], theirs[1:]) > 1e-4


# ---------------------------------------------------------------------------------------------------------------
# x @ W versus x @ W.T


def test_torch_layers_store_out_by_in_and_compute_x_times_w_transposed():
    torch.manual_seed(0)
    linear = nn.Linear(5, 3, bias=False, dtype=torch.float64)
    inputs = torch.randn(4, 5, dtype=torch.float64)
    assert linear.weight.shape == (3, 5)
    assert max_difference(linear(inputs), inputs @ linear.weight.T) < 1e-12


def test_seqdocs_weights_are_the_transpose_of_pytorchs():
    setup = seqdocs.make_setup(embedding_size=3, hidden_size=2)
    module = nn.RNN(3, 2)
    assert setup.rnn.input_to_hidden.shape == module.weight_ih_l0.shape[::-1] == (3, 2)
    lstm = nn.LSTM(3, 2)
    assert setup.lstm.weight[:3].shape == lstm.weight_ih_l0.shape[::-1]
    assert setup.lstm.weight[3:].shape == lstm.weight_hh_l0.shape[::-1]
    with pytest.raises(RuntimeError):  # not square: a forgotten .T is a shape error
        module.weight_ih_l0.data.copy_(setup.rnn.input_to_hidden)


def torch_rnn_states(setup: seqdocs.Setup, transpose: bool) -> torch.Tensor:
    weights = setup.rnn
    module = nn.RNN(setup.embedding_size, weights.hidden_size, dtype=setup.inputs.dtype)
    with torch.no_grad():
        module.weight_ih_l0.copy_(weights.input_to_hidden.T if transpose else weights.input_to_hidden)
        module.weight_hh_l0.copy_(weights.hidden_to_hidden.T if transpose else weights.hidden_to_hidden)
        module.bias_ih_l0.copy_(weights.bias)
        module.bias_hh_l0.zero_()
        states, _ = module(setup.inputs)
    return states


@pytest.mark.parametrize("setup", [SETUPS[0], SETUPS[1]], ids=IDS[:2])
def test_square_weights_copied_without_transpose_run_and_give_other_numbers(setup):
    ours = seqdocs.rnn_trace(setup).stacked("hidden")
    assert max_difference(torch_rnn_states(setup, transpose=True), ours) < tolerance(setup)
    assert max_difference(torch_rnn_states(setup, transpose=False), ours) > 1e-4


# ---------------------------------------------------------------------------------------------------------------
# Boolean masks


def attention_pair(setup: seqdocs.Setup):
    """scaled_dot_product_attention and nn.MultiheadAttention, both computing seqdocs's attention."""
    weights, inputs = setup.attention, setup.inputs
    queries, keys, values = inputs @ weights.query, inputs @ weights.key, inputs @ weights.value
    module = nn.MultiheadAttention(weights.width, 1, bias=False, dtype=inputs.dtype)
    with torch.no_grad():
        module.in_proj_weight.copy_(torch.cat([weights.query.T, weights.key.T, weights.value.T]))
        module.out_proj.weight.copy_(torch.eye(weights.width, dtype=inputs.dtype))

    def sdpa(mask):
        return F.scaled_dot_product_attention(queries, keys, values, attn_mask=mask)

    def multihead(mask):
        with torch.no_grad():
            return module(inputs, inputs, inputs, attn_mask=mask)[0]

    return sdpa, multihead


@pytest.mark.parametrize("setup", SETUPS, ids=IDS)
def test_causal_mask_means_may_attend_to_scaled_dot_product_attention(setup):
    sdpa, _ = attention_pair(setup)
    ours = seqdocs.attention_trace(setup, causal=True).steps[0]["output"]
    assert max_difference(sdpa(seqdocs.causal_mask(len(setup.tokens))), ours) < tolerance(setup)


@pytest.mark.parametrize("setup", SETUPS, ids=IDS)
def test_the_same_boolean_mask_gives_multihead_attention_other_outputs_and_the_inverted_one_the_same(setup):
    sdpa, multihead = attention_pair(setup)
    may_attend = seqdocs.causal_mask(len(setup.tokens))
    same_mask = multihead(may_attend)
    # The last token may attend to every token; read as "blocked" that leaves it nothing: nan.
    assert torch.isnan(same_mask[-1]).all()
    assert not torch.allclose(same_mask, sdpa(may_attend), equal_nan=True)
    assert max_difference(multihead(~may_attend), sdpa(may_attend)) < tolerance(setup)


@pytest.mark.parametrize("seed", range(5))
def test_masks_that_leave_every_token_something_still_differ_between_the_two(seed):
    # Every row has at least one True and one False, so neither reading blocks a whole row: no nan to hide behind.
    setup = seqdocs.make_setup("a b c d", seed=seed, embedding_size=4, dtype="float64")
    generator = torch.Generator().manual_seed(seed)
    mask = torch.rand(4, 4, generator=generator) < 0.5
    mask[:, 0], mask[:, 1] = True, False
    sdpa, multihead = attention_pair(setup)
    assert max_difference(multihead(mask), sdpa(mask)) > 1e-4
    assert max_difference(multihead(~mask), sdpa(mask)) < 1e-10


@pytest.mark.parametrize("setup", SETUPS, ids=IDS)
def test_an_additive_float_mask_means_the_same_to_both(setup):
    sdpa, multihead = attention_pair(setup)
    length = len(setup.tokens)
    additive = torch.zeros(length, length, dtype=setup.inputs.dtype)
    additive = additive.masked_fill(~seqdocs.causal_mask(length), float("-inf"))
    assert max_difference(multihead(additive), sdpa(additive)) < tolerance(setup)


# ---------------------------------------------------------------------------------------------------------------
# Two biases


def outputs_before_and_after_moving_bias(module: nn.RNNBase, entries: slice) -> tuple[torch.Tensor, torch.Tensor]:
    """Run the module, move bias_hh_l0[entries] into bias_ih_l0, run it again."""
    inputs = torch.randn(5, module.input_size, dtype=torch.float64)
    with torch.no_grad():
        before, _ = module(inputs)
        module.bias_ih_l0[entries] += module.bias_hh_l0[entries]
        module.bias_hh_l0[entries] = 0
        after, _ = module(inputs)
    return before, after


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("kind", [nn.RNN, nn.LSTM])
def test_rnn_and_lstm_depend_only_on_the_sum_of_their_two_biases(kind, seed):
    torch.manual_seed(seed)
    before, after = outputs_before_and_after_moving_bias(kind(3, 4, dtype=torch.float64), slice(None))
    assert max_difference(before, after) < 1e-12


@pytest.mark.parametrize("seed", range(3))
def test_the_gru_candidate_bias_cannot_be_merged_but_its_reset_and_update_biases_can(seed):
    torch.manual_seed(seed)
    before, after = outputs_before_and_after_moving_bias(nn.GRU(3, 4, dtype=torch.float64), slice(None))
    assert max_difference(before, after) > 1e-4
    torch.manual_seed(seed)
    before, after = outputs_before_and_after_moving_bias(nn.GRU(3, 4, dtype=torch.float64), slice(0, 8))
    assert max_difference(before, after) < 1e-12


# ---------------------------------------------------------------------------------------------------------------
# The page's snippets print what the page says of them


def run_snippet(name: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, str(SNIPPETS / f"{name}.py")], capture_output=True, text=True, check=True, timeout=120
    )
    return result.stdout.splitlines()


def verdicts(lines: list[str]) -> dict[str, str]:
    """For each output line ending in a verdict, its start and the verdict."""
    found = {}
    for line in lines:
        for verdict in ("NOT equal", "equal"):
            if line.rstrip().endswith(verdict):
                found[line.split("  ")[0].strip()] = verdict
                break
    return found


@pytest.mark.slow
def test_gate_order_snippet_finds_only_pytorchs_order_equal():
    found = verdicts(run_snippet("conventions_gate_order"))
    assert found == {
        "i, f, g, o (PyTorch's order)": "equal",
        "i, o, f, g (ONNX's order)": "NOT equal",
        "f, i, g, o (i and f swapped)": "NOT equal",
    }


@pytest.mark.slow
def test_gru_snippet_finds_seqdocs_equal_and_the_other_two_not():
    found = verdicts(run_snippet("conventions_gru"))
    assert found == {
        "nn.GRU r z n": "equal",
        "seqdocs": "equal",
        "nn.GRU z r n": "NOT equal",
        "reset before": "NOT equal",
    }


@pytest.mark.slow
def test_mask_snippet_shows_nan_for_the_same_mask_and_equality_for_the_float_mask():
    lines = run_snippet("conventions_masks")
    same_mask = lines.index("MultiheadAttention, the same mask:")
    assert "nan" in " ".join(lines[same_mask + 1 : same_mask + 4])
    assert lines[-1] == "float mask, both equal: True"


@pytest.mark.slow
def test_bias_snippet_finds_only_the_gru_changed():
    lines = run_snippet("conventions_biases")
    verdicts_by_module = {lines[index].split(":")[0]: lines[index + 1].split(": ")[1] for index in (0, 2, 4)}
    assert verdicts_by_module == {"RNN": "the same", "LSTM": "the same", "GRU": "DIFFERENT"}
    assert lines[6] == "GRU, only the r and z blocks moved: the same"


# ---------------------------------------------------------------------------------------------------------------
# The walk-through notebook


@pytest.mark.slow
def test_walkthrough_notebook_runs_and_shows_the_packages_numbers(tmp_path):
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    notebook = jupytext.read(NOTEBOOK)
    nbclient.NotebookClient(notebook, timeout=120, resources={"metadata": {"path": str(tmp_path)}}).execute()

    shown = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", output.get("evalue")
            shown.append(output.get("text", ""))
            shown.extend(output.get("data", {}).get(kind, "") for kind in ("text/plain", "text/html"))
    shown = "\n".join(shown)

    setup = seqdocs.make_setup()
    expected = [
        seqdocs.rnn_trace(setup).final("hidden"),
        seqdocs.lstm_trace(setup).final("cell"),
        seqdocs.lstm_trace(setup).steps[0]["forget_gate"],
        seqdocs.gru_trace(setup).steps[1]["update_gate"],
        seqdocs.attention_trace(setup).steps[0]["attention_weights"].flatten(),
    ]
    for tensor in expected:
        for value in tensor.tolist():
            assert f"{value:.4f}" in shown, f"{value:.4f} is not in the notebook's output"
    assert "all equal: True" in shown
    figures = sum("image/png" in output.get("data", {}) for cell in notebook.cells for output in cell.get("outputs", []))
    assert figures == 2
