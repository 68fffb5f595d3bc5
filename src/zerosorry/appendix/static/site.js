// zerosorry appendix: loads the ledger (the page's source of truth), keeps every status chip in
// step with it, and drives the theorems page (filters, search, card/table views, deep links).
// No innerHTML of data anywhere: text goes in through textContent.
(function () {
  "use strict";

  var SEVERITY = { proven: 0, axiom: 1, stub: 2, deferred: 3 };
  var STATUSES = ["proven", "deferred", "stub", "axiom"];

  // ------------------------------------------------------------------ the data
  // data/declarations.js, read the same way over HTTP and from disk (a browser opening a file
  // runs a script but will not fetch a file): every declaration as [name, kind, status, file,
  // line, description], kinds, statuses and files given once.  A large project's rows come in
  // several files: `first` resolves with the first of them, `ledger` with all (each of the
  // others brings the files its rows are in).
  function script(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = (document.body.getAttribute("data-root") || "") + src;
      s.onload = resolve;
      s.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(s);
    });
  }

  function unpack(d, rows) {
    var k = d.kinds, st = d.statuses, f = d.files, out = new Array(rows.length);
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      out[i] = { name: r[0], kind: k[r[1]], status: st[r[2]], file: f[r[3]], line: r[4], desc: r[5],
                 possible_deferral: r[6] === 1 };
    }
    return out;
  }

  // the files after the first hold their rows as gzip-compressed JSON in base64: inflated by
  // the browser itself (no request: the bytes are already in the page)
  function inflate(packed) {
    var bin = atob(packed), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(JSON.parse);
  }

  // Resolves once the page's first frame is on screen (its first contentful paint), so that no
  // script work competes with the browser for it: the table's rows are in the HTML already.  A
  // hidden page draws no frame: it goes on at once; without the Paint Timing API, after the
  // next frame; and at the latest half a second on.
  var painted = new Promise(function (resolve) {
    if (document.visibilityState === "hidden") { resolve(); return; }
    setTimeout(resolve, 500);
    var types = (window.PerformanceObserver && PerformanceObserver.supportedEntryTypes) || [];
    if (types.indexOf("paint") < 0) {
      requestAnimationFrame(function () { setTimeout(resolve, 0); });
      return;
    }
    new PerformanceObserver(function (list, observer) {
      if (list.getEntriesByName("first-contentful-paint").length) { observer.disconnect(); resolve(); }
    }).observe({ type: "paint", buffered: true });
  });

  // a count as the pages write it (1,234,567): not toLocaleString, whose first call in a page
  // loads the browser's locale data (20-40 ms) just as the first frame is drawn
  function count(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function loadData() {
    // the first rows' data is at hand (a deferred script), but nothing is done with it before
    // the page's first frame is on screen; the rest is asked for then
    var first = painted.then(function () {
      return window.ZEROSORRY_DECLS ? null : script("data/declarations.js");
    }).then(function () {
      var d = window.ZEROSORRY_DECLS;
      if (!d) throw new Error("data/declarations.js did not define the declarations");
      return { declarations: unpack(d, d.rows), total: d.total, complete: !(d.parts && d.parts.length) };
    });
    var all = first.then(function (head) {
      var d = window.ZEROSORRY_DECLS, parts = d.parts || [];
      if (!parts.length) return head;
      return Promise.all(parts.map(function (src, k) {
        return script(src).then(function () {
          var got = (window.ZEROSORRY_DECLS_PARTS || {})[k + 1];
          if (typeof got !== "string") throw new Error(src + " did not define its declarations");
          return inflate(got);
        });
      })).then(function (loaded) {
        var decls = head.declarations;
        loaded.forEach(function (part) {  // its files, then its rows (which point at them)
          part.files.forEach(function (f, i) { d.files[part.base + i] = f; });
          decls = decls.concat(unpack(d, part.rows));
        });
        return { declarations: decls, total: d.total, complete: true };
      });
    });
    return { first: first, all: all };
  }

  // pages that show no status (a source page, the graph) load nothing
  var data = null;
  window.zerosorry = {
    get first() { if (!data) data = loadData(); return data.first; },
    get ledger() { if (!data) data = loadData(); return data.all; },
    SEVERITY: SEVERITY, STATUSES: STATUSES, count: count
  };

  // ------------------------------------------------------------------ theme
  function setupTheme() {
    var button = document.getElementById("theme-toggle");
    if (!button) return;
    function current() {
      var t = document.documentElement.getAttribute("data-theme");
      if (t) return t;
      return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
    }
    function label() {
      var l = button.querySelector(".theme-label");
      if (l) l.textContent = current() === "dark" ? "Light" : "Dark";
      button.setAttribute("aria-pressed", current() === "dark" ? "true" : "false");
    }
    button.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      document.documentElement.setAttribute("data-theme", next);
      try { window.localStorage.setItem("zerosorry-theme", next); } catch (e) { /* ignore */ }
      label();
    });
    label();
  }

  // ------------------------------------------------------------------ chips
  function setChip(chip, status) {
    if (!chip) return;
    STATUSES.forEach(function (s) { chip.classList.remove("chip-" + s); });
    chip.classList.add("chip-" + status);
    chip.textContent = status;
  }

  function applyLedger(ledger) {
    var byName = new Map();
    (ledger.declarations || []).forEach(function (r) { byName.set(r.name, r); });
    document.querySelectorAll(".decl[data-decl]").forEach(function (el) {
      var r = byName.get(el.getAttribute("data-decl"));
      setChip(el.querySelector(".decl-head [data-status-chip]"), r ? r.status : "deferred");
    });
    document.querySelectorAll("[data-decls]").forEach(function (el) {
      var names = [];  // a JSON array: Lean names may hold spaces («a b»)
      try { names = JSON.parse(el.getAttribute("data-decls")) || []; } catch (e) { names = []; }
      var worst = names.length ? "proven" : "deferred";
      names.forEach(function (n) {
        var r = byName.get(n);
        var s = r ? r.status : "deferred";
        if (SEVERITY[s] > SEVERITY[worst]) worst = s;
      });
      el.setAttribute("data-status", worst);
      el.querySelectorAll(".entry-status").forEach(function (c) { setChip(c, worst); });
    });
    var counts = { proven: 0, deferred: 0, stub: 0, axiom: 0 };
    (ledger.declarations || []).forEach(function (r) { counts[r.status] = (counts[r.status] || 0) + 1; });
    document.querySelectorAll("[data-count]").forEach(function (el) {
      el.textContent = count(counts[el.getAttribute("data-count")] || 0);
    });
  }

  // ------------------------------------------------------------------ theorems page
  function setupTheorems() {
    var form = document.getElementById("filters");
    if (!form) return null;
    var search = document.getElementById("search");
    var fStatus = document.getElementById("filter-status");
    var fFamily = document.getElementById("filter-family");
    var fKind = document.getElementById("filter-kind");
    var cardsView = document.getElementById("cards-view");
    var tableView = document.getElementById("table-view");
    var bCards = document.getElementById("view-cards");
    var bTable = document.getElementById("view-table");
    var shown = document.getElementById("shown-count");
    var noMatch = document.getElementById("no-match");
    var cards = Array.prototype.slice.call(document.querySelectorAll("article.card"));
    var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-entry-row]"));
    var text = new Map();
    cards.forEach(function (c) { text.set(c.getAttribute("data-entry-id"), c.textContent.toLowerCase()); });

    function matches(el) {
      var q = search.value.trim().toLowerCase();
      if (fStatus.value && el.getAttribute("data-status") !== fStatus.value) return false;
      if (fFamily.value && el.getAttribute("data-family") !== fFamily.value) return false;
      if (fKind.value && el.getAttribute("data-kind") !== fKind.value) return false;
      if (q) {
        var id = el.getAttribute("data-entry-id") || el.getAttribute("data-entry-row");
        var hay = text.get(id) || "";
        var words = q.split(/\s+/);
        for (var i = 0; i < words.length; i++) if (hay.indexOf(words[i]) < 0) return false;
      }
      return true;
    }

    function apply() {
      var n = 0;
      cards.forEach(function (c) {
        var ok = matches(c);
        c.hidden = !ok;
        if (ok) n++;
      });
      rows.forEach(function (r) { r.hidden = !matches(r); });
      document.querySelectorAll("[data-family-section]").forEach(function (sec) {
        sec.hidden = !sec.querySelector("article.card:not([hidden])");
      });
      shown.textContent = n + " of " + cards.length + " shown";
      noMatch.hidden = n !== 0;
    }

    function setView(view) {
      var table = view === "table";
      tableView.hidden = !table;
      cardsView.hidden = table;
      bCards.setAttribute("aria-pressed", table ? "false" : "true");
      bTable.setAttribute("aria-pressed", table ? "true" : "false");
      try { window.localStorage.setItem("zerosorry-view", view); } catch (e) { /* ignore */ }
    }

    [fStatus, fFamily, fKind].forEach(function (s) { s.addEventListener("change", apply); });
    search.addEventListener("input", apply);
    form.addEventListener("submit", function (ev) { ev.preventDefault(); });
    bCards.addEventListener("click", function () { setView("cards"); });
    bTable.addEventListener("click", function () { setView("table"); });

    function reset() {
      search.value = ""; fStatus.value = ""; fFamily.value = ""; fKind.value = "";
      apply();
    }

    function follow() {
      var id = location.hash.slice(1);
      try { id = decodeURIComponent(id); } catch (e) { /* a malformed link: use it as written */ }
      if (!id) return;
      var el = document.getElementById(id);
      if (!el) return;
      if (el.hidden || (el.closest && el.closest("[hidden]"))) {
        reset();
        setView("cards");
      }
      el.scrollIntoView({ block: "start" });
      el.focus({ preventScroll: true });
      el.classList.add("flash");
      window.setTimeout(function () { el.classList.remove("flash"); }, 1600);
    }

    window.addEventListener("hashchange", follow);
    try {
      if (window.localStorage.getItem("zerosorry-view") === "table" && !location.hash) setView("table");
    } catch (e) { /* ignore */ }
    apply();
    follow();
    return apply;
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupTheme();
    var refilter = setupTheorems();
    var pg = document.body.getAttribute("data-page");
    if (pg === "source" || pg === "graph.html") return;  // statuses drawn at build time, nothing to load
    window.zerosorry.ledger.then(function (ledger) {
      applyLedger(ledger);
      if (refilter) refilter();
      document.body.setAttribute("data-ledger", "loaded");
    }, function (err) {
      document.body.setAttribute("data-ledger", "error");
      var main = document.getElementById("main");
      var p = document.createElement("p");
      p.className = "ledger-error";
      p.textContent = "The ledger could not be read (" + err.message + "); statuses shown are those of the build.";
      main.insertBefore(p, main.firstChild);
    });
  });
})();
