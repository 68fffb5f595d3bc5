// The graph page: the SVG is laid out at build time; this adds pan and zoom (pointer, wheel,
// buttons, keyboard) and search, which highlights a node with everything above it (what rests
// on it) and everything below it (what it rests on).  Edges are read from the drawing itself.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var port = document.getElementById("graph-viewport");
    var svg = port && port.querySelector("svg.zs-graph");
    if (!svg) return;
    var full = svg.viewBox.baseVal;
    var W = full.width, H = full.height;
    var view = { x: 0, y: 0, w: W, h: H };
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");

    function apply() {
      svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].map(function (v) { return v.toFixed(1); }).join(" "));
    }
    function fit() { view = { x: 0, y: 0, w: W, h: H }; apply(); }
    function actual() {  // one drawing unit per pixel, from the top left (the first view)
      var pw = port.clientWidth || 800, ph = port.clientHeight || 600;
      if (W <= pw && H <= ph) { fit(); return; }
      view = { x: 0, y: 0, w: pw, h: ph };
      apply();
    }
    function zoom(f, cx, cy) {  // f < 1 zooms in, around (cx, cy) in drawing units
      if (cx === undefined) { cx = view.x + view.w / 2; cy = view.y + view.h / 2; }
      var w = Math.min(Math.max(view.w * f, 40), W * 4), h = w * view.h / view.w;
      view.x = cx - (cx - view.x) * w / view.w;
      view.y = cy - (cy - view.y) * h / view.h;
      view.w = w; view.h = h;
      apply();
    }
    function pan(dx, dy) { view.x += dx * view.w; view.y += dy * view.h; apply(); }
    function toDrawing(ev) {
      var r = svg.getBoundingClientRect(), s = Math.max(view.w / r.width, view.h / r.height);
      var ox = (r.width - view.w / s) / 2, oy = (r.height - view.h / s) / 2;
      return [view.x + (ev.clientX - r.left - ox) * s, view.y + (ev.clientY - r.top - oy) * s, s];
    }

    document.getElementById("graph-zoom-in").addEventListener("click", function () { zoom(0.8); });
    document.getElementById("graph-zoom-out").addEventListener("click", function () { zoom(1.25); });
    document.getElementById("graph-reset").addEventListener("click", fit);
    port.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var p = toDrawing(ev);
      zoom(ev.deltaY < 0 ? 0.85 : 1 / 0.85, p[0], p[1]);
    }, { passive: false });
    var drag = null;
    port.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0 || ev.target.closest("a")) return;
      drag = { x: ev.clientX, y: ev.clientY, s: toDrawing(ev)[2] };
      port.setPointerCapture(ev.pointerId);
      port.classList.add("dragging");
    });
    port.addEventListener("pointermove", function (ev) {
      if (!drag) return;
      view.x -= (ev.clientX - drag.x) * drag.s; view.y -= (ev.clientY - drag.y) * drag.s;
      drag.x = ev.clientX; drag.y = ev.clientY;
      apply();
    });
    function endDrag() { drag = null; port.classList.remove("dragging"); }
    port.addEventListener("pointerup", endDrag);
    port.addEventListener("pointercancel", endDrag);
    port.addEventListener("keydown", function (ev) {
      var k = ev.key, step = 0.1;
      if (k === "ArrowLeft") pan(-step, 0);
      else if (k === "ArrowRight") pan(step, 0);
      else if (k === "ArrowUp") pan(0, -step);
      else if (k === "ArrowDown") pan(0, step);
      else if (k === "+" || k === "=") zoom(0.8);
      else if (k === "-" || k === "_") zoom(1.25);
      else if (k === "0") fit();
      else if (k === "1") actual();
      else return;
      ev.preventDefault();
    });

    // ---------------------------------------------------------------- search
    actual();
    var nodes = new Map(), up = new Map(), down = new Map();
    svg.querySelectorAll(".g-node").forEach(function (g) {
      nodes.set(g.getAttribute("data-id"), g);
      up.set(g.getAttribute("data-id"), []);
      down.set(g.getAttribute("data-id"), []);
    });
    svg.querySelectorAll(".g-edge").forEach(function (e) {
      var a = e.getAttribute("data-from"), b = e.getAttribute("data-to");
      if (down.has(a)) down.get(a).push(b);
      if (up.has(b)) up.get(b).push(a);
    });
    function reach(start, adj) {
      var seen = new Set([start]), stack = [start];
      while (stack.length) {
        (adj.get(stack.pop()) || []).forEach(function (m) { if (!seen.has(m)) { seen.add(m); stack.push(m); } });
      }
      seen.delete(start);
      return seen;
    }
    function label(g) {
      var t = g.querySelector("title");
      return ((g.getAttribute("data-name") || "") + " " + (t ? t.textContent : "")).toLowerCase();
    }
    var input = document.getElementById("graph-search");
    var found = document.getElementById("graph-found");
    function clear() {
      svg.classList.remove("searching");
      svg.querySelectorAll(".hit, .ancestor, .descendant, .lit").forEach(function (el) {
        el.classList.remove("hit", "ancestor", "descendant", "lit");
      });
    }
    function find() {
      clear();
      var q = input.value.trim().toLowerCase();
      if (!q) { found.textContent = ""; return; }
      var best = null;
      nodes.forEach(function (g, id) {
        var name = (g.getAttribute("data-name") || "").toLowerCase();
        if (name === q) best = best && best[1] === 0 ? best : [id, 0];
        else if (!best || best[1] > 1) { if (label(g).indexOf(q) >= 0) best = best || [id, 1]; }
      });
      if (!best) { found.textContent = "not in the graph"; return; }
      var id = best[0], anc = reach(id, up), desc = reach(id, down);
      svg.classList.add("searching");
      nodes.get(id).classList.add("hit");
      anc.forEach(function (m) { nodes.get(m).classList.add("ancestor"); });
      desc.forEach(function (m) { nodes.get(m).classList.add("descendant"); });
      svg.querySelectorAll(".g-edge").forEach(function (e) {
        var a = e.getAttribute("data-from"), b = e.getAttribute("data-to");
        if ((a === id || anc.has(a)) && (b === id || anc.has(b))) e.classList.add("lit");
        if ((a === id || desc.has(a)) && (b === id || desc.has(b))) e.classList.add("lit");
      });
      found.textContent = (nodes.get(id).getAttribute("data-name") || id) + ": " + anc.size + " above, " + desc.size + " below";
      var t = nodes.get(id).transform.baseVal.consolidate();
      if (t) {
        var cx = t.matrix.e, cy = t.matrix.f;
        var pw = port.clientWidth || 800, ph = port.clientHeight || 600;
        view.w = pw; view.h = ph;
        view.x = cx - view.w / 2; view.y = cy - view.h / 2;
        apply();
      }
    }
    input.addEventListener("input", find);
    input.addEventListener("change", find);
    document.getElementById("graph-tools").addEventListener("submit", function (ev) {
      ev.preventDefault();
      find();
      var hit = svg.querySelector(".g-node.hit");
      if (hit && hit.parentNode.tagName.toLowerCase() === "a") hit.parentNode.focus();
    });
    if (location.hash.indexOf("#find=") === 0) {
      try { input.value = decodeURIComponent(location.hash.slice(6)); } catch (e) { input.value = location.hash.slice(6); }
      find();
    }
    document.body.setAttribute("data-graph", "ready");
  });
})();
