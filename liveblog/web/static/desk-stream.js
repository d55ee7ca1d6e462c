/* liveblog desk: the desk's own stream, for members only (after desk.js, see there for the
   page's scripts).

   GET /admin/blogs/{slug}/stream?client=ID (liveblog.web.desk.stream) is opened with EventSource
   and the session cookie; its URL and this page's random client id are data attributes of the
   presence line (`.desk-presence`). It sends:

   - `queue`: the queue of unpublished entries, the same JSON as GET .../queue, at connect and
     whenever it changed; re-dispatched on `.desk-app` as CustomEvent("liveblog:queue",
     {detail: queue}) (desk-queue.js shows it). Its `id:` is kept, so a reconnect resumes
     without a second snapshot when nothing changed.
   - `presence`: who else has this desk open and which entry each one edits; re-dispatched as
     CustomEvent("liveblog:presence", {detail: list}), shown in the presence line ("Also here:
     Anna Berg, Ben Ott", announced politely) and as "Anna Berg is editing …" at the top of each
     entry of the list or the queue that someone else edits.

   Edit forms say which entry this page edits: `liveblogDesk.presence.editing(id)` when one opens,
   `.stopped(id)` when it closes (desk-edit.js). This sends PUT .../presence {client, editing},
   again every 20 s while a form stays open (the server forgets a mark after 60 s), and
   `editing: null` when the last form closes. Advisory: nothing is locked.

   For tests: `.desk-presence[data-state]` is the stream's state (connecting, live). */

(() => {
  "use strict";

  const desk = window.liveblogDesk;
  if (!desk) return;
  const { app, cfg, list, call } = desk;
  const line = app.querySelector(".desk-presence");
  if (!line || !line.dataset.stream) return;
  const labels = line.dataset;
  const client = labels.client;
  const RENEW = 20000;

  function format(label, values) {
    return (label || "").replace(/%\((\w+)\)s/g, (_, key) => (key in values ? String(values[key]) : ""));
  }

  function emit(name, detail) {
    app.dispatchEvent(new CustomEvent(name, { detail }));
  }

  // -- who else is here ------------------------------------------------------------------------

  let present = [];

  /** The names of the others who edit entry `id`. */
  function editors(id) {
    return present.filter((p) => p.editing !== null && String(p.editing) === String(id)).map((p) => p.user.name);
  }

  /** "Anna is editing …" at the top of each entry (list and queue) someone else edits. */
  function markEntries() {
    const queue = app.querySelector(".desk-queue__list");
    const items = [
      ...list.querySelectorAll(":scope > .desk-entry[data-entry-id]"),
      ...(queue ? queue.querySelectorAll(":scope > [data-entry-id]") : []),
    ];
    for (const item of items) {
      const names = editors(item.dataset.entryId);
      let mark = item.querySelector(":scope > .desk-editing");
      if (!names.length) {
        if (mark) mark.remove();
        continue;
      }
      const text = names.map((name) => format(labels.labelEditing, { name })).join(" · ");
      if (!mark) {
        mark = document.createElement("p");
        mark.className = "desk-editing";
        mark.lang = cfg.language;
        item.prepend(mark);
      }
      if (mark.textContent !== text) mark.textContent = text;
    }
  }

  function showPresence(found) {
    present = Array.isArray(found) ? found : [];
    const names = present.map((p) => p.user.name);
    const text = names.length ? format(labels.labelHere, { names: names.join(", ") }) : "";
    if (line.textContent !== text) line.textContent = text;
    markEntries();
  }

  // Entries come and go (the live list, the queue's snapshots): mark the new ones too.
  const watcher = new MutationObserver(markEntries);
  watcher.observe(list, { childList: true });
  const queueList = app.querySelector(".desk-queue__list");
  if (queueList) watcher.observe(queueList, { childList: true });

  // -- this page's editing mark ----------------------------------------------------------------

  const open = []; // entries with an edit form open here, the newest last
  let renew = 0;
  let sent = null;

  function sendMark() {
    window.clearTimeout(renew);
    const editing = open.length ? open[open.length - 1] : null;
    if (editing !== null) renew = window.setTimeout(sendMark, RENEW);
    if (editing === null && sent === null) return;
    sent = editing;
    call("PUT", "/presence", { client, editing });
  }

  desk.presence = {
    /** An edit form of entry `id` opened here. */
    editing(id) {
      const entry = Number(id);
      const at = open.indexOf(entry);
      if (at >= 0) open.splice(at, 1);
      open.push(entry);
      sendMark();
    },
    /** The edit form of entry `id` closed (saved, cancelled or gone). */
    stopped(id) {
      const at = open.indexOf(Number(id));
      if (at < 0) return;
      open.splice(at, 1);
      sendMark();
    },
    editors,
  };

  // -- the stream ------------------------------------------------------------------------------

  let source = null;
  let lastId = "";
  let failures = 0;
  let retry = 0;

  function setState(state) {
    line.dataset.state = state;
  }

  function connect() {
    if (source) source.close();
    window.clearTimeout(retry);
    setState("connecting");
    let url = labels.stream + "?client=" + encodeURIComponent(client);
    if (lastId) url += "&last_event_id=" + encodeURIComponent(lastId);
    const stream = new EventSource(url);
    source = stream;
    stream.addEventListener("open", () => {
      if (source !== stream) return;
      failures = 0;
      setState("live");
    });
    stream.addEventListener("queue", (message) => {
      if (source !== stream) return;
      let queue;
      try {
        queue = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      lastId = message.lastEventId || lastId;
      emit("liveblog:queue", queue);
    });
    stream.addEventListener("presence", (message) => {
      if (source !== stream) return;
      let found;
      try {
        found = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      showPresence(found);
      emit("liveblog:presence", present);
    });
    stream.addEventListener("error", () => {
      if (source !== stream) return;
      setState("connecting");
      if (stream.readyState === EventSource.CLOSED) {
        // Refused (the session ended, no desk any more, too many pages open): try again later.
        failures += 1;
        stream.close();
        source = null;
        showPresence([]); // not known while disconnected
        retry = window.setTimeout(connect, Math.min(30000, 1000 * 2 ** Math.min(failures, 5)));
      }
    });
  }

  window.addEventListener("pagehide", () => {
    if (source) source.close();
    source = null;
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) connect();
  });
  if (typeof window.EventSource === "function") connect();
})();
