/* liveblog desk: a blog's desk page (/admin/blogs/{slug}, liveblog.web.desk.desk).

   The page is server-rendered in the user's language; this script makes it work. Its settings and
   labels are data attributes of `.desk-app` (the Content-Security-Policy allows no inline script).
   Everything it changes goes through the JSON API with the session cookie, the page's CSRF token
   (header X-CSRF-Token) and the page's own Origin (fetch sends it):

   - Compose: the preview follows the typing (debounced) with POST .../preview, which answers the
     HTML the server's renderer makes, exactly what readers will get. Post (button or Ctrl/Cmd+Enter)
     sends POST .../entries with an Idempotency-Key made once per composed entry and kept with the
     draft, so a double click, a retry or a reload in the middle of a post posts once. After a post
     the form clears and the text field keeps the focus. The unsent text is kept in localStorage
     (per blog) on every change, restored on load, and cleared on post or "Discard".
   - Entries: the reader's own <article>s, each wrapped in `.desk-entry` with its version and flags
     as data attributes and tools (edit, pin, key event, delete) from `<template>`s (no tools for
     contributors: the page has no templates then). The blog's public event stream
     (/live/{slug}/events, the same frames reader pages get; see live.js) inserts, replaces, moves
     and removes them as they change, so a co-editor's post shows up at once.
   - Edits carry the ETag they started from (If-Match). On 412 the current version is fetched and
     shown beside the user's; they keep theirs, keep their own or merge by hand, and save against the
     new ETag. Nothing is overwritten silently. Pin and key event toggles change one flag: on 412 they
     are applied to the current version once more (that overwrites no text).

   For tests: `.desk-app[data-live-seq]` is the last applied event, `.desk-live[data-state]` the
   stream's state (connecting, live). */

(() => {
  "use strict";

  const app = document.querySelector(".desk-app");
  if (!app) return;
  const cfg = app.dataset;
  const list = app.querySelector(".desk-entries__list");
  const live = app.querySelector(".desk-live");
  const liveText = live && live.querySelector(".desk-live__text");
  const entriesStatus = app.querySelector(".desk-entries__status");
  const toolsTemplate = document.getElementById("desk-entry-tools");
  const editTemplate = document.getElementById("desk-edit-form");
  const conflictTemplate = document.getElementById("desk-conflict");
  const compose = document.getElementById("compose");
  const TYPES = ["entry.created", "entry.updated", "entry.pinned", "entry.unpinned", "entry.deleted"];
  const FIELDS = ["headline", "body", "source", "key_event", "pinned"];
  if (!list) return;

  // -- helpers ---------------------------------------------------------------------------------

  function say(element, text) {
    if (!element) return;
    element.textContent = "";
    // A fresh text node each time, so screen readers announce a repeated message again.
    window.setTimeout(() => (element.textContent = text || ""), 30);
  }

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID(); // needs a secure context (https, localhost)
    }
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
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

  // -- compose: draft, preview, post -----------------------------------------------------------

  const draftStore = {
    load() {
      try {
        return JSON.parse(window.localStorage.getItem(cfg.draftKey) || "null");
      } catch (error) {
        return null;
      }
    },
    save(draft) {
      try {
        window.localStorage.setItem(cfg.draftKey, JSON.stringify(draft));
      } catch (error) {
        /* storage full or disabled: the text stays in the form */
      }
    },
    clear() {
      try {
        window.localStorage.removeItem(cfg.draftKey);
      } catch (error) {
        /* nothing to clear */
      }
    },
  };

  function setUpCompose() {
    if (!compose) return;
    const c = controls(compose);
    const status = compose.querySelector(".entry-form__status");
    const previewBody = app.querySelector(".desk-preview__body");
    const previewHeadline = app.querySelector(".desk-preview__headline");
    const previewSource = app.querySelector(".desk-preview__source");
    let previewTimer = 0;
    let previewRun = 0;
    let sending = false;

    function empty() {
      const v = read(compose);
      return !v.body.trim() && !v.headline && !v.source && !v.key_event && !v.pinned;
    }

    function keep() {
      const draft = draftStore.load() || {};
      if (empty()) draftStore.clear();
      else draftStore.save({ ...draft, values: read(compose) });
    }

    function showPreviewText(body) {
      previewBody.textContent = "";
      const note = document.createElement("p");
      note.className = "desk-preview__empty";
      note.textContent = body;
      previewBody.append(note);
    }

    function preview() {
      const v = read(compose);
      previewHeadline.textContent = v.headline || "";
      previewHeadline.hidden = !v.headline;
      previewSource.textContent = v.source || "";
      previewSource.hidden = !v.source;
      window.clearTimeout(previewTimer);
      const run = ++previewRun;
      if (!v.body.trim()) {
        showPreviewText(cfg.labelPreviewEmpty);
        return;
      }
      previewTimer = window.setTimeout(async () => {
        const result = await call("POST", "/preview", { body: v.body });
        if (run !== previewRun) return; // a newer keystroke asked again
        if (result.ok && result.data && typeof result.data.html === "string") {
          previewBody.innerHTML = result.data.html; // sanitised by the server, as for readers
        } else {
          showPreviewText(cfg.labelPreviewFailed);
        }
      }, 200);
    }

    async function post() {
      if (sending) return; // a second click while the first is on its way
      const values = read(compose);
      if (!values.body.trim()) {
        say(status, cfg.labelEmptyBody);
        c.body.focus();
        return;
      }
      const fingerprint = JSON.stringify(values);
      const draft = draftStore.load() || {};
      // One key per composed entry: a retry of the same text reuses it, changed text gets a new one.
      if (!draft.key || draft.keyFor !== fingerprint) {
        draft.key = newKey();
        draft.keyFor = fingerprint;
      }
      draftStore.save({ ...draft, values });
      sending = true;
      compose.setAttribute("aria-busy", "true");
      say(status, cfg.labelPosting);
      const result = await call("POST", "/entries", values, { "Idempotency-Key": draft.key });
      sending = false;
      compose.removeAttribute("aria-busy");
      if (result.ok) {
        compose.reset();
        draftStore.clear();
        preview();
        c.body.focus();
        say(status, cfg.labelPosted);
        if (result.data && !findWrapper(result.data.id)) missed(result.data.id);
        return;
      }
      if (result.status === 422 && result.data && JSON.stringify(result.data).includes("Idempotency-Key")) {
        draftStore.save({ values }); // the key belongs to another text: the next try gets a new one
      }
      say(status, problem(result));
    }

    compose.addEventListener("submit", (event) => {
      event.preventDefault();
      post();
    });
    compose.addEventListener("keydown", (event) => {
      if (shortcut(event)) {
        event.preventDefault();
        post();
      }
    });
    compose.addEventListener("input", () => {
      keep();
      preview();
    });
    compose.querySelector("[data-action=discard]").addEventListener("click", () => {
      if (!empty() && !window.confirm(cfg.labelConfirmDiscard)) return;
      compose.reset();
      draftStore.clear();
      preview();
      c.body.focus();
    });

    const draft = draftStore.load();
    if (draft && draft.values && empty()) {
      fill(compose, draft.values);
      say(status, cfg.labelRestored);
    }
    preview();
  }

  // -- entries ---------------------------------------------------------------------------------

  function micros(text) {
    const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/.exec(text || "");
    if (!match) return 0;
    const fraction = ((match[2] || "") + "000000").slice(0, 6);
    return Date.parse(match[1] + match[3]) * 1000 + Number(fraction);
  }

  function compare(a, b) {
    return a[0] - b[0] || a[1] - b[1];
  }

  const floor = cfg.liveFloorTime ? [micros(cfg.liveFloorTime), Number(cfg.liveFloorId)] : null;

  function wrappers() {
    return Array.from(list.querySelectorAll(":scope > .desk-entry"));
  }

  function findWrapper(id) {
    return wrappers().find((w) => w.dataset.entryId === String(id)) || null;
  }

  function articleOf(wrapper) {
    return wrapper.querySelector(":scope > article.entry");
  }

  function keyOf(wrapper) {
    const time = wrapper.querySelector(":scope > article .entry__time time");
    return [micros(time ? time.getAttribute("datetime") : ""), Number(wrapper.dataset.entryId)];
  }

  function build(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    return template.content.firstElementChild;
  }

  function setState(wrapper, entry) {
    if (Number(entry.version) < Number(wrapper.dataset.version || 0)) return;
    wrapper.dataset.version = String(entry.version);
    wrapper.dataset.pinned = String(Boolean(entry.pinned));
    wrapper.dataset.keyEvent = String(Boolean(entry.key_event));
    const tools = wrapper.querySelector(".desk-entry__tools");
    if (!tools) return;
    tools.querySelector("[data-action=pin]").setAttribute("aria-pressed", wrapper.dataset.pinned);
    tools.querySelector("[data-action=key]").setAttribute("aria-pressed", wrapper.dataset.keyEvent);
  }

  function decorate(wrapper) {
    if (!toolsTemplate || wrapper.querySelector(".desk-entry__tools")) return;
    const tools = toolsTemplate.content.firstElementChild.cloneNode(true);
    const article = articleOf(wrapper);
    const time = article && article.querySelector(".entry__time time");
    const headline = article && article.querySelector(".entry__headline");
    const what = [time && time.textContent, headline && headline.textContent].filter(Boolean);
    tools.setAttribute("aria-label", cfg.labelTools + ": " + what.join(", "));
    wrapper.append(tools);
    setState(wrapper, { version: wrapper.dataset.version, ...flags(wrapper) });
  }

  function flags(wrapper) {
    return { pinned: wrapper.dataset.pinned === "true", key_event: wrapper.dataset.keyEvent === "true" };
  }

  /** Put `wrapper` where a fresh render has it: the pinned entry first, then newest first. */
  function place(wrapper, entry) {
    const key = [micros(entry.published_at), entry.id];
    const others = wrappers().filter((w) => w !== wrapper);
    const before = entry.pinned
      ? others[0] || null
      : others.find((w) => w.dataset.pinned !== "true" && compare(keyOf(w), key) < 0) || null;
    if (wrapper.parentNode === list && wrapper.nextElementSibling === before) return;
    const active = document.activeElement;
    const focused = active && wrapper.contains(active) ? active : null;
    list.insertBefore(wrapper, before || list.querySelector(":scope > .entries__empty"));
    if (focused && document.activeElement !== focused) focused.focus({ preventScroll: true });
  }

  function showEmpty() {
    const note = list.querySelector(":scope > .entries__empty");
    if (note) note.hidden = wrappers().length > 0;
  }

  function replaceArticle(wrapper, html) {
    const old = articleOf(wrapper);
    const fresh = build(html);
    if (!old || !fresh) return;
    const active = document.activeElement;
    const href = active && old.contains(active) && active.getAttribute("href");
    old.replaceWith(fresh);
    if (href) {
      const same = fresh.querySelector('a[href="' + CSS.escape(href) + '"]');
      if (same) same.focus({ preventScroll: true });
    }
  }

  function upsert(entry, html) {
    let wrapper = findWrapper(entry.id);
    if (!wrapper) {
      if (!entry.pinned && floor && compare([micros(entry.published_at), entry.id], floor) < 0) {
        return; // older than this page's entries: it belongs to the live page's older pages
      }
      const article = build(html);
      if (!article) return;
      wrapper = document.createElement("div");
      wrapper.className = "desk-entry";
      wrapper.dataset.entryId = String(entry.id);
      article.classList.add("entry--new");
      wrapper.append(article);
      setState(wrapper, entry);
      decorate(wrapper);
    } else {
      setState(wrapper, entry);
      if (wrapper.classList.contains("is-editing")) wrapper.pendingHtml = html;
      else replaceArticle(wrapper, html);
    }
    place(wrapper, entry);
    showEmpty();
  }

  function removeWrapper(wrapper) {
    const active = document.activeElement;
    if (active && wrapper.contains(active)) {
      const others = wrappers();
      const index = others.indexOf(wrapper);
      const next = others[index + 1] || others[index - 1];
      const target = next && (next.querySelector("[data-action=edit]") || articleOf(next));
      if (target) focusQuietly(target);
      else if (compose) controls(compose).body.focus();
    }
    wrapper.remove();
    showEmpty();
  }

  function focusQuietly(element) {
    if (!element.matches("a[href], button, input, textarea, [tabindex]")) element.tabIndex = -1;
    element.focus({ preventScroll: false });
  }

  /** Our own post did not arrive by the stream (it is down?): fetch the page's state again. */
  function missed(id) {
    window.setTimeout(() => {
      if (!findWrapper(id)) resync();
    }, 3000);
  }

  // -- live: the blog's event stream -----------------------------------------------------------

  let applied = Number(cfg.liveVersion) || 0;
  let source = null;
  let failures = 0;
  let retry = 0;

  function setLive(state) {
    if (!live) return;
    live.dataset.state = state;
    if (liveText) liveText.textContent = state === "live" ? cfg.labelLive : cfg.labelConnecting;
  }

  function apply(event) {
    if (!event || typeof event.seq !== "number" || event.seq <= applied) return;
    applied = event.seq;
    if (event.type === "entry.deleted" && event.entry) {
      const wrapper = findWrapper(event.entry.id);
      if (wrapper && !wrapper.classList.contains("is-editing")) removeWrapper(wrapper);
      else if (wrapper) wrapper.dataset.deleted = "true";
    } else if (event.entry && typeof event.html === "string") {
      upsert(event.entry, event.html);
    }
    app.dataset.liveSeq = String(applied);
  }

  function connect() {
    if (source) source.close();
    window.clearTimeout(retry);
    setLive("connecting");
    const stream = new EventSource(cfg.liveEvents + "?last_event_id=" + applied);
    source = stream;
    const receive = (message) => {
      if (source !== stream) return;
      try {
        apply(JSON.parse(message.data));
      } catch (error) {
        /* not an event */
      }
    };
    for (const type of TYPES) stream.addEventListener(type, receive);
    stream.addEventListener("open", () => {
      if (source !== stream) return;
      failures = 0;
      setLive("live");
    });
    stream.addEventListener("reset", () => {
      if (source === stream) resync();
    });
    stream.addEventListener("error", () => {
      if (source !== stream) return;
      setLive("connecting");
      if (stream.readyState === EventSource.CLOSED) {
        failures += 1;
        stream.close();
        source = null;
        retry = window.setTimeout(connect, Math.min(30000, 1000 * 2 ** Math.min(failures, 5)));
      }
    });
  }

  /** The stream cannot replay what we missed: take the entries from a fresh render. */
  async function resync() {
    if (source) source.close();
    source = null;
    setLive("connecting");
    try {
      const response = await fetch(window.location.pathname, { credentials: "same-origin", cache: "no-store" });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector(".desk-app");
      const freshList = page.querySelector(".desk-entries__list");
      if (!response.ok || !fresh || !freshList) throw new Error("HTTP " + response.status);
      const seen = new Set();
      for (const other of freshList.querySelectorAll(":scope > .desk-entry")) {
        const article = other.querySelector("article");
        const time = article.querySelector(".entry__time time");
        const entry = {
          id: Number(other.dataset.entryId),
          version: Number(other.dataset.version),
          pinned: other.dataset.pinned === "true",
          key_event: other.dataset.keyEvent === "true",
          published_at: time ? time.getAttribute("datetime") : "",
        };
        seen.add(String(entry.id));
        upsert(entry, article.outerHTML);
      }
      for (const wrapper of wrappers()) {
        if (!seen.has(wrapper.dataset.entryId) && !wrapper.classList.contains("is-editing")) {
          removeWrapper(wrapper);
        }
      }
      applied = Math.max(applied, Number(fresh.dataset.liveVersion) || 0);
      connect();
    } catch (error) {
      retry = window.setTimeout(resync, 5000);
    }
  }

  // -- editing ---------------------------------------------------------------------------------

  function etagFor(wrapper) {
    return '"' + wrapper.dataset.entryId + "-" + wrapper.dataset.version + '"';
  }

  function instantiate(template, id) {
    const element = template.content.firstElementChild.cloneNode(true);
    for (const node of [element, ...element.querySelectorAll("*")]) {
      for (const name of ["id", "for", "aria-labelledby"]) {
        const value = node.getAttribute(name);
        if (value && value.includes("-ID-")) node.setAttribute(name, value.replace("-ID-", "-" + id + "-"));
      }
    }
    return element;
  }

  async function startEdit(wrapper) {
    const open = wrapper.querySelector(":scope > form");
    if (open) {
      controls(open).body.focus();
      return;
    }
    if (wrapper.dataset.opening === "true") return; // a second click while the first loads
    const id = wrapper.dataset.entryId;
    wrapper.dataset.opening = "true";
    const result = await call("GET", "/entries/" + id);
    delete wrapper.dataset.opening;
    if (!result.ok) {
      say(entriesStatus, result.status === 410 ? cfg.labelGone : problem(result));
      if (result.status === 410) removeWrapper(wrapper);
      return;
    }
    const form = instantiate(editTemplate, id);
    fill(form, result.data);
    form.etag = result.etag;
    form.start = read(form);
    setState(wrapper, result.data);
    wrapper.classList.add("is-editing");
    articleOf(wrapper).hidden = true;
    wrapper.querySelector(".desk-entry__tools").hidden = true;
    wrapper.append(form);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      save(wrapper, form);
    });
    form.addEventListener("keydown", (event) => {
      if (shortcut(event)) {
        event.preventDefault();
        if (event.target.dataset.field === "merged") saveMerge(wrapper, form);
        else save(wrapper, form);
      } else if (event.key === "Escape") {
        event.preventDefault();
        cancelEdit(wrapper, form);
      }
    });
    form.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button) return;
      const action = button.dataset.action;
      if (action === "cancel") cancelEdit(wrapper, form);
      else if (action === "keep-theirs") closeEdit(wrapper);
      else if (action === "keep-mine") save(wrapper, form);
      else if (action === "merge") startMerge(form);
      else if (action === "save-merge") saveMerge(wrapper, form);
    });
    controls(form).body.focus();
  }

  function changes(form) {
    const mine = read(form);
    const changed = {};
    for (const field of FIELDS) if (mine[field] !== form.start[field]) changed[field] = mine[field];
    return changed;
  }

  function cancelEdit(wrapper, form) {
    if (Object.keys(changes(form)).length && !window.confirm(cfg.labelConfirmDiscard)) return;
    closeEdit(wrapper);
  }

  function closeEdit(wrapper) {
    const form = wrapper.querySelector(":scope > form");
    if (form) form.remove();
    wrapper.classList.remove("is-editing");
    if (wrapper.dataset.deleted === "true") {
      removeWrapper(wrapper);
      return;
    }
    if (wrapper.pendingHtml) replaceArticle(wrapper, wrapper.pendingHtml);
    wrapper.pendingHtml = null;
    articleOf(wrapper).hidden = false;
    const tools = wrapper.querySelector(".desk-entry__tools");
    tools.hidden = false;
    tools.querySelector("[data-action=edit]").focus();
  }

  async function save(wrapper, form) {
    if (form.saving) return;
    const status = form.querySelector(".entry-form__status");
    const changed = changes(form);
    if (!Object.keys(changed).length) {
      closeEdit(wrapper);
      say(entriesStatus, cfg.labelNoChange);
      return;
    }
    if ("body" in changed && !changed.body.trim()) {
      say(status, cfg.labelEmptyBody);
      return;
    }
    form.saving = true;
    say(status, cfg.labelSaving);
    const path = "/entries/" + wrapper.dataset.entryId;
    const result = await call("PATCH", path, changed, { "If-Match": form.etag });
    form.saving = false;
    if (result.ok) {
      setState(wrapper, result.data);
      closeEdit(wrapper);
      say(entriesStatus, cfg.labelSaved);
    } else if (result.status === 412) {
      await showConflict(wrapper, form);
    } else if (result.status === 410) {
      say(status, cfg.labelGone);
    } else {
      say(status, problem(result));
    }
  }

  /** Someone saved in between: show their version beside ours; the next save is against theirs. */
  async function showConflict(wrapper, form) {
    const status = form.querySelector(".entry-form__status");
    const id = wrapper.dataset.entryId;
    const current = await call("GET", "/entries/" + id);
    if (!current.ok) {
      say(status, current.status === 410 ? cfg.labelGone : problem(current));
      return;
    }
    const theirs = current.data;
    const mine = read(form);
    form.etag = current.etag;
    form.start = {
      headline: theirs.headline || null,
      body: theirs.body,
      source: theirs.source || null,
      key_event: theirs.key_event,
      pinned: theirs.pinned,
    };
    setState(wrapper, theirs);
    const slot = form.querySelector(".conflict-slot");
    slot.textContent = "";
    const panel = instantiate(conflictTemplate, id);
    const sides = { theirs, mine };
    for (const element of panel.querySelectorAll("[data-side]")) {
      const [side, field] = element.dataset.side.split("-");
      element.textContent = sides[side][field] || "";
      element.hidden = !sides[side][field];
    }
    panel.querySelector("[data-field=merged]").value = mine.body;
    slot.append(panel);
    say(status, "");
    panel.querySelector("[data-action=merge]").focus();
  }

  function startMerge(form) {
    const area = form.querySelector(".conflict__merge");
    area.hidden = false;
    area.querySelector("textarea").focus();
  }

  function saveMerge(wrapper, form) {
    const merged = form.querySelector("[data-field=merged]");
    if (!merged) return;
    controls(form).body.value = merged.value;
    form.querySelector(".conflict-slot").textContent = "";
    save(wrapper, form);
  }

  // -- flags and deletion ----------------------------------------------------------------------

  async function toggle(wrapper, field) {
    const path = "/entries/" + wrapper.dataset.entryId;
    const want = { [field]: !flags(wrapper)[field] };
    let result = await call("PATCH", path, want, { "If-Match": etagFor(wrapper) });
    if (result.status === 412) {
      // Only this flag changes, so applying it to the version saved meanwhile overwrites nothing.
      const current = await call("GET", path);
      if (current.ok) result = await call("PATCH", path, want, { "If-Match": current.etag });
    }
    if (result.ok) setState(wrapper, result.data);
    else say(entriesStatus, result.status === 410 ? cfg.labelGone : problem(result));
  }

  async function remove(wrapper) {
    if (!window.confirm(cfg.labelConfirmDelete)) return;
    const path = "/entries/" + wrapper.dataset.entryId;
    let result = await call("DELETE", path, undefined, { "If-Match": etagFor(wrapper) });
    if (result.status === 412 && window.confirm(cfg.labelChangedDelete)) {
      const current = await call("GET", path);
      if (current.ok) result = await call("DELETE", path, undefined, { "If-Match": current.etag });
    }
    if (result.ok || result.status === 410) {
      removeWrapper(wrapper);
      say(entriesStatus, cfg.labelDeleted);
    } else if (result.status !== 412) {
      say(entriesStatus, problem(result));
    }
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest(".desk-entry__tools button[data-action]");
    if (!button) return;
    const wrapper = button.closest(".desk-entry");
    const action = button.dataset.action;
    if (action === "edit") startEdit(wrapper);
    else if (action === "pin") toggle(wrapper, "pinned");
    else if (action === "key") toggle(wrapper, "key_event");
    else if (action === "delete") remove(wrapper);
  });

  document.addEventListener("keydown", (event) => {
    if (compose && event.altKey && event.shiftKey && event.code === "KeyN") {
      event.preventDefault();
      controls(compose).body.focus();
    }
  });

  // -- start -----------------------------------------------------------------------------------

  for (const wrapper of wrappers()) decorate(wrapper);
  setUpCompose();
  app.dataset.liveSeq = String(applied);
  window.addEventListener("pagehide", () => source && source.close());
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) connect();
  });
  if (typeof window.EventSource === "function") connect();
})();
