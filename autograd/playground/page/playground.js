// The playground page: the editor, the Run/Stop/Share buttons, and what the
// Python worker sends back (printed lines, drawings, the stepper, sliders,
// training progress, errors). Python itself runs in worker.mjs.
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const output = $("output");
  const statusLine = $("status");
  const runButton = $("run");
  const stopButton = $("stop");

  // What the tests (and anyone curious) can read: window.playground.
  const state = {
    ready: false,
    running: false,
    runs: 0,
    lastRun: null,
    loadMs: null,
    python: null,
    // "interrupt": Stop raises KeyboardInterrupt through Pyodide's interrupt buffer
    // (needs SharedArrayBuffer, so a cross-origin isolated page); "restart": Stop
    // ends the worker and starts a fresh Python.
    stopMode: self.crossOriginIsolated && typeof SharedArrayBuffer === "function" ? "interrupt" : "restart",
    stops: [],
  };
  window.playground = state;

  let examples = [];
  let worker = null;
  let interrupt = null;
  let pending = null; // code waiting for Python to be ready
  let runId = 0;
  let stopTimer = null;
  let training = null;
  let stream = null;

  const editor = CodeMirror.fromTextArea($("code"), {
    mode: "python",
    lineNumbers: true,
    indentUnit: 4,
    tabSize: 4,
    indentWithTabs: false,
    lineWrapping: true,
    viewportMargin: Infinity,
    extraKeys: {
      "Ctrl-Enter": () => run(),
      "Cmd-Enter": () => run(),
      Tab: (cm) => cm.execCommand(cm.somethingSelected() ? "indentMore" : "insertSoftTab"),
      "Shift-Tab": (cm) => cm.execCommand("indentLess"),
    },
  });
  state.editor = editor;
  editor.on("change", () => {
    if (examples.length) markExample();
    try { localStorage.setItem("chainrule-playground-code", editor.getValue()); } catch (e) { /* private mode */ }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { event.preventDefault(); run(); }
  });

  function setStatus(text, busy) {
    statusLine.textContent = text;
    statusLine.classList.toggle("busy", Boolean(busy));
  }

  // -- the worker ------------------------------------------------------------

  function startWorker() {
    state.ready = false;
    runButton.disabled = true;
    worker = new Worker("worker.mjs", { type: "module" });
    worker.onmessage = (event) => receive(event.data);
    worker.onerror = (event) => {
      setStatus("The Python worker failed to start");
      block("pre", "error", "The Python worker failed to start: " + (event.message || "unknown error"));
    };
    interrupt = state.stopMode === "interrupt" ? new Uint8Array(new SharedArrayBuffer(1)) : null;
    worker.postMessage({ type: "init", interrupt });
  }

  function receive(m) {
    switch (m.type) {
      case "status": setStatus(m.text, true); break;
      case "ready":
        state.ready = true;
        state.python = m.python;
        if (state.loadMs === null) state.loadMs = performance.now();
        runButton.disabled = false;
        setStatus(`Python ${m.python} ready`);
        if (pending !== null) { const code = pending; pending = null; run(code); }
        break;
      case "fatal":
        setStatus("Python could not be loaded");
        block("pre", "error", "Python could not be loaded:\n" + m.text);
        break;
      case "out": printed(m.text, "stdout"); break;
      case "err": printed(m.text, "stderr"); break;
      case "text": block("pre", "value", m.text); break;
      case "error": block("pre", "error", m.text); break;
      case "svg": drawing(m.svg); break;
      case "stepper": stepper(m.html, m.height); break;
      case "interact": sliders(m); break;
      case "interact-update": {
        const view = document.querySelector(`.interact-view[data-key="${m.id}"]`);
        if (view) { view.replaceChildren(safeFragment(m.html)); view.querySelectorAll("svg").forEach(readable); }
        break;
      }
      case "code": code(m.text, m.title); break;
      case "progress": progress(m); break;
      case "progress-end": progress(m, true); break;
      case "curve": curve(m.loss); break;
      case "done": finished(m); break;
    }
  }

  // -- running and stopping --------------------------------------------------

  function run(code) {
    if (code === undefined) code = editor.getValue();
    if (state.running) return;
    if (!state.ready) { pending = code; setStatus("Will run when Python is ready…", true); return; }
    output.replaceChildren();
    training = null;
    stream = null;
    if (interrupt) interrupt[0] = 0;
    state.running = true;
    state.runs += 1;
    runButton.disabled = true;
    stopButton.disabled = false;
    setStatus("Running…", true);
    worker.postMessage({ type: "run", code, id: ++runId });
  }

  function finished(m) {
    clearTimeout(stopTimer);
    state.running = false;
    state.lastRun = { ok: m.ok, ms: m.ms };
    runButton.disabled = false;
    stopButton.disabled = true;
    setStatus(m.ok ? `Done in ${seconds(m.ms)}` : "Stopped with an error");
    output.dispatchEvent(new CustomEvent("run-finished", { detail: state.lastRun }));
  }

  function stop() {
    if (!state.running) return;
    if (interrupt) {
      setStatus("Stopping…", true);
      interrupt[0] = 2; // SIGINT: Python raises KeyboardInterrupt at its next check
      state.stops.push("interrupt");
      // Python may be inside something that never checks (a long JavaScript call): restart then.
      stopTimer = setTimeout(() => restart("it did not stop within 3 s"), 3000);
    } else {
      restart("this page is not cross-origin isolated, so Python cannot be interrupted");
    }
  }

  function restart(why) {
    worker.terminate();
    state.stops.push("restart");
    state.running = false;
    stopButton.disabled = true;
    note(`Stopped: Python was restarted (${why}).`);
    startWorker();
  }

  // -- what a run shows --------------------------------------------------------

  function block(tag, cls, text) {
    const el = document.createElement(tag);
    el.className = cls;
    el.textContent = text;
    output.append(el);
    stream = null;
    return el;
  }

  function note(text) { block("p", "note", text); }

  function printed(text, kind) {
    if (!stream || stream.dataset.kind !== kind || stream !== output.lastElementChild) {
      stream = document.createElement("pre");
      stream.className = "stream " + kind;
      stream.dataset.kind = kind;
      output.append(stream);
    }
    stream.textContent += text;
  }

  // Only drawing markup from chainrule reaches the page, but the program comes
  // from a link: no scripts, no event attributes, no embedded documents.
  function clean(root) {
    root.querySelectorAll("script, iframe, object, embed, foreignObject, link, meta").forEach((n) => n.remove());
    root.querySelectorAll("*").forEach((el) => {
      for (const attr of Array.from(el.attributes)) {
        const value = attr.value.trim().toLowerCase();
        if (attr.name.startsWith("on") || value.startsWith("javascript:")) el.removeAttribute(attr.name);
      }
    });
    return root;
  }

  function safeFragment(html) {
    const doc = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
    const fragment = document.createDocumentFragment();
    fragment.append(...clean(doc.body).childNodes);
    return fragment;
  }

  function drawing(svgText) {
    const doc = new DOMParser().parseFromString(svgText, "image/svg+xml");
    const svg = doc.documentElement;
    if (svg.nodeName !== "svg") { block("pre", "error", "The drawing could not be read as SVG."); return; }
    const figure = document.createElement("figure");
    figure.className = "drawing";
    const shown = document.importNode(clean(svg), true);
    figure.append(shown);
    output.append(figure);
    stream = null;
    readable(shown);
  }

  // Graphviz sizes a drawing in points for paper. On a screen (and a projector)
  // a small graph may grow to the column's width, up to 1.5 times, and a wide one
  // shrinks to fit only down to 80 %: below that its numbers are too small to
  // read, and the figure scrolls sideways instead.
  function readable(svg) {
    const box = (svg.getAttribute("viewBox") || "").split(/[\s,]+/).map(Number);
    if (box.length !== 4 || !(box[2] > 0)) return;
    const natural = box[2] * 4 / 3; // pt to CSS px
    Object.assign(svg.style, {
      width: `${1.5 * natural}px`, maxWidth: "100%", minWidth: `${0.8 * natural}px`, height: "auto",
    });
  }

  function stepper(html, height) {
    const frame = document.createElement("iframe");
    frame.className = "stepper";
    frame.title = "chain-rule stepper";
    // A document of its own with an opaque origin: its script runs, and reaches nothing of this page.
    frame.setAttribute("sandbox", "allow-scripts");
    frame.style.height = Math.max(420, Math.min(height || 640, 900)) + "px";
    frame.srcdoc = html;
    output.append(frame);
    stream = null;
  }

  function sliders(m) {
    const box = document.createElement("div");
    box.className = "sliders";
    const view = document.createElement("div");
    view.className = "interact-view";
    view.dataset.key = m.id;
    for (const s of m.sliders) {
      const label = document.createElement("label");
      label.textContent = s.name;
      const input = document.createElement("input");
      Object.assign(input, { type: "range", min: s.min, max: s.max, step: s.step, value: s.value });
      input.name = s.name;
      label.htmlFor = input.id = `slider-${m.id}-${s.name}`;
      const shown = document.createElement("output");
      shown.value = Number(s.value).toFixed(s.decimals);
      input.addEventListener("input", () => {
        shown.value = Number(input.value).toFixed(s.decimals);
        if (state.running) return; // the worker is busy; the next move catches up
        worker.postMessage({ type: "slide", key: m.id, name: s.name, value: Number(input.value) });
      });
      box.append(label, input, shown);
    }
    view.append(safeFragment(m.html));
    output.append(box, view);
    stream = null;
    view.querySelectorAll("svg").forEach(readable);
  }

  function code(text, title) {
    const figure = document.createElement("figure");
    figure.className = "code";
    const caption = document.createElement("figcaption");
    caption.textContent = title;
    figure.append(caption);
    output.append(figure);
    CodeMirror(figure, { value: text, mode: "python", readOnly: true, lineNumbers: true, viewportMargin: Infinity });
    stream = null;
  }

  // -- training: a progress line and a live loss curve -----------------------

  function progress(m, ended) {
    if (!training || training.total !== m.total || (m.n === 0 && training.losses.length)) {
      const box = document.createElement("div");
      box.className = "training";
      box.innerHTML = '<div class="line"><progress></progress><span class="epoch"></span></div><canvas></canvas>';
      output.append(box);
      stream = null;
      training = { box, total: m.total, losses: [], bar: box.querySelector("progress"),
        text: box.querySelector(".epoch"), canvas: box.querySelector("canvas") };
      state.losses = training.losses;
    }
    const t = training;
    if (m.total) { t.bar.max = m.total; t.bar.value = m.n; }
    t.text.textContent = `${m.desc || "epoch"} ${m.n}${m.total ? "/" + m.total : ""}  ${m.status || ""}`
      + (ended ? "  ✓" : "");
    const loss = /loss (-?[0-9.]+(?:e[-+]?\d+)?|nan|inf)/.exec(m.status || "");
    if (loss && m.n > t.losses.length) { t.losses.push(Number(loss[1])); plot(t.canvas, t.losses, m.total); }
  }

  function curve(losses) {
    if (training && training.losses.length === losses.length) return; // already drawn live
    const box = document.createElement("div");
    box.className = "training";
    box.innerHTML = "<canvas></canvas>";
    output.append(box);
    plot(box.querySelector("canvas"), losses, losses.length);
  }

  function plot(canvas, losses, total) {
    const ratio = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || 480, h = canvas.clientHeight || 190;
    canvas.width = w * ratio; canvas.height = h * ratio;
    const g = canvas.getContext("2d");
    g.scale(ratio, ratio);
    g.clearRect(0, 0, w, h);
    const finite = losses.filter(Number.isFinite);
    if (!finite.length) return;
    const left = 52, right = 12, top = 10, bottom = 26;
    const hi = Math.max(...finite), lo = Math.min(0, ...finite);
    const n = Math.max(total || losses.length, 2);
    const x = (i) => left + (w - left - right) * (i / (n - 1));
    const y = (v) => top + (h - top - bottom) * (1 - (v - lo) / ((hi - lo) || 1));
    g.strokeStyle = "#d1d5db"; g.fillStyle = "#6b7280"; g.font = "12px system-ui, sans-serif";
    g.beginPath(); g.moveTo(left, top); g.lineTo(left, h - bottom); g.lineTo(w - right, h - bottom); g.stroke();
    g.textAlign = "right"; g.textBaseline = "middle";
    g.fillText(hi.toPrecision(3), left - 6, y(hi)); g.fillText(lo.toPrecision(2), left - 6, y(lo));
    g.textAlign = "center"; g.textBaseline = "top";
    g.fillText("epoch", (left + w - right) / 2, h - bottom + 6);
    g.fillText("1", x(0), h - bottom + 6); g.fillText(String(n), x(n - 1), h - bottom + 6);
    g.save(); g.translate(14, (top + h - bottom) / 2); g.rotate(-Math.PI / 2); g.fillText("loss", 0, -6); g.restore();
    g.strokeStyle = "#2563eb"; g.lineWidth = 2; g.beginPath();
    losses.forEach((v, i) => { if (Number.isFinite(v)) (i ? g.lineTo(x(i), y(v)) : g.moveTo(x(i), y(v))); });
    g.stroke();
  }

  function seconds(ms) { return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`; }

  // -- examples and links ----------------------------------------------------

  function codeFromLink() {
    const match = /^#code=(.*)$/s.exec(location.hash);
    if (!match) return null;
    try { return decodeURIComponent(match[1]); } catch (e) { return null; }
  }

  async function share() {
    const link = location.href.split("#")[0] + "#code=" + encodeURIComponent(editor.getValue());
    history.replaceState(null, "", link);
    try {
      await navigator.clipboard.writeText(link);
      setStatus("Link copied: paste it anywhere");
    } catch (e) {
      // No clipboard (a page served over plain http to the room): show the link to copy by hand.
      const box = document.createElement("div");
      box.className = "share-box";
      box.innerHTML = '<input readonly aria-label="Link to this program">';
      box.firstChild.value = link;
      output.prepend(box);
      box.firstChild.select();
      setStatus("Copy the link above (Ctrl+C)");
    }
    state.sharedLink = link;
  }

  function markExample() {
    const code = editor.getValue();
    const i = examples.findIndex((ex) => ex.code === code);
    $("examples").value = i >= 0 ? String(i) : "";
  }

  async function loadExamples() {
    const select = $("examples");
    try {
      examples = await (await fetch("examples.json")).json();
    } catch (e) { examples = []; }
    select.replaceChildren(new Option("Choose an example…", ""), ...examples.map((ex, i) => new Option(ex.title, String(i))));
    select.addEventListener("change", () => {
      const ex = examples[Number(select.value)];
      if (!ex) return;
      history.replaceState(null, "", location.href.split("#")[0]);
      editor.setValue(ex.code);
      run();
    });
  }

  runButton.addEventListener("click", () => run());
  stopButton.addEventListener("click", stop);
  $("share").addEventListener("click", share);
  window.addEventListener("hashchange", () => {
    const code = codeFromLink();
    if (code !== null && code !== editor.getValue()) { editor.setValue(code); run(code); }
  });

  stopButton.title = state.stopMode === "interrupt"
    ? "Stop the program (raises KeyboardInterrupt)" : "Stop the program (restarts Python)";
  startWorker();
  loadExamples().then(() => {
    const linked = codeFromLink();
    if (linked !== null) { editor.setValue(linked); run(linked); return; }
    let saved = null;
    try { saved = localStorage.getItem("chainrule-playground-code"); } catch (e) { /* private mode */ }
    editor.setValue(saved || (examples[0] ? examples[0].code : ""));
  });
})();
