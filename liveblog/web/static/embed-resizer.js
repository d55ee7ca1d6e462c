/* liveblog embed resizer: sizes liveblog embeds on the page that includes this script.

   Part of the code the desk gives to paste into another site (liveblog.web.reader.embed_code):
   `<iframe src="https://live.example.org/live/{slug}/embed" ... data-liveblog-embed>` and
   `<script src="https://live.example.org/static/embed-resizer.js" async>`. Our own code, no
   library (iframe-resizer 5 is GPL); it may be included more than once and for several embeds.

   The embed (embed.js) posts `{type: "liveblog:height", height: N}` to this page. A message
   counts only if it comes from one of the page's `iframe[data-liveblog-embed]`: `event.source`
   must be that iframe's `contentWindow` and `event.origin` the origin of its `src` (liveblog's).
   Anything else (another frame, another origin, this page itself, a bad height) is ignored.
   The iframe then gets the height as its CSS height (at most 100000 px) and
   `data-liveblog-height`. On start and whenever an embed (re)loads, the script greets each
   embed with `{type: "liveblog:hello"}`, sent only to the embed's origin, so an embed that
   posted its height before this script ran sends it again. */

(() => {
  "use strict";

  if (window.liveblogEmbedResizer) return;
  window.liveblogEmbedResizer = true;

  const MAX_HEIGHT = 100000;
  const greeted = new WeakSet();

  function embeds() {
    return Array.from(document.querySelectorAll("iframe[data-liveblog-embed]"));
  }

  function originOf(frame) {
    try {
      return new URL(frame.src, document.baseURI).origin;
    } catch (error) {
      return "";
    }
  }

  function greet(frame) {
    const origin = originOf(frame);
    // Only once another origin's document is in the frame (before, it holds about:blank).
    if (!origin || origin === "null" || !frame.contentWindow || frame.contentDocument) return;
    frame.contentWindow.postMessage({ type: "liveblog:hello" }, origin);
  }

  function watch(frame) {
    if (greeted.has(frame)) return;
    greeted.add(frame);
    frame.addEventListener("load", () => greet(frame));
    greet(frame);
  }

  window.addEventListener("message", (event) => {
    const data = event.data;
    if (!data || typeof data !== "object" || data.type !== "liveblog:height") return;
    const frame = embeds().find((candidate) => candidate.contentWindow === event.source);
    if (!frame || event.origin !== originOf(frame)) return;
    const height = Number(data.height);
    if (!Number.isFinite(height) || height <= 0 || height > MAX_HEIGHT) return;
    const pixels = String(Math.ceil(height));
    frame.style.height = pixels + "px";
    frame.dataset.liveblogHeight = pixels;
  });

  function start() {
    embeds().forEach(watch);
  }

  start();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
})();
