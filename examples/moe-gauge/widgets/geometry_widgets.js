/*
 * moe-gauge appendix widgets: "beta-slider" and "beta-calculator".
 *
 * Contract (docs/manifest.md): the site renders
 *   <div class="widget" data-widget="beta-slider" data-entry="…"></div>
 * and loads this file once with <script src="widgets/geometry_widgets.js" defer>.  Everything is
 * built with DOM APIs (createElement / textContent / addEventListener); no innerHTML, no inline
 * handlers, no style attributes in markup.  Elements carry stable data-testid attributes.
 *
 * Formulas (same conventions as the Python package neural_geometry):
 *   β(k) = ‖k‖₁² / (d‖k‖₂²),  cosine to the 1-bit code = √β,  angle = arccos √β,
 *   1-bit floor (relative residual energy) = 1 − β,  q = α·sign(k) with α = ‖k‖₁/d, sign(0) = +1,
 *   bits = 1 if d ≥ 512 and angle ≤ 40°, 2 if angle ≤ 44°, else 3.
 */
(function () {
  "use strict";

  var REFERENCES = [
    { id: "laplace", label: "Laplace", symbol: "1/2", beta: 0.5 },
    { id: "gaussian", label: "Gaussian", symbol: "2/π", beta: 2 / Math.PI },
    { id: "uniform", label: "uniform", symbol: "3/4", beta: 0.75 },
    { id: "lattice", label: "sign lattice", symbol: "1", beta: 1 }
  ];
  var BETA_MIN = 0.5;
  var BETA_MAX = 1;
  var SLIDER_STEP = 0.001;
  var DEFAULT_DIM = 128;
  var NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

  // ------------------------------------------------------------------ maths

  function angleDegFromBeta(beta) {
    var c = Math.sqrt(Math.min(Math.max(beta, 0), 1));
    return (Math.acos(c) * 180) / Math.PI;
  }

  function allocateBits(d, angle) {
    if (d >= 512 && angle <= 40) {
      return 1;
    }
    if (angle <= 44) {
      return 2;
    }
    return 3;
  }

  function regimeName(bits) {
    return bits === 1 ? "pressure release" : bits === 2 ? "ballroom" : "fragmented";
  }

  /* β, the 1-bit code and its residual for a vector (array of finite numbers, not all 0). */
  function analyse(values) {
    var d = values.length;
    var peak = 0;
    var i;
    for (i = 0; i < d; i++) {
      peak = Math.max(peak, Math.abs(values[i]));
    }
    var l1 = 0;
    var l2 = 0;
    for (i = 0; i < d; i++) {
      var u = values[i] / peak; // scale-free: avoids overflow/underflow when squaring
      l1 += Math.abs(u);
      l2 += u * u;
    }
    var beta = (l1 * l1) / (d * l2);
    var alpha = l1 / d; // least-squares scale of the sign code, in units of peak
    var res = 0;
    for (i = 0; i < d; i++) {
      var v = values[i] / peak;
      var q = v >= 0 ? alpha : -alpha;
      res += (v - q) * (v - q);
    }
    return {
      d: d,
      beta: beta,
      cosine: Math.sqrt(beta),
      angle: angleDegFromBeta(beta),
      residual: res / l2,
      scale: alpha * peak
    };
  }

  /* Parse a pasted vector.  Returns {values} or {error}. */
  function parseVector(text) {
    var cleaned = text.replace(/\u2212/g, "-").trim();
    cleaned = cleaned.replace(/^[[(]/, "").replace(/[\])]$/, "").trim();
    if (cleaned === "") {
      return { error: "Enter at least one number (separated by commas or spaces)." };
    }
    var tokens = cleaned.split(/[\s,;]+/).filter(function (t) {
      return t !== "";
    });
    var values = [];
    for (var i = 0; i < tokens.length; i++) {
      if (!NUMBER.test(tokens[i])) {
        return { error: "Not a number: \u201c" + tokens[i] + "\u201d (entry " + (i + 1) + ")." };
      }
      var x = Number(tokens[i]);
      if (!isFinite(x)) {
        return { error: "Number out of range: \u201c" + tokens[i] + "\u201d (entry " + (i + 1) + ")." };
      }
      values.push(x);
    }
    if (values.every(function (x) { return x === 0; })) {
      return { error: "All entries are zero: \u03b2 is undefined for the zero vector." };
    }
    return { values: values };
  }

  // ------------------------------------------------------------------ DOM helpers

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        node.setAttribute(name, attrs[name]);
      });
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function outputList() {
    // not a live region: six values re-read on every slider step or keystroke drown the
    // reader; the slider announces its own value, errors are alerts, the list is read on demand
    var list = el("dl", { class: "zs-outputs" });
    list.style.display = "grid";
    // the label column may wrap: on a phone a long label must not push the values off the card
    list.style.gridTemplateColumns = "minmax(0, max-content) minmax(6em, 1fr)";
    list.style.columnGap = "1em";
    list.style.overflowWrap = "anywhere";
    return list;
  }

  function outputRow(list, label, testid) {
    list.appendChild(el("dt", null, label));
    var dd = el("dd", { "data-testid": testid }, "\u2014");
    dd.style.margin = "0";
    list.appendChild(dd);
    return dd;
  }

  /* An alert paragraph appended to `box` for the errors of `input`: say(message) shows the
     message and marks the input invalid; say("") hides it and clears the mark. */
  function errorSlot(box, input, testid) {
    var p = el("p", { class: "zs-error", role: "alert", "data-testid": testid });
    p.hidden = true;
    box.appendChild(p);
    return function say(message) {
      p.textContent = message;
      p.hidden = !message;
      if (message) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
    };
  }

  function fixed(x, digits) {
    return x.toFixed(digits);
  }

  // ------------------------------------------------------------------ beta-slider

  function buildSlider(root) {
    var state = { beta: 2 / Math.PI };
    var box = el("div", { class: "zs-beta-slider" });

    var datalistId = "zs-beta-marks-" + Math.random().toString(36).slice(2);
    var betaRow = el("p", { class: "zs-row" });
    betaRow.appendChild(el("span", null, "\u03b2 = "));
    var betaOut = el("output", { "data-testid": "beta-value" });
    betaRow.appendChild(betaOut);
    box.appendChild(betaRow);
    // the slider and its marks share one track so the marks line up with the thumb positions
    var track = el("div", { class: "zs-track" });
    track.style.maxWidth = "32em";
    var slider = el("input", {
      type: "range",
      min: String(BETA_MIN),
      max: String(BETA_MAX),
      step: String(SLIDER_STEP),
      list: datalistId,
      "aria-label": "moment ratio beta",
      "data-testid": "beta-slider-input"
    });
    slider.style.width = "100%";
    slider.style.margin = "0";
    slider.style.display = "block";
    track.appendChild(slider);
    box.appendChild(track);

    var datalist = el("datalist", { id: datalistId });
    REFERENCES.forEach(function (ref) {
      datalist.appendChild(el("option", { value: String(ref.beta), label: ref.label }));
    });
    box.appendChild(datalist);

    // marks under the track, positioned from the script (CSSOM is allowed by the CSP)
    var marks = el("div", { class: "zs-marks", "data-testid": "beta-marks" });
    marks.style.position = "relative";
    marks.style.height = "1.4em";
    var buttons = [];
    var buttonRow = el("div", { class: "zs-presets", role: "group", "aria-label": "reference distributions" });
    REFERENCES.forEach(function (ref) {
      var mark = el("span", { class: "zs-mark", "data-testid": "mark-" + ref.id, "data-beta": String(ref.beta) },
        "\u25b2 " + ref.symbol);
      mark.style.position = "absolute";
      mark.style.left = (100 * (ref.beta - BETA_MIN)) / (BETA_MAX - BETA_MIN) + "%";
      mark.style.transform = ref.beta === BETA_MAX ? "translateX(-100%)" : "translateX(-0.4em)";
      mark.style.whiteSpace = "nowrap";
      mark.style.fontSize = "0.8em";
      marks.appendChild(mark);
      var b = el("button", { type: "button", "data-testid": "preset-" + ref.id, "aria-pressed": "false" },
        ref.label + " (" + ref.symbol + ")");
      b.addEventListener("click", function () {
        state.beta = ref.beta;
        slider.value = String(ref.beta);
        render();
      });
      buttons.push({ ref: ref, node: b });
      buttonRow.appendChild(b);
    });
    track.appendChild(marks);
    box.appendChild(buttonRow);

    var dimLabel = el("label", { class: "zs-row" });
    dimLabel.style.display = "block";
    dimLabel.style.marginTop = "0.6em";
    dimLabel.appendChild(el("span", null, "head dimension d = "));
    var dim = el("input", {
      type: "number",
      min: "1",
      step: "1",
      value: String(DEFAULT_DIM),
      inputmode: "numeric",
      "data-testid": "head-dim"
    });
    dimLabel.appendChild(dim);
    box.appendChild(dimLabel);
    var dimError = errorSlot(box, dim, "head-dim-error");

    var list = outputList();
    var floorOut = outputRow(list, "1-bit floor 1 \u2212 \u03b2", "floor");
    var floorPct = outputRow(list, "as a percentage of key energy", "floor-percent");
    var cosOut = outputRow(list, "cosine to the 1-bit code \u221a\u03b2", "cosine");
    var angleOut = outputRow(list, "phase-collapse angle arccos \u221a\u03b2", "angle");
    var bitsOut = outputRow(list, "bits from the allocator", "bits");
    var regimeOut = outputRow(list, "regime", "regime");
    box.appendChild(list);

    function readDim() {
      var raw = dim.value.trim();
      if (!/^\d+$/.test(raw) || Number(raw) < 1) {
        return null;
      }
      return Number(raw);
    }

    function render() {
      var beta = state.beta;
      var angle = angleDegFromBeta(beta);
      betaOut.textContent = fixed(beta, 4);
      floorOut.textContent = fixed(1 - beta, 4);
      floorPct.textContent = fixed(100 * (1 - beta), 2) + "%";
      cosOut.textContent = fixed(Math.sqrt(beta), 4);
      angleOut.textContent = fixed(angle, 2) + "\u00b0";
      var d = readDim();
      dimError(d === null ? "The head dimension must be a whole number \u2265 1." : "");
      if (d === null) {
        bitsOut.textContent = "\u2014";
        regimeOut.textContent = "\u2014";
      } else {
        var bits = allocateBits(d, angle);
        bitsOut.textContent = String(bits);
        regimeOut.textContent = regimeName(bits);
      }
      buttons.forEach(function (b) {
        b.node.setAttribute("aria-pressed", b.ref.beta === beta ? "true" : "false");
      });
    }

    slider.addEventListener("input", function () {
      state.beta = Number(slider.value);
      render();
    });
    dim.addEventListener("input", render);
    slider.value = String(state.beta);
    root.appendChild(box);
    render();
  }

  // ------------------------------------------------------------------ beta-calculator

  function buildCalculator(root) {
    var box = el("div", { class: "zs-beta-calculator" });
    var label = el("label", { class: "zs-row" });
    label.appendChild(el("span", null, "key vector k (numbers separated by commas or spaces)"));
    var area = el("textarea", {
      rows: "3",
      spellcheck: "false",
      placeholder: "e.g. 0.3, -1.2, 0.8, 2.0",
      "data-testid": "vector-input"
    });
    area.style.display = "block";
    area.style.width = "100%";
    area.style.maxWidth = "32em";
    area.style.boxSizing = "border-box";
    label.appendChild(area);
    box.appendChild(label);
    var error = errorSlot(box, area, "calc-error");

    var list = outputList();
    var dOut = outputRow(list, "dimension d", "calc-d");
    var betaOut = outputRow(list, "moment ratio \u03b2 = \u2016k\u2016\u2081\u00b2 / (d\u2016k\u2016\u2082\u00b2)", "calc-beta");
    var cosOut = outputRow(list, "cosine to the 1-bit code \u221a\u03b2", "calc-cosine");
    var angleOut = outputRow(list, "phase-collapse angle", "calc-angle");
    var resOut = outputRow(list, "1-bit reconstruction error \u2016k \u2212 q\u2016\u00b2 / \u2016k\u2016\u00b2", "calc-residual");
    var scaleOut = outputRow(list, "optimal scale \u03b1 = \u2016k\u2016\u2081 / d", "calc-scale");
    box.appendChild(list);
    var outputs = [dOut, betaOut, cosOut, angleOut, resOut, scaleOut];

    function clear() {
      outputs.forEach(function (o) {
        o.textContent = "\u2014";
      });
    }

    function update() {
      // an empty box is no error, and no result
      var parsed = area.value.trim() === "" ? { error: "" } : parseVector(area.value);
      error(parsed.error || "");
      if (!parsed.values) {
        clear();
        return;
      }
      var r = analyse(parsed.values);
      dOut.textContent = String(r.d);
      betaOut.textContent = fixed(r.beta, 6);
      cosOut.textContent = fixed(r.cosine, 6);
      angleOut.textContent = fixed(r.angle, 3) + "\u00b0";
      resOut.textContent = fixed(r.residual, 6);
      scaleOut.textContent = r.scale.toPrecision(6);
    }

    area.addEventListener("input", update);
    root.appendChild(box);
    clear();
  }

  // ------------------------------------------------------------------ registration

  var BUILDERS = { "beta-slider": buildSlider, "beta-calculator": buildCalculator };

  function init() {
    Object.keys(BUILDERS).forEach(function (id) {
      var nodes = document.querySelectorAll('[data-widget="' + id + '"]');
      Array.prototype.forEach.call(nodes, function (node) {
        if (node.getAttribute("data-widget-ready") === "true") {
          return; // never build twice (the script may be included by several pages/parts)
        }
        node.setAttribute("data-widget-ready", "true");
        BUILDERS[id](node);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
