/* liveblog reader page: live updates.

   Progressive enhancement of the server-rendered page, which stays complete without this file.
   The page (liveblog.web.reader.pages, templates/blog.html) loads it only on the first page of the
   newest-first views, the default view and the key-events view, and gives it everything it needs
   as data attributes on `.live`: the blog version the page shows (`data-live-version`), the
   event stream and polling URLs, the view, the oldest position the page covers and the labels.
   Oldest-first views and older pages (`?cursor=`) get no script: new entries never belong there.

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
     or a poll answer with `closed: true`): the closed note and the closing note appear, the
     stream ends (the server closes it too), the Live toggle goes away (`data-live-state`
     `ended`), and the page only asks the polling endpoint every `data-live-closed-poll-ms`
     (5 min) whether the blog was reopened; a page rendered closed (`data-live-closed`) starts
     that way and opens no stream. When a reopening event comes, the notes go and the page is
     live again.
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
  if (!root || !section || !status || !toggle || !stateText) return;

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
  const lifted = config.liveView === "all";
  const keyEventsOnly = config.liveView === "key";
  const floor = config.liveFloorTime
    ? [micros(config.liveFloorTime), Number(config.liveFloorId)]
    : null;
  const pollMs = Math.max(200, Number(config.livePollMs) || 10000);
  const closedPollMs = Math.max(1000, Number(config.liveClosedPollMs) || 300000);
  const motion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;

  let applied = Number(config.liveVersion) || 0;
  let paused = false;
  let stale = false;
  let ended = config.liveClosed === "true";
  let polling = typeof window.EventSource !== "function";
  let source = null;
  let timer = 0;
  let failures = 0;
  let generation = 0; // grows whenever the transport stops: callbacks of an older one are ignored
  const held = new Map(); // entry id -> {entry, html}: new entries waiting for the reader
  let newButton = null;

  // -- positions -------------------------------------------------------------------------------

  /** Microseconds since the epoch of an RFC 3339 time (the server writes 0 or 6 digits). */
  function micros(text) {
    const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/.exec(text || "");
    if (!match) return 0;
    const fraction = ((match[2] || "") + "000000").slice(0, 6);
    return Date.parse(match[1] + match[3]) * 1000 + Number(fraction);
  }

  function compare(a, b) {
    return a[0] - b[0] || a[1] - b[1];
  }

  function entryKey(entry) {
    return [micros(entry.published_at), entry.id];
  }

  function articleKey(article) {
    const time = article.querySelector(".entry__time time");
    return [micros(time ? time.getAttribute("datetime") : ""), Number(article.id.slice(6))];
  }

  function articles() {
    return Array.from(section.querySelectorAll(":scope > article.entry"));
  }

  function findArticle(id) {
    const found = document.getElementById("entry-" + id);
    return found && found.parentNode === section ? found : null;
  }

  /** Whether this view shows the entry (where it is, is `place`'s business). */
  function belongs(entry) {
    if (keyEventsOnly && !entry.key_event) return false;
    if (lifted && entry.pinned) return true;
    return !floor || compare(entryKey(entry), floor) >= 0;
  }

  function build(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    return template.content.firstElementChild;
  }

  /** Put `article` where a fresh render has it; no DOM change when it is there already. */
  function place(article, entry) {
    let before = null;
    if (lifted && entry.pinned) {
      before = articles().find((other) => other !== article) || null;
    } else {
      const key = entryKey(entry);
      before =
        articles().find(
          (other) =>
            other !== article &&
            !(lifted && other.classList.contains("entry--pinned")) &&
            compare(articleKey(other), key) < 0,
        ) || null;
    }
    if (article.parentNode === section && article.nextElementSibling === before) return;
    const active = document.activeElement;
    const focused = active && article.contains(active) ? active : null;
    if (before) section.insertBefore(article, before);
    else section.appendChild(article);
    if (focused && document.activeElement !== focused) focused.focus({ preventScroll: true });
    const empty = section.querySelector(":scope > .entries__empty");
    if (empty) empty.remove();
  }

  // -- focus -----------------------------------------------------------------------------------

  function focusQuietly(element) {
    if (element !== section && !element.matches("a[href], button, input, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus({ preventScroll: true });
  }

  const FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";

  /** The element of `fresh` that corresponds to `active` in `old` (same link, else same index). */
  function counterpart(old, fresh, active) {
    if (active === old) return fresh;
    const candidates = Array.from(fresh.querySelectorAll(FOCUSABLE));
    if (active.matches("a[href]")) {
      const href = active.getAttribute("href");
      const same = candidates.find((c) => c.matches("a[href]") && c.getAttribute("href") === href);
      if (same) return same;
    }
    const index = Array.from(old.querySelectorAll(FOCUSABLE)).indexOf(active);
    return candidates[index] || fresh;
  }

  function replaceArticle(old, fresh) {
    const active = document.activeElement;
    const target = active && old.contains(active) ? counterpart(old, fresh, active) : null;
    old.replaceWith(fresh);
    if (target) focusQuietly(target);
  }

  function removeArticle(article) {
    const active = document.activeElement;
    let next = null;
    if (active && article.contains(active)) {
      const others = articles();
      const index = others.indexOf(article);
      next = others[index + 1] || others[index - 1] || section;
    }
    article.remove();
    if (next) focusQuietly(next);
    if (!articles().length && !section.querySelector(":scope > .entries__empty")) {
      const empty = document.createElement("p");
      empty.className = "entries__empty";
      empty.textContent = config.labelEmpty || "";
      section.appendChild(empty);
    }
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
    if (event.page) applyPage(event.page);
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
    const current = findArticle(entry.id);
    if (!belongs(entry)) {
      if (held.delete(entry.id)) showHeld();
      if (current) removeArticle(current);
      return;
    }
    if (held.has(entry.id) || !current) {
      held.set(entry.id, { entry, html });
      showHeld();
      return;
    }
    const fresh = build(html);
    if (!fresh) return;
    replaceArticle(current, fresh);
    place(fresh, entry);
  }

  function forget(id) {
    if (held.delete(id)) showHeld();
    const current = findArticle(id);
    if (current) removeArticle(current);
  }

  // -- the page header and the day rule --------------------------------------------------------

  function setText(element, text) {
    if (typeof text === "string" && element.textContent !== text) element.textContent = text;
  }

  function setAttribute(element, name, value) {
    if (typeof value === "string" && element.getAttribute(name) !== value) {
      element.setAttribute(name, value);
    }
  }

  function applyPage(page) {
    const header = document.querySelector(".blog-header");
    if (!header) return;
    const headline = header.querySelector(".headline");
    if (headline) setText(headline.querySelector("a") || headline, page.headline);
    const stand = header.querySelector(".stand time");
    if (stand) {
      setText(stand, page.stand);
      setAttribute(stand, "datetime", page.stand_datetime);
      setAttribute(stand, "data-day", page.day);
    }
    if (typeof page.title === "string" && document.title !== page.title) {
      document.title = page.title;
    }
    let closed = header.querySelector(".closed");
    if (page.closed && !closed) {
      closed = document.createElement("p");
      closed.className = "closed";
      closed.textContent = config.labelClosed || "";
      const after = stand ? stand.closest(".stand") : headline;
      if (after) after.after(closed);
      else header.append(closed);
    } else if (page.closed === false && closed) {
      closed.remove();
      closed = null;
    }
    if (Array.isArray(page.closing_note)) applyClosingNote(header, closed, page.closing_note);
    if (Array.isArray(page.teaser)) {
      const teasers = Array.from(header.querySelectorAll(".teaser"));
      page.teaser.forEach((text, index) => {
        let paragraph = teasers[index];
        if (!paragraph) {
          paragraph = document.createElement("p");
          paragraph.className = "teaser";
          header.append(paragraph);
        }
        setText(paragraph, text);
      });
      teasers.slice(page.teaser.length).forEach((paragraph) => paragraph.remove());
    }
    applyDayRule();
  }

  /** The closing note's paragraphs after the closed note (none while the blog is open). */
  function applyClosingNote(header, closed, paragraphs) {
    const current = Array.from(header.querySelectorAll(".closing-note"));
    const wanted = closed ? paragraphs : [];
    if (current.map((p) => p.textContent).join("\n") === wanted.join("\n")) return;
    current.forEach((paragraph) => paragraph.remove());
    let after = closed;
    for (const text of wanted) {
      const paragraph = document.createElement("p");
      paragraph.className = "closing-note";
      paragraph.textContent = text;
      after.after(paragraph);
      after = paragraph;
    }
  }

  /** Entry times show the time alone on the Stand's day, else with the date. */
  function applyDayRule() {
    const stand = document.querySelector(".blog-header .stand time");
    const day = stand && stand.getAttribute("data-day");
    if (!day) return;
    for (const time of section.querySelectorAll(".entry__time time[data-day]")) {
      const form = time.getAttribute("data-day") === day ? "data-short" : "data-long";
      const text = time.getAttribute(form);
      if (text === null || time.textContent === text) continue;
      time.textContent = text;
      const article = time.closest("article");
      const hidden = article && article.querySelector(".entry__permalink .visually-hidden");
      if (hidden) hidden.textContent = " (" + text + ")";
    }
  }

  // -- held entries ----------------------------------------------------------------------------

  function showHeld() {
    const count = held.size;
    if (count === 0) {
      if (newButton) {
        const hadFocus = newButton === document.activeElement;
        newButton.remove();
        newButton = null;
        if (hadFocus) focusQuietly(section);
      }
      return;
    }
    if (!newButton) {
      newButton = document.createElement("button");
      newButton.type = "button";
      newButton.className = "live-status__new";
      newButton.addEventListener("click", release);
      status.append(newButton);
    }
    const label =
      count === 1 ? config.labelNewOne : (config.labelNewMany || "").replace("{n}", count);
    setText(newButton, label);
  }

  function release() {
    const waiting = Array.from(held.values());
    held.clear();
    const inserted = [];
    for (const { entry, html } of waiting) {
      const article = build(html);
      if (!article) continue;
      const old = findArticle(entry.id);
      if (old) old.remove();
      article.classList.add("entry--new");
      article.addEventListener("animationend", () => article.classList.remove("entry--new"), {
        once: true,
      });
      place(article, entry);
      inserted.push(article);
    }
    applyDayRule();
    inserted.sort((a, b) =>
      a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1,
    );
    if (inserted.length) {
      // The reader asked for these entries: take them there (the button is about to go away).
      focusQuietly(inserted[0]);
      const smooth = !(motion && motion.matches);
      inserted[0].scrollIntoView({ block: "nearest", behavior: smooth ? "smooth" : "auto" });
    }
    showHeld();
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
    root.hidden = true;
    start();
  }

  /** The blog was reopened: live again. */
  function reopen() {
    ended = false;
    failures = 0;
    root.hidden = false;
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
    held.clear();
    showHeld();
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

  root.hidden = ended;
  root.dataset.liveSeq = String(applied);
  start();
})();
