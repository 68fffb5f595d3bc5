// zerosorry appendix: loads the ledger (the page's source of truth), keeps every status chip in
// step with it, and drives the theorems page (filters, search, card/table views, deep links).
// No innerHTML of data anywhere: text goes in through textContent.
(function () {
  "use strict";

  var SEVERITY = { proven: 0, axiom: 1, stub: 2, deferred: 3 };
  var STATUSES = ["proven", "deferred", "stub", "axiom"];

  // ------------------------------------------------------------------ the ledger
  function loadByScript() {
    return new Promise(function (resolve, reject) {
      if (window.ZEROSORRY_LEDGER) { resolve(window.ZEROSORRY_LEDGER); return; }
      var s = document.createElement("script");
      s.src = "lean_status.js";
      s.onload = function () {
        if (window.ZEROSORRY_LEDGER) resolve(window.ZEROSORRY_LEDGER);
        else reject(new Error("lean_status.js did not define the ledger"));
      };
      s.onerror = function () { reject(new Error("could not load lean_status.js")); };
      document.head.appendChild(s);
    });
  }

  function loadLedger() {
    // Over HTTP the page reads lean_status.json itself; opened from disk, where a browser will
    // not fetch a file, it reads the same ledger wrapped as a script.
    if (location.protocol === "http:" || location.protocol === "https:") {
      return fetch("lean_status.json", { cache: "no-store" })
        .then(function (r) {
          if (!r.ok) throw new Error("lean_status.json: HTTP " + r.status);
          return r.json();
        })
        .catch(function () { return loadByScript(); });
    }
    return loadByScript();
  }

  var ledgerPromise = loadLedger();
  window.zerosorry = { ledger: ledgerPromise, SEVERITY: SEVERITY, STATUSES: STATUSES };

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
      el.textContent = (counts[el.getAttribute("data-count")] || 0).toLocaleString("en-US");
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
    ledgerPromise.then(function (ledger) {
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
