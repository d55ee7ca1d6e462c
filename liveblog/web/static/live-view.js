/* liveblog reader page: where live updates go in the page (loaded before live.js, both deferred).

   `window.liveblogView(root, section, status)` gives live.js what it needs to change the page the
   way a fresh render would show it: it finds, places, replaces and removes entry articles, keeps
   the new entries it is given behind the "new entries" button until the reader asks for them,
   and brings the header (headline, Stand, title, the closed box with "Ended", its time and the
   closing note, teaser) and the live row's visibility up to date. It knows nothing about the transport: see live.js for that and for what each event
   does.

   Order (`data-live-order`): `newest` pages have new entries on top and the pinned entry lifted
   above all (`data-live-view` `all`); `oldest` pages append new entries at the end. The page's
   bound (`data-live-floor-time`, `data-live-floor-id`) is where its entries end (newest first:
   older ones belong to the next page) or begin (oldest first: older ones belong to the pages
   before). A long pinned entry's rest sits in a `<details>`: a replaced article keeps it open
   when the reader had opened it. */

(() => {
  "use strict";

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

  function setText(element, text) {
    if (typeof text === "string" && element.textContent !== text) element.textContent = text;
  }

  function setAttribute(element, name, value) {
    if (typeof value === "string" && element.getAttribute(name) !== value) {
      element.setAttribute(name, value);
    }
  }

  const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

  window.liveblogView = (root, section, status) => {
    const config = root.dataset;
    const lifted = config.liveView === "all";
    const keyEventsOnly = config.liveView === "key";
    const oldestFirst = config.liveOrder === "oldest";
    const floor = config.liveFloorTime
      ? [micros(config.liveFloorTime), Number(config.liveFloorId)]
      : null;
    const motion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;
    const held = new Map(); // entry id -> {entry, html}: new entries waiting for the reader
    let newButton = null;

    // -- positions -----------------------------------------------------------------------------

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
      if (!floor) return true;
      const side = compare(entryKey(entry), floor);
      return oldestFirst ? side > 0 : side >= 0;
    }

    function build(html) {
      const template = document.createElement("template");
      template.innerHTML = html;
      const article = template.content.firstElementChild;
      // A page without embeds has no embeds.js (nor frame-src): the first entry with one that
      // arrives loads it, marked "late" (see embeds.js).
      if (article && !window.liveblogEmbeds && article.querySelector("figure.embed")) {
        window.liveblogEmbeds = "late";
        const script = document.createElement("script");
        script.src = "/static/embeds.js";
        document.head.append(script);
      }
      return article;
    }

    /** Whether `article` comes after an article at `key` on this page. */
    function comesBefore(otherKey, key) {
      return oldestFirst ? compare(otherKey, key) > 0 : compare(otherKey, key) < 0;
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
              comesBefore(articleKey(other), key),
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

    // -- focus ---------------------------------------------------------------------------------

    function focusQuietly(element) {
      if (element !== section && !element.matches("a[href], button, input, [tabindex]")) {
        element.setAttribute("tabindex", "-1");
      }
      element.focus({ preventScroll: true });
    }

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
      const opened = old.querySelector("details.entry__more[open]");
      const more = fresh.querySelector("details.entry__more");
      if (opened && more) more.open = true;
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

    // -- the page header, the day rule and the live state ----------------------------------------

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
        closed = closedBox();
        if (headline) headline.after(closed);
        else header.append(closed);
      } else if (page.closed === false && closed) {
        closed.remove();
        closed = null;
      }
      if (closed) {
        const ended = closed.querySelector(".closed__state time");
        setText(ended, page.ended);
        setAttribute(ended, "datetime", page.ended_datetime);
        if (Array.isArray(page.closing_note)) applyClosingNote(closed, page.closing_note);
      }
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

    /** The header's box of a closed blog: "Ended" with the closing time, then the note. */
    function closedBox() {
      const box = document.createElement("div");
      box.className = "closed";
      const state = document.createElement("p");
      state.className = "closed__state";
      state.append((config.labelEnded || "") + " ", document.createElement("time"));
      box.append(state);
      return box;
    }

    /** The closing note's paragraphs, after the closed state in its box. */
    function applyClosingNote(closed, paragraphs) {
      const current = Array.from(closed.querySelectorAll(".closing-note"));
      if (current.map((p) => p.textContent).join("\n") === paragraphs.join("\n")) return;
      current.forEach((paragraph) => paragraph.remove());
      for (const text of paragraphs) {
        const paragraph = document.createElement("p");
        paragraph.className = "closing-note";
        paragraph.textContent = text;
        closed.append(paragraph);
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

    /** Open (the row with the toggle) or ended (no row: the header says "Ended" and when). */
    function showEnded(ended) {
      root.hidden = ended;
    }

    // -- held entries --------------------------------------------------------------------------

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

    function hold(entry, html) {
      held.set(entry.id, { entry, html });
      showHeld();
    }

    function drop(id) {
      if (held.delete(id)) showHeld();
    }

    function dropAll() {
      held.clear();
      showHeld();
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

    return {
      belongs,
      build,
      place,
      findArticle,
      replaceArticle,
      removeArticle,
      applyPage,
      showEnded,
      isHeld: (id) => held.has(id),
      hold,
      drop,
      dropAll,
    };
  };
})();
