/* liveblog reader page: live updates.

   Progressive enhancement of the server-rendered page, which stays complete without this file.
   The page (liveblog.web.reader.pages, templates/blog.html) loads it, after live-view.js (which
   changes the page: articles, header, held entries), only where new entries belong: the first
   page of the newest-first views (default and key events; new entries on top) and the last page
   of the oldest-first views (new entries at the end). It gives it everything it needs as data
   attributes on `.live`: the blog version the page shows (`data-live-version`), the event stream
   and polling URLs, the view and order, the position where the page's entries end and the
   labels. Other pages get no script and say that they do not update live.

   Transport. `new EventSource(events + "?last_event_id=" + version)`, so nothing between render
   and connect is lost; the browser resumes with `Last-Event-ID` by itself. When the browser gives
   up (readyState CLOSED) a new stream is opened after the last applied event, with back-off.
   Without EventSource, or after 5 failures in a row without a successful open, the client polls
   `poll + "?after=N"` every `data-live-poll-ms` (10 s) instead, for the rest of the page's life.
   Events at or below the last applied `seq` are ignored, so a replay never applies anything twice.

   What an event does (the server sends every entry's `<article>` exactly as the page renders it):
   - New entries are held, not inserted: a button "1 neuer Eintrag" / "3 neue Einträge" appears in
     the `role="status"` region at the top of the entries (announced politely). Clicking it
     inserts them where a fresh render would have them and moves focus to the first new entry,
     only as the direct result of that click (the button goes away, so focus would otherwise be
     lost); the scroll follows, smoothly unless the reader prefers reduced motion.
   - Edits, pins and unpins replace the article in place; a pin moves it to the pinned slot on top
     (default view), an unpin or a new `published_at` moves it to its chronological place (by the
     `datetime` of its `<time>`, then id). Entries that leave the view (deleted, no longer a key
     event in the key-events view, older than the page's oldest entry when older pages exist) are
     removed. An entry the page does not show yet that now belongs to it is held like a new one.
   - After every event, `page` updates the headline, the Stand, the document title, the closed
     note and the teaser, and the day rule is applied to every entry time again (the short form
     on the Stand's day, else the long one).
   - Focus never moves on its own: when the article holding the focus is replaced, focus goes to
     the same link or control in the new article; when it is moved, it keeps focus; when it is
     deleted, focus goes to the next entry (else the previous one, else the entries section).
   - The "Live" toggle (aria-pressed; its label stays "Live", and "Pausiert" is shown beside it
     while paused) stops all automatic changes (WCAG 2.2.2): pausing closes the stream or stops
     polling, so nothing is buffered and nothing on the page changes; resuming opens a new stream
     after the last applied event, which replays everything missed. Held entries can still be
     inserted with their button while paused, because that is the reader's own action.
   - The blog closes (an event whose `page.closed` is true, or the stream's last message `end`,
     or a poll answer with `closed: true`): the header's closed box ("Beendet" with the closing
     time, then the closing note) appears, the stream ends (the server closes it too), the row
     with the Live toggle goes away (`data-live-state` `ended`), and the page only asks the
     polling endpoint every `data-live-closed-poll-ms` (5 min) whether the blog was reopened; a
     page rendered closed (`data-live-closed`) starts that way and opens no stream. When a
     reopening event comes, the box goes and the page is live again.
   - `reset` (the server cannot replay from our position), or a change of the blog's language,
     time zone or bylines (`show_authors`: every label, time or byline on the page would
     change; the page's setting is `data-live-authors`): live updates stop and the status
     region offers "Seite neu laden". The page is never reloaded or swapped without the reader
     asking, so nothing moves while they read, type or select.

   For tests and debugging, `.live` carries `data-live-state` (connecting, live, polling, paused,
   stale, ended) and `data-live-seq` (the last applied event). */

(() => {
  "use strict";

  const root = document.querySelector(".live[data-live-events]");
  const section = root && root.closest(".entries");
  const status = section && section.querySelector(".live-status");
  const toggle = root && root.querySelector(".live__toggle");
  const stateText = root && root.querySelector(".live__state");
  if (!root || !section || !status || !toggle || !stateText || !window.liveblogView) return;

  const view = window.liveblogView(root, section, status);
  const config = root.dataset;
  const TYPES = [
    "blog.created",
    "blog.updated",
    "blog.closed",
    "entry.created",
    "entry.updated",
    "entry.pinned",
    "entry.unpinned",
    "entry.deleted",
  ];
  const MAX_FAILURES = 5;
  const pollMs = Math.max(200, Number(config.livePollMs) || 10000);
  const closedPollMs = Math.max(1000, Number(config.liveClosedPollMs) || 300000);

  let applied = Number(config.liveVersion) || 0;
  let paused = false;
  let stale = false;
  let ended = config.liveClosed === "true";
  let polling = typeof window.EventSource !== "function";
  let source = null;
  let timer = 0;
  let failures = 0;
  let generation = 0; // grows whenever the transport stops: callbacks of an older one are ignored

  function setText(element, text) {
    if (typeof text === "string" && element.textContent !== text) element.textContent = text;
  }

  // -- events ----------------------------------------------------------------------------------

  function apply(event) {
    if (!event || typeof event.seq !== "number" || event.seq <= applied) return;
    if (event.type === "entry.deleted" && event.entry) {
      forget(event.entry.id);
    } else if (event.entry && typeof event.html === "string") {
      upsert(event.entry, event.html);
    } else if (event.blog && !samePage(event.blog)) {
      applied = event.seq;
      goStale();
      return;
    }
    if (event.page) view.applyPage(event.page);
    applied = event.seq;
    root.dataset.liveSeq = String(applied);
    if (event.page && event.page.closed === true) end();
    else if (ended && event.page && event.page.closed === false) reopen();
  }

  function samePage(blog) {
    return (
      (!blog.language || blog.language === document.documentElement.lang) &&
      (!blog.timezone || !config.liveTimezone || blog.timezone === config.liveTimezone) &&
      (typeof blog.show_authors !== "boolean" ||
        !config.liveAuthors ||
        (blog.show_authors ? "on" : "off") === config.liveAuthors)
    );
  }

  function upsert(entry, html) {
    const current = view.findArticle(entry.id);
    if (!view.belongs(entry)) {
      view.drop(entry.id);
      if (current) view.removeArticle(current);
      return;
    }
    if (view.isHeld(entry.id) || !current) {
      view.hold(entry, html);
      return;
    }
    const fresh = view.build(html);
    if (!fresh) return;
    view.replaceArticle(current, fresh);
    view.place(fresh, entry);
  }

  function forget(id) {
    view.drop(id);
    const current = view.findArticle(id);
    if (current) view.removeArticle(current);
  }

  // -- transport -------------------------------------------------------------------------------

  function setState(state) {
    root.dataset.liveState = state;
    const text = state === "paused" ? config.labelPaused : state === "stale" ? config.labelStale : "";
    setText(stateText, text || "");
  }

  function stop() {
    generation += 1;
    if (source) {
      source.close();
      source = null;
    }
    clearTimeout(timer);
    timer = 0;
  }

  function start() {
    stop();
    if (paused || stale) return;
    if (ended) {
      setState("ended");
      watch(generation);
      return;
    }
    if (polling) {
      setState("polling");
      poll(generation);
      return;
    }
    setState("connecting");
    const stream = new EventSource(config.liveEvents + "?last_event_id=" + applied);
    source = stream;
    const receive = (message) => {
      if (source !== stream) return;
      let event = null;
      try {
        event = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      apply(event);
    };
    stream.addEventListener("open", () => {
      if (source !== stream) return;
      failures = 0;
      setState("live");
    });
    for (const type of TYPES) stream.addEventListener(type, receive);
    stream.addEventListener("reset", () => {
      if (source === stream) goStale();
    });
    stream.addEventListener("end", () => {
      if (source === stream) end();
    });
    stream.addEventListener("error", () => {
      if (source !== stream) return;
      failures += 1;
      if (failures >= MAX_FAILURES) {
        polling = true;
        start();
      } else if (stream.readyState === EventSource.CLOSED) {
        stop();
        setState("connecting");
        timer = setTimeout(start, Math.min(30000, 1000 * 2 ** (failures - 1)));
      } else {
        setState("connecting"); // the browser reconnects by itself, with Last-Event-ID
      }
    });
  }

  function poll(run) {
    const schedule = (ms) => {
      timer = setTimeout(() => {
        if (run === generation) poll(run);
      }, ms);
    };
    fetch(config.livePoll + "?after=" + applied, { headers: { Accept: "application/json" } })
      .then((response) => {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then((body) => {
        if (run !== generation) return; // paused or stopped meanwhile: change nothing
        failures = 0;
        if (body.reset) {
          goStale();
          return;
        }
        const events = Array.isArray(body.events) ? body.events : [];
        for (const event of events) {
          apply(event);
          if (stale) return;
        }
        if (body.closed === true) end();
        if (ended) return; // end() watches instead
        schedule(events.length && body.next_after < body.head ? 0 : pollMs);
      })
      .catch(() => {
        if (run !== generation) return;
        failures += 1;
        schedule(Math.min(60000, pollMs * 2 ** Math.min(failures, 3)));
      });
  }

  /** The blog has closed: stop the transport, hide the toggle, watch for a reopening. */
  function end() {
    if (ended) return;
    ended = true;
    view.showEnded(true);
    start();
  }

  /** The blog was reopened: live again. */
  function reopen() {
    ended = false;
    failures = 0;
    view.showEnded(false);
    start();
  }

  /** A closed blog's page asks now and then (`closedPollMs`) whether it was reopened. */
  function watch(run) {
    timer = setTimeout(() => {
      if (run !== generation) return;
      fetch(config.livePoll + "?after=" + applied, {
        cache: "no-cache",
        headers: { Accept: "application/json" },
      })
        .then((response) => (response.ok ? response.json() : null))
        .then((body) => {
          if (run !== generation) return;
          if (body && body.reset) {
            goStale();
            return;
          }
          const events = body && Array.isArray(body.events) ? body.events : [];
          for (const event of events) {
            apply(event);
            if (stale || run !== generation) return; // stale, or reopened and live again
          }
          watch(run);
        })
        .catch(() => {
          if (run === generation) watch(run);
        });
    }, closedPollMs);
  }

  function goStale() {
    stale = true;
    stop();
    view.dropAll();
    toggle.setAttribute("aria-pressed", "false");
    toggle.setAttribute("aria-disabled", "true");
    setState("stale");
    const note = document.createElement("span");
    note.className = "visually-hidden";
    note.textContent = config.labelStaleNote || "";
    const reload = document.createElement("button");
    reload.type = "button";
    reload.className = "live-status__new live-status__reload";
    reload.textContent = config.labelReload || "";
    reload.addEventListener("click", () => window.location.reload());
    status.append(note, reload);
  }

  toggle.addEventListener("click", () => {
    if (stale) return;
    paused = !paused;
    toggle.setAttribute("aria-pressed", String(!paused));
    if (paused) {
      stop();
      setState("paused");
    } else {
      failures = 0;
      start();
    }
  });

  // A page kept in the back/forward cache must not hold a stream; it catches up when shown.
  window.addEventListener("pagehide", stop);
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) start();
  });

  view.showEnded(ended);
  root.dataset.liveSeq = String(applied);
  start();
})();
