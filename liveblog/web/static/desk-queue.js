/* liveblog desk: the queue of unpublished entries (after desk.js, see there for the page's
   scripts). Only on desks of those who may write at least drafts (`.desk-queue`).

   The queue is GET .../queue: editors (owners, admins) get every draft, submitted and scheduled
   entry of the blog, contributors their own. Submitted entries come first (the review queue; the
   count beside the heading), then scheduled ones by time, then drafts. It is fetched when the
   page opens, after every change made here, on `liveblog:queue-changed` (the compose form saved
   a draft, submitted or scheduled an entry) and replaced by the snapshot of a `liveblog:queue`
   event (the members-only desk stream, desk-stream.js, sends one whenever the queue changed).

   What one may do with an entry follows the server's rules (liveblog.domain.workflow):
   editors publish now, schedule or change the time (a date and time in the blog's zone),
   cancel a schedule, send a submitted entry back with a note, edit and delete; contributors
   submit their drafts, withdraw them, edit and delete them. Every change is a PATCH or DELETE of
   the entry with If-Match: an entry someone changed meanwhile is not overwritten (the queue is
   fetched again and says so). An item whose form is open keeps it while the queue refreshes.
   While its edit form is open, the other desks show who edits the entry (desk-stream.js).

   All text from entries is set as text, never as HTML. */

(() => {
  "use strict";

  const desk = window.liveblogDesk;
  if (!desk) return;
  const { app, compose, call, problem, say, time } = desk;
  const section = app.querySelector(".desk-queue");
  if (!section) return;
  const labels = section.dataset;
  const publisher = labels.publisher === "true";
  const list = section.querySelector(".desk-queue__list");
  const empty = section.querySelector(".desk-queue__empty");
  const count = section.querySelector(".desk-queue__count");
  const counts = section.querySelector(".desk-queue__counts");
  const status = section.querySelector(".desk-queue__status");
  const heading = section.querySelector("h2");
  heading.tabIndex = -1;
  let asked = 0;
  // A snapshot of the desk stream may have been taken just before a change made here and arrive
  // after it: an entry is never shown older than the newest version seen of it (else the next
  // change would be sent against an old version and refused), nor again once a change made here
  // took it out of the queue at that version.
  const newest = new Map();
  const left = new Map();

  function current(entry) {
    const known = newest.get(entry.id);
    if (known && known.version > entry.version) return known;
    newest.set(entry.id, entry);
    return entry;
  }

  function format(label, values) {
    return (label || "").replace(/%\((\w+)\)s/g, (_, key) => (key in values ? String(values[key]) : ""));
  }

  /** The headline, else the first words of the text (Markdown marks left out). */
  function title(entry) {
    if (entry.headline) return entry.headline;
    const text = (entry.body || "").replace(/[#>*_`~\[\]()!|-]+/g, " ").replace(/\s+/g, " ").trim();
    return text.length > 140 ? text.slice(0, 139) + "…" : text;
  }

  function etag(entry) {
    return '"' + entry.id + "-" + entry.version + '"';
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(text, action, kind) {
    const node = element("button", "admin-button admin-button--small" + (kind ? " admin-button--" + kind : ""), text);
    node.type = "button";
    node.dataset.action = action;
    return node;
  }

  function statusText(entry) {
    if (entry.status === "scheduled" && entry.publish_at) {
      return format(labels.labelScheduled, { time: time.showTime(entry.publish_at) });
    }
    return entry.status === "submitted" ? labels.labelSubmitted : labels.labelDraft;
  }

  /** The buttons for one entry: what this user may do with it in its status. */
  function actions(entry) {
    const found = [];
    if (publisher) {
      found.push(button(labels.labelPublish, "publish", "primary"));
      if (entry.status === "scheduled") {
        found.push(button(labels.labelReschedule, "schedule"), button(labels.labelUnschedule, "unschedule"));
      } else {
        found.push(button(labels.labelSchedule, "schedule"));
      }
      if (entry.status === "submitted") found.push(button(labels.labelReturn, "return"));
    } else if (entry.status === "draft") {
      found.push(button(labels.labelSubmit, "submit", "primary"));
    } else if (entry.status === "submitted") {
      found.push(button(labels.labelWithdraw, "withdraw"));
    }
    if (publisher || entry.status !== "scheduled") {
      found.push(button(labels.labelEdit, "edit"), button(labels.labelDelete, "delete", "danger"));
    }
    return found;
  }

  function itemFor(entry) {
    const item = element("li", "queue-item queue-item--" + entry.status);
    item.dataset.entryId = String(entry.id);
    item.dataset.status = entry.status;
    item.entry = entry;
    const meta = element("p", "queue-item__meta");
    meta.append(element("span", "queue-item__status", statusText(entry)));
    if (entry.author && entry.author.name) {
      meta.append(" ", element("span", "queue-item__author", format(labels.labelBy, { name: entry.author.name })));
    }
    item.append(meta, element("p", "queue-item__title", title(entry)));
    if (entry.review_note) {
      const note = element("p", "queue-item__note");
      note.append(element("strong", "", labels.labelNote), " ", entry.review_note);
      item.append(note);
    }
    const tools = element("div", "queue-item__tools");
    tools.setAttribute("role", "group");
    tools.setAttribute("aria-label", title(entry));
    tools.append(...actions(entry));
    item.append(tools, element("div", "queue-item__form"));
    return item;
  }

  /** Show a queue snapshot; items with an open form stay as they are (their entry updated). */
  function render(queue) {
    if (!queue || !Array.isArray(queue.items)) return;
    const open = new Map();
    for (const item of list.querySelectorAll(":scope > .queue-item")) {
      if (item.querySelector("form")) open.set(item.dataset.entryId, item);
    }
    const entries = queue.items
      .filter((entry) => !(left.has(entry.id) && entry.version <= left.get(entry.id)))
      .map(current);
    const items = entries.map((entry) => {
      const kept = open.get(String(entry.id));
      if (!kept) return itemFor(entry);
      kept.entry = entry;
      return kept;
    });
    const focused = list.contains(document.activeElement) ? document.activeElement : null;
    list.replaceChildren(...items);
    if (focused && focused.isConnected) focused.focus(); // moving a kept item drops its focus
    empty.hidden = items.length > 0;
    const n = { draft: 0, submitted: 0, scheduled: 0 };
    for (const entry of entries) n[entry.status] = (n[entry.status] || 0) + 1;
    const shown = publisher ? n.submitted || 0 : items.length;
    count.textContent = String(shown);
    count.dataset.count = String(shown);
    counts.textContent = items.length
      ? format(labels.labelCounts, { submitted: n.submitted || 0, scheduled: n.scheduled || 0, draft: n.draft || 0 })
      : "";
  }

  async function refresh() {
    const run = ++asked;
    const result = await call("GET", "/queue");
    if (run !== asked) return; // a newer request answers
    if (result.ok) render(result.data);
  }

  /** PATCH or DELETE one entry against the version shown; a 412 refreshes and says why. */
  async function change(item, method, body, done) {
    const entry = item.entry;
    item.setAttribute("aria-busy", "true");
    const result = await call(method, "/entries/" + entry.id, body, { "If-Match": etag(entry) });
    item.removeAttribute("aria-busy");
    if (result.ok) {
      const after = result.data || {};
      const version = Number(after.version) || entry.version + 1;
      if (method === "PATCH" && after.status && after.status !== "published") newest.set(entry.id, { ...entry, ...after });
      else left.set(entry.id, version);
      const hadFocus = item.contains(document.activeElement);
      say(status, done);
      closeForm(item); // done with it: the refresh below shows the item anew
      await refresh();
      if (hadFocus || document.activeElement === document.body) keepFocus(entry.id);
      return true;
    }
    if (result.status === 412 || result.status === 410 || result.status === 404) {
      say(status, labels.labelChanged);
      await refresh();
      return false;
    }
    say(status, problem(result));
    return false;
  }

  /** After a change the item is drawn anew: the focus goes to its first button, or to the
      queue's heading when the entry left the queue. */
  function keepFocus(id) {
    const again = list.querySelector('.queue-item[data-entry-id="' + id + '"] .queue-item__tools button');
    if (again) again.focus();
    else heading.focus();
  }

  // -- forms in an item ------------------------------------------------------------------------

  function closeForm(item, focus) {
    const slot = item.querySelector(".queue-item__form");
    const open = slot.querySelector("form");
    if (open && open.dataset.kind === "edit" && desk.presence) desk.presence.stopped(item.dataset.entryId);
    slot.replaceChildren();
    if (focus) {
      const back = item.querySelector(".queue-item__tools [data-action=" + focus + "]");
      if (back) back.focus();
    }
  }

  function formIn(item, opener) {
    const slot = item.querySelector(".queue-item__form");
    const form = element("form", "queue-form");
    form.noValidate = true;
    form.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        closeForm(item, opener);
      }
    });
    slot.replaceChildren(form);
    return form;
  }

  function field(form, id, text, input) {
    const row = element("p", "admin-field");
    const label = element("label", "", text);
    label.htmlFor = id;
    input.id = id;
    row.append(label, input);
    form.append(row);
    return input;
  }

  function formButtons(form, item, saveText, opener) {
    const row = element("p", "entry-form__actions");
    const save = element("button", "admin-button admin-button--primary", saveText);
    save.type = "submit";
    const cancel = button(labels.labelCancel, "cancel");
    cancel.addEventListener("click", () => closeForm(item, opener));
    row.append(save, cancel);
    form.append(row);
  }

  function scheduleForm(item) {
    const form = formIn(item, "schedule");
    const input = document.createElement("input");
    input.type = "datetime-local";
    input.required = true;
    input.min = time.utcToZoned(Date.now());
    input.value = item.entry.publish_at ? time.utcToZoned(item.entry.publish_at) : time.soon();
    field(form, "queue-" + item.entry.id + "-publish-at", labels.labelAt, input);
    formButtons(form, item, labels.labelSave, "schedule");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { status: "scheduled", publish_at: time.zonedToUtc(input.value) || null };
      await change(item, "PATCH", body, labels.labelScheduledDone);
    });
    input.focus();
  }

  function returnForm(item) {
    const form = formIn(item, "return");
    const input = document.createElement("input");
    input.type = "text";
    input.maxLength = 500;
    input.autocomplete = "off";
    field(form, "queue-" + item.entry.id + "-note", labels.labelNoteField, input);
    formButtons(form, item, labels.labelSendBack, "return");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { status: "draft", note: input.value.trim() || null };
      await change(item, "PATCH", body, labels.labelReturned);
    });
    input.focus();
  }

  /** Edit the text: the compose form's fields (headline, text, source, key event), copied. */
  function editForm(item) {
    const form = formIn(item, "edit");
    const entry = item.entry;
    form.dataset.kind = "edit";
    if (desk.presence) desk.presence.editing(entry.id); // the other desks show who edits it
    const prefix = "queue-" + entry.id + "-";
    const fields = compose ? compose.querySelectorAll(".admin-field:not(fieldset)") : [];
    for (const original of fields) {
      const copy = original.cloneNode(true);
      for (const node of [copy, ...copy.querySelectorAll("*")]) {
        node.removeAttribute("autofocus");
        node.removeAttribute("aria-describedby");
        for (const name of ["id", "for"]) {
          const value = node.getAttribute(name);
          if (value && value.startsWith("compose-")) node.setAttribute(name, value.replace("compose-", prefix));
        }
      }
      const pin = copy.querySelector("[data-field=pinned]");
      if (pin) pin.closest(".admin-choice").remove();
      form.append(copy);
    }
    const c = desk.controls(form);
    const start = {
      headline: entry.headline || null,
      body: entry.body || "",
      source: entry.source || null,
      key_event: Boolean(entry.key_event),
      unverified: Boolean(entry.unverified),
    };
    c.headline.value = start.headline || "";
    c.body.value = start.body;
    c.source.value = start.source || "";
    c.key_event.checked = start.key_event;
    if (c.unverified) c.unverified.checked = start.unverified;
    formButtons(form, item, labels.labelSave, "edit");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const now = {
        headline: c.headline.value.trim() || null,
        body: c.body.value,
        source: c.source.value.trim() || null,
        key_event: c.key_event.checked,
        unverified: c.unverified ? c.unverified.checked : start.unverified,
      };
      const changed = {};
      for (const key of Object.keys(now)) if (now[key] !== start[key]) changed[key] = now[key];
      if (!Object.keys(changed).length) {
        closeForm(item, "edit");
        return;
      }
      await change(item, "PATCH", changed, labels.labelSaved);
    });
    c.body.focus();
  }

  list.addEventListener("click", (event) => {
    const target = event.target.closest(".queue-item__tools button[data-action]");
    if (!target) return;
    const item = target.closest(".queue-item");
    const action = target.dataset.action;
    if (action === "publish") change(item, "PATCH", { status: "published" }, labels.labelPublishedNow);
    else if (action === "unschedule") change(item, "PATCH", { status: "draft" }, labels.labelSaved);
    else if (action === "submit") change(item, "PATCH", { status: "submitted" }, labels.labelSubmittedDone);
    else if (action === "withdraw") change(item, "PATCH", { status: "draft" }, labels.labelSaved);
    else if (action === "schedule") scheduleForm(item);
    else if (action === "return") returnForm(item);
    else if (action === "edit") editForm(item);
    else if (action === "delete" && window.confirm(labels.labelConfirmDelete)) {
      change(item, "DELETE", undefined, labels.labelDeleted);
    }
  });

  app.addEventListener("liveblog:queue-changed", refresh);
  // Snapshots and answers may cross: each entry is shown at the newest version seen (current).
  app.addEventListener("liveblog:queue", (event) => render(event.detail));
  refresh();
})();
