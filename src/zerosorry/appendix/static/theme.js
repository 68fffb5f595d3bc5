// Runs in <head> before the page paints: applies the reader's saved theme (light or dark), and
// marks a view of the full table asked for in the URL (see below).
// Without a saved choice the page follows the system's prefers-color-scheme (see site.css).
(function () {
  "use strict";
  try {
    var saved = window.localStorage.getItem("zerosorry-theme");
    if (saved === "light" || saved === "dark") {
      document.documentElement.setAttribute("data-theme", saved);
    }
  } catch (e) {
    // storage may be unavailable (private mode, file:// policies): the system theme applies
  }
  // a view of the full table in the URL (#status=deferred): the first page the HTML holds is not
  // that view, and stays hidden until table.js has drawn it
  if (location.hash.indexOf("=") >= 0) document.documentElement.setAttribute("data-table-view", "");
})();
