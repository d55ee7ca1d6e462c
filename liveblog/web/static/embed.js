/* liveblog embed: tells the page that frames it how tall the embed is.

   The embed (/live/{slug}/embed, liveblog.web.reader.embed) lists the origins that may frame it
   on `<body data-embed-origins="https://a.example https://b.example">`; its
   Content-Security-Policy (`frame-ancestors`) already keeps every other site from framing it.
   This script finds the parent's origin (`location.ancestorOrigins[0]`, else the origin of
   `document.referrer`) and, only if it is one of those, sends the parent
   `{type: "liveblog:height", height: <CSS pixels>}` with that origin as `postMessage`'s target,
   never "*": no other page can read it. It sends again whenever the page's height changes
   (ResizeObserver, e.g. when live.js inserts entries) and when the parent's resizer says
   `{type: "liveblog:hello"}` (it may have started after the first message); the hello counts
   only from `window.parent` with that origin. Outside an iframe, or framed by a page whose
   origin is not listed, it does nothing. The parent's side is embed-resizer.js. */

(() => {
  "use strict";

  if (window.parent === window) return;
  const allowed = (document.body.dataset.embedOrigins || "").split(/\s+/).filter(Boolean);

  function parentOrigin() {
    const ancestors = window.location.ancestorOrigins;
    if (ancestors && ancestors.length) return ancestors[0];
    try {
      return document.referrer ? new URL(document.referrer).origin : "";
    } catch (error) {
      return "";
    }
  }

  const origin = parentOrigin();
  if (!origin || !allowed.includes(origin)) return;

  let sent = 0;

  function height() {
    return Math.ceil(document.documentElement.getBoundingClientRect().height);
  }

  function send(force) {
    const now = height();
    if (!force && now === sent) return;
    sent = now;
    window.parent.postMessage({ type: "liveblog:height", height: now }, origin);
    document.documentElement.dataset.embedHeight = String(now); // for tests
  }

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || event.origin !== origin) return;
    if (event.data && event.data.type === "liveblog:hello") send(true);
  });
  if (typeof window.ResizeObserver === "function") {
    new ResizeObserver(() => send(false)).observe(document.documentElement);
  } else {
    window.addEventListener("resize", () => send(false));
    new MutationObserver(() => send(false)).observe(document.body, {
      childList: true,
      subtree: true,
      characterData: true,
    });
  }
  window.addEventListener("load", () => send(false));
  send(true);
})();
