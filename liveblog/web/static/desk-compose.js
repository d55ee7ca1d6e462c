/* liveblog desk: the compose form (after desk.js and desk-entries.js, see desk.js).

   The preview follows the typing (debounced) with POST .../preview, which answers the HTML the
   server's renderer makes, exactly what readers will get. Post (button or Ctrl/Cmd+Enter) sends
   POST .../entries with an Idempotency-Key made once per composed entry and kept with the draft,
   so a double click, a retry or a reload in the middle of a post posts once. After a post the
   form clears and the text field keeps the focus; the new entry arrives by the event stream
   (desk-entries.js), or by a fresh render if it does not. The unsent text is kept in
   localStorage (per blog) on every change, restored on load, and cleared on post or "Discard".
   Alt+Shift+N anywhere on the page goes back to the text field. Without the form (`#compose`,
   only for those who may write at least drafts) this file does nothing.

   The "Publication" choice sends `status`: editors publish now, schedule (`publish_at` from a
   date-time field read in the blog's zone, see desk.js) or save a draft; contributors save a
   draft or submit it for review. An unpublished entry goes to the queue (desk-queue.js, told by
   the event `liveblog:queue-changed` on the page's `.desk-app`), not to the list of entries.

   Photos (desk-media.js) go into the text as `![alt](media:ID "credit")`; a post waits for
   their uploads and for the alt text of each. "Not independently verified" is the entry field
   `unverified`; the preview shows the readers' label while it is ticked. The API's field errors
   (422: a photo without alt text, say) show under their fields. */

(() => {
  "use strict";

  const desk = window.liveblogDesk;
  if (!desk || !desk.compose) return;
  const { app, cfg, compose, say, shortcut, call, problem, controls, read, fill, time } = desk;
  const media = desk.media || { sync() {}, ready: () => true, reset() {} }; // desk-media.js
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
  const previewUnverified = app.querySelector(".desk-preview__unverified");
  let previewTimer = 0;
  let previewRun = 0;
  let sending = false;
  const button = compose.querySelector("[data-action=post]");
  const whenAt = compose.querySelector(".compose-when__at");
  const publishAt = compose.querySelector("[data-publish-at]");
  const pinChoice = c.pinned.closest(".admin-choice");
  const DONE = { draft: "labelSaved", submitted: "labelSubmittedDone", scheduled: "labelScheduledDone" };

  function chosen() {
    const radio = compose.querySelector("input[name=status]:checked");
    return radio ? radio.value : "published";
  }

  /** The form as the choice of publication wants it: the time field only for a schedule, the
      pin only for an entry published now, the button saying what it does. */
  function showChoice() {
    const status = chosen();
    whenAt.hidden = status !== "scheduled";
    if (status === "scheduled" && !publishAt.value) publishAt.value = time.soon();
    if (status === "scheduled") publishAt.min = time.utcToZoned(Date.now());
    const pinnable = status === "published";
    c.pinned.disabled = !pinnable;
    if (!pinnable) c.pinned.checked = false;
    if (pinChoice) pinChoice.hidden = !pinnable;
    button.textContent = button.dataset["label" + status[0].toUpperCase() + status.slice(1)] || button.textContent;
  }

  /** What a post sends: the fields and, unless published now, the status (and time). */
  function outgoing() {
    const values = read(compose);
    const status = chosen();
    if (status !== "published") values.status = status;
    if (status === "scheduled") values.publish_at = time.zonedToUtc(publishAt.value) || null;
    return values;
  }

  function empty() {
    const v = read(compose);
    return !v.body.trim() && !v.headline && !v.source && !v.key_event && !v.pinned && !v.unverified;
  }

  function keep() {
    const draft = draftStore.load() || {};
    if (empty()) draftStore.clear();
    else draftStore.save({ ...draft, values: read(compose) });
  }

  /** An empty form and no draft, ready for the next entry (the choice of publication back to
      its first option). */
  function clear() {
    compose.reset();
    publishAt.value = "";
    showChoice();
    desk.clearFieldErrors(compose);
    media.reset(compose);
    draftStore.clear();
    preview();
    c.body.focus();
  }

  /** The source as readers see it (liveblog/domain/sources.py): a name labelled ("Quelle:
      Polizei"), an attribution phrase (a lower-case word, then more words) as written. */
  function sourceLine(source) {
    const words = source.trim().split(/\s+/);
    const phrase = words.length > 1 && /^\p{Ll}\p{L}*$/u.test(words[0]);
    return phrase ? source : `${previewSource.dataset.label}: ${source}`;
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
    previewSource.textContent = v.source ? sourceLine(v.source) : "";
    previewSource.hidden = !v.source;
    if (previewUnverified) previewUnverified.hidden = !v.unverified;
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
    const values = outgoing();
    if (!values.body.trim()) {
      say(status, cfg.labelEmptyBody);
      c.body.focus();
      return;
    }
    if (!media.ready(compose, status)) return; // a photo uploading, or one without alt text
    const fingerprint = JSON.stringify(values);
    const draft = draftStore.load() || {};
    // One key per composed entry: a retry of the same text reuses it, changed text gets a new one.
    if (!draft.key || draft.keyFor !== fingerprint) {
      draft.key = newKey();
      draft.keyFor = fingerprint;
    }
    draftStore.save({ ...draft, values });
    sending = true;
    desk.clearFieldErrors(compose);
    compose.setAttribute("aria-busy", "true");
    say(status, cfg.labelPosting);
    const result = await call("POST", "/entries", values, { "Idempotency-Key": draft.key });
    sending = false;
    compose.removeAttribute("aria-busy");
    if (result.ok) {
      const queued = values.status && DONE[values.status];
      clear();
      if (queued) {
        say(status, (app.querySelector(".desk-queue") || compose).dataset[queued] || cfg.labelPosted);
        app.dispatchEvent(new CustomEvent("liveblog:queue-changed"));
        return;
      }
      say(status, cfg.labelPosted);
      if (result.data && !entries.findWrapper(result.data.id)) entries.missed(result.data.id);
      return;
    }
    if (result.status === 422 && result.data && JSON.stringify(result.data).includes("Idempotency-Key")) {
      draftStore.save({ values }); // the key belongs to another text: the next try gets a new one
    }
    desk.showFieldErrors(compose, result); // e.g. a photo without alt text, under the text
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
  compose.addEventListener("input", (event) => {
    if (event.target && (event.target.name === "status" || event.target === publishAt)) return;
    keep();
    preview();
  });
  compose.addEventListener("change", (event) => {
    if (event.target && event.target.name === "status") showChoice();
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
    media.sync(compose);
    say(status, cfg.labelRestored);
  }
  showChoice();
  preview();
})();
