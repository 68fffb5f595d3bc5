// The full status table: every declaration of the ledger, filtered, sorted and paginated in the
// browser, so that 100,000 rows stay quick (only one page is ever in the DOM).  The filter state
// lives in the URL hash (#status=deferred&q=foo&page=2), so a view can be linked to.
(function () {
  "use strict";

  var STATUS_RANK = { proven: 0, deferred: 1, stub: 2, axiom: 3 };
  var SORT_KEYS = ["name", "kind", "status", "file"];

  function decode(s) {  // a malformed %-escape in a hand-edited link must not stop the page
    try { return decodeURIComponent(s); } catch (e) { return s; }
  }

  function offered(select, value) {  // only a value the select offers (else the control shows blank)
    return Array.prototype.some.call(select.options, function (o) { return o.value === value; });
  }

  // A deferred script runs once the document is parsed: the first rows are drawn then, not
  // after DOMContentLoaded (whose other handlers would come first).
  function start() {
    var table = document.getElementById("decls-table");
    if (!table || !window.zerosorry) return;
    var body = document.getElementById("decls-body");
    var search = document.getElementById("table-search");
    var fStatus = document.getElementById("table-status");
    var fKind = document.getElementById("table-kind");
    var fSize = document.getElementById("table-page-size");
    var count = document.getElementById("table-count");
    var info = document.getElementById("page-info");
    var fmt = window.zerosorry.count;
    var base = table.getAttribute("data-source-base") || "";
    var local = table.getAttribute("data-source-local") === "1";  // the site's own source pages
    var rows = [];
    var shown = [];
    // decl: one declaration by its exact name (the graph's and the cards' links to a row)
    var state = { q: "", status: "", kind: "", decl: "", sort: "file", dir: 1, page: 1, size: 100 };

    function readHash() {
      state.q = ""; state.status = ""; state.kind = ""; state.decl = ""; state.sort = "file"; state.dir = 1;
      state.page = 1; state.size = 100;
      var h = location.hash.replace(/^#/, "");
      if (!h) return;
      h.split("&").forEach(function (kv) {
        var i = kv.indexOf("=");
        if (i < 0) return;
        var k = decode(kv.slice(0, i));
        var v = decode(kv.slice(i + 1).replace(/\+/g, " "));
        if (k === "q") state.q = v;
        else if (k === "decl") state.decl = v;
        else if (k === "status" && offered(fStatus, v)) state.status = v;
        else if (k === "kind" && offered(fKind, v)) state.kind = v;
        else if (k === "sort" && SORT_KEYS.indexOf(v) >= 0) state.sort = v;
        else if (k === "size" && offered(fSize, v)) state.size = parseInt(v, 10);
        else if (k === "page") state.page = Math.max(1, parseInt(v, 10) || 1);
        else if (k === "dir") state.dir = v === "desc" ? -1 : 1;
      });
    }

    function isDefault() {  // the view whose first rows the page's HTML holds
      return !state.q && !state.status && !state.kind && !state.decl && state.sort === "file" && state.dir === 1 &&
        state.page === 1 && state.size === 100;
    }

    function writeHash() {
      var parts = [];
      if (state.decl) parts.push("decl=" + encodeURIComponent(state.decl));
      if (state.q) parts.push("q=" + encodeURIComponent(state.q));
      if (state.status) parts.push("status=" + encodeURIComponent(state.status));
      if (state.kind) parts.push("kind=" + encodeURIComponent(state.kind));
      if (state.sort !== "file") parts.push("sort=" + encodeURIComponent(state.sort));
      if (state.dir < 0) parts.push("dir=desc");
      if (state.page > 1) parts.push("page=" + state.page);
      if (state.size !== 100) parts.push("size=" + state.size);
      if (parts.length) history.replaceState(null, "", "#" + parts.join("&"));
      else if (location.hash.indexOf("=") >= 0) history.replaceState(null, "", location.pathname + location.search);
      // any other hash (#disagreements) is an anchor on the page: leave it
    }

    function compare(a, b) {
      var k = state.sort, r;
      if (k === "status") r = STATUS_RANK[a.status] - STATUS_RANK[b.status];
      else if (k === "file") r = a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line;
      else r = a[k] < b[k] ? -1 : a[k] > b[k] ? 1 : 0;
      if (r === 0) r = a.i - b.i;
      return r * state.dir;
    }

    // rows in the current sort order, kept between filters: a filter is then one pass (no sort),
    // which keeps 250,000 rows quick; the search text of a row is built on the first search
    var sorted = null, sortedBy = "";

    function ordered() {
      var key = state.sort + ":" + state.dir;
      if (!sorted || sortedBy !== key) {
        sorted = rows.slice();
        if (state.sort !== "file" || state.dir !== 1) sorted.sort(compare);  // rows come in file order
        sortedBy = key;
      }
      return sorted;
    }

    function hay(r) {
      if (r.hay === undefined) r.hay = (r.name + " " + r.file + " " + r.desc).toLowerCase();
      return r.hay;
    }

    // keepRows: the rows in the table are this view's already (the page's HTML holds the first
    // page of the default view): only the counts and the pager are set
    function filter(keepRows) {
      var t0 = performance.now();
      var words = state.q.trim().toLowerCase().split(/\s+/).filter(Boolean);
      shown = ordered().filter(function (r) {
        if (state.decl && r.name !== state.decl) return false;
        if (state.status && r.status !== state.status) return false;
        if (state.kind && r.kind !== state.kind) return false;
        for (var i = 0; i < words.length; i++) if (hay(r).indexOf(words[i]) < 0) return false;
        return true;
      });
      var pages = Math.max(1, Math.ceil(shown.length / state.size));
      if (state.page > pages) state.page = pages;
      draw(keepRows);
      document.body.setAttribute("data-filter-ms", (performance.now() - t0).toFixed(1));
    }

    function cell(tr, text, cls) {
      var td = document.createElement("td");
      if (cls) td.className = cls;
      if (text !== null) td.textContent = text;
      tr.appendChild(td);
      return td;
    }

    function draw(keepRows) {
      // a control used before the first rows' data is in (the scripts wait for the first frame):
      // the view goes in the URL, where the first draw reads it
      if (!loaded) { writeHash(); return; }
      var start = (state.page - 1) * state.size;
      var page = shown.slice(start, start + state.size);
      var frag = document.createDocumentFragment();
      if (!keepRows) page.forEach(function (r) {
        var tr = document.createElement("tr");
        tr.setAttribute("data-name", r.name);
        if (state.decl && r.name === state.decl) tr.className = "row-target";
        tr.setAttribute("data-status", r.status);
        var name = cell(tr, null, "name");
        var code = document.createElement("code");
        code.textContent = r.name;
        name.appendChild(code);
        cell(tr, r.kind, "kind");
        var st = cell(tr, null, "status");
        var chip = document.createElement("span");
        chip.className = "chip chip-" + r.status;
        chip.textContent = r.status;
        st.appendChild(chip);
        if (r.possible) {  // deferred only through possible uses (ambiguous field notation)
          var mark = document.createElement("span");
          mark.className = "chip chip-possible";
          mark.textContent = "possible";
          mark.title = "deferred only through a possible use; --engine lean settles it";
          st.appendChild(mark);
        }
        var where = cell(tr, null, "where");
        var loc = r.file + ":" + r.line;
        if (local || base) {
          var a = document.createElement("a");
          var path = r.file.split("/").map(encodeURIComponent).join("/");
          a.href = local ? "source/" + path + ".html#L" + r.line : base + path + "#L" + r.line;
          a.rel = "noopener noreferrer";
          a.textContent = loc;
          where.appendChild(a);
        } else {
          where.textContent = loc;
        }
        cell(tr, r.desc, "desc");
        frag.appendChild(tr);
      });
      if (!keepRows) {
        body.replaceChildren(frag);
        body.removeAttribute("data-static");  // the rows the page came with are replaced
      }
      var pages = Math.max(1, Math.ceil(shown.length / state.size));
      count.textContent = fmt(shown.length) + " of " + fmt(rows.length) + " declarations match" + (complete ? "" : " (loading the rest…)");
      info.textContent = shown.length
        ? "rows " + fmt(start + 1) + "–" + fmt(start + page.length) +
          " · page " + state.page + " of " + pages
        : "no rows";
      document.getElementById("page-first").disabled = state.page <= 1;
      document.getElementById("page-prev").disabled = state.page <= 1;
      document.getElementById("page-next").disabled = state.page >= pages;
      document.getElementById("page-last").disabled = state.page >= pages;
      table.querySelectorAll("th button[data-sort]").forEach(function (b) {
        var on = b.getAttribute("data-sort") === state.sort;
        b.parentNode.setAttribute("aria-sort", on ? (state.dir > 0 ? "ascending" : "descending") : "none");
      });
      writeHash();
    }

    function goto(page) {
      var pages = Math.max(1, Math.ceil(shown.length / state.size));
      state.page = Math.min(Math.max(1, page), pages);
      draw();
      // the button pressed may now be disabled (first or last page): keep the keyboard in the
      // pager, and bring the new page's first row into view
      var active = document.activeElement;
      if (active && active.disabled) {
        var other = Array.prototype.find.call(document.querySelectorAll(".pager button"),
                                              function (b) { return !b.disabled; });
        if (other) other.focus();
      }
      table.scrollIntoView({ block: "start" });
    }

    function syncInputs() {
      search.value = state.q;
      fStatus.value = state.status;
      fKind.value = state.kind;
      fSize.value = String(state.size);
    }

    var complete = false, loaded = false;
    function take(ledger) {
      loaded = true;
      var kinds = new Set();
      rows = (ledger.declarations || []).map(function (r, i) {
        kinds.add(r.kind);
        // desc: the docstring's first line as plain text, made at build time
        return { i: i, name: r.name, kind: r.kind, status: r.status, file: r.file, line: r.line, desc: r.desc,
                 possible: r.possible_deferral === true, hay: undefined };
      });
      sorted = null;
      complete = ledger.complete !== false;
      return kinds;
    }
    // the first rows are drawn as soon as they arrive; the rest of a large project follows
    window.zerosorry.first.then(function (head) {
      if (rows.length) return;
      take(head);
      readHash();
      syncInputs();
      // this runs once the page's first frame is on screen.  The page came with the first
      // screenful of the default view's first page (pages.SCREEN rows): with no view in the URL,
      // when that is the whole page (a small project), there is nothing to redraw
      var whole = Math.min(state.size, head.total || 0);
      filter(body.hasAttribute("data-static") && isDefault() && rows.length >= whole && body.children.length >= whole);
      document.body.setAttribute("data-first-ms", performance.now().toFixed(0));
    });
    window.zerosorry.ledger.then(function (ledger) {
      var kinds = take(ledger);
      Array.from(kinds).sort().forEach(function (k) {
        var o = document.createElement("option");
        o.value = k; o.textContent = k;
        fKind.appendChild(o);
      });
      readHash();
      syncInputs();
      filter();
      document.body.setAttribute("data-table", "ready");
      // for bench/site.py: milliseconds from the start of navigation to every row being in
      document.body.setAttribute("data-ready-ms", performance.now().toFixed(0));
    });

    function onChange() {
      state.decl = "";
      state.q = search.value;
      state.status = fStatus.value;
      state.kind = fKind.value;
      state.size = parseInt(fSize.value, 10) || 100;
      state.page = 1;
      filter();
    }
    search.addEventListener("input", onChange);
    [fStatus, fKind, fSize].forEach(function (s) { s.addEventListener("change", onChange); });
    document.getElementById("table-filters").addEventListener("submit", function (e) { e.preventDefault(); });
    document.getElementById("page-first").addEventListener("click", function () { goto(1); });
    document.getElementById("page-prev").addEventListener("click", function () { goto(state.page - 1); });
    document.getElementById("page-next").addEventListener("click", function () { goto(state.page + 1); });
    document.getElementById("page-last").addEventListener("click", function () { goto(Infinity); });
    table.querySelectorAll("th button[data-sort]").forEach(function (b) {
      b.addEventListener("click", function () {
        var k = b.getAttribute("data-sort");
        if (state.sort === k) state.dir = -state.dir; else { state.sort = k; state.dir = 1; }
        state.page = 1;
        filter();
      });
    });
    window.addEventListener("hashchange", function () {
      readHash(); syncInputs(); filter();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
