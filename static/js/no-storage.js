// Nothing about a family may stay in the browser. htmx 2.0.x writes the address of every page it shows (a
// search address holds names and dates of birth) to sessionStorage whenever it can, whatever hx-history
// and historyCacheSize say. Loaded before htmx: sessionStorage and localStorage are taken away from this
// page, so htmx finds no storage and keeps nothing; going back reloads the page from the server instead.
// Anything left by an older version of the page is cleared first.
(function () {
  "use strict";
  for (const name of ["sessionStorage", "localStorage"]) {
    try {
      window[name].clear();
    } catch (error) {
      // storage already unavailable: nothing to clear
    }
    Object.defineProperty(window, name, {
      configurable: false,
      get() {
        throw new DOMException("This service keeps nothing in the browser", "SecurityError");
      },
    });
  }
})();
