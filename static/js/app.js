// Starts GOV.UK Frontend. Loaded as a module file: the Content-Security-Policy forbids inline scripts.
import { initAll } from "/static/vendor/govuk/govuk-frontend.min.js";

document.body.classList.add("govuk-frontend-supported");
initAll();

// Components inside a fragment that htmx swaps in need starting too.
document.body.addEventListener("htmx:afterSettle", (event) => initAll({ scope: event.target }));
