/* liveblog desk: the live list of entries (after desk.js, see there for the page's scripts).

   The entries are the reader's own <article>s, each wrapped in `.desk-entry` with its version and
   flags as data attributes and tools (edit, pin, key event, delete; desk-edit.js runs them) from
   a `<template>` (no such tools for contributors: the page has no templates then), and for
   everyone a link to the entry's history (/admin/blogs/{slug}/entries/{id}/history). The blog's public
   event stream (/live/{slug}/events, the same frames reader pages get; see live.js) inserts,
   replaces, moves and removes them as they change, so a co-editor's post shows up at once. An
   entry being edited keeps its form: a new version waits in `pendingHtml`, a deletion in
   `data-deleted`, until the edit closes. When the stream cannot replay what was missed, the
   entries are taken from a fresh render of the page.

   For tests: `.desk-app[data-live-seq]` is the last applied event, `.desk-live[data-state]` the
   stream's state (connecting, live). */

(() => {
  "use strict";

  const desk = window.liveblogDesk;
  if (!desk) return;
  const { app, cfg, list } = desk;
  const live = app.querySelector(".desk-live");
  const liveText = live && live.querySelector(".desk-live__text");
  const status = app.querySelector(".desk-entries__status");
  const toolsTemplate = document.getElementById("desk-entry-tools");
  const TYPES = ["entry.created", "entry.updated", "entry.pinned", "entry.unpinned", "entry.deleted"];

  // -- the list --------------------------------------------------------------------------------

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

  /** The article's `<time>` element and its `datetime`, as the reader's page renders it. */
  function timeOf(article) {
    return article ? article.querySelector(".entry__time time") : null;
  }

  function publishedAt(article) {
    const time = timeOf(article);
    return time ? time.getAttribute("datetime") : "";
  }

  function keyOf(wrapper) {
    return [micros(publishedAt(wrapper.querySelector(":scope > article"))), Number(wrapper.dataset.entryId)];
  }

  function build(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    return template.content.firstElementChild;
  }

  function flags(wrapper) {
    return { pinned: wrapper.dataset.pinned === "true", key_event: wrapper.dataset.keyEvent === "true" };
  }

  function setState(wrapper, entry) {
    if (Number(entry.version) < Number(wrapper.dataset.version || 0)) return;
    wrapper.dataset.version = String(entry.version);
    wrapper.dataset.pinned = String(Boolean(entry.pinned));
    wrapper.dataset.keyEvent = String(Boolean(entry.key_event));
    const tools = wrapper.querySelector(".desk-entry__tools");
    if (!tools) return;
    const pin = tools.querySelector("[data-action=pin]");
    const key = tools.querySelector("[data-action=key]");
    if (pin) pin.setAttribute("aria-pressed", wrapper.dataset.pinned);
    if (key) key.setAttribute("aria-pressed", wrapper.dataset.keyEvent);
  }

  /** The entry's tools: the template's buttons (editors) and the link to its history (all). */
  function newTools(wrapper) {
    let tools;
    if (toolsTemplate) {
      tools = toolsTemplate.content.firstElementChild.cloneNode(true);
    } else {
      tools = document.createElement("div");
      tools.className = "desk-entry__tools";
      tools.setAttribute("role", "group");
      tools.lang = cfg.language;
    }
    const history = document.createElement("a");
    history.className = "desk-entry__history";
    const entryPath = "/entries/" + wrapper.dataset.entryId + "/history";
    history.href = "/admin/blogs/" + encodeURIComponent(cfg.slug) + entryPath;
    history.textContent = cfg.labelHistory;
    tools.append(history);
    return tools;
  }

  function decorate(wrapper) {
    if (wrapper.querySelector(".desk-entry__tools")) return;
    const tools = newTools(wrapper);
    const article = articleOf(wrapper);
    const time = timeOf(article);
    const headline = article && article.querySelector(".entry__headline");
    const what = [time && time.textContent, headline && headline.textContent].filter(Boolean);
    tools.setAttribute("aria-label", cfg.labelTools + ": " + what.join(", "));
    wrapper.append(tools);
    setState(wrapper, { version: wrapper.dataset.version, ...flags(wrapper) });
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
      else desk.focusCompose();
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
        const entry = {
          id: Number(other.dataset.entryId),
          version: Number(other.dataset.version),
          published_at: publishedAt(article),
          ...flags(other),
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

  // -- start -----------------------------------------------------------------------------------

  desk.entries = { status, findWrapper, articleOf, flags, setState, replaceArticle, removeWrapper, missed };
  for (const wrapper of wrappers()) decorate(wrapper);
  app.dataset.liveSeq = String(applied);
  window.addEventListener("pagehide", () => source && source.close());
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) connect();
  });
  if (typeof window.EventSource === "function") connect();
})();
