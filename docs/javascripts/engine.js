/*
 * seqdocs in the browser: the package's tokenizer, seeded weights, its four models and the Transformer block, in
 * plain JavaScript.
 *
 * `seqdocs.trace(options)` returns what `seqdocs trace --json` prints for one model: the same `setup` and
 * `traces` structure, the same tensor names and shapes, each tensor as {dtype, shape, data}. Every number is
 * computed in float32 (Math.fround after each operation), and the weights are PyTorch's own draws for the
 * seed: `torch.Generator().manual_seed(seed)` is an MT19937, and `torch.randn` turns its 32-bit outputs into
 * normals in one of two ways (see `randn` below). tests/test_try_it.py checks every tensor against the Python
 * package in headless Chromium.
 *
 * Shapes as on the site: T tokens, V vocabulary size, E embedding size, H hidden size. A layer is `x @ W` with
 * W of shape (in, out), stored row-major.
 */
(function (root) {
  "use strict";

  const f32 = Math.fround;
  const MAX_SIZE = 512; // seqdocs/_checks.py: the largest embedding or hidden size
  const MAX_TOKENS = 4096; // seqdocs/vocabulary.py

  class InputError extends Error {}

  // ---------------------------------------------------------------- MT19937, as torch.Generator seeds it

  class MersenneTwister {
    constructor(seed) {
      // at::mt19937(seed) keeps only the low 32 bits of the 64-bit seed.
      this.state = new Uint32Array(624);
      this.state[0] = Number(BigInt.asUintN(32, BigInt(seed)));
      for (let j = 1; j < 624; j++) {
        const previous = this.state[j - 1] ^ (this.state[j - 1] >>> 30);
        this.state[j] = (Math.imul(1812433253, previous) + j) >>> 0;
      }
      this.index = 624;
      this.nextDoubleNormal = null; // Box–Muller's second value, kept for the next small draw
    }

    /** The next 32-bit output. */
    random() {
      if (this.index >= 624) this.twist();
      let y = this.state[this.index++];
      y ^= y >>> 11;
      y ^= (y << 7) & 0x9d2c5680;
      y ^= (y << 15) & 0xefc60000;
      y ^= y >>> 18;
      return y >>> 0;
    }

    twist() {
      const state = this.state;
      for (let i = 0; i < 624; i++) {
        const y = (state[i] & 0x80000000) | (state[(i + 1) % 624] & 0x7fffffff);
        state[i] = state[(i + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }

    /** A float32 uniform in [0, 1): 24 random bits (at::uniform_real_distribution<float>). */
    uniformFloat() {
      return (this.random() & 0xffffff) / 16777216;
    }

    /** A float64 uniform in [0, 1): 53 bits of two outputs, the first one high (CPUGeneratorImpl::random64). */
    uniformDouble() {
      const high = this.random() & 0x1fffff; // the 21 low bits of the high word
      const low = this.random();
      return (high * 4294967296 + low) / 9007199254740992;
    }
  }

  /**
   * torch.randn(...shape, generator) in float32, as PyTorch's CPU kernel draws it.
   *
   * 16 or more values: fill with float uniforms, then Box–Muller on each block of 16 (the first 8 as
   * radius·cos, the last 8 as radius·sin); if the size is not a multiple of 16, the last 16 are drawn and
   * transformed again. Fewer than 16: one float64 Box–Muller draw per value, the sine half kept for the next.
   */
  function randn(generator, shape) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (size >= 16) {
      for (let i = 0; i < size; i++) data[i] = generator.uniformFloat();
      for (let i = 0; i + 16 <= size; i += 16) normalFill16(data, i);
      if (size % 16 !== 0) {
        const start = size - 16;
        for (let i = 0; i < 16; i++) data[start + i] = generator.uniformFloat();
        normalFill16(data, start);
      }
    } else {
      for (let i = 0; i < size; i++) data[i] = doubleNormal(generator);
    }
    return { shape, data };
  }

  const TWO_PI_F32 = f32(2 * Math.PI);

  function normalFill16(data, start) {
    for (let j = 0; j < 8; j++) {
      const u1 = f32(1 - data[start + j]); // [0, 1) -> (0, 1] for the log
      const u2 = data[start + j + 8];
      const radius = f32(Math.sqrt(f32(-2 * f32(Math.log(u1)))));
      const theta = f32(TWO_PI_F32 * u2); // the AVX2 kernel multiplies by 2π already rounded to float32
      data[start + j] = f32(radius * f32(Math.cos(theta)));
      data[start + j + 8] = f32(radius * f32(Math.sin(theta)));
    }
  }

  function doubleNormal(generator) {
    if (generator.nextDoubleNormal !== null) {
      const cached = generator.nextDoubleNormal;
      generator.nextDoubleNormal = null;
      return cached;
    }
    const u1 = generator.uniformDouble();
    const u2 = generator.uniformDouble();
    const radius = Math.sqrt(-2 * Math.log1p(-u2));
    const theta = 2 * Math.PI * u1;
    generator.nextDoubleNormal = radius * Math.sin(theta);
    return radius * Math.cos(theta);
  }

  // ---------------------------------------------------------------- float32 tensor maths

  function zeros(shape) {
    return { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) };
  }

  function vector(values) {
    return { shape: [values.length], data: Float32Array.from(values) };
  }

  /** x @ W for a vector x (n) and a matrix W (n, m): one float32 rounding after each multiply and add. */
  function vecmat(x, weight) {
    const [rows, columns] = weight.shape;
    const out = new Float32Array(columns);
    for (let j = 0; j < columns; j++) {
      let sum = 0;
      for (let i = 0; i < rows; i++) sum = f32(sum + f32(x.data[i] * weight.data[i * columns + j]));
      out[j] = sum;
    }
    return { shape: [columns], data: out };
  }

  function map(tensor, fn) {
    return { shape: tensor.shape.slice(), data: tensor.data.map(fn) };
  }

  function zip(a, b, fn) {
    return { shape: a.shape.slice(), data: a.data.map((value, i) => fn(value, b.data[i])) };
  }

  const add = (a, b) => zip(a, b, (x, y) => f32(x + y));
  const mul = (a, b) => zip(a, b, (x, y) => f32(x * y));
  // As PyTorch computes it in float32: each of exp, the sum and the division rounded.
  const sigmoid = (t) => map(t, (x) => f32(1 / f32(1 + f32(Math.exp(-x)))));
  const tanh = (t) => map(t, (x) => f32(Math.tanh(x)));

  function slice(t, start, length) {
    return { shape: [length], data: t.data.slice(start, start + length) };
  }

  function concat(a, b) {
    const data = new Float32Array(a.data.length + b.data.length);
    data.set(a.data);
    data.set(b.data, a.data.length);
    return { shape: [data.length], data };
  }

  function stackRows(rows) {
    const width = rows[0].data.length;
    const data = new Float32Array(rows.length * width);
    rows.forEach((row, i) => data.set(row.data, i * width));
    return { shape: [rows.length, width], data };
  }

  function row(matrix, index) {
    const width = matrix.shape[1];
    return { shape: [width], data: matrix.data.slice(index * width, (index + 1) * width) };
  }

  /** Nested lists of numbers, like torch.Tensor.tolist(), in the trace's JSON form. */
  function toData(tensor) {
    const nest = (offset, dims) => {
      if (dims.length === 0) return tensor.data[offset];
      const [size, ...rest] = dims;
      const stride = rest.reduce((a, b) => a * b, 1);
      const out = [];
      for (let i = 0; i < size; i++) out.push(nest(offset + i * stride, rest));
      return out;
    };
    return { dtype: "float32", shape: tensor.shape.slice(), data: nest(0, tensor.shape) };
  }

  // ---------------------------------------------------------------- tokens and the setup

  // Python's str.split(): runs of characters for which str.isspace() is true. JavaScript's \s differs
  // (it includes U+FEFF and leaves out U+001C–U+001F and U+0085), so the set is spelled out.
  const WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

  function split(text) {
    return text.split(WHITESPACE).filter((token) => token.length > 0);
  }

  function tokenize(sequence) {
    if (typeof sequence !== "string") throw new InputError('the sequence must be a string of tokens separated by spaces, like "a b c"');
    const tokens = split(sequence);
    if (tokens.length === 0) throw new InputError('the sequence is empty: give at least one token, e.g. "a b c"');
    if (tokens.length > MAX_TOKENS) throw new InputError(`the sequence has ${tokens.length} tokens; at most ${MAX_TOKENS} are allowed: give a shorter one`);
    return tokens;
  }

  function vocabularyOf(tokens, vocab) {
    if (vocab === undefined || vocab === null || vocab === "") return [...new Set(tokens)];
    const known = split(String(vocab));
    if (known.length === 0) throw new InputError('the vocabulary is empty: give at least one token, e.g. "a b c"');
    const seen = new Set();
    for (const token of known) {
      if (seen.has(token)) throw new InputError(`the vocabulary lists "${token}" twice: give each token once`);
      seen.add(token);
    }
    for (const token of tokens) {
      if (!seen.has(token)) throw new InputError(`"${token}" is not in the vocabulary: add it to the vocabulary or remove it from the sequence`);
    }
    return known;
  }

  function checkWhole(name, value, low, high) {
    if (!Number.isInteger(value)) throw new InputError(`${name} must be a whole number, got ${value}`);
    if (value < low || value > high) throw new InputError(`${name} must be between ${low} and ${high}, got ${value}`);
    return value;
  }

  function checkSeed(seed) {
    let big;
    try {
      big = BigInt(seed);
    } catch (error) {
      throw new InputError(`seed must be a whole number, got ${seed}`);
    }
    if (big < 0n || big >= 2n ** 63n) throw new InputError(`seed must be between 0 and 2**63 - 1, got ${seed}`);
    return big;
  }

  /** make_setup: the draws in the seed notebook's order (embeddings, RNN, LSTM, attention), then the GRU. */
  function makeSetup({ sequence = "a b c", vocab, seed = 42, embeddingSize = 2, hiddenSize = 2 } = {}) {
    const tokens = tokenize(sequence);
    const vocabulary = vocabularyOf(tokens, vocab);
    const seedValue = checkSeed(seed);
    const E = checkWhole("embedding_size", embeddingSize, 1, MAX_SIZE);
    const H = checkWhole("hidden_size", hiddenSize, 1, MAX_SIZE);
    const generator = new MersenneTwister(seedValue);
    const draw = (...shape) => randn(generator, shape);
    const embeddings = draw(vocabulary.length, E);
    const rnn = { input_to_hidden: draw(E, H), hidden_to_hidden: draw(H, H), bias: zeros([H]) };
    const lstm = { weight: draw(E + H, 4 * H), bias: zeros([4 * H]) };
    const attention = { query: draw(E, E), key: draw(E, E), value: draw(E, E) };
    const gru = { input_weight: draw(E, 3 * H), hidden_weight: draw(H, 3 * H), input_bias: zeros([3 * H]), hidden_bias: zeros([3 * H]) };
    const tokenIds = tokens.map((token) => vocabulary.indexOf(token));
    return { tokens, vocabulary, tokenIds, seed: seedValue, E, H, embeddings, rnn, lstm, attention, gru };
  }

  // ---------------------------------------------------------------- the four models (seqdocs/*.py)

  function rnnCell(input, previousHidden, weights) {
    const inputContribution = vecmat(input, weights.input_to_hidden); // (E) @ (E, H) -> (H)
    const recurrentContribution = vecmat(previousHidden, weights.hidden_to_hidden); // (H) @ (H, H) -> (H)
    const preActivation = add(add(inputContribution, recurrentContribution), weights.bias); // (H)
    const hidden = tanh(preActivation); // (H)
    return {
      input, previous_hidden: previousHidden, input_contribution: inputContribution,
      recurrent_contribution: recurrentContribution, pre_activation: preActivation, hidden,
    };
  }

  function lstmCell(input, previousHidden, previousCell, weights, H) {
    const combined = concat(input, previousHidden); // (E + H)
    const gatePreActivations = add(vecmat(combined, weights.weight), weights.bias); // (E + H) @ (E + H, 4H) -> (4H)
    const inputGate = sigmoid(slice(gatePreActivations, 0, H)); // blocks in the order i, f, g, o
    const forgetGate = sigmoid(slice(gatePreActivations, H, H));
    const cellCandidate = tanh(slice(gatePreActivations, 2 * H, H));
    const outputGate = sigmoid(slice(gatePreActivations, 3 * H, H));
    const keptMemory = mul(forgetGate, previousCell);
    const newInformation = mul(inputGate, cellCandidate);
    const cell = add(keptMemory, newInformation);
    const hidden = mul(outputGate, tanh(cell));
    return {
      input, previous_hidden: previousHidden, previous_cell: previousCell, combined,
      gate_pre_activations: gatePreActivations, input_gate: inputGate, forget_gate: forgetGate,
      cell_candidate: cellCandidate, output_gate: outputGate, kept_memory: keptMemory,
      new_information: newInformation, cell, hidden,
    };
  }

  function gruCell(input, previousHidden, weights, H) {
    const inputProjection = add(vecmat(input, weights.input_weight), weights.input_bias); // (3H), blocks r, z, n
    const hiddenProjection = add(vecmat(previousHidden, weights.hidden_weight), weights.hidden_bias); // (3H)
    const part = (t, block) => slice(t, block * H, H);
    const resetGate = sigmoid(add(part(inputProjection, 0), part(hiddenProjection, 0)));
    const updateGate = sigmoid(add(part(inputProjection, 1), part(hiddenProjection, 1)));
    // PyTorch's GRU: the reset gate scales the hidden projection after the product with W_hn.
    const candidate = tanh(add(part(inputProjection, 2), mul(resetGate, part(hiddenProjection, 2))));
    const keep = map(updateGate, (z) => f32(1 - z));
    const hidden = add(mul(keep, candidate), mul(updateGate, previousHidden));
    return {
      input, previous_hidden: previousHidden, input_projection: inputProjection,
      hidden_projection: hiddenProjection, reset_gate: resetGate, update_gate: updateGate, candidate, hidden,
    };
  }

  /** Read the tokens in order; `cell(input, previous)` gets the previous step's tensors, null before the first. */
  function recurrentSteps(setup, cell) {
    let state = null;
    return setup.tokens.map((token, index) => {
      const tensors = cell(row(setup.inputs, index), state);
      state = tensors;
      return { index, token, tensors };
    });
  }

  // Scaled dot-product attention, head by head: queries, keys and values are (heads, T, d). Returns the scores
  // and weights (heads, T, T), each head's output (heads, T, d) and the heads side by side (T, heads * d).
  function attendHeads(queries, keys, values, causal) {
    const [heads, T, d] = queries.shape;
    const scale = f32(Math.sqrt(d));
    const scores = zeros([heads, T, T]);
    const attentionWeights = zeros([heads, T, T]);
    const headsOutput = zeros([heads, T, d]);
    for (let head = 0; head < heads; head++) {
      for (let i = 0; i < T; i++) {
        const rowScores = [];
        for (let j = 0; j < T; j++) {
          let dot = 0;
          for (let k = 0; k < d; k++) dot = f32(dot + f32(queries.data[(head * T + i) * d + k] * keys.data[(head * T + j) * d + k]));
          scores.data[(head * T + i) * T + j] = f32(dot / scale);
          rowScores.push(causal && j > i ? -Infinity : scores.data[(head * T + i) * T + j]);
        }
        const top = Math.max(...rowScores);
        const exps = rowScores.map((s) => f32(Math.exp(f32(s - top))));
        const total = exps.reduce((a, b) => f32(a + b), 0);
        exps.forEach((e, j) => { attentionWeights.data[(head * T + i) * T + j] = f32(e / total); });
        for (let k = 0; k < d; k++) {
          let sum = 0;
          for (let j = 0; j < T; j++) sum = f32(sum + f32(attentionWeights.data[(head * T + i) * T + j] * values.data[(head * T + j) * d + k]));
          headsOutput.data[(head * T + i) * d + k] = sum;
        }
      }
    }
    const concatenated = zeros([T, heads * d]); // (heads, T, d) -> (T, heads * d)
    for (let head = 0; head < heads; head++) {
      for (let t = 0; t < T; t++) for (let k = 0; k < d; k++) concatenated.data[t * heads * d + head * d + k] = headsOutput.data[(head * T + t) * d + k];
    }
    return { scores, attentionWeights, headsOutput, concatenated };
  }

  function selfAttention(inputs, weights, causal, heads) {
    const [T] = inputs.shape;
    const project = (w) => stackRows(Array.from({ length: T }, (_, t) => vecmat(row(inputs, t), w))); // (T, E) @ (E, D)
    const queries = project(weights.query);
    const keys = project(weights.key);
    const values = project(weights.value);
    // Scaled dot-product attention on each head's slice of the projections (the slices split the columns).
    const { scores, attentionWeights, headsOutput, concatenated } = attendHeads(
      splitHeads(queries, heads), splitHeads(keys, heads), splitHeads(values, heads), causal);
    if (heads === 1) scores.shape = [T, T]; // one head: PyTorch's (T, T), the same numbers in the same order
    attentionWeights.shape = scores.shape;
    const tensors = { inputs, queries, keys, values, scores };
    if (causal) {
      tensors.mask = causalMask(T);
    }
    tensors.attention_weights = attentionWeights;
    if (heads > 1) tensors.heads_output = headsOutput;
    tensors.output = concatenated;
    return tensors;
  }


  // ---------------------------------------------------------------- the Transformer block (seqdocs/block.py)

  const BLOCK_STREAM = 0xb10cn; // seqdocs/block.py's _BLOCK_STREAM: the block's generator is seeded with seed ^ this
  const LAYER_NORM_EPS = f32(1e-5);

  /** make_block_weights: its own generator; W_Q, W_K, W_V, W_O, W_1, W_2, each standard normal / sqrt(rows). */
  function makeBlockWeights(seed, E, F) {
    const generator = new MersenneTwister(seed ^ BLOCK_STREAM);
    const draw = (rows, columns) => {
      const scale = f32(Math.sqrt(rows)); // PyTorch divides a float32 tensor by the scalar in float32
      const drawn = randn(generator, [rows, columns]);
      return { shape: [rows, columns], data: drawn.data.map((value) => f32(value / scale)) };
    };
    const [query, key, value, output] = [draw(E, E), draw(E, E), draw(E, E), draw(E, E)];
    const feedforwardIn = draw(E, F);
    const feedforwardOut = draw(F, E);
    const ones = (n) => ({ shape: [n], data: new Float32Array(n).fill(1) });
    return {
      query, key, value, output, feedforwardIn, feedforwardOut,
      queryBias: zeros([E]), keyBias: zeros([E]), valueBias: zeros([E]), outputBias: zeros([E]),
      feedforwardInBias: zeros([F]), feedforwardOutBias: zeros([E]),
      norm1Gain: ones(E), norm1Bias: zeros([E]), norm2Gain: ones(E), norm2Bias: zeros([E]),
    };
  }

  function transpose(matrix) {
    const [rows, columns] = matrix.shape;
    const data = new Float32Array(rows * columns);
    for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) data[j * rows + i] = matrix.data[i * columns + j];
    return { shape: [columns, rows], data };
  }

  function concatAll(tensors) {
    const data = new Float32Array(tensors.reduce((n, t) => n + t.data.length, 0));
    let offset = 0;
    for (const t of tensors) { data.set(t.data, offset); offset += t.data.length; }
    return data;
  }

  /** BlockWeights.state_dict(): PyTorch's names and (out, in) layout, as `seqdocs trace --json` writes them. */
  function blockStateDict(w) {
    const E = w.query.shape[0];
    return {
      "self_attn.in_proj_weight": { shape: [3 * E, E], data: concatAll([transpose(w.query), transpose(w.key), transpose(w.value)]) },
      "self_attn.in_proj_bias": { shape: [3 * E], data: concatAll([w.queryBias, w.keyBias, w.valueBias]) },
      "self_attn.out_proj.weight": transpose(w.output),
      "self_attn.out_proj.bias": w.outputBias,
      "linear1.weight": transpose(w.feedforwardIn),
      "linear1.bias": w.feedforwardInBias,
      "linear2.weight": transpose(w.feedforwardOut),
      "linear2.bias": w.feedforwardOutBias,
      "norm1.weight": w.norm1Gain,
      "norm1.bias": w.norm1Bias,
      "norm2.weight": w.norm2Gain,
      "norm2.bias": w.norm2Bias,
    };
  }

  /** sinusoidal_positional_encoding(T, E): angles in float64, then rounded to float32 once. */
  function positionalEncoding(T, E) {
    const encoding = zeros([T, E]);
    for (let p = 0; p < T; p++) {
      for (let column = 0; column < E; column += 2) {
        const angle = p * Math.pow(10000, -column / E); // 1 / 10000^(2i/E) radians per position
        encoding.data[p * E + column] = Math.sin(angle);
        if (column + 1 < E) encoding.data[p * E + column + 1] = Math.cos(angle);
      }
    }
    return encoding;
  }

  /** rows (N, In) @ W (In, Out) + b: every row through vecmat, then the bias. */
  function linear(rows, weight, bias) {
    const count = rows.shape[0];
    return stackRows(Array.from({ length: count }, (_, n) => add(vecmat(row(rows, n), weight), bias)));
  }

  /** LayerNorm of each row alone (nn.LayerNorm): mean and variance over the row, the variance divided by E. */
  function layerNorm(rows, gain, bias) {
    const [T, E] = rows.shape;
    const mean = zeros([T]);
    const variance = zeros([T]);
    const normalised = zeros([T, E]);
    const output = zeros([T, E]);
    for (let t = 0; t < T; t++) {
      let sum = 0;
      for (let k = 0; k < E; k++) sum = f32(sum + rows.data[t * E + k]);
      mean.data[t] = f32(sum / E);
      let squares = 0;
      for (let k = 0; k < E; k++) {
        const centred = f32(rows.data[t * E + k] - mean.data[t]);
        squares = f32(squares + f32(centred * centred));
      }
      variance.data[t] = f32(squares / E);
      const spread = f32(Math.sqrt(f32(variance.data[t] + LAYER_NORM_EPS)));
      for (let k = 0; k < E; k++) {
        const value = f32(f32(rows.data[t * E + k] - mean.data[t]) / spread);
        normalised.data[t * E + k] = value;
        output.data[t * E + k] = f32(f32(value * gain.data[k]) + bias.data[k]);
      }
    }
    return { mean, variance, normalised, output };
  }

  /** (T, E) -> (heads, T, d): head j gets columns j·d to (j + 1)·d - 1. */
  function splitHeads(rows, heads) {
    const [T, E] = rows.shape;
    const d = E / heads;
    const out = zeros([heads, T, d]);
    for (let head = 0; head < heads; head++) {
      for (let t = 0; t < T; t++) for (let k = 0; k < d; k++) out.data[(head * T + t) * d + k] = rows.data[t * E + head * d + k];
    }
    return out;
  }

  /** transformer_block: nn.TransformerEncoderLayer (dropout 0, relu) one tensor at a time, post- or pre-norm. */
  function transformerBlock(inputs, w, { heads, normFirst, causal }) {
    const [T] = inputs.shape;
    const result = { inputs };
    const norm = (number, rows) => {
      const parts = layerNorm(rows, w[`norm${number}Gain`], w[`norm${number}Bias`]);
      for (const [name, tensor] of Object.entries(parts)) result[`norm${number}_${name}`] = tensor;
      return parts.output;
    };
    // Pre-norm normalises what goes into attention; post-norm gives it the raw rows.
    const attentionInput = normFirst ? norm(1, inputs) : inputs; // (T, E)
    const queries = splitHeads(linear(attentionInput, w.query, w.queryBias), heads); // (heads, T, d)
    const keys = splitHeads(linear(attentionInput, w.key, w.keyBias), heads);
    const values = splitHeads(linear(attentionInput, w.value, w.valueBias), heads);
    Object.assign(result, { queries, keys, values });
    const { scores, attentionWeights, headsOutput, concatenated } = attendHeads(queries, keys, values, causal);
    result.scores = scores;
    if (causal) result.mask = causalMask(T);
    const attentionOutput = linear(concatenated, w.output, w.outputBias); // (T, E) @ (E, E) -> (T, E)
    const attentionResidual = add(inputs, attentionOutput); // the input passes through untouched, plus attention
    Object.assign(result, {
      attention_weights: attentionWeights, heads_output: headsOutput, concatenated,
      attention_output: attentionOutput, attention_residual: attentionResidual,
    });
    const feedforwardInput = norm(normFirst ? 2 : 1, attentionResidual); // (T, E)
    const preActivation = linear(feedforwardInput, w.feedforwardIn, w.feedforwardInBias); // (T, E) @ (E, F) -> (T, F)
    const hidden = map(preActivation, (x) => (x > 0 ? x : 0)); // relu
    const feedforwardOutput = linear(hidden, w.feedforwardOut, w.feedforwardOutBias); // (T, F) @ (F, E) -> (T, E)
    // Post-norm adds to the normalised rows (what the feed-forward layer read); pre-norm to the raw sum.
    const feedforwardResidual = add(normFirst ? attentionResidual : feedforwardInput, feedforwardOutput);
    Object.assign(result, {
      feedforward_pre_activation: preActivation, feedforward_hidden: hidden,
      feedforward_output: feedforwardOutput, feedforward_residual: feedforwardResidual,
    });
    result.output = normFirst ? feedforwardResidual : norm(2, feedforwardResidual); // (T, E)
    return result;
  }

  function causalMask(T) {
    return { shape: [T, T], data: Array.from({ length: T * T }, (_, n) => Math.floor(n / T) >= n % T), dtype: "bool" };
  }

  // ---------------------------------------------------------------- the public contract

  const MODELS = ["rnn", "lstm", "gru", "attention", "block"];
  // The command line's defaults for the block (seqdocs.BLOCK_EMBEDDING_SIZE, seqdocs.BLOCK_HEADS); 2 and 1 otherwise.
  const BLOCK_DEFAULTS = { embeddingSize: 4, heads: 2 };

  function traceModel(setup, model, { causal, heads, normFirst, feedforwardSize }) {
    const H = setup.H;
    const blank = () => zeros([H]);
    let steps;
    let weights;
    let options = {};
    if (model === "rnn") {
      weights = setup.rnn;
      steps = recurrentSteps(setup, (x, state) => rnnCell(x, state ? state.hidden : blank(), weights));
    } else if (model === "lstm") {
      weights = setup.lstm;
      steps = recurrentSteps(setup, (x, state) =>
        lstmCell(x, state ? state.hidden : blank(), state ? state.cell : blank(), weights, H));
    } else if (model === "gru") {
      weights = setup.gru;
      steps = recurrentSteps(setup, (x, state) => gruCell(x, state ? state.hidden : blank(), weights, H));
    } else if (model === "attention") {
      weights = setup.attention;
      steps = [{ index: 0, token: null, tensors: selfAttention(setup.inputs, weights, causal, heads) }];
      options = { causal, num_heads: heads };
    } else {
      // block_trace: the input is each token's embedding plus its position's sinusoidal encoding.
      const E = setup.E;
      const blockWeights = makeBlockWeights(setup.seed, E, feedforwardSize);
      const positions = positionalEncoding(setup.tokens.length, E);
      const inputs = add(setup.inputs, positions); // (T, E)
      const tensors = { embeddings: setup.inputs, positions, ...transformerBlock(inputs, blockWeights, { heads, normFirst, causal }) };
      steps = [{ index: 0, token: null, tensors }];
      weights = blockStateDict(blockWeights);
      // nn.TransformerEncoderLayer's argument names, as seqdocs/block.py's _options writes them.
      options = {
        d_model: E, nhead: heads, dim_feedforward: feedforwardSize, norm_first: normFirst, activation: "relu",
        causal, layer_norm_eps: 1e-5,
      };
    }
    const tensorData = (tensors) => Object.fromEntries(Object.entries(tensors).map(([name, t]) => [
      name, t.dtype === "bool" ? { dtype: "bool", shape: t.shape, data: toData({ shape: t.shape, data: t.data }).data } : toData(t),
    ]));
    return {
      model,
      tokens: setup.tokens.slice(),
      options,
      weights: tensorData(weights),
      steps: steps.map((step) => ({ index: step.index, token: step.token, tensors: tensorData(step.tensors) })),
    };
  }

  /**
   * Trace one model, with the CLI's options; returns {setup, traces: {model: trace}} like `seqdocs trace --json`.
   * Throws an InputError (a sentence naming the problem and the fix) on bad input.
   */
  function trace({
    sequence = "a b c", model = "lstm", seed = 42, embeddingSize, hiddenSize = 2, vocab, causal = false, heads,
    normFirst = false, feedforwardSize,
  } = {}) {
    if (!MODELS.includes(model)) throw new InputError(`unknown model "${model}": use one of ${MODELS.join(", ")}`);
    if (typeof causal !== "boolean") throw new InputError("causal must be true or false");
    if (typeof normFirst !== "boolean") throw new InputError("normFirst must be true or false");
    const block = model === "block";
    if (embeddingSize === undefined) embeddingSize = block ? BLOCK_DEFAULTS.embeddingSize : 2;
    if (heads === undefined) heads = block ? BLOCK_DEFAULTS.heads : 1;
    const setup = makeSetup({ sequence, vocab, seed, embeddingSize, hiddenSize });
    checkWhole("heads", heads, 1, MAX_SIZE);
    if (feedforwardSize === undefined || feedforwardSize === null) feedforwardSize = 2 * setup.E;
    else checkWhole("feedforward_size", feedforwardSize, 1, MAX_SIZE);
    if ((model === "attention" || block) && setup.E % heads !== 0) {
      const divisors = Array.from({ length: setup.E }, (_, i) => i + 1).filter((n) => setup.E % n === 0);
      throw new InputError(`${heads} heads do not divide the attention width ${setup.E} (the embedding size): use ${divisors.join(", ")}`);
    }
    setup.inputs = stackRows(setup.tokenIds.map((id) => row(setup.embeddings, id)));
    return {
      setup: {
        sequence: setup.tokens.slice(),
        vocabulary: setup.vocabulary.slice(),
        token_ids: setup.tokenIds.slice(),
        seed: Number(setup.seed) <= Number.MAX_SAFE_INTEGER ? Number(setup.seed) : setup.seed.toString(),
        embedding_size: setup.E,
        hidden_size: setup.H,
        dtype: "float32",
        embeddings: toData(setup.embeddings),
      },
      traces: { [model]: traceModel(setup, model, { causal, heads, normFirst, feedforwardSize }) },
    };
  }

  const api = { trace, tokenize, randn: (seed, shape) => randn(new MersenneTwister(checkSeed(seed)), shape), MODELS, InputError, MAX_SIZE };
  if (typeof module === "object" && module.exports) module.exports = api;
  else {
    root.seqdocs = Object.assign(root.seqdocs || {}, api);
    // After instant navigation the page's two scripts load in no fixed order: tell the view the engine is here.
    if (typeof document !== "undefined") document.dispatchEvent(new Event("seqdocs:engine"));
  }
})(typeof window !== "undefined" ? window : globalThis);
