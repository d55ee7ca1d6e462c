/* liveblog desk: a blog's desk page (/admin/blogs/{slug}, liveblog.web.desk.desk). This file is
   the shared part; the page loads, in this order and all with `defer`:

   - desk.js (this file): the namespace `window.liveblogDesk` the others build on: the page's
     settings and labels (data attributes of `.desk-app`; the Content-Security-Policy allows no
     inline script), the JSON API call and the helpers for entry forms and status messages.
   - desk-entries.js: the live list of entries from the blog's event stream.
   - desk-edit.js: edit in place, the side-by-side view on conflicts, pin, key event and delete.
   - desk-media.js: photos in the compose and edit forms: upload (picker, drop, paste) with
     progress, a card per photo for its alt text, credit and caption (`liveblogDesk.media`).
   - desk-compose.js: the compose form: draft, preview and posting (publish now, schedule, save
     as a draft, submit for review).
   - desk-queue.js: the queue of unpublished entries (drafts, submitted, scheduled) and what
     editors do with them.
   - desk-stream.js: the members-only desk stream (queue snapshots as `liveblog:queue` events,
     who else is here as `liveblog:presence`) and this page's editing mark.

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
      ...(c.unverified ? { unverified: c.unverified.checked } : {}),
      ...(c.authors ? { authors: authorsOf(c.authors) } : {}),
    };
  }

  /** The byline chosen in an entry form's "Authors" (user ids, in the list's order). */
  function authorsOf(fieldset) {
    return Array.from(fieldset.querySelectorAll("input[type=checkbox]:checked"), (box) => Number(box.value));
  }

  /** Tick the authors of `authors` (ids, or objects with an id) in an entry form. */
  function setAuthors(form, authors) {
    const fieldset = controls(form).authors;
    if (!fieldset || !Array.isArray(authors)) return;
    const ids = new Set(authors.map((a) => String(typeof a === "object" && a ? a.id : a)));
    for (const box of fieldset.querySelectorAll("input[type=checkbox]")) box.checked = ids.has(box.value);
  }

  function fill(form, values) {
    const c = controls(form);
    c.headline.value = values.headline || "";
    c.body.value = values.body || "";
    c.source.value = values.source || "";
    c.key_event.checked = Boolean(values.key_event);
    c.pinned.checked = Boolean(values.pinned);
    if (c.unverified) c.unverified.checked = Boolean(values.unverified);
    setAuthors(form, values.authors);
  }

  // -- field errors: as the other desk forms show them (templates/desk/_admin_macros.html) ----

  function clearFieldErrors(form) {
    for (const error of form.querySelectorAll(".admin-error[data-for]")) {
      const control = form.querySelector('[data-field="' + error.dataset.for + '"]');
      if (control) {
        control.removeAttribute("aria-invalid");
        const described = (control.getAttribute("aria-describedby") || "").split(" ");
        const rest = described.filter((id) => id && id !== error.id);
        if (rest.length) control.setAttribute("aria-describedby", rest.join(" "));
        else control.removeAttribute("aria-describedby");
      }
      error.remove();
    }
  }

  /** Each bad field's message (a 422's `errors`) under the field, the first one focused;
      whether any field of the form was named. */
  function showFieldErrors(form, result) {
    const data = result.status === 422 ? result.data || {} : {};
    const errors = Array.isArray(data.errors) ? data.errors : [];
    const c = controls(form);
    let shown = false;
    for (const error of errors) {
      const control = c[error.field];
      if (!control || form.querySelector('.admin-error[data-for="' + error.field + '"]')) continue;
      const message = document.createElement("p");
      message.className = "admin-error";
      message.id = control.id + "-error";
      message.dataset.for = error.field;
      message.textContent = error.detail;
      control.closest(".admin-field").append(message);
      control.setAttribute("aria-invalid", "true");
      const described = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      control.setAttribute("aria-describedby", [message.id, ...described].join(" "));
      if (!shown) control.focus();
      shown = true;
    }
    return shown;
  }

  // -- times in the blog's zone (the desk's date-time fields are wall times there) -------------

  const zone = (app.querySelector("[data-timezone]") || { dataset: {} }).dataset.timezone || "UTC";
  const wallFormat = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });

  /** The wall time in the blog's zone at instant `ms`, as milliseconds of a UTC date. */
  function wallAt(ms) {
    const p = {};
    for (const part of wallFormat.formatToParts(new Date(ms))) p[part.type] = Number(part.value);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second);
  }

  /** A `datetime-local` value ("2026-12-03T14:00"), read in the blog's zone, as an RFC 3339
      UTC instant; "" for an empty or malformed value. */
  function zonedToUtc(local) {
    const match = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(local || "");
    if (!match) return "";
    const wall = Date.UTC(+match[1], +match[2] - 1, +match[3], +match[4], +match[5]);
    let utc = wall - (wallAt(wall) - wall);
    utc = wall - (wallAt(utc) - utc); // the offset at the instant itself (DST changes)
    return new Date(utc).toISOString();
  }

  /** An instant (RFC 3339 or milliseconds) as a `datetime-local` value in the blog's zone. */
  function utcToZoned(instant) {
    const ms = typeof instant === "number" ? instant : Date.parse(instant);
    return new Date(wallAt(ms - (ms % 60000))).toISOString().slice(0, 16);
  }

  /** An instant shown in the user's language, in the blog's zone ("03.12.2026, 14:00"). */
  function showTime(instant) {
    return new Intl.DateTimeFormat(cfg.language || undefined, {
      timeZone: zone,
      dateStyle: "short",
      timeStyle: "short",
    }).format(new Date(instant));
  }

  /** A sensible first value for a schedule field: the next full quarter hour after 15 minutes. */
  function soon() {
    const quarter = 15 * 60000;
    return utcToZoned(Math.ceil((Date.now() + quarter) / quarter) * quarter);
  }

  const time = { zone, zonedToUtc, utcToZoned, showTime, soon };

  /** Back to writing: the compose form's text field, if this user may post. */
  function focusCompose() {
    if (compose) controls(compose).body.focus();
  }

  window.liveblogDesk = {
    app,
    cfg,
    list,
    compose,
    say,
    shortcut,
    call,
    problem,
    controls,
    read,
    fill,
    focusCompose,
    time,
    setAuthors,
    clearFieldErrors,
    showFieldErrors,
  };
})();
