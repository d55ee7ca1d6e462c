/* liveblog desk: photos in an entry's text (after desk.js, before desk-compose.js; see desk.js).

   An entry form with a `[data-photos]` block (compose, and editing a posted entry) takes photos
   by its file picker button, a file dropped on the form, or an image pasted into the text. Each
   is uploaded at once with XMLHttpRequest (for the `<progress>`) to POST .../media (multipart
   `file`, `alt`, `credit`, `caption`; session cookie and CSRF token). On success the reference
   `![ALT](media:ID "CREDIT")` goes into the text at the cursor, as a paragraph of its own; on
   failure (413, 415, 422, no connection) a message shows by the button, nothing is inserted.

   The text is the truth: each photo the text refers to has a card (thumbnail when this desk
   uploaded it, alt text, credit, caption, "remove"). Typing in the card rewrites the photo's
   reference in the text; typing in the text updates the card. The caption is stored with the
   upload (the reference has no room for it): changing it uploads the same file once more with
   the new caption and the reference takes the new photo's id. Before posting or saving,
   `liveblogDesk.media.ready(form)` refuses while a photo is still uploading or one uploaded
   without alt text has none in the text either (the message goes next to its alt field, which
   gets the focus); the server refuses such an entry too (422, shown under the text).

   What this desk uploaded (id -> thumbnail, stored alt text, caption) is kept in localStorage
   next to the compose draft, so that a restored draft still shows its thumbnails. */

(() => {
  "use strict";

  const desk = window.liveblogDesk;
  if (!desk) return;
  const { app, cfg, say } = desk;
  const cardTemplate = document.getElementById("desk-photo-card");
  if (!cardTemplate) return;

  const maxBytes = Number(cfg.photoMaxBytes) || 0;
  const storeKey = (cfg.draftKey || "liveblog.desk") + ".photos";
  /** The photos this desk uploaded: id -> {url, alt, caption, file?} (file: this page only). */
  const known = new Map();
  const KEEP = 50;

  function loadKnown() {
    try {
      const stored = JSON.parse(window.localStorage.getItem(storeKey) || "[]");
      for (const [id, photo] of stored) known.set(String(id), photo);
    } catch (error) {
      /* nothing kept, or storage disabled */
    }
  }

  function saveKnown() {
    const kept = Array.from(known, ([id, p]) => [id, { url: p.url, alt: p.alt, caption: p.caption }]).slice(-KEEP);
    try {
      window.localStorage.setItem(storeKey, JSON.stringify(kept));
    } catch (error) {
      /* storage full or disabled: the cards show no thumbnail after a reload */
    }
  }

  // -- the Markdown reference ------------------------------------------------------------------

  const REFERENCE = /!\[((?:[^\]\\\n]|\\.)*)\]\(\s*<?media:(\d{1,18})>?(?:\s+"((?:[^"\\\n]|\\.)*)")?\s*\)/g;

  function escapeAlt(text) {
    return text.replace(/\s+/g, " ").replace(/[\\[\]*_`<>&]/g, (c) => "\\" + c);
  }

  function unescape(text) {
    return (text || "").replace(/\\([!-/:-@[-`{-~])/g, "$1");
  }

  function reference(id, alt, credit) {
    const escaped = credit.trim().replace(/\s+/g, " ").replace(/[\\"]/g, (c) => "\\" + c);
    const title = escaped ? ` "${escaped}"` : "";
    return `![${escapeAlt(alt.trim())}](media:${id}${title})`;
  }

  /** The photos a text refers to, in order: id -> {alt, credit} of its first reference. */
  function photosIn(text) {
    const found = new Map();
    for (const match of text.matchAll(REFERENCE)) {
      if (!found.has(match[2])) found.set(match[2], { alt: unescape(match[1]), credit: unescape(match[3]) });
    }
    return found;
  }

  // -- the parts of a form ---------------------------------------------------------------------

  function parts(form) {
    const box = form.querySelector("[data-photos]");
    if (!box) return null;
    const file = box.querySelector("[data-photo-file]");
    return {
      box,
      body: form.querySelector("[data-field=body]"),
      file,
      pick: box.querySelector("[data-photo-pick]"),
      progress: box.querySelector("[data-photo-progress]"),
      status: box.querySelector("[data-photo-status]"),
      error: box.querySelector("[data-photo-error]"),
      cards: box.querySelector("[data-photo-cards]"),
      prefix: file.id.replace(/photo-file$/, ""),
    };
  }

  function showError(p, text) {
    p.error.textContent = text;
    p.error.hidden = !text;
  }

  /** Put `text` into the body at its cursor, as a paragraph of its own. */
  function insert(p, text) {
    const body = p.body;
    const value = body.value;
    let at = typeof body.selectionStart === "number" ? body.selectionEnd : value.length;
    for (const match of value.matchAll(REFERENCE)) {
      // Never into another photo's reference: just after it.
      if (match.index < at && at < match.index + match[0].length) at = match.index + match[0].length;
    }
    const before = value.slice(0, at);
    const after = value.slice(at);
    const lead = !before.trim() ? "" : before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
    const tail = after.startsWith("\n\n") ? "" : after.startsWith("\n") ? "\n" : "\n\n";
    const added = lead + text + tail;
    body.value = before + added + after;
    const cursor = before.length + added.length;
    body.setSelectionRange(cursor, cursor);
    changed(body);
  }

  /** Tell the form the text changed (the compose form keeps its draft and renews the preview). */
  function changed(body) {
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // -- cards -----------------------------------------------------------------------------------

  function makeCard(p, id) {
    const card = cardTemplate.content.firstElementChild.cloneNode(true);
    const key = p.prefix + "photo-" + id + "-";
    for (const node of [card, ...card.querySelectorAll("*")]) {
      for (const name of ["id", "for", "aria-describedby"]) {
        const value = node.getAttribute(name);
        if (value && value.includes("photo-ID-")) node.setAttribute(name, value.replaceAll("photo-ID-", key));
      }
    }
    card.dataset.id = id;
    return card;
  }

  function field(card, name) {
    return card.querySelector("[data-photo-" + name + "]");
  }

  /** A card's picture and caption field from what this desk knows of the photo. */
  function dress(card) {
    const photo = known.get(card.dataset.id);
    const thumb = card.querySelector(".photo-card__thumb");
    card.querySelector(".photo-card__name").textContent = cfg.labelPhotoNumber.replace("%(id)s", card.dataset.id);
    thumb.hidden = !(photo && photo.url);
    if (photo && photo.url && thumb.getAttribute("src") !== photo.url) thumb.src = photo.url;
    // The caption is stored with the upload: only a file uploaded from this page can get a new one.
    field(card, "caption").closest("[data-photo-caption-field]").hidden = !(photo && photo.file);
    if (photo && photo.file && document.activeElement !== field(card, "caption")) {
      field(card, "caption").value = photo.caption || "";
    }
  }

  /** The cards as the text wants them: one per photo it refers to, in its order. */
  function sync(form) {
    const p = parts(form);
    if (!p) return;
    const photos = photosIn(p.body.value);
    const cards = new Map(Array.from(p.cards.children, (card) => [card.dataset.id, card]));
    for (const [id, card] of cards) if (!photos.has(id)) card.remove();
    let previous = null;
    for (const [id, values] of photos) {
      let card = cards.get(id);
      if (!card) card = makeCard(p, id);
      // In the text's order; a card already in place is not moved (that would take its focus).
      const place = previous ? previous.nextElementSibling : p.cards.firstElementChild;
      if (place !== card) p.cards.insertBefore(card, place);
      previous = card;
      for (const name of ["alt", "credit"]) {
        const input = field(card, name);
        if (document.activeElement !== input && input.value !== values[name]) input.value = values[name];
      }
      if (values.alt.trim()) altError(card, false);
      dress(card);
    }
    p.cards.hidden = photos.size === 0;
  }

  /** Rewrite every reference to the card's photo with the card's alt text and credit. */
  function rewrite(form, card, newId) {
    const p = parts(form);
    const id = card.dataset.id;
    const wanted = reference(newId || id, field(card, "alt").value, field(card, "credit").value);
    const at = p.body.selectionStart;
    let cursor = at; // moved along with the text before it
    const value = p.body.value.replace(REFERENCE, (whole, alt, found, credit, offset) => {
      if (found !== id) return whole;
      if (offset + whole.length <= at) cursor += wanted.length - whole.length;
      else if (offset < at) cursor = offset + wanted.length; // it was inside: now just after
      return wanted;
    });
    if (newId) card.dataset.id = newId;
    if (value === p.body.value) return;
    p.body.value = value;
    p.body.setSelectionRange(cursor, cursor);
    changed(p.body);
  }

  function altError(card, show) {
    const input = field(card, "alt");
    let message = card.querySelector(".photo-card__alt-error");
    if (!show) {
      if (message) message.remove();
      input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", input.id + "-hint");
      return;
    }
    if (!message) {
      message = document.createElement("p");
      message.className = "admin-error photo-card__alt-error";
      message.id = input.id + "-error";
      message.textContent = cfg.labelPhotoAltMissing;
      input.closest(".admin-field").append(message);
    }
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", message.id + " " + input.id + "-hint");
  }

  // -- uploading -------------------------------------------------------------------------------

  /** POST .../media with XMLHttpRequest (fetch cannot report upload progress); never rejects:
      a network failure answers status 0. */
  function send(p, file, values) {
    const data = new FormData();
    data.append("file", file, file.name || "photo");
    data.append("alt", values.alt || "");
    data.append("credit", values.credit || "");
    if (values.caption) data.append("caption", values.caption);
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", cfg.api + "/media");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRF-Token", cfg.csrf);
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) p.progress.value = Math.round((event.loaded / event.total) * 100);
      });
      xhr.addEventListener("load", () => {
        let answer = null;
        try {
          answer = JSON.parse(xhr.responseText);
        } catch (error) {
          answer = null;
        }
        resolve({ status: xhr.status, ok: xhr.status >= 200 && xhr.status < 300, data: answer });
      });
      xhr.addEventListener("error", () => resolve({ status: 0, ok: false, data: null }));
      xhr.addEventListener("abort", () => resolve({ status: 0, ok: false, data: null }));
      xhr.send(data);
    });
  }

  /** What went wrong with an upload, for the user. */
  function trouble(result) {
    if (result.status === 413) return cfg.labelPhotoFailed + " " + cfg.labelPhotoTooLarge;
    if (result.status === 415) return cfg.labelPhotoFailed + " " + cfg.labelPhotoType;
    if (result.status === 0 || result.status === 401) return desk.problem(result);
    const data = result.data || {};
    const fields = Array.isArray(data.errors) ? data.errors.map((e) => e.detail).join(" ") : "";
    return cfg.labelPhotoFailed + " " + (fields || data.detail || "HTTP " + result.status);
  }

  /** The smallest file of an uploaded photo, for its card. */
  function thumbnail(data) {
    const variants = Array.isArray(data.variants) ? data.variants.filter((v) => v && v.url) : [];
    variants.sort((a, b) => a.width - b.width);
    return variants.length ? variants[0].url : data.url;
  }

  function busy(p, by) {
    const count = Number(p.box.dataset.uploading || 0) + by;
    p.box.dataset.uploading = String(count);
    p.box.querySelector(".photo-upload__progress").hidden = count === 0;
    p.pick.setAttribute("aria-disabled", count ? "true" : "false");
  }

  /** Upload one file; its answer, or null after showing why it failed. */
  async function uploadOne(p, file, values) {
    if (maxBytes && file.size > maxBytes) {
      showError(p, cfg.labelPhotoFailed + " " + cfg.labelPhotoTooLarge);
      return null;
    }
    busy(p, 1);
    p.progress.value = 0;
    say(p.status, cfg.labelPhotoUploading);
    const result = await send(p, file, values);
    busy(p, -1);
    if (!result.ok || !result.data || result.data.id === undefined) {
      showError(p, trouble(result));
      say(p.status, "");
      return null;
    }
    const data = result.data;
    known.set(String(data.id), { url: thumbnail(data), alt: data.alt || "", caption: data.caption || "", file });
    saveKnown();
    return data;
  }

  /** Upload the files one after the other, each into the text at the cursor once it is done.
      `how`: "pick", "drop" or "paste" (a paste keeps the focus in the text). */
  async function upload(form, files, how) {
    const p = parts(form);
    if (!p || !files.length) return;
    showError(p, "");
    for (const file of files) {
      const data = await uploadOne(p, file, {});
      if (!data) continue;
      insert(p, reference(data.id, data.alt || "", data.credit || ""));
      sync(form);
      say(p.status, cfg.labelPhotoUploaded);
      const card = p.cards.querySelector(`[data-id="${data.id}"]`);
      if (card && how !== "paste" && files.length === 1) field(card, "alt").focus();
    }
  }

  /** A new caption: the same file uploaded once more with it; the text takes the new id. */
  async function recaption(form, card) {
    const p = parts(form);
    const photo = known.get(card.dataset.id);
    const caption = field(card, "caption").value.trim();
    if (!photo || !photo.file || caption === (photo.caption || "")) return;
    showError(p, "");
    const values = { alt: field(card, "alt").value.trim(), credit: field(card, "credit").value.trim(), caption };
    const data = await uploadOne(p, photo.file, values);
    if (!data || !card.isConnected) return;
    rewrite(form, card, String(data.id));
    sync(form);
    say(p.status, cfg.labelPhotoUploaded.split(".")[0] + ".");
  }

  function removePhoto(form, card) {
    const p = parts(form);
    const id = card.dataset.id;
    const next = card.nextElementSibling || card.previousElementSibling;
    const value = p.body.value
      .replace(REFERENCE, (whole, alt, found) => (found === id ? "" : whole))
      .replace(/\n{3,}/g, "\n\n");
    p.body.value = value.trim() ? value : "";
    changed(p.body);
    sync(form);
    say(p.status, cfg.labelPhotoRemoved);
    const stay = next && next.isConnected ? field(next, "alt") : p.pick;
    stay.focus();
  }

  /** Whether the form may be posted: no upload running, every photo this desk uploaded without
      alt text has one in the text. If not, says why in `status` and focuses what to fix. */
  function ready(form, status) {
    const p = parts(form);
    if (!p) return true;
    if (Number(p.box.dataset.uploading || 0) > 0) {
      say(status, cfg.labelPhotoWait);
      return false;
    }
    sync(form);
    let first = null;
    for (const card of p.cards.children) {
      const photo = known.get(card.dataset.id);
      const missing = !field(card, "alt").value.trim() && !(photo && photo.alt) && Boolean(photo);
      altError(card, missing);
      if (missing && !first) first = card;
    }
    if (!first) return true;
    say(status, cfg.labelPhotoAltStatus);
    field(first, "alt").focus();
    return false;
  }

  /** An emptied form (the compose form after posting or discarding): no cards, no message. */
  function reset(form) {
    const p = parts(form);
    if (!p) return;
    showError(p, "");
    sync(form);
  }

  // -- events, for every entry form of the page ------------------------------------------------

  function formOf(target) {
    const form = target && target.closest ? target.closest("form.entry-form") : null;
    return form && form.querySelector("[data-photos]") ? form : null;
  }

  app.addEventListener("click", (event) => {
    const form = formOf(event.target);
    if (!form) return;
    const pick = event.target.closest("[data-photo-pick]");
    const remove = event.target.closest("[data-photo-remove]");
    if (pick && pick.getAttribute("aria-disabled") !== "true") parts(form).file.click();
    else if (remove) removePhoto(form, remove.closest(".photo-card"));
  });

  app.addEventListener("change", (event) => {
    const form = formOf(event.target);
    if (!form) return;
    if (event.target.matches("[data-photo-file]")) {
      const files = Array.from(event.target.files || []);
      event.target.value = "";
      upload(form, files, "pick");
    } else if (event.target.matches("[data-photo-caption]")) {
      recaption(form, event.target.closest(".photo-card"));
    }
  });

  app.addEventListener("input", (event) => {
    const form = formOf(event.target);
    if (!form) return;
    const target = event.target;
    if (target.matches("[data-field=body]")) sync(form);
    else if (target.matches("[data-photo-alt], [data-photo-credit]")) {
      const card = target.closest(".photo-card");
      if (target.matches("[data-photo-alt]") && target.value.trim()) altError(card, false);
      rewrite(form, card);
    }
  });

  app.addEventListener("paste", (event) => {
    const form = formOf(event.target);
    if (!form || !event.target.matches("[data-field=body]")) return;
    const pasted = event.clipboardData ? Array.from(event.clipboardData.files || []) : [];
    const images = pasted.filter((file) => (file.type || "").startsWith("image/"));
    if (!images.length) return; // text pastes as text
    event.preventDefault();
    upload(form, images, "paste");
  });

  function carriesFiles(event) {
    return Boolean(event.dataTransfer && Array.from(event.dataTransfer.types || []).includes("Files"));
  }

  app.addEventListener("dragover", (event) => {
    const form = formOf(event.target);
    if (!form || !carriesFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
    form.classList.add("is-dropping");
  });

  app.addEventListener("dragleave", (event) => {
    const form = formOf(event.target);
    if (form && !form.contains(event.relatedTarget)) form.classList.remove("is-dropping");
  });

  app.addEventListener("drop", (event) => {
    const form = formOf(event.target);
    if (!form) return;
    form.classList.remove("is-dropping");
    const files = event.dataTransfer ? Array.from(event.dataTransfer.files || []) : [];
    if (!files.length) return; // dropped text goes into the field as usual
    event.preventDefault();
    upload(form, files, "drop");
  });

  loadKnown();
  desk.media = { sync, ready, reset };
})();
