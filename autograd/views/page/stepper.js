(function (root) {
  "use strict";
  var lesson = JSON.parse(root.querySelector("script.cr-lesson").textContent);
  var nodes = lesson.nodes, quiz = lesson.quiz, fmt = lesson.fmt;
  // The layer view (layers=True): a whole layer per step, on the network picture.
  var layered = !!lesson.layers;
  var baseSteps = lesson.steps;
  function q(sel) { return root.querySelector(sel); }
  function num(x) { return typeof x === "string" ? Number(x) : x; }

  // ---- numbers written as Python's format(x, fmt) writes them (for a typed learning rate)
  function fmtNumber(x, format) {
    if (!isFinite(x)) return isNaN(x) ? "nan" : (x > 0 ? "inf" : "\u2212inf");
    if (x === 0) x = 0;
    var m = /^([+ ]?)(?:\.(\d+))?([efg%]?)$/.exec(format === undefined ? fmt : format) || ["", "", "6", "g"];
    var p = m[2] === undefined ? 6 : Number(m[2]), kind = m[3] || "g", text;
    if (kind === "f") text = x.toFixed(p);
    else if (kind === "e") text = x.toExponential(p).replace(/e([+-])(\d)$/, "e$10$2");
    else if (kind === "%") text = (100 * x).toFixed(p) + "%";
    else {
      var precise = p === 0 ? 1 : p, exp = x === 0 ? 0 : Math.floor(Math.log10(Math.abs(x)));
      if (exp < -4 || exp >= precise) {
        text = x.toExponential(precise - 1).replace(/\.?0+e/, "e").replace(/e([+-])(\d)$/, "e$10$2");
      } else {
        text = x.toFixed(Math.max(0, precise - 1 - exp));
        if (text.indexOf(".") >= 0) text = text.replace(/\.?0+$/, "");
      }
    }
    if (m[1] && x >= 0) text = m[1] + text;
    return text.replace(/-/g, "\u2212");  // the board's minus sign, as Python's board_number writes it
  }
  // A negative factor in parentheses: 0.5 · (−0.08), whichever minus sign it was written with.
  function factor(t) { return t.charAt(0) === "-" || t.charAt(0) === "\u2212" ? "(" + t + ")" : t; }

  // ---- the learning rate and the update step
  var lr = lesson.lr, updates = lesson.updates;
  function updateStep() {
    if (lr === null || !updates.length) return null;
    var typed = lr !== lesson.lr;
    var lrText = typed ? fmtNumber(lr, "g") : lesson.lr_text, lines = [], out = lesson.out;
    var items = updates.map(function (u) {
      var d = num(u.data), g = num(u.grad);
      var nw = typed ? d - lr * g : num(u["new"]);
      var nwText = typed ? fmtNumber(nw) : u.new_text;
      var nm = u.d_name;
      lines.push(u.name + " \u2190 " + u.name + " \u2212 \u03b7\u00b7\u2202" + out + "/\u2202" + nm + " = " +
        u.data_text + " \u2212 " + lrText + " \u00b7 " + factor(u.grad_text) + " = " + nwText);
      return { node: u.node, name: u.name, value: nw, text: nwText,
        question: u.name + " \u2190 " + u.name + " \u2212 \u03b7\u00b7\u2202" + out + "/\u2202" + nm + " = ?",
        hint: u.name + " = " + u.data_text + ", \u03b7 = " + lrText + ", \u2202" + out + "/\u2202" + nm
          + " = " + u.grad_text };
    });
    var after = typed ? forwardAgain(items) : num(lesson.loss_after);
    var afterText = after === null ? "?" : typed ? fmtNumber(after) : lesson.loss_after_text;
    lines.push("The forward pass again, with the new parameters:");
    lines.push(nodes[lesson.output].name + ": " + lesson.loss_before_text + " \u2192 " + afterText +
      (after === null ? " (outside the domain of an operation)" : ""));
    return { kind: "update", node: null, group: null, items: items,
      after: { node: lesson.output, value: after, text: afterText },
      text: "One step of gradient descent, \u03b7 = " + lrText + ":\n" + lines.join("\n") };
  }

  // ---- the forward pass again after an update, in the engine's double arithmetic
  // (each operation as the engine's forward table computes it; null outside its domain)
  function sigmoid(x) {
    if (x >= 0) return 1 / (1 + Math.exp(-x));
    var e = Math.exp(x);
    return e / (1 + e);
  }
  function power(a, p) {
    if (a < 0 && isFinite(p) && Math.floor(p) !== p) return null;
    if (a === 0 && p < 0) return null;
    var r = Math.pow(a, p);
    return isFinite(r) || !isFinite(a) ? r : null;
  }
  var forwardOps = {
    "+": function (a, b) { return a + b; },
    "-": function (a, b) { return a - b; },
    "*": function (a, b) { return a * b; },
    "/": function (a, b) { return b === 0 ? null : a / b; },
    "**": power,
    "neg": function (a) { return -a; },
    "abs": Math.abs,
    "exp": function (a) { var r = Math.exp(a); return isFinite(r) || !isFinite(a) ? r : null; },
    "log": function (a) { return a > 0 ? Math.log(a) : null; },
    "sqrt": function (a) { return a >= 0 ? Math.sqrt(a) : null; },
    "sin": function (a) { return isFinite(a) ? Math.sin(a) : null; },
    "cos": function (a) { return isFinite(a) ? Math.cos(a) : null; },
    "relu": function (a) { return a <= 0 ? 0 : a; },
    "tanh": Math.tanh,
    "sigmoid": sigmoid
  };
  function forwardAgain(items) {
    var data = nodes.map(function (nd) { return num(nd.data); });
    items.forEach(function (it) { data[it.node] = it.value; });
    for (var i = 0; i < nodes.length; i++) {
      var op = lesson.ops[i], xs = nodes[i].inputs.map(function (j) { return data[j]; }), r;
      if (op === null) continue;
      if (op === "sum") { r = 0; xs.forEach(function (x) { r += x; }); }
      else if (typeof op === "object") r = power(xs[0], op[1]);
      else if (forwardOps[op]) r = forwardOps[op].apply(null, xs);
      else return null;  // an operation this page does not know: no number rather than a wrong one
      if (r === null) return null;
      data[i] = r;
    }
    return data[lesson.output];
  }
  var steps, n;
  function rebuild() {
    steps = baseSteps.slice();
    var u = updateStep();
    if (u) steps.push(u);
    n = steps.length;
  }
  rebuild();

  // ---- the questions of a step (quiz mode): one per step, one per parameter for the update
  function questions(k) {
    var s = steps[k];
    if (s.kind === "seed") return [];
    if (s.kind === "update") return s.items.map(function (it) {
      return { prompt: it.question, answer: it.value, answer_text: it.text, hint: it.hint };
    });
    return s.questions;
  }
  var answers = {};  // step index -> list of outcomes: "first", "hint", "revealed", "skipped"
  var tries = {};    // step index -> wrong tries on the question being asked
  function done(k) {
    if (!quiz) return true;
    var a = answers[k] || [];
    return a.length >= questions(k).length;
  }
  function skipThrough(from, to) {
    // Jumping over questions shows their answers, but they do not count as answered.
    for (var k = from; k < to; k++) {
      var a = answers[k] || (answers[k] = []);
      while (a.length < questions(k).length) a.push("skipped");
    }
  }

  // ---- the drawing
  var graph = q(".cr-graph");
  var svgFull = q(".cr-svg-full"), svgGroups = q(".cr-svg-groups");
  function el(svg, id) { return svg ? svg.querySelector('[data-cr-id="' + id + '"]') : null; }
  var boxes = nodes.map(function (_, i) { return el(svgFull, "n" + i); });
  var opsEls = nodes.map(function (_, i) { return el(svgFull, "op" + i); });
  function boxTexts(i) { var b = boxes[i]; return b ? b.getElementsByTagName("text") : []; }
  var rows = Array.prototype.map.call(root.querySelectorAll("tr.cr-row"), function (r) { return r; });
  var list = q(".cr-steps");

  function stepLines(k) {
    var s = steps[k];
    return s.text + (s.sum ? "\n" + s.sum : "");
  }

  function toggle(e, cls, on) { if (e) e.classList.toggle(cls, on); }
  var position = 0;

  function stateAt(p) {
    // What is known after p steps (the p-th one shown only if it is answered).
    var known = {}, grads = {}, fresh = {}, applied = {};
    nodes.forEach(function (nd, i) { if (!nd.inputs.length) known[i] = true; });
    for (var k = 0; k < p; k++) {
      if (k === p - 1 && !done(k)) break;
      var s = steps[k];
      applied[k] = true;
      if (s.kind === "forward") known[s.node] = true;
      else if (s.kind === "seed") grads[s.node] = [lesson.seed, lesson.seed_text];
      else if (s.kind === "backward") grads[s.input] = [s.total, s.total_text];
      else if (s.kind === "update") s.items.forEach(function (it) { fresh[it.node] = it; });
      else if (s.kind === "layer_forward") s.known.forEach(function (i) { known[i] = true; });
      else if (s.kind === "layer_backward") s.grads.forEach(function (g) { grads[g[0]] = [g[1], g[2]]; });
    }
    return { known: known, grads: grads, fresh: fresh, applied: applied };
  }

  function fieldLabel(t, label) {
    // The words the drawing wrote before a box's number ("value", "∂L/∂w1 ="), kept as they were.
    if (!t.hasAttribute("data-cr-label")) {
      var words = /^(.*\S)\s+\S+$/.exec(t.textContent);
      t.setAttribute("data-cr-label", words ? words[1] : label);
    }
    return t.getAttribute("data-cr-label");
  }
  function setField(texts, at, label, value, cls) {
    var t = texts[texts.length - at];
    if (!t) return;
    t.textContent = fieldLabel(t, label) + " " + value;
    t.classList.toggle("cr-unknown", cls === "unknown");
    t.classList.toggle("cr-new", cls === "new");
  }

  function render() {
    var st = stateAt(position), current = position > 0 ? steps[position - 1] : null;
    var answered = current ? done(position - 1) : true;
    nodes.forEach(function (nd, i) {
      var texts = boxTexts(i), fresh = st.fresh[i];
      var known = !!st.known[i];
      if (fresh) setField(texts, 2, "data", fresh.text, "new");
      else setField(texts, 2, "data", known ? nd.data_text : "?", known ? "" : "unknown");
      var g = st.grads[i];
      // A constant's box holds only its number; its grad is "—" in the table.
      if (nd.role !== "constant") setField(texts, 1, "grad", g ? g[1] : "?", g ? "" : "unknown");
      var row = rows[i], dataCell = row.querySelector(".cr-data"), gradCell = row.querySelector(".cr-grad");
      dataCell.textContent = fresh ? nd.data_text + " \u2192 " + fresh.text : (known ? nd.data_text : "?");
      dataCell.setAttribute("data-value", fresh ? String(fresh.value) : (known ? String(num(nd.data)) : ""));
      gradCell.textContent = g ? g[1] : (nd.role === "constant" ? "\u2014" : "?");
      gradCell.setAttribute("data-grad", g ? String(g[0]) : "");
      row.classList.remove("cr-updated");
      ["cr-target", "cr-source", "cr-computing", "cr-updated"].forEach(function (c) {
        toggle(boxes[i], c, false); toggle(opsEls[i], c, false);
      });
    });
    Array.prototype.forEach.call(root.querySelectorAll(".edge.cr-active, .edge.cr-feeding"), function (e) {
      e.classList.remove("cr-active"); e.classList.remove("cr-feeding");
    });
    var focus = [];
    if (current) {
      if (current.kind === "forward") {
        toggle(boxes[current.node], "cr-computing", true);
        toggle(opsEls[current.node], "cr-computing", true);
        nodes[current.node].inputs.forEach(function (_, p) {
          var e = el(svgFull, "e" + current.node + "_" + p);
          toggle(e, "cr-feeding", true); if (e) focus.push(e);
        });
        focus.push(boxes[current.node]);
        rows[current.node].classList.add("cr-updated");
      } else if (current.kind === "seed") {
        toggle(boxes[current.node], "cr-target", true);
        focus.push(boxes[current.node]);
      } else if (current.kind === "backward") {
        var edge = el(svgFull, "e" + current.node + "_" + current.position);
        toggle(edge, "cr-active", true);
        toggle(boxes[current.input], "cr-target", true);
        toggle(boxes[current.node], "cr-source", true);
        toggle(opsEls[current.node], "cr-source", true);
        rows[current.input].classList.add("cr-updated");
        focus.push(edge, boxes[current.input], opsEls[current.node]);
      } else if (current.kind === "update") {
        current.items.forEach(function (it) {
          toggle(boxes[it.node], "cr-updated", true); rows[it.node].classList.add("cr-updated");
          focus.push(boxes[it.node]);
        });
        if (answered) showLossAfter(current.after);
      }
    }
    if (layered) focus = focus.concat(renderLayer(current));
    if (layered) { renderDeltaPanel(current); renderPictureNumbers(st); }
    renderGroups(st, current);
    renderEdgeLabels(st);
    renderTitles(st);
    // The step being shown, and the list of steps so far.
    var box = q(".cr-current");
    box.textContent = "";
    if (!current) {
      box.textContent = layered ? "The input x = a\u207d\u2070\u207e is given. Press Next (\u2192) to " +
        "compute the forward pass, one layer at a time." : "The leaves are given. Press Next (\u2192) to " +
        "compute the forward pass, one operation at a time.";
    } else if (!answered) {
      box.textContent = askedPrompt(position - 1);
    } else if (current.html) {
      showEquations(box, current);
    } else {
      box.textContent = current.text.replace(/   \(/, "\n(");
      if (current.sum) {
        var sum = document.createElement("span"); sum.className = "cr-sum"; sum.textContent = current.sum;
        box.appendChild(sum);
      }
    }
    var f = baseSteps.filter(function (s) { return s.kind === "forward"; }).length;
    var layerCount = layered ? lesson.layers.length : 0;
    var phase = !current ? "Start" : current.kind === "layer_forward" ? "Forward pass: layer "
      + current.layer + " of " + layerCount
      : current.kind === "layer_backward" ? "Backward pass: layer " + current.layer + " of " + layerCount
        + (current.layer === layerCount ? " (the output)" : "") : current.kind === "forward" ? "Forward pass: operation "
      + (position) + " of " + f
      : current.kind === "seed" ? "Backward pass begins"
      : current.kind === "backward" ? "Backward pass: edge " + (position - f - 1) + " of "
        + lesson.backward_count
      : "Update";
    q(".cr-phase").textContent = phase;
    while (list.children.length < n) list.appendChild(document.createElement("li"));
    while (list.children.length > n) list.removeChild(list.lastChild);
    for (var j = 0; j < n; j++) {
      var li = list.children[j];
      li.textContent = j >= position ? "" : j === position - 1 && !answered ? askedPrompt(j) : stepLines(j);
      li.className = j < position - 1 ? "cr-done" : (j === position - 1 ? "cr-now" : "cr-future");
    }
    q(".cr-counter").textContent = "step " + position + " of " + n;
    q(".cr-prev").disabled = position === 0;
    q(".cr-start").disabled = position === 0;
    q(".cr-next").disabled = position === n || !answered;
    q(".cr-end").disabled = position === n && answered;
    renderQuiz();
    follow(focus.filter(Boolean));
    if (selected !== null) showPanel(selected);
    writeAddress();
  }

  function showLossAfter(after) {
    // The output's box and row show the loss of the forward pass run again after the update.
    var texts = boxTexts(after.node), row = rows[after.node], cell = row.querySelector(".cr-data");
    setField(texts, 2, "data", after.text, "new");
    cell.textContent = nodes[after.node].data_text + " \u2192 " + after.text;
    cell.setAttribute("data-value", after.value === null ? "" : String(after.value));
    row.classList.add("cr-updated");
    toggle(boxes[after.node], "cr-updated", true);
  }

  // ---- question mode
  function askedPrompt(k) {
    var qs = questions(k), a = answers[k] || [];
    var lines = [];
    for (var i = 0; i < qs.length; i++) {
      if (i < a.length) lines.push(qs[i].prompt.replace(/\?$/, qs[i].answer_text)
        + (a[i] === "revealed" ? "   (revealed)" : a[i] === "skipped" ? "" : "   \u2713"));
      else { lines.push(qs[i].prompt); break; }
    }
    return lines.join("\n");
  }
  function parseAnswer(text) {
    var t = text.trim().replace(/\u2212/g, "-").replace(/\s+/g, "");
    if (/^[+-]?\d+,\d+$/.test(t)) t = t.replace(",", ".");
    if (/^[+-]?(inf|infinity)$/i.test(t)) return t.charAt(0) === "-" ? -Infinity : Infinity;
    if (/^nan$/i.test(t)) return NaN;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return null;
    return Number(t);
  }
  function close(given, truth) {
    if (isNaN(truth)) return isNaN(given);
    if (!isFinite(truth)) return given === truth;
    var tol = Math.max(lesson.tolerance.abs, lesson.tolerance.rel * Math.abs(truth));
    return Math.abs(given - truth) <= tol;
  }
  // ---- judging an answer: the interval of right numbers, then the mistakes the lesson names
  function accepted(given, qn) {
    if (!qn.accept) return close(given, num(qn.answer));
    var lo = num(qn.accept[0]), hi = num(qn.accept[1]);
    return (given >= lo && given <= hi) || close(given, lo) || close(given, hi);
  }
  function diagnosis(given, qn) {
    var list = qn.wrong || [];
    for (var i = 0; i < list.length; i++) if (close(given, num(list[i].value))) return list[i];
    return null;
  }
  function say(cls, text) {
    var fb = q(".cr-feedback");
    fb.className = "cr-feedback" + (cls ? " " + cls : "");
    fb.removeAttribute("data-cr-mistake");
    fb.textContent = text;
  }

  // ---- numbers not yet known stay off the drawing: arrow labels and tooltips
  var edgeLabels = (lesson.edges || []).map(function (e) {
    var g = el(svgFull, "e" + e.node + "_" + e.position), texts = g ? g.getElementsByTagName("text") : [];
    return { edge: e, text: texts.length ? texts[texts.length - 1] : null };
  });
  function edgeKnown(st, e) {
    // Without questions an arrow's local derivative is shown once the values it uses are known;
    // with them, an arrow that has a backward step waits for that step to be answered.
    if (quiz && e.step !== null) return !!st.applied[e.step];
    return !!st.known[e.node];
  }
  function renderEdgeLabels(st) {
    edgeLabels.forEach(function (l) {
      if (l.text) l.text.textContent = edgeKnown(st, l.edge) ? l.edge.text : "";
    });
  }
  // A tooltip (<title>) of a box or an arrow says no more than the element shows: it is kept
  // aside until the box's value and gradient (the arrow's label) are known.
  var titles = [];
  Array.prototype.forEach.call(root.querySelectorAll("svg title"), function (t) {
    var owner = t.parentNode, id = owner && owner.getAttribute ? owner.getAttribute("data-cr-id") || "" : "";
    var m = /^(?:n|op)(\d+)$/.exec(id), e = /^e(\d+)_(\d+)$/.exec(id);
    titles.push({ el: t, text: t.textContent, node: m ? Number(m[1]) : null,
      edge: e ? edgeLabels.filter(function (l) {
        return l.edge.node === Number(e[1]) && l.edge.position === Number(e[2]);
      })[0] || null : null });
  });
  function renderTitles(st) {
    titles.forEach(function (t) {
      var shown;
      if (t.node !== null) shown = st.known[t.node] && (st.grads[t.node] || nodes[t.node].role === "constant");
      else if (t.edge) shown = edgeKnown(st, t.edge.edge);
      else shown = position === n;  // a tooltip of the drawing as a whole: at the end
      t.el.textContent = shown ? t.text : "";
    });
  }

  function renderQuiz() {
    var ask = q(".cr-ask"), score = q(".cr-score");
    if (!quiz) { ask.hidden = true; score.hidden = true; return; }
    var k = position - 1, pending = position > 0 && !done(k);
    ask.hidden = !pending;
    var counts = { first: 0, hint: 0, revealed: 0, skipped: 0 }, total = 0;
    for (var j = 0; j < n; j++) total += questions(j).length;
    Object.keys(answers).forEach(function (key) {
      answers[key].forEach(function (o) { counts[o] += 1; });
    });
    var right = counts.first + counts.hint, asked = right + counts.revealed;
    var finished = position === n && done(n - 1);
    score.hidden = false;
    score.textContent = (finished ? "Final score: " : "Score so far: ") + right + " of " + asked
      + " right (" +
      counts.first + " at the first try, " + counts.hint + " after a hint), " + counts.revealed
        + " revealed" +
      (counts.skipped ? ", " + counts.skipped + " skipped" : "") + "; " + total + " questions in all.";
    score.setAttribute("data-right", String(right));
    score.setAttribute("data-asked", String(asked));
    score.setAttribute("data-final", finished ? "yes" : "no");
  }
  function answer(kind) {
    var k = position - 1;
    if (k < 0 || done(k)) return;
    var a = answers[k] || (answers[k] = []), qn = questions(k)[a.length];
    var fb = q(".cr-feedback"), input = q(".cr-answer");
    if (kind === "reveal") {
      a.push("revealed"); tries[k] = 0;
      say("", "The answer: " + qn.answer_text);
    } else {
      var given = parseAnswer(input.value);
      if (given === null) {
        say("cr-wrong", "Type a number, such as \u22120.5 or 1.25e\u22123 (you typed \u201c" + input.value
          + "\u201d).");
        return;
      }
      if (accepted(given, qn)) {
        a.push(tries[k] ? "hint" : "first"); tries[k] = 0;
        say("cr-right", "Right: " + (qn.accept ? input.value.trim().replace(/-/g, "\u2212") : qn.answer_text)
          + (qn.right_note ? "\n" + qn.right_note : ""));
      } else {
        tries[k] = (tries[k] || 0) + 1;
        var why = diagnosis(given, qn);
        say("cr-wrong", "Not quite (you wrote " + input.value.trim() + "). " +
          (why ? why.why : "Hint: " + qn.hint) + "\nTry again, or press Reveal.");
        if (why) fb.setAttribute("data-cr-mistake", String(qn.wrong.indexOf(why)));
        input.select();
        return;
      }
    }
    input.value = "";
    // A step with another question asks it now: this answer's feedback goes with it.
    var keep = done(k) ? [fb.className.replace(/^cr-feedback ?/, ""), fb.textContent] : ["", ""];
    render();
    say(keep[0], keep[1]);
    if (!done(k)) input.focus();
  }
  q(".cr-check").addEventListener("click", function () { answer("check"); });
  q(".cr-reveal").addEventListener("click", function () { answer("reveal"); });
  q(".cr-answer").addEventListener("keydown", function (e) {
    if (e.key === "Enter") { answer("check"); e.preventDefault(); }
  });

  // ---- moving through the steps
  function go(to) {
    to = Math.max(0, Math.min(n, to));
    following = true;  // a step taken: the view follows it again (see the camera)
    if (quiz && to > position) {
      // Stepping on from an unanswered step (End, a link, Next neuron) skips its questions.
      skipThrough(Math.max(0, position - 1), to - 1);
    }
    if (to !== position) say("", "");
    position = to;
    render();
    if (quiz && position > 0 && !done(position - 1) && root.contains(document.activeElement)) {
      q(".cr-answer").focus();
    }
  }
  function next() {
    if (quiz && position > 0 && !done(position - 1)) { q(".cr-answer").focus(); return; }
    go(position + 1);
  }
  q(".cr-next").addEventListener("click", next);
  q(".cr-prev").addEventListener("click", function () { go(position - 1); });
  q(".cr-start").addEventListener("click", function () { go(0); });
  q(".cr-end").addEventListener("click", function () { go(n); });

  // One neuron at a time: the runs of consecutive steps inside one group.
  function groupOf(k) { return k >= 0 && k < n ? steps[k].group : undefined; }
  function nextGroup() {
    var k = position;  // the next step to apply
    if (k >= n) return;
    var g = groupOf(k);
    while (k + 1 < n && groupOf(k + 1) === g && g !== null) k++;
    go(k + 1);
  }
  function prevGroup() {
    var k = position - 2;
    if (k < 0) { go(0); return; }
    var g = groupOf(k);
    while (k - 1 >= 0 && groupOf(k - 1) === g && g !== null) k--;
    go(k);
  }
  q(".cr-next-group").addEventListener("click", nextGroup);
  q(".cr-prev-group").addEventListener("click", prevGroup);

  // ---- the learning rate field
  var lrInput = q(".cr-lr"), lrNote = q(".cr-lr-note");
  if (!updates.length) {
    q(".cr-lr-box").hidden = true;
  } else {
    lrInput.value = lesson.lr_text;
    lrNote.textContent = lr === null ? "(type one to add an update step)" : "";
    lrInput.addEventListener("change", function () {
      var t = lrInput.value.trim(), v = parseAnswer(t);
      if (t === "") { lr = null; lrNote.textContent = "(no update step)"; }
      else if (v === null || !(v > 0) || !isFinite(v)) {
        lrNote.textContent = "\u03b7 must be a positive number, such as 0.1"; return;
      } else { lr = v === lesson.lr ? lesson.lr : v; lrNote.textContent = ""; }
      var last = n - 1;
      if (answers[last] && steps[last].kind === "update") { delete answers[last]; delete tries[last]; }
      rebuild();
      if (position > n) position = n;
      render();
    });
    lrInput.addEventListener("keydown", function (e) { if (e.key === "Enter") lrInput.blur(); });
  }

  // ---- zoom and pan: each drawing keeps its own view box
  function viewOf(svg) {
    var b = svg.getAttribute("viewBox").split(/[\s,]+/).map(Number);
    return { svg: svg, base: b.slice(), box: b.slice() };
  }
  var views = [viewOf(svgFull)];
  if (svgGroups) views.push(viewOf(svgGroups));
  var view = views[0];
  function apply(v) {
    v.svg.setAttribute("viewBox", v.box.join(" "));
    var z = Math.max(v.base[2] / v.box[2], v.base[3] / v.box[3]);
    q(".cr-zoom-level").textContent = Math.abs(z - 1) < 1e-6 ? "fit" : Math.round(z * 100) + "%";
    v.svg.setAttribute("data-zoom", String(z));
    showViewport();
  }
  function zoomAt(factor, cx, cy) {
    hold();
    var b = view.box, z = view.base[2] / (b[2] / factor);
    if (z > 40 || z < 0.25) return;
    view.box = [cx - (cx - b[0]) / factor, cy - (cy - b[1]) / factor, b[2] / factor, b[3] / factor];
    apply(view);
  }
  function toView(clientX, clientY) {
    var m = view.svg.getScreenCTM();
    if (!m) return [view.box[0] + view.box[2] / 2, view.box[1] + view.box[3] / 2];
    var pt = new DOMPoint(clientX, clientY).matrixTransform(m.inverse());
    return [pt.x, pt.y];
  }
  function zoomCenter(factor) {
    var b = view.box; zoomAt(factor, b[0] + b[2] / 2, b[1] + b[3] / 2);
  }
  function fit() { hold(); stopMoving(); view.box = view.base.slice(); apply(view); }
  function rectOf(elements) {
    var r = null;
    elements.forEach(function (e) {
      var c = e.getBoundingClientRect();
      if (!c.width && !c.height) return;
      var a = toView(c.left, c.top), b = toView(c.right, c.bottom);
      var box = [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
      r = r ? [Math.min(r[0], box[0]), Math.min(r[1], box[1]), Math.max(r[2], box[2]), Math.max(r[3],
        box[3])] : box;
    });
    return r;
  }
  function showRect(r, margin) {
    var w = r[2] - r[0] + 2 * margin, h = r[3] - r[1] + 2 * margin, base = view.base;
    var aspect = base[2] / base[3];
    if (w / h < aspect) w = h * aspect; else h = w / aspect;
    var cx = (r[0] + r[2]) / 2, cy = (r[1] + r[3]) / 2;
    view.box = [cx - w / 2, cy - h / 2, w, h];
    apply(view);
  }
  // ---- the camera: the view follows the current step at a size readable from the back of a hall
  // The step's elements (the active arrow and both its ends) come into view at a zoom where the
  // drawing's text is READABLE px tall (PRESENT_READABLE in Present mode), or the whole drawing
  // when it is readable as a whole. Fit, a zoom or a drag hold the view where the user put it,
  // until the next step (or Follow).
  var READABLE = 18, PRESENT_READABLE = 27;
  // Below these (px), the layer view frames the step's own layer rather than all of its arrows.
  var FLOOR = 16, PRESENT_FLOOR = 22;
  // The layer view's step: its own layer's neurons (the core the camera frames first), and with
  // them what the overview must not cover (the loss's box too, at the output).
  var layerCore = [], layerKeep = [];
  var following = true, lastFocus = [], moving = null, movingTo = null;
  var followButton = q(".cr-follow");
  var reduceMotion = typeof window.matchMedia === "function"
    && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  function hold() { following = false; showFollowing(); }
  function showFollowing() {
    followButton.setAttribute("aria-pressed", following ? "true" : "false");
    root.setAttribute("data-cr-following", following ? "yes" : "no");
  }
  var textHeights = new Map();
  function textHeight(svg) {
    // The median height of the drawing's texts, in its own units (measured once it is shown).
    if (textHeights.has(svg)) return textHeights.get(svg);
    var hs = [];
    Array.prototype.forEach.call(svg.querySelectorAll("text"), function (t) {
      try { var b = t.getBBox(); if (b.height > 0) hs.push(b.height); } catch (err) { /* not rendered */ }
    });
    if (!hs.length) return 24;
    hs.sort(function (a, b) { return a - b; });
    var h = hs[Math.floor(hs.length / 2)];
    textHeights.set(svg, h);
    return h;
  }
  function pixels() { return [graph.clientWidth, graph.clientHeight]; }
  function readableScale() {
    var px = root.classList.contains("cr-present") ? PRESENT_READABLE : READABLE;
    return px / textHeight(view.svg);
  }
  function boxAt(rect, scale) {
    // The view box of the given scale (px per unit) centred on rect, kept inside the drawing.
    var px = pixels(), w = px[0] / scale, h = px[1] / scale, b = view.base;
    var cx = (rect[0] + rect[2]) / 2, cy = (rect[1] + rect[3]) / 2;
    cx = w >= b[2] ? b[0] + b[2] / 2 : Math.min(Math.max(cx, b[0] + w / 2), b[0] + b[2] - w / 2);
    cy = h >= b[3] ? b[1] + b[3] / 2 : Math.min(Math.max(cy, b[1] + h / 2), b[1] + b[3] - h / 2);
    return [cx - w / 2, cy - h / 2, w, h];
  }
  function stopMoving() { if (moving) { cancelAnimationFrame(moving); moving = null; } still(); }
  function still() { root.setAttribute("data-cr-camera", "still"); }
  function moveTo(box) {
    stopMoving();
    var from = view.box.slice(), v = view;
    var far = Math.abs(from[2] - box[2]) + Math.abs(from[0] - box[0]) + Math.abs(from[1] - box[1]);
    if (reduceMotion || far < 1e-6 || typeof requestAnimationFrame !== "function") {
      v.box = box; apply(v); return;
    }
    var start = null, duration = 450;
    movingTo = box;
    root.setAttribute("data-cr-camera", "moving");
    function frame(t) {
      if (start === null) start = t;
      var k = Math.min(1, (t - start) / duration), e = k < 0.5 ? 2 * k * k : 1 - Math.pow(-2 * k + 2, 2) / 2;
      v.box = from.map(function (a, j) { return a + (box[j] - a) * e; });
      apply(v);
      if (k < 1 && v === view) moving = requestAnimationFrame(frame);
      else { moving = null; v.box = box; apply(v); still(); }
    }
    moving = requestAnimationFrame(frame);
  }
  function follow(elements) {
    lastFocus = elements;
    showFollowing();
    if (!following) return;
    var px = pixels();
    if (!px[0] || !px[1]) return;
    var b = view.base, whole = Math.min(px[0] / b[2], px[1] / b[3]), readable = readableScale();
    if (whole >= readable) { moveTo(b.slice()); return; }  // the whole drawing is readable
    var r = rectOf(view === views[0] ? elements : groupFocus());
    if (!r) r = [b[0], b[1], b[0] + Math.min(b[2], px[0] / readable), b[1] + b[3]];  // the inputs' side
    var margin = 0.6 * textHeight(view.svg) * 2;
    function fitting(q) {
      return Math.min((px[0] * 0.94) / (q[2] - q[0] + 2 * margin), (px[1] * 0.94) / (q[3] - q[1] + 2 * margin));
    }
    var fits = fitting(r);
    var core = layerCore.length && view === views[0] ? rectOf(layerCore) : null;
    var floor = (root.classList.contains("cr-present") ? PRESENT_FLOOR : FLOOR) / textHeight(view.svg);
    if (core && fits < floor) {
      // The layer view: a step's arrows reach across three columns of a wide network, too small to
      // read when all are framed. Its own layer's neurons come first, as large as the floor (or as
      // fits), with as much of the rest around them as the view holds.
      var scale = Math.max(whole, Math.min(readable, Math.max(fits, Math.min(floor, fitting(core)))));
      var w = px[0] / scale, h = px[1] / scale;
      var cx = Math.min(Math.max((r[0] + r[2]) / 2, core[2] + margin - w / 2), core[0] - margin + w / 2);
      var cy = Math.min(Math.max((r[1] + r[3]) / 2, core[3] + margin - h / 2), core[1] - margin + h / 2);
      r = [cx, cy, cx, cy];
    } else {
      var scale = Math.max(whole, Math.min(readable, fits));
    }
    var cur = moving ? movingTo : view.box, curScale = Math.min(px[0] / cur[2], px[1] / cur[3]);
    // Already in view at this size: no motion (a hall follows a still picture best).
    if (Math.abs(curScale - scale) < 1e-3 * scale && r[0] - margin >= cur[0] && r[1] - margin >= cur[1]
        && r[2] + margin <= cur[0] + cur[2] && r[3] + margin <= cur[1] + cur[3]) return;
    moveTo(boxAt(r, scale));
  }
  function groupFocus() {
    return Array.prototype.filter.call(svgGroups.querySelectorAll(".node"), function (g) {
      return markClasses.some(function (c) { return g.classList.contains(c); });
    });
  }
  function refollow() { if (following) follow(lastFocus); else apply(view); }
  followButton.addEventListener("click", function () { following = true; showFollowing(); follow(lastFocus); });

  // ---- the overview: the whole drawing, small, with the part in view framed
  var overview = q(".cr-overview"), overviewSvg = null, frame = null;
  function buildOverview() {
    overview.textContent = "";
    overviewSvg = view.svg.cloneNode(true);
    // A picture only: no text (too small to read), no ids the page looks up, no marks.
    Array.prototype.slice.call(overviewSvg.querySelectorAll("text")).forEach(function (t) { t.remove(); });
    Array.prototype.forEach.call(overviewSvg.querySelectorAll("[data-cr-id], [data-cr-group], [data-cr-node]"),
      function (e) {
        e.removeAttribute("data-cr-id"); e.removeAttribute("data-cr-group"); e.removeAttribute("data-cr-node");
      });
    overviewSvg.removeAttribute("hidden");
    overviewSvg.setAttribute("class", "cr-overview-svg");
    overviewSvg.setAttribute("viewBox", view.base.join(" "));
    overviewSvg.setAttribute("aria-hidden", "true");
    frame = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    frame.setAttribute("class", "cr-overview-frame");
    overviewSvg.appendChild(frame);
    overview.appendChild(overviewSvg);
    var b = view.base;
    overview.style.aspectRatio = b[2] + " / " + b[3];
  }
  function showViewport() {
    if (!overviewSvg || overviewSvg.getAttribute("viewBox") !== view.base.join(" ")) return;
    var b = view.box, base = view.base;
    var all = b[0] <= base[0] + 1e-6 && b[1] <= base[1] + 1e-6 && b[0] + b[2] >= base[0] + base[2] - 1e-6
      && b[1] + b[3] >= base[1] + base[3] - 1e-6;
    overview.hidden = all;  // the whole drawing is in view: no need for an overview
    frame.setAttribute("x", b[0]); frame.setAttribute("y", b[1]);
    frame.setAttribute("width", b[2]); frame.setAttribute("height", b[3]);
    frame.setAttribute("stroke-width", String(Math.max(base[2], base[3]) / 120));
    if (!all && !moving) placeOverview();
  }
  function placeOverview() {
    // Off what the step shows: the first corner (bottom right, bottom left, top right, top left)
    // where the overview covers none of the step's elements; none free, no overview.
    var f = null;
    (layerCore.length ? layerCore.concat(layerKeep) : lastFocus).forEach(function (e) {
      var c = e.getBoundingClientRect();
      if (!c.width && !c.height) return;
      f = f ? [Math.min(f[0], c.left), Math.min(f[1], c.top), Math.max(f[2], c.right), Math.max(f[3], c.bottom)]
        : [c.left, c.top, c.right, c.bottom];
    });
    var corners = [[false, false], [true, false], [false, true], [true, true]];  // [left, top]
    for (var k = 0; k < corners.length; k++) {
      overview.classList.toggle("cr-left", corners[k][0]);
      overview.classList.toggle("cr-top", corners[k][1]);
      var o = overview.getBoundingClientRect();
      if (!f || o.right <= f[0] || o.left >= f[2] || o.bottom <= f[1] || o.top >= f[3]) return;
    }
    overview.hidden = true;
  }
  overview.addEventListener("pointerdown", function (e) { e.stopPropagation(); });
  overview.addEventListener("click", function (e) {
    // A click on the overview shows that part of the drawing.
    e.stopPropagation();
    var m = overviewSvg.getScreenCTM();
    if (!m) return;
    var p = new DOMPoint(e.clientX, e.clientY).matrixTransform(m.inverse()), b = view.box;
    hold(); stopMoving();
    view.box = boxAt([p.x, p.y, p.x, p.y], Math.min(pixels()[0] / b[2], pixels()[1] / b[3]));
    apply(view);
  });

  q(".cr-zoom-in").addEventListener("click", function () { zoomCenter(1.25); });
  q(".cr-zoom-out").addEventListener("click", function () { zoomCenter(0.8); });
  q(".cr-fit").addEventListener("click", fit);
  graph.addEventListener("wheel", function (e) {
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      var p = toView(e.clientX, e.clientY);
      zoomAt(Math.exp(-e.deltaY * 0.002), p[0], p[1]);
    } else if (view.box[2] < view.base[2] - 1e-9) {
      e.preventDefault();  // zoomed in: the wheel pans
      hold();
      var m = view.svg.getScreenCTM(), s = m ? m.a : 1;
      view.box[0] += e.deltaX / s; view.box[1] += e.deltaY / s; apply(view);
    }
  }, { passive: false });
  var pointers = {}, drag = null, moved = false, pinch = null;
  graph.addEventListener("pointerdown", function (e) {
    pointers[e.pointerId] = [e.clientX, e.clientY];
    var ids = Object.keys(pointers);
    moved = false;
    if (ids.length === 2) {
      var a = pointers[ids[0]], b = pointers[ids[1]];
      pinch = { d: Math.hypot(a[0] - b[0], a[1] - b[1]), box: view.box.slice() };
      drag = null;
    } else {
      var m = view.svg.getScreenCTM();
      drag = { x: e.clientX, y: e.clientY, box: view.box.slice(), s: m ? m.a : 1 };
    }
  });
  graph.addEventListener("pointermove", function (e) {
    if (!(e.pointerId in pointers)) return;
    pointers[e.pointerId] = [e.clientX, e.clientY];
    var ids = Object.keys(pointers);
    if (pinch && ids.length === 2) {
      var a = pointers[ids[0]], b = pointers[ids[1]], d = Math.hypot(a[0] - b[0], a[1] - b[1]);
      if (pinch.d > 0 && d > 0) {
        var c = toView((a[0] + b[0]) / 2, (a[1] + b[1]) / 2), f = d / pinch.d;
        view.box = pinch.box.slice(); zoomAt(f, c[0], c[1]); moved = true;
      }
    } else if (drag) {
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (!moved && Math.abs(dx) + Math.abs(dy) < 5) return;
      if (!moved) { graph.classList.add("cr-dragging"); try { graph.setPointerCapture(e.pointerId);
        } catch (err) {} }
      moved = true;
      hold();
      view.box = [drag.box[0] - dx / drag.s, drag.box[1] - dy / drag.s, drag.box[2], drag.box[3]];
      apply(view);
    }
  });
  function lift(e) {
    delete pointers[e.pointerId];
    if (Object.keys(pointers).length < 2) pinch = null;
    drag = null; graph.classList.remove("cr-dragging");
  }
  graph.addEventListener("pointerup", lift);
  graph.addEventListener("pointercancel", lift);

  // ---- one box per neuron
  var viewButton = q(".cr-view");
  function showView(which) {
    var groups = which === "groups" && svgGroups;
    // An <svg> has no .hidden property: the attribute itself hides it.
    if (groups) svgFull.setAttribute("hidden", ""); else svgFull.removeAttribute("hidden");
    if (svgGroups) { if (groups) svgGroups.removeAttribute("hidden");
      else svgGroups.setAttribute("hidden", ""); }
    view = groups ? views[1] : views[0];
    stopMoving();
    buildOverview();
    apply(view);
    viewButton.textContent = groups ? "Every value" : "One box per neuron";
    root.setAttribute("data-cr-view", groups ? "groups" : "full");
  }
  // The colours of the legend on the boxes of neurons: the one being computed (forward), the one
  // passing its gradient back and the one receiving it (backward), those updated.
  var markClasses = ["cr-computing", "cr-source", "cr-target", "cr-updated"];
  function markBox(b, cls) { markClasses.forEach(function (c) { b.classList.toggle(c, c === cls); }); }
  function groupMarks(current) {
    var groups = {}, singles = {};
    function mark(i, cls) {
      var g = nodes[i].group;
      if (g === null || g === undefined) singles[i] = singles[i] || cls; else groups[g] = groups[g] || cls;
    }
    if (current && current.kind === "forward") mark(current.node, "cr-computing");
    else if (current && current.kind === "seed") mark(current.node, "cr-target");
    else if (current && current.kind === "backward") {
      mark(current.node, "cr-source"); mark(current.input, "cr-target");
    } else if (current && current.kind === "update") {
      current.items.forEach(function (it) { mark(it.node, "cr-updated"); });
    }
    return { groups: groups, singles: singles };
  }
  function renderGroups(st, current) {
    if (!svgGroups) return;
    var marks = groupMarks(current);
    Array.prototype.forEach.call(svgGroups.querySelectorAll("[data-cr-group]"), function (g) {
      var k = Number(g.getAttribute("data-cr-group")), outs = lesson.group_outputs[k];
      var last = outs[outs.length - 1];
      for (var j = outs.length - 1; j >= 0; j--) { if (st.known[outs[j]]) { last = outs[j]; break; } }
      var texts = g.getElementsByTagName("text"), fresh = st.fresh[last];
      // A box's numbers, its last two lines, are its newest computed output's, shown once the
      // steps have computed them.
      setField(texts, 2, "value", st.known[last] ? (fresh ? fresh.text : nodes[last].data_text) : "?",
        st.known[last] ? (fresh ? "new" : "") : "unknown");
      setField(texts, 1, "grad", st.grads[last] ? st.grads[last][1] : "?", st.grads[last] ? "" : "unknown");
      markBox(g, marks.groups[k]);
    });
    Array.prototype.forEach.call(svgGroups.querySelectorAll("[data-cr-node]"), function (b) {
      var i = Number(b.getAttribute("data-cr-node")), texts = b.getElementsByTagName("text");
      markBox(b, marks.singles[i]);
      if (texts.length >= 3) {
        setField(texts, 2, "value", st.known[i] ? nodes[i].data_text : "?", st.known[i] ? "" : "unknown");
        setField(texts, 1, "grad", st.grads[i] ? st.grads[i][1] : "?", st.grads[i] ? "" : "unknown");
      }
    });
  }
  function expandGroup(k) {
    showView("full");
    fit();
    var members = lesson.group_members[k], els = [];
    boxes.forEach(function (b) { toggle(b, "cr-expanded", false); });
    opsEls.forEach(function (b) { toggle(b, "cr-expanded", false); });
    members.forEach(function (i) {
      if (boxes[i]) { els.push(boxes[i]); toggle(boxes[i], "cr-expanded", true); }
      if (opsEls[i]) { els.push(opsEls[i]); toggle(opsEls[i], "cr-expanded", true); }
    });
    var r = rectOf(els);
    if (r) showRect(r, 20);
  }
  if (svgGroups) {
    viewButton.hidden = false;
    q(".cr-next-group").hidden = false;
    q(".cr-prev-group").hidden = false;
    viewButton.addEventListener("click", function () {
      showView(svgFull.hasAttribute("hidden") ? "full" : "groups");
    });
  }

  // ---- the layer view: a layer's neurons and weights light up; each δᵢ opens into its scalar steps
  var openDelta = null;  // the i of the δᵢ of the current backward step whose steps are shown
  var openAt = null;
  var layerMarks = ["cr-computing", "cr-target", "cr-selected"];
  function picture(id) { return el(svgFull, id); }
  // The picture's numbers, each tagged with its Value: "?" until a step has computed it.
  var pictureNumbers = !layered ? [] : Array.prototype.map.call(
    svgFull.querySelectorAll("text[data-cr-data], text[data-cr-grad]"), function (t) {
      var grad = t.hasAttribute("data-cr-grad");
      return { el: t, grad: grad, node: Number(t.getAttribute(grad ? "data-cr-grad" : "data-cr-data")),
        full: t.textContent };
    });
  function renderPictureNumbers(st) {
    pictureNumbers.forEach(function (p) {
      var known = p.grad ? !!st.grads[p.node] : !!st.known[p.node];
      p.el.textContent = known ? p.full : p.full.replace(/=\s*\S+\s*$/, "= ?");
      p.el.classList.toggle("cr-unknown", !known);
    });
  }
  function renderLayer(current) {
    Array.prototype.forEach.call(svgFull.querySelectorAll(".cr-computing, .cr-target, .cr-selected"),
      function (e) { layerMarks.forEach(function (c) { e.classList.remove(c); }); });
    if (openAt !== position) { openDelta = null; openAt = position; }
    layerCore = []; layerKeep = [];
    if (!current || !current.neurons) return [];
    var backward = current.kind === "layer_backward", focus = [];
    current.neurons.forEach(function (id, k) {
      var e = picture(id);
      toggle(e, backward ? "cr-target" : "cr-computing", true);
      toggle(e, "cr-selected", backward && openDelta === k + 1);
      if (e) { focus.push(e); layerCore.push(e); }
    });
    current.edges.forEach(function (id) {
      var e = picture(id);
      toggle(e, backward ? "cr-active" : "cr-feeding", true);
      if (e) focus.push(e);
    });
    current.focus.forEach(function (id) { var e = picture(id); if (e) { focus.push(e); layerKeep.push(e); } });
    return focus;
  }
  function showEquations(box, current) {
    // The equations are the page's own HTML, written and escaped in Python; the scalar steps,
    // which carry the graph's labels, go in as text.
    var eq = document.createElement("div");
    eq.className = "cr-equations";
    eq.innerHTML = current.html;
    box.appendChild(eq);
    if (!current.deltas) return;
    var list = document.createElement("div");
    list.className = "cr-deltas";
    var hint = document.createElement("div");
    hint.className = "cr-deltas-hint";
    hint.textContent = "Each \u03b4\u1d62 step by step: click it, its neuron, or press its number.";
    list.appendChild(hint);
    current.deltas.forEach(function (d) {
      var item = document.createElement("div"), open = openDelta === d.i;
      item.className = "cr-delta";
      item.setAttribute("data-i", String(d.i));
      var b = document.createElement("button");
      b.type = "button";
      b.className = "cr-delta-toggle";
      b.setAttribute("aria-expanded", open ? "true" : "false");
      b.setAttribute("aria-keyshortcuts", d.i <= 9 ? String(d.i) : "");
      b.innerHTML = (open ? "\u25be " : "\u25b8 ") + d.html;  // Python's escaped markup
      b.appendChild(document.createTextNode(" = " + d.value_text));
      b.addEventListener("click", function () { toggleDelta(d.i); });
      item.appendChild(b);
      list.appendChild(item);
    });
    box.appendChild(list);
  }
  function renderDeltaPanel(current) {
    // The open δᵢ's scalar steps, in the panel beside the equations.
    var panel = q(".cr-panel"), text = q(".cr-panel-text");
    var d = openDelta !== null && current && current.deltas ? current.deltas[openDelta - 1] : null;
    panel.hidden = !d;
    panel.classList.toggle("cr-delta-panel", !!d);
    if (!d) { panel.removeAttribute("data-delta"); return; }
    panel.setAttribute("data-delta", String(d.i));
    text.textContent = "";
    var head = document.createElement("div");
    head.className = "cr-delta-head";
    head.innerHTML = d.head;  // Python's escaped markup
    head.appendChild(document.createTextNode(", step by step:"));
    text.appendChild(head);
    var list = document.createElement("ol");
    list.className = "cr-delta-steps cr-equations";
    d.steps_html.forEach(function (h) {
      var li = document.createElement("li"); li.innerHTML = h; list.appendChild(li);  // Python's escaped markup
    });
    text.appendChild(list);
  }
  function toggleDelta(i) {
    var current = position > 0 ? steps[position - 1] : null;
    if (!current || current.kind !== "layer_backward" || i < 1 || i > current.deltas.length) return false;
    openDelta = openDelta === i ? null : i;
    openAt = position;
    render();
    var panel = q(".cr-panel");
    if (!panel.hidden && panel.scrollIntoView) panel.scrollIntoView({ block: "nearest" });
    var b = root.querySelector('.cr-delta[data-i="' + i + '"] button');
    if (b && root.contains(document.activeElement)) b.focus();
    return true;
  }

  // ---- the chain rule of a clicked box
  var selected = null;
  function showPanel(i) {
    selected = i;
    boxes.forEach(function (b, j) { toggle(b, "cr-selected", j === i); });
    var panel = q(".cr-panel"), text = q(".cr-panel-text");
    panel.hidden = false;
    panel.setAttribute("data-node", String(i));
    var nd = nodes[i], st = stateAt(position);
    // How the box was computed once its value is known; its chain rule once its gradient is complete.
    var lines = st.known[i] ? nd.panel.value.slice() : [nd.panel.value_unknown];
    if (nd.panel.gradient.length) {
      if (st.grads[i] && st.known[i] && gradComplete(i)) lines = lines.concat(nd.panel.gradient);
      else lines.push(nd.panel.gradient_unknown);
    }
    text.textContent = lines.join("\n");
  }
  function gradComplete(i) {
    // True once every backward step into i has been applied (and answered).
    for (var k = position; k < n; k++) if (steps[k].kind === "backward" && steps[k].input === i) return false;
    var c = position - 1;
    return !(c >= 0 && steps[c].input === i && !done(c));
  }
  q(".cr-panel-close").addEventListener("click", function () {
    if (layered && openDelta !== null) { openDelta = null; render(); return; }
    selected = null; q(".cr-panel").hidden = true;
    boxes.forEach(function (b) { toggle(b, "cr-selected", false); });
  });
  graph.addEventListener("click", function (e) {
    if (moved) { moved = false; return; }
    var t = e.target.closest ? e.target.closest(".node") : null;
    if (!t) return;
    var neuron = /^N(\d+)_(\d+)$/.exec(t.getAttribute("data-cr-id") || ""), here = steps[position - 1];
    if (layered && neuron && here && here.kind === "layer_backward" && Number(neuron[1]) === here.layer) {
      toggleDelta(Number(neuron[2]));
      return;
    }
    if (t.hasAttribute("data-cr-group")) { expandGroup(Number(t.getAttribute("data-cr-group"))); return; }
    if (t.hasAttribute("data-cr-node")) { showPanel(Number(t.getAttribute("data-cr-node"))); return; }
    var id = t.getAttribute("data-cr-id") || "", m = /^(?:n|op)(\d+)$/.exec(id);
    if (m) showPanel(Number(m[1]));
  });

  // ---- the legend: the drawing's own colours
  var roleNames = { input: "input (given)", parameter: "parameter (learned)", constant: "constant",
    intermediate: "intermediate result", output: "output" };
  var legend = q(".cr-legend"), seen = {};
  function swatch(colour, label, border) {
    var s = document.createElement("span"), c = document.createElement("i");
    c.className = "cr-swatch"; c.style.background = colour;
    if (border) { c.style.background = "#fff"; c.style.border = "3px solid " + border; }
    s.appendChild(c); s.appendChild(document.createTextNode(label)); legend.appendChild(s);
  }
  nodes.forEach(function (nd, i) {
    if (seen[nd.role] || !boxes[i]) return;
    var shape = boxes[i].querySelector("polygon, path");
    var fill = shape && shape.getAttribute("fill");
    if (!fill || fill === "none") return;
    seen[nd.role] = true;
    swatch(fill, roleNames[nd.role] || nd.role);
  });
  if (layered) {
    swatch("", "layer being computed", "#2563eb");
    swatch("", "\u03b4 being computed", "#dc2626");
  } else {
    swatch("", "being computed", "#2563eb");
    swatch("", "passes its gradient back", "#d97706");
    swatch("", "receives a contribution", "#dc2626");
  }
  if (updates.length) swatch("", "updated", "#7c3aed");

  // ---- notes for big graphs
  if (nodes.length > 40 && !layered) {
    q(".cr-note").textContent = "This graph has " + nodes.length + " values. " + (svgGroups
      ? "It opens one box per neuron: click a box to expand it, " +
        "or press Next neuron to apply all of its steps."
      : "Zoom in (+, Ctrl+wheel or a pinch) and drag to read it: the view follows the current step.");
  }

  // ---- presentation mode and keys
  function present() {
    root.classList.toggle("cr-present");
    q(".cr-present").setAttribute("aria-pressed", root.classList.contains("cr-present") ? "true" : "false");
    setTimeout(refollow, 0);
  }
  q(".cr-present").addEventListener("click", present);
  function mine() {
    // Keys drive the stepper last used; until one is, the first of the document.
    var active = document.querySelector(".chainrule-stepper[data-cr-active]");
    return active ? active === root : document.querySelector(".chainrule-stepper") === root;
  }
  function activate() {
    Array.prototype.forEach.call(document.querySelectorAll(".chainrule-stepper[data-cr-active]"),
      function (s) {
      s.removeAttribute("data-cr-active");
    });
    root.setAttribute("data-cr-active", "");
  }
  root.addEventListener("pointerdown", activate, true);
  root.addEventListener("focusin", activate);
  document.addEventListener("keydown", function (event) {
    if (!mine() || event.altKey || event.ctrlKey || event.metaKey) return;
    var tag = event.target && event.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    var key = event.key;
    if (key === "ArrowRight" || key === " ") next();
    else if (key === "ArrowLeft") go(position - 1);
    else if (key === "Home") go(0);
    else if (key === "End") go(n);
    else if (key === "f" || key === "F") present();
    else if (key === "Escape" && root.classList.contains("cr-present")) present();
    else if (key === "+" || key === "=") zoomCenter(1.25);
    else if (key === "-") zoomCenter(0.8);
    else if (key === "0") fit();
    else if (layered && /^[1-9]$/.test(key) && toggleDelta(Number(key))) { /* δᵢ opened or closed */ }
    else return;
    event.preventDefault();
  });

  // ---- the address: #step=12 (only when the document holds this one stepper)
  function alone() { return document.querySelectorAll(".chainrule-stepper").length === 1; }
  function readAddress() {
    var m = /^#step=(\d+)$/.exec(location.hash || "");
    return m ? Number(m[1]) : null;
  }
  function writeAddress() {
    if (!ready || !alone() || readAddress() === position) return;
    try { history.replaceState(null, "", "#step=" + position); } catch (err) { /* a sandboxed frame */ }
  }
  window.addEventListener("hashchange", function () {
    var to = alone() ? readAddress() : null;
    if (to !== null && to !== position) go(to);
  });

  // A drawing much wider than tall gets the whole width, the step below it.
  function layout() {
    var b = view.base, w = root.clientWidth, h = root.clientHeight;
    var wide = w > 0 && h > 0 && b[2] / b[3] > 2.4 * (w / h) / 1.78;
    if (wide !== root.classList.contains("cr-wide")) root.classList.toggle("cr-wide", wide);
    refollow();
  }
  if (typeof ResizeObserver === "function") new ResizeObserver(layout).observe(root);
  showView(lesson.collapse ? "groups" : "full");
  layout();
  var ready = false;
  render();
  function opened() {
    // Only once the whole document is read is it known whether this stepper is alone in it.
    ready = true;
    var start = alone() ? readAddress() : null;
    if (start !== null) go(start);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", opened); else opened();
})(document.currentScript.parentNode);
