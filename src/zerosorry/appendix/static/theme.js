// Runs in <head> before the page paints: applies the reader's saved theme (light or dark).
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
})();
