// The Blueprint page's filters: one drift class (or "deferred", or all) at a time; the choice
// lives in the URL hash (#class=hidden-gap) so that a filtered view can be linked to.
(function () {
  "use strict";

  function apply(filter) {
    var rows = document.querySelectorAll("tr[data-node]");
    var shown = 0;
    Array.prototype.forEach.call(rows, function (row) {
      var classes = (row.getAttribute("data-classes") || "").split(" ");
      var ok = filter === "all" ||
        (filter === "deferred" ? row.getAttribute("data-derived") === "deferred" : classes.indexOf(filter) >= 0);
      row.hidden = !ok;
      if (ok) shown += 1;
    });
    Array.prototype.forEach.call(document.querySelectorAll(".bp-filter"), function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-filter") === filter ? "true" : "false");
    });
    var out = document.getElementById("bp-shown");
    if (out) out.textContent = shown + " of " + rows.length + " nodes shown";
  }

  function fromHash() {
    var m = /(?:^#|&)class=([\w-]+)/.exec(window.location.hash);
    var f = m ? m[1] : "all";
    return document.querySelector('.bp-filter[data-filter="' + f + '"]') ? f : "all";
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector(".bp-filters")) return;
    Array.prototype.forEach.call(document.querySelectorAll(".bp-filter"), function (b) {
      b.addEventListener("click", function () {
        var f = b.getAttribute("data-filter");
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", f === "all" ? window.location.pathname : "#class=" + f);
        }
        apply(f);
      });
    });
    window.addEventListener("hashchange", function () { apply(fromHash()); });
    apply(fromHash());
  });
})();
