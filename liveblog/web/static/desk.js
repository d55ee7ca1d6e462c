/* liveblog desk: a blog's desk page (/admin/blogs/{slug}, liveblog.web.desk.desk). This file is
   the shared part; the page loads, in this order and all with `defer`:

   - desk.js (this file): the namespace `window.liveblogDesk` the others build on: the page's
     settings and labels (data attributes of `.desk-app`; the Content-Security-Policy allows no
     inline script), the JSON API call and the helpers for entry forms and status messages.
   - desk-entries.js: the live list of entries from the blog's event stream.
   - desk-edit.js: edit in place, the side-by-side view on conflicts, pin, key event and delete.
   - desk-compose.js: the compose form: draft, preview and posting.

   The page is server-rendered in the user's language; these scripts make it work. Everything
   they change goes through the JSON API with the session cookie, the page's CSRF token (header
   X-CSRF-Token) and the page's own Origin (fetch sends it). Without `.desk-app` and its entry
   list the namespace is not made and the other files do nothing. */

(() => {
  "use strict";

  const app = document.querySelector(".desk-app");
  if (!app) return;
  const cfg = app.dataset;
  const list = app.querySelector(".desk-entries__list");
  if (!list) return;
  const compose = document.getElementById("compose");

  function say(element, text) {
    if (!element) return;
    element.textContent = "";
    // A fresh text node each time, so screen readers announce a repeated message again.
    window.setTimeout(() => (element.textContent = text || ""), 30);
  }

  function shortcut(event) {
    return event.key === "Enter" && (event.ctrlKey || event.metaKey);
  }

  /** A JSON API call; never rejects: a network failure answers status 0. */
  async function call(method, path, body, headers) {
    const sent = { Accept: "application/json", ...(headers || {}) };
    if (method !== "GET") sent["X-CSRF-Token"] = cfg.csrf;
    if (body !== undefined) sent["Content-Type"] = "application/json";
    try {
      const response = await fetch(cfg.api + path, {
        method,
        credentials: "same-origin",
        cache: "no-store",
        headers: sent,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      let data = null;
      if ((response.headers.get("Content-Type") || "").includes("json")) {
        data = await response.json().catch(() => null);
      }
      return { status: response.status, ok: response.ok, etag: response.headers.get("ETag"), data };
    } catch (error) {
      return { status: 0, ok: false, etag: null, data: null };
    }
  }

  /** What went wrong, for the user (the server's problem details name the fields). */
  function problem(result) {
    if (result.status === 0) return cfg.labelOffline;
    if (result.status === 401) return cfg.labelSession;
    const data = result.data || {};
    const fields = Array.isArray(data.errors)
      ? data.errors.map((e) => (e.field ? e.field + ": " : "") + e.detail).join("; ")
      : "";
    return cfg.labelFailed + " " + (fields || data.detail || "HTTP " + result.status);
  }

  /** An entry form's fields by their `data-field`. */
  function controls(form) {
    const found = {};
    for (const element of form.querySelectorAll("[data-field]")) found[element.dataset.field] = element;
    return found;
  }

  function read(form) {
    const c = controls(form);
    return {
      headline: c.headline.value.trim() || null,
      body: c.body.value,
      source: c.source.value.trim() || null,
      key_event: c.key_event.checked,
      pinned: c.pinned.checked,
    };
  }

  function fill(form, values) {
    const c = controls(form);
    c.headline.value = values.headline || "";
    c.body.value = values.body || "";
    c.source.value = values.source || "";
    c.key_event.checked = Boolean(values.key_event);
    c.pinned.checked = Boolean(values.pinned);
  }

  /** Back to writing: the compose form's text field, if this user may post. */
  function focusCompose() {
    if (compose) controls(compose).body.focus();
  }

  window.liveblogDesk = { app, cfg, list, compose, say, shortcut, call, problem, controls, read, fill, focusCompose };
})();
