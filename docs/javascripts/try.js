/*
 * The "Try it" page: the reader's own sequence, stepped through one model, computed by engine.js.
 *
 * Everything the reader types is shown with textContent, never parsed as HTML. The whole view lives in the
 * URL's query (shareable; the back button steps back through views). Only docs/try.md loads this file and
 * engine.js, so no other page carries them. The page starts on DOMContentLoaded and, after Material's instant
 * navigation (which re-creates the page's scripts, in no fixed order), on `document$` or on the engine's
 * "seqdocs:engine" event, whichever comes last; starting twice on the same element does nothing. Starting
 * computes nothing: the first view's numbers come after the first paint (`afterFirstPaint`), in short tasks of
 * their own (the numbers, then the controls, then each table, then the plane: `inTasks`), and
 * `#try-it[data-ready=true]` marks it shown.
 */
(function () {
  "use strict";

  // The widget's range: within it every number is tested equal to PyTorch to 1e-5 (tests/test_try_it.py).
  const LIMITS = { tokens: 16, size: 4, feedforward: 8 };
  // The hidden size's key is "hidden", not "h": Material's search highlighting reads ?h= and marks that text.
  const DEFAULTS = {
    sequence: "a b c", model: "lstm", seed: "42", e: "2", hidden: "2", heads: "1", causal: "0", norm: "post", f: "",
    vocab: "", step: "1",
  };
  // The block's own defaults, as the command line's (seqdocs.BLOCK_EMBEDDING_SIZE, seqdocs.BLOCK_HEADS). E = 4
  // is also the block's only width on this page: LayerNorm divides by each row's spread, and over fewer numbers
  // that spread is often small enough to magnify last-place differences past the page's 1e-5.
  const BLOCK_DEFAULTS = { e: "4", heads: "2" };
  const MODEL_NAMES = { rnn: "RNN", lstm: "LSTM", gru: "GRU", attention: "Self-attention", block: "Transformer block" };
  const ATTENDING = ["attention", "block"]; // the models with heads and a causal mask
  // What each step's table shows, in the order the model computes it; the last one is the state drawn.
  const SHOWN = {
    rnn: ["input", "previous_hidden", "input_contribution", "recurrent_contribution", "pre_activation", "hidden"],
    lstm: ["input", "previous_hidden", "previous_cell", "input_gate", "forget_gate", "cell_candidate",
      "output_gate", "kept_memory", "new_information", "cell", "hidden"],
    gru: ["input", "previous_hidden", "reset_gate", "update_gate", "candidate", "hidden"],
  };

  // `whileLoading`: the page is loading (not instant navigation), so the first view waits for the first paint and
  // comes in short tasks.
  function start(whileLoading = false) {
    const root = document.getElementById("try-it");
    if (!root || root.dataset.started === "true" || !window.seqdocs || !window.seqdocs.trace) return;
    root.dataset.started = "true";
    const form = root.querySelector("form");
    const field = (name) => form.elements.namedItem(name);
    let lastGood = null;
    // Each view counts up; a part of a view still waiting for its task (`later`) is dropped once a newer view is
    // shown. `later` runs a part at once, except while the first view is spread over tasks (`deferred` holds them).
    let generation = 0;
    let deferred = null;
    const later = (part) => {
      if (!deferred) return part();
      const mine = generation;
      deferred.push(() => { if (mine === generation) part(); });
    };

    const readUrl = () => {
      const query = new URLSearchParams(window.location.search);
      const defaults = query.get("model") === "block" ? { ...DEFAULTS, ...BLOCK_DEFAULTS } : DEFAULTS;
      const view = {};
      for (const key of Object.keys(DEFAULTS)) view[key] = query.has(key) ? query.get(key) : defaults[key];
      return view;
    };
    const readForm = () => ({
      sequence: field("sequence").value,
      model: field("model").value,
      seed: field("seed").value.trim(),
      e: field("e").value.trim(),
      hidden: field("hidden").value.trim(),
      heads: field("heads").value.trim(),
      causal: field("causal").checked ? "1" : "0",
      norm: field("norm").value,
      f: field("f").value.trim(),
      vocab: field("vocab").value,
      step: field("step").value,
    });
    const fillForm = (view) => {
      for (const key of ["sequence", "model", "seed", "e", "hidden", "heads", "norm", "f", "vocab"]) field(key).value = view[key];
      field("causal").checked = view.causal === "1";
    };

    function compute(view) {
      const whole = (name, text, low, high) => {
        if (!/^\d+$/.test(text)) throw fieldError(name, `${label(name)} must be a whole number from ${low} to ${high}.`);
        const value = Number(text);
        if (value < low || value > high) throw fieldError(name, `${label(name)} must be from ${low} to ${high} on this page.`);
        return value;
      };
      if (!/^\d+$/.test(view.seed)) throw fieldError("seed", "The seed must be a whole number from 0 to 2^63 − 1.");
      const options = {
        sequence: view.sequence,
        model: view.model in MODEL_NAMES ? view.model : "lstm",
        seed: BigInt(view.seed),
        embeddingSize: whole("e", view.e, 1, LIMITS.size),
        hiddenSize: whole("hidden", view.hidden, 1, LIMITS.size),
        heads: whole("heads", view.heads, 1, LIMITS.size),
        causal: view.causal === "1",
        normFirst: view.norm === "pre",
        feedforwardSize: view.f === "" ? undefined : whole("f", view.f, 1, LIMITS.feedforward),
        vocab: view.vocab.trim() === "" ? undefined : view.vocab,
      };
      if (options.model === "block" && options.embeddingSize !== Number(BLOCK_DEFAULTS.e)) {
        throw fieldError("e", `The Transformer block takes E = ${BLOCK_DEFAULTS.e} on this page (the command takes any size).`);
      }
      let tokens;
      try {
        tokens = window.seqdocs.tokenize(options.sequence);
      } catch (error) {
        throw fieldError("sequence", sentence(error.message));
      }
      if (tokens.length > LIMITS.tokens) {
        throw fieldError("sequence", `This page reads at most ${LIMITS.tokens} tokens; yours has ${tokens.length}. Remove some, or use the command below.`);
      }
      if (!ATTENDING.includes(options.model)) {
        options.heads = 1;
        options.causal = false;
      }
      if (options.model !== "block") {
        options.normFirst = false;
        options.feedforwardSize = undefined;
      }
      try {
        return { options, result: window.seqdocs.trace(options) };
      } catch (error) {
        if (!(error instanceof window.seqdocs.InputError)) throw error;
        const where = /vocabulary/.test(error.message) ? "vocab" : /heads|divide/.test(error.message) ? "heads"
          : /seed/.test(error.message) ? "seed" : /feedforward/.test(error.message) ? "f" : "sequence";
        throw fieldError(where, sentence(error.message));
      }
    }

    // `computed`, if given, returns what compute(view) would (or throws what it would): the first view computes
    // in one task and shows in the next, so that neither is long.
    function show(view, { push, replace = false, computed: precomputed = null }) {
      clearErrors();
      let computed;
      try {
        computed = precomputed ? precomputed() : compute(view);
      } catch (error) {
        if (!error.field) throw error;
        showError(error.field, error.message);
        return false; // the last good view stays on screen
      }
      generation += 1;
      const { options, result } = computed;
      const trace = result.traces[options.model];
      const stepCount = ATTENDING.includes(options.model) ? trace.tokens.length : trace.steps.length;
      const step = Math.min(Math.max(Number.parseInt(view.step, 10) || 1, 1), stepCount);
      lastGood = { ...view, model: options.model, step: String(step) };
      fillForm(lastGood);
      showParts(options.model, options.normFirst);
      renderStep(options, result, trace, step, stepCount);
      renderCommand(options);
      if (push || replace) {
        // The whole view goes into the query: a new history entry for a reader's change, none on arrival.
        const url = new URL(window.location.href);
        url.search = new URLSearchParams(lastGood).toString();
        if (url.href !== window.location.href) window.history[push ? "pushState" : "replaceState"](null, "", url);
      }
      return true;
    }

    // The fields and the formula of one model. Only what changes is touched: the page's HTML already shows the
    // default model's (the LSTM's), and an unchanged page needs no new layout.
    function showParts(model, normFirst) {
      const toggle = (element, hidden) => { if (element.hidden !== hidden) element.hidden = hidden; };
      for (const part of root.querySelectorAll("[data-for-models]")) toggle(part, !part.dataset.forModels.split(" ").includes(model));
      const formulaName = model === "block" ? `block-${normFirst ? "pre" : "post"}` : model;
      for (const formula of root.querySelectorAll("[data-formula]")) toggle(formula, formula.dataset.formula !== formulaName);
    }

    function renderStep(options, result, trace, step, stepCount) {
      const slider = field("step");
      slider.max = String(stepCount);
      slider.value = String(step);
      const tokens = trace.tokens;
      const token = tokens[step - 1];
      slider.setAttribute("aria-valuetext", `step ${step} of ${stepCount}: ${token}`);
      root.querySelector("[data-step-label]").textContent = `Step ${step} of ${stepCount}`;
      field("previous").disabled = step <= 1;
      field("next").disabled = step >= stepCount;
      const tables = root.querySelector("[data-tables]");
      tables.replaceChildren();
      const name = MODEL_NAMES[options.model];
      let summary;
      if (options.model === "attention") {
        const tensors = trace.steps[0].tensors;
        const row = (tensor) => tensor.data[step - 1];
        const vectors = ["inputs", "queries", "keys", "values", "output"].map((key) => [key, row(tensors[key])]);
        later(() => tables.append(table(`Token ${step}, “${token}”: its rows of the inputs, queries, keys, values and output`,
          vectors, "component")));
        const perHead = options.heads > 1
          ? tensors.attention_weights.data.flatMap((_, head) => [
            [`scores, head ${head + 1}`, tensors.scores.data[head][step - 1]],
            [`attention_weights, head ${head + 1}`, tensors.attention_weights.data[head][step - 1]]])
          : [["scores", tensors.scores.data[step - 1]], ["attention_weights", tensors.attention_weights.data[step - 1]]];
        later(() => tables.append(table(`Token ${step}, “${token}”: how much it attends to each token`, perHead, "token", tokens)));
        const weights = options.heads > 1 ? tensors.attention_weights.data[0][step - 1] : tensors.attention_weights.data[step - 1];
        const strongest = weights.indexOf(Math.max(...weights));
        summary = `${name}, token ${step} of ${stepCount}, “${token}”, attends most to token ${strongest + 1}, “${tokens[strongest]}”${options.heads > 1 ? " in head 1" : ""}.`;
        drawPlane(null);
      } else if (options.model === "block") {
        summary = renderBlockStep(options, trace.steps[0].tensors, tables, tokens, step, stepCount);
        drawPlane(null);
      } else {
        const tensors = trace.steps[step - 1].tensors;
        later(() => tables.append(table(`Step ${step}: the ${name} reads “${token}”`, SHOWN[options.model].map((key) => [key, tensors[key].data]), "unit")));
        const hidden = tensors.hidden.data.map(format).join(", ");
        summary = `${name}, step ${step} of ${stepCount}: read “${token}”; hidden state (${hidden}).`;
        const states = options.hiddenSize === 2 ? trace.steps.slice(0, step).map((s) => s.tensors.hidden.data) : null;
        if (states === null) drawPlane(null);
        else later(() => drawPlane(states, tokens));
      }
      root.querySelector("[data-live]").textContent = summary;
    }

    /** The block at token `step`: its row through every stage, its attention, its feed-forward units, its heads. */
    function renderBlockStep(options, tensors, tables, tokens, step, stepCount) {
      const token = tokens[step - 1];
      const at = (name) => tensors[name].data[step - 1];
      const pre = options.normFirst;
      const stages = ["embeddings", "positions", "inputs", ...(pre ? ["norm1_output"] : []), "concatenated",
        "attention_output", "attention_residual", pre ? "norm2_output" : "norm1_output", "feedforward_output",
        "feedforward_residual", ...(pre ? [] : ["norm2_output"]), "output"];
      later(() => tables.append(table(`Token ${step}, “${token}”: its row through the block, stage by stage`,
        stages.map((name) => [name, at(name)]), "component")));
      const heads = options.heads;
      const perHead = [];
      for (let head = 0; head < heads; head++) {
        const suffix = heads > 1 ? `, head ${head + 1}` : "";
        perHead.push([`scores${suffix}`, tensors.scores.data[head][step - 1]],
          [`attention_weights${suffix}`, tensors.attention_weights.data[head][step - 1]]);
      }
      later(() => tables.append(table(`Token ${step}, “${token}”: how much it attends to each token`, perHead, "token", tokens)));
      const headRows = [];
      for (let head = 0; head < heads; head++) {
        for (const name of ["queries", "keys", "values", "heads_output"]) {
          headRows.push([`${name}, head ${head + 1}`, tensors[name].data[head][step - 1]]);
        }
      }
      later(() => tables.append(table(`Token ${step}, “${token}”: its query, key, value and output in each head, ${options.embeddingSize / heads} wide`,
        headRows, "dimension")));
      later(() => tables.append(table(`Token ${step}, “${token}”: the feed-forward layer's units`,
        ["feedforward_pre_activation", "feedforward_hidden"].map((name) => [name, at(name)]), "unit")));
      const weights = tensors.attention_weights.data[0][step - 1];
      const strongest = weights.indexOf(Math.max(...weights));
      const output = at("output").map(format).join(", ");
      return `Transformer block, token ${step} of ${stepCount}, “${token}”: attends most to token ${strongest + 1}, “${tokens[strongest]}”${heads > 1 ? " in head 1" : ""}; output (${output}).`;
    }

    function table(caption, rows, columnName, columnLabels) {
      const width = Math.max(...rows.map(([, values]) => values.length));
      const element = document.createElement("table");
      // A class keeps Material from wrapping the table in a scrolling box of its own, which a keyboard cannot
      // reach: the focusable wrapper below scrolls instead. try.css styles it as Material styles its tables.
      element.className = "try-it__values";
      const captionElement = element.createCaption();
      captionElement.textContent = caption;
      const head = element.createTHead().insertRow();
      const corner = document.createElement("th");
      corner.scope = "col";
      corner.textContent = "tensor";
      head.append(corner);
      for (let column = 0; column < width; column++) {
        const cell = document.createElement("th");
        cell.scope = "col";
        cell.textContent = columnLabels ? `${columnName} ${column + 1}: ${columnLabels[column]}` : `${columnName} ${column + 1}`;
        head.append(cell);
      }
      const body = element.createTBody();
      for (const [rowName, values] of rows) {
        const tableRow = body.insertRow();
        const header = document.createElement("th");
        header.scope = "row";
        header.textContent = rowName;
        tableRow.append(header);
        for (let column = 0; column < width; column++) {
          tableRow.insertCell().textContent = column < values.length ? format(values[column]) : "";
        }
      }
      const wrapper = document.createElement("div");
      wrapper.className = "try-it__table";
      // A wide table scrolls sideways; a keyboard reader can reach it to scroll.
      wrapper.tabIndex = 0;
      wrapper.setAttribute("role", "region");
      wrapper.setAttribute("aria-label", caption);
      wrapper.append(element);
      return wrapper;
    }

    function drawPlane(states, tokens) {
      const figure = root.querySelector("[data-plane]");
      if (figure.hidden !== (states === null)) figure.hidden = states === null;
      if (states === null) return;
      const svg = figure.querySelector("svg");
      const scale = (value) => 100 + 90 * value; // the square from −1 to 1, where tanh keeps the state
      const points = [[0, 0], ...states].map(([x, y]) => [scale(x), scale(-y)]);
      const path = svg.querySelector("[data-path]");
      path.setAttribute("points", points.map((point) => point.join(",")).join(" "));
      const marks = svg.querySelector("[data-marks]");
      marks.replaceChildren();
      // Each point's token beside it, where it overlaps no other label: above or below, right or left of the
      // point; where all four would, the token joins the nearest label ("the, cat").
      const labels = [];
      const box = (label) => ({ left: label.x, right: label.x + 7 * label.text.length, top: label.y - 11, bottom: label.y + 2 });
      const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
      points.slice(1).forEach(([x, y], index) => {
        const dot = document.createElementNS("http://www.w3.org/2000/svg", "circle");
        dot.setAttribute("cx", x);
        dot.setAttribute("cy", y);
        dot.setAttribute("r", index === points.length - 2 ? 5 : 3);
        marks.append(dot);
        const text = tokens[index];
        const width = 7 * text.length;
        const free = [[x + 7, y - 7], [x + 7, y + 16], [x - 7 - width, y - 7], [x - 7 - width, y + 16]]
          .map(([labelX, labelY]) => ({ x: labelX, y: labelY, text, point: [x, y] }))
          .find((candidate) => !labels.some((label) => overlaps(box(candidate), box(label))));
        if (free) {
          labels.push(free);
        } else {
          const nearest = labels.reduce((a, b) => (Math.hypot(a.point[0] - x, a.point[1] - y) <= Math.hypot(b.point[0] - x, b.point[1] - y) ? a : b));
          nearest.text += `, ${text}`;
        }
      });
      for (const label of labels) {
        const element = document.createElementNS("http://www.w3.org/2000/svg", "text");
        element.setAttribute("x", label.x);
        element.setAttribute("y", label.y);
        element.textContent = label.text;
        marks.append(element);
      }
      const last = states[states.length - 1];
      svg.setAttribute("aria-label", `The hidden state after each token so far, in the plane: it ends at (${last.map(format).join(", ")}), after “${tokens[states.length - 1]}”.`);
    }

    function renderCommand(options) {
      const parts = ["seqdocs", "explain", "--model", options.model];
      if (options.seed !== 42n) parts.push("--seed", options.seed.toString());
      const block = options.model === "block";
      // The command line's own defaults are left out: E = 2 and 1 head, or E = 4 and 2 heads for the block.
      if (options.embeddingSize !== (block ? 4 : 2)) parts.push("--embedding-size", String(options.embeddingSize));
      if (options.hiddenSize !== 2 && !ATTENDING.includes(options.model)) parts.push("--hidden-size", String(options.hiddenSize));
      if (options.vocab !== undefined) parts.push("--vocab", shellQuote(options.vocab.trim()));
      if (ATTENDING.includes(options.model) && options.causal) parts.push("--causal");
      if (ATTENDING.includes(options.model) && options.heads !== (block ? 2 : 1)) parts.push("--heads", String(options.heads));
      if (block && options.normFirst) parts.push("--norm-first");
      if (block && options.feedforwardSize !== undefined && options.feedforwardSize !== 2 * options.embeddingSize) {
        parts.push("--feedforward-size", String(options.feedforwardSize));
      }
      parts.push("--", shellQuote(window.seqdocs.tokenize(options.sequence).join(" ")));
      root.querySelector("[data-command]").textContent = parts.join(" ");
    }

    function clearErrors() {
      for (const message of root.querySelectorAll("[data-error-for]")) message.textContent = "";
      for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    }

    function showError(name, message) {
      const target = root.querySelector(`[data-error-for="${name}"]`);
      target.textContent = message;
      field(name).setAttribute("aria-invalid", "true");
    }

    // Choosing the block sets its own sizes (E = 4, 2 heads), the command line's defaults for it; leaving it
    // with those sizes unchanged goes back to the site's (E = 2, 1 head).
    const blockSizes = (model) => {
      const [e, heads] = [field("e").value.trim(), field("heads").value.trim()];
      if (model === "block") return { ...BLOCK_DEFAULTS };
      if (lastGood && lastGood.model === "block" && e === BLOCK_DEFAULTS.e && heads === BLOCK_DEFAULTS.heads) {
        return { e: DEFAULTS.e, heads: DEFAULTS.heads };
      }
      return {};
    };

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      show({ ...readForm(), step: "1" }, { push: true });
    });
    form.addEventListener("change", (event) => {
      if (event.target.name === "step") show(readForm(), { push: true });
      else if (event.target.name === "model") show({ ...readForm(), ...blockSizes(event.target.value), step: "1" }, { push: true });
      else if (["causal", "e", "hidden", "heads", "seed", "norm", "f"].includes(event.target.name)) show({ ...readForm(), step: "1" }, { push: true });
    });
    field("step").addEventListener("input", () => show(readForm(), { push: false }));
    field("previous").addEventListener("click", () => show({ ...readForm(), step: String(Number(field("step").value) - 1) }, { push: true }));
    field("next").addEventListener("click", () => show({ ...readForm(), step: String(Number(field("step").value) + 1) }, { push: true }));
    window.addEventListener("popstate", () => {
      if (document.getElementById("try-it") === root) show(readUrl(), { push: false });
    });

    // The first view. The page's HTML already holds the default model's form, formula and plane, so the reader
    // sees them at first paint; the fields and formula of another model in the URL are switched now, before it.
    // While the page loads, the numbers and tables come just after that paint, in a task of their own, so nothing
    // here holds up the page; after instant navigation (the page loaded already) they come at once.
    const first = readUrl();
    showParts(first.model in MODEL_NAMES ? first.model : "lstm", first.norm === "pre");
    const firstView = (computed) => {
      if (document.getElementById("try-it") !== root) return; // the reader has gone to another page meanwhile
      fillForm(first);
      if (!show(first, { push: false, replace: true, computed })) {
        // A bad view in the URL: say what is wrong, and show the defaults beside the message.
        const messages = [...root.querySelectorAll("[data-error-for]")].map((m) => [m.dataset.errorFor, m.textContent]);
        show({ ...DEFAULTS }, { push: false });
        fillForm(first);
        messages.filter(([, text]) => text).forEach(([name, text]) => showError(name, text));
      }
      // Tools and tests wait for this: the first view is on screen (while it is spread over tasks, after the last).
      if (!deferred) root.dataset.ready = "true";
    };
    if (!whileLoading) {
      firstView(null);
      return;
    }
    // Compute in one task; show the controls, the command and the live sentence in the next; then each table
    // and the plane in one of their own: each task stays well under the 50 ms of a long task on a slow phone.
    let outcome;
    inTasks([
      () => {
        try {
          outcome = { result: compute(first) };
        } catch (error) {
          outcome = { error };
        }
      },
      () => {
        const parts = [];
        deferred = parts;
        try {
          firstView(() => {
            if (outcome.error) throw outcome.error;
            return outcome.result;
          });
        } finally {
          deferred = null;
        }
        return [...parts, () => { if (document.getElementById("try-it") === root) root.dataset.ready = "true"; }];
      },
    ]);
  }

  /**
   * Run `work` once, in a task of its own after the page's first contentful paint (or after 200 ms, in a tab that
   * paints nothing). No animation-frame callback: one would run inside the frame's own task, which lays out and
   * paints the page, and make it longer.
   */
  function afterFirstPaint(work) {
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      work();
    };
    const painted = () => performance.getEntriesByType("paint").some((entry) => entry.name === "first-contentful-paint");
    if (typeof PerformanceObserver === "undefined" || painted()) {
      nextTask(once);
    } else {
      const observer = new PerformanceObserver(() => {
        if (!painted()) return;
        observer.disconnect();
        nextTask(once);
      });
      observer.observe({ type: "paint" });
    }
    window.setTimeout(once, 200);
  }

  /** Run `work` in a task of its own, soon: the scheduler's own yield where the browser has it, else a message. */
  function nextTask(work) {
    if (window.scheduler && typeof window.scheduler.yield === "function") {
      window.scheduler.yield().then(work);
      return;
    }
    const channel = new MessageChannel();
    channel.port1.onmessage = () => { channel.port1.close(); work(); };
    channel.port2.postMessage(null);
  }

  /** Run each of `steps` in a task of its own, in order; a step may return more steps, which run next. */
  function inTasks(steps) {
    if (!steps.length) return;
    nextTask(() => {
      const [step, ...rest] = steps;
      const more = step();
      inTasks([...(Array.isArray(more) ? more : []), ...rest]);
    });
  }

  function fieldError(name, message) {
    const error = new Error(message);
    error.field = name;
    return error;
  }

  function label(name) {
    return { e: "The embedding size E", hidden: "The hidden size H", heads: "The number of heads", f: "The feed-forward width F" }[name];
  }

  function sentence(text) {
    return text.charAt(0).toUpperCase() + text.slice(1) + (text.endsWith(".") ? "" : ".");
  }

  function format(value) {
    return value.toFixed(4).replace(/^-/, "−").replace(/^−0\.0000$/, "0.0000");
  }

  function shellQuote(text) {
    return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
  }

  // Instant navigation runs this file again on each visit to the page: listen once, start every time. While
  // the page loads, starting waits for the first paint and Material's own start-up on DOMContentLoaded, which
  // already runs long. docs/try.md loads this file and engine.js `async`, not `defer`: deferred scripts would run
  // in that very task, just before it, and lengthen it; async ones run in tasks of their own, and the page's load
  // event waits for them, so both are here before it (in either order: see the "seqdocs:engine" event).
  const startSoon = () => (document.readyState === "complete" ? start() : afterFirstPaint(() => start(true)));
  if (!window.seqdocsView) {
    window.seqdocsView = true;
    document.addEventListener("seqdocs:engine", startSoon);
    if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(startSoon);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startSoon);
  else startSoon();
})();
