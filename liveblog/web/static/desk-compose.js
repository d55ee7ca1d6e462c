/* liveblog desk: the compose form (after desk.js and desk-entries.js, see desk.js).

   The preview follows the typing (debounced) with POST .../preview, which answers the HTML the
   server's renderer makes, exactly what readers will get. Post (button or Ctrl/Cmd+Enter) sends
   POST .../entries with an Idempotency-Key made once per composed entry and kept with the draft,
   so a double click, a retry or a reload in the middle of a post posts once. After a post the
   form clears and the text field keeps the focus; the new entry arrives by the event stream
   (desk-entries.js), or by a fresh render if it does not. The unsent text is kept in
   localStorage (per blog) on every change, restored on load, and cleared on post or "Discard".
   Alt+Shift+N anywhere on the page goes back to the text field. Without the form (`#compose`,
   only when the blog is writable) this file does nothing. */

(() => {
  "use strict";

  const desk = window.liveblogDesk;
  if (!desk || !desk.compose) return;
  const { app, cfg, compose, say, shortcut, call, problem, controls, read, fill } = desk;
  const entries = desk.entries;

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

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID(); // needs a secure context (https, localhost)
    }
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

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

  /** An empty form and no draft, ready for the next entry. */
  function clear() {
    compose.reset();
    draftStore.clear();
    preview();
    c.body.focus();
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
      clear();
      say(status, cfg.labelPosted);
      if (result.data && !entries.findWrapper(result.data.id)) entries.missed(result.data.id);
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
    clear();
  });
  document.addEventListener("keydown", (event) => {
    if (event.altKey && event.shiftKey && event.code === "KeyN") {
      event.preventDefault();
      c.body.focus();
    }
  });

  const draft = draftStore.load();
  if (draft && draft.values && empty()) {
    fill(compose, draft.values);
    say(status, cfg.labelRestored);
  }
  preview();
})();
