// The GOV.UK timeout warning (design-system.service.gov.uk/patterns/... "Warn users before a session times out").
// A modal <dialog> opens SESSION_WARNING_MINUTES before an idle session ends. Focus moves to its heading; the
// countdown is shown every second but announced sparingly (each minute, then at 30 and 10 seconds). "Stay signed
// in" (or Escape) posts to the keep-alive endpoint; "Sign out" signs out. When the time runs out the page goes
// to the sign-in page, which says why; unless something was typed on it: then the page stays, the dialog says the
// person has been signed out and that saving keeps what they typed (the server holds a post that arrives after
// the session ended and offers it back after signing in). Any page load or htmx request starts the count again,
// in every tab.

const MINUTE = 60 * 1000;
// The server ends a session a little before this page's count does, never after it.
const MARGIN = 2 * 1000;

export function startTimeoutWarning(dialog) {
  const idle = Number.parseFloat(dialog.dataset.idleMinutes) * MINUTE;
  const warning = Math.min(Number.parseFloat(dialog.dataset.warningMinutes) * MINUTE, idle);
  const countdown = dialog.querySelector("[data-timeout-countdown]");
  const announce = dialog.querySelector("[data-timeout-announce]");
  const heading = dialog.querySelector("h2");
  const channel = "BroadcastChannel" in window ? new BroadcastChannel("earlyhelp-session") : null;
  let endsAt = 0;
  let signedOut = false;
  let warnTimer = null;
  let tick = null;
  let lastAnnounced = "";
  // Whether anything has been typed into a form of this page (not the dialog's own) since it loaded.
  let typed = false;
  document.addEventListener("input", (event) => {
    if (event.target.form && !dialog.contains(event.target)) {
      typed = true;
    }
  });

  function words(milliseconds) {
    const seconds = Math.max(0, Math.ceil(milliseconds / 1000));
    if (seconds >= 60) {
      // Whole minutes left, never more than there are: 2 minutes 40 seconds is "2 minutes".
      const minutes = Math.floor(seconds / 60);
      return `${minutes} minute${minutes === 1 ? "" : "s"}`;
    }
    return `${seconds} second${seconds === 1 ? "" : "s"}`;
  }

  function sentence(milliseconds) {
    return `For your security, we will sign you out in ${words(milliseconds)}.`;
  }

  function timedOut() {
    if (!typed) {
      window.location.assign(dialog.dataset.timedOutUrl);
      return;
    }
    // Going to the sign-in page would throw the typing away: stay, and say how to keep it.
    heading.textContent = "You have been signed out";
    countdown.textContent = "";
    announce.textContent = "";
    dialog.querySelector("[data-timeout-advice]").textContent =
      "What you typed is still on this page. Save it now: we will keep it and offer it back when you sign in again.";
    const stay = dialog.querySelector("[data-timeout-stay]");
    stay.textContent = "Go back to the page";
    stay.removeEventListener("click", staySignedIn);
    stay.addEventListener("click", () => dialog.close());
    signedOut = true;
    if (!dialog.open) {
      dialog.showModal();
    }
    heading.focus();
  }

  function update() {
    const left = endsAt - Date.now();
    if (left <= 0) {
      clearInterval(tick);
      timedOut();
      return;
    }
    countdown.textContent = sentence(left);
    const seconds = Math.ceil(left / 1000);
    const worthSaying = seconds % 60 === 0 || seconds === 30 || seconds === 10 || lastAnnounced === "";
    if (worthSaying && sentence(left) !== lastAnnounced) {
      lastAnnounced = sentence(left);
      announce.textContent = lastAnnounced;
    }
  }

  function openWarning() {
    lastAnnounced = "";
    update();
    if (!dialog.open) {
      dialog.showModal();
      heading.focus();
    }
    clearInterval(tick);
    tick = setInterval(update, 1000);
  }

  function restart(fromAnotherTab = false) {
    if (signedOut) {
      return; // the session has ended: only signing in again starts a new count
    }
    clearTimeout(warnTimer);
    clearInterval(tick);
    if (dialog.open) {
      dialog.close();
    }
    endsAt = Date.now() + idle + MARGIN;
    warnTimer = setTimeout(openWarning, Math.max(0, idle - warning));
    if (channel && !fromAnotherTab) {
      channel.postMessage("active");
    }
  }

  async function staySignedIn() {
    try {
      const response = await fetch(dialog.dataset.keepAliveUrl, {
        method: "POST",
        headers: { "X-CSRFToken": dialog.dataset.csrfToken },
        credentials: "same-origin",
        redirect: "manual",
      });
      if (response.status === 204) {
        restart();
        return;
      }
    } catch (error) {
      // the server could not be reached: the session may have ended
    }
    timedOut();
  }

  dialog.querySelector("[data-timeout-stay]").addEventListener("click", staySignedIn);
  // Escape means "stay signed in", not "close and ignore".
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    if (signedOut) {
      dialog.close();
    } else {
      staySignedIn();
    }
  });
  document.body.addEventListener("htmx:afterRequest", () => restart());
  if (channel) {
    channel.addEventListener("message", () => restart(true));
  }
  restart();
}

const dialog = document.getElementById("timeout-warning");
if (dialog && typeof dialog.showModal === "function") {
  startTimeoutWarning(dialog);
}
