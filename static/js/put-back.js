// Putting back what someone typed before their session ended (earlyhelp/auth/held.py). The kept page links
// to the form's own page with #kept-<token>; here that page asks for what was kept (once: from then on it is
// in the form) and fills the form in, to check and save. Nothing is stored in the browser.
const KEPT = /^#kept-([A-Za-z0-9_-]+)$/;

const putBack = document.getElementById("put-back");
if (putBack) {
  putBack.hidden = false; // this script runs, so the form can be filled in on its page
}

function formFor(path) {
  const forms = [...document.querySelectorAll("form[method='post' i]")];
  const target = new URL(path, window.location.origin);
  const same = (form) => {
    const action = new URL(form.action || window.location.href, window.location.origin);
    return action.pathname === target.pathname && action.search === target.search;
  };
  return forms.find(same) || forms.find((form) => form.querySelector("textarea, input:not([type=hidden]), select"));
}

function fill(form, fields) {
  const values = new Map();
  for (const [name, value] of fields) {
    if (!values.has(name)) values.set(name, []);
    values.get(name).push(value);
  }
  for (const element of form.elements) {
    if (!element.name || element.name === "csrf_token" || element.type === "submit" || element.type === "file") continue;
    const kept = values.get(element.name);
    if (element.type === "checkbox" || element.type === "radio") {
      element.checked = Boolean(kept && kept.includes(element.value));
    } else if (kept && kept.length) {
      element.value = kept.shift();
    } else {
      continue;
    }
    element.dispatchEvent(new Event("input", { bubbles: true }));
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }
}

function tell(form, text, kind) {
  const banner = document.createElement("div");
  banner.className = "govuk-notification-banner" + (kind === "success" ? " govuk-notification-banner--success" : "");
  banner.setAttribute("role", kind === "success" ? "alert" : "region");
  banner.setAttribute("tabindex", "-1");
  banner.id = "put-back-banner";
  const header = document.createElement("div");
  header.className = "govuk-notification-banner__header";
  const title = document.createElement("h2");
  title.className = "govuk-notification-banner__title";
  title.textContent = kind === "success" ? "Success" : "Important";
  header.append(title);
  const content = document.createElement("div");
  content.className = "govuk-notification-banner__content";
  const line = document.createElement("p");
  line.className = "govuk-notification-banner__heading";
  line.textContent = text;
  content.append(line);
  banner.append(header, content);
  const main = document.querySelector("main") || document.body;
  main.prepend(banner);
  banner.focus();
}

async function putBackKept(token) {
  window.history.replaceState(null, "", window.location.pathname + window.location.search);
  const form = formFor(window.location.pathname + window.location.search);
  const csrf = document.querySelector("input[name='csrf_token']");
  if (!form || !csrf) return;
  const response = await fetch(`/kept/${token}/put-back`, {
    method: "POST",
    headers: { "X-CSRFToken": csrf.value, Accept: "application/json" },
    credentials: "same-origin",
  });
  if (!response.ok) {
    tell(form, "What you typed could not be put back: it may have been used or thrown away already, or kept too long.", "important");
    return;
  }
  const kept = await response.json();
  fill(formFor(kept.path) || form, kept.fields);
  tell(form, "What you typed before you were signed out is back in the form. Check it, then save it.", "success");
}

const match = KEPT.exec(window.location.hash);
if (match) {
  putBackKept(match[1]);
}
