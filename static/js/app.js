// Starts GOV.UK Frontend. Loaded as a module file: the Content-Security-Policy forbids inline scripts.
import { initAll } from "/static/vendor/govuk/govuk-frontend.min.js";
// The warning before an idle session ends (it starts only on signed-in pages, which carry the dialog).
import "/static/js/timeout-warning.js";

document.body.classList.add("govuk-frontend-supported");
initAll();

// Components inside a fragment that htmx swaps in need starting too.
document.body.addEventListener("htmx:afterSettle", (event) => initAll({ scope: event.target }));
// What someone typed before their session ended, put back in its form (earlyhelp/auth/held.py).
import "/static/js/put-back.js";
