/* liveblog reader pages: posts and videos of other sites load only after the reader agrees.

   An entry line that holds only a provider's URL is stored as a local placeholder
   (`figure.embed`, liveblog.render): the provider's name, a privacy note, the link, and the
   buttons "Load content from X" and "always load from X", `hidden` so that without this script
   only the link shows. Nothing is requested from the provider before a click. This script
   shows the buttons; a click on "load" replaces the placeholder by a sandboxed iframe of
   `data-embed-src` (built by the server from provider and id), but only if that address is
   https on one of the provider's origins below (the page's Content-Security-Policy lists the
   same origins in `frame-src`). With "always" ticked the provider is remembered in
   localStorage (one key, a JSON list of providers; a blocked or broken storage remembers for
   this page only): that provider's embeds load at once, now and on later pages, and show
   "stop loading from X automatically", which forgets it and turns them back into placeholders.

   The page includes this script and embeds.css only when its entries hold an embed, and only
   such a page's policy allows frames (liveblog.web.security_headers.framing_embeds). On a page
   without one, live-view.js loads this script when an entry with an embed arrives
   (`window.liveblogEmbeds` is "late"; this script then loads embeds.css itself): there a
   click reloads the page, which then frames the embed (this one once, through sessionStorage,
   or the provider always). Entries inserted later (live updates) are found by a
   MutationObserver. */

(() => {
  "use strict";

  if (window.liveblogEmbeds === true) return;
  const framesBlocked = window.liveblogEmbeds === "late";
  window.liveblogEmbeds = true;

  // The origins each provider's iframes may load from: liveblog.domain.embeds.PROVIDER_ORIGINS
  // (tests/web/test_embeds_script.py keeps them equal; JSON, so that the test can read it).
  // prettier-ignore
  const ORIGINS = {
    "youtube": ["https://www.youtube-nocookie.com"],
    "vimeo": ["https://player.vimeo.com"],
    "x": ["https://platform.twitter.com"],
    "instagram": ["https://www.instagram.com"],
    "tiktok": ["https://www.tiktok.com"],
    "facebook": ["https://www.facebook.com"],
    "telegram": ["https://t.me"],
    "mastodon": [
      "https://chaos.social", "https://det.social", "https://fosstodon.org",
      "https://hachyderm.io", "https://infosec.exchange", "https://journa.host",
      "https://mas.to", "https://mastodon.online", "https://mastodon.social",
      "https://mastodon.world", "https://mstdn.social", "https://newsie.social",
      "https://norden.social", "https://social.bund.de", "https://social.tchncs.de",
      "https://troet.cafe"
    ],
    "bluesky": ["https://embed.bsky.app"]
  };
  const KEY = "liveblog-embeds-always";
  const ONCE = "liveblog-embeds-once";
  // Frames of a landscape video (16:9); the others (posts, TikTok's upright videos) are tall.
  const VIDEOS = [
    "https://www.youtube-nocookie.com/",
    "https://player.vimeo.com/",
    "https://www.facebook.com/plugins/video.php",
  ];
  const SANDBOX = "allow-scripts allow-same-origin allow-popups allow-presentation";

  // -- what the reader chose ---------------------------------------------------------------

  function stored() {
    try {
      const list = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(list) ? list.filter((p) => typeof p === "string") : [];
    } catch (error) {
      return [];
    }
  }

  const always = new Set(stored());

  /** The address to frame once after a reload (see the top), taken out of sessionStorage. */
  function takeOnce() {
    try {
      const src = window.sessionStorage.getItem(ONCE);
      window.sessionStorage.removeItem(ONCE);
      return src || "";
    } catch (error) {
      return "";
    }
  }

  let once = framesBlocked ? "" : takeOnce();

  function save() {
    try {
      if (always.size) window.localStorage.setItem(KEY, JSON.stringify(Array.from(always)));
      else window.localStorage.removeItem(KEY);
    } catch (error) {
      // Storage blocked or full: the choice holds for this page.
    }
  }

  // -- one embed ---------------------------------------------------------------------------

  /** The iframe address of `figure`, or "" when it is not on one of its provider's origins. */
  function source(figure) {
    const allowed = ORIGINS[figure.dataset.embedProvider] || [];
    try {
      const url = new URL(figure.dataset.embedSrc || "");
      if (url.protocol === "https:" && !url.username && allowed.includes(url.origin)) {
        return url.href;
      }
    } catch (error) {
      // Not a URL: stays a link.
    }
    return "";
  }

  function part(figure, selector) {
    return figure.querySelector(selector);
  }

  function load(figure, focus) {
    if (part(figure, ".embed-frame")) return;
    const src = source(figure);
    const consent = part(figure, ".embed-consent");
    if (!src || !consent) return;
    const title = part(figure, ".embed-title");
    const link = part(figure, ".embed-link a");
    const frame = document.createElement("div");
    const video = VIDEOS.some((prefix) => src.startsWith(prefix));
    frame.className = video ? "embed-frame embed-frame--video" : "embed-frame";
    const iframe = document.createElement("iframe");
    iframe.setAttribute("sandbox", SANDBOX);
    iframe.setAttribute("allow", "encrypted-media; fullscreen; picture-in-picture");
    iframe.setAttribute("loading", "lazy");
    iframe.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    iframe.title = [title && title.textContent.trim(), link && link.getAttribute("href")]
      .filter(Boolean)
      .join(": ");
    iframe.src = src;
    frame.append(iframe);
    consent.hidden = true;
    consent.after(frame);
    showForget(figure);
    // The reader asked for it: focus goes to the frame (its title names it), as the button
    // that had the focus is gone.
    if (focus) iframe.focus({ preventScroll: true });
  }

  function unload(figure) {
    const frame = part(figure, ".embed-frame");
    if (frame) frame.remove();
    const consent = part(figure, ".embed-consent");
    if (consent) consent.hidden = false;
    const box = part(figure, ".embed-always input");
    if (box) box.checked = false;
    showForget(figure);
  }

  function showForget(figure) {
    const forget = part(figure, ".embed-forget");
    if (forget) {
      forget.hidden = !(always.has(figure.dataset.embedProvider) && part(figure, ".embed-frame"));
    }
  }

  function figures(provider) {
    return Array.from(document.querySelectorAll("figure.embed")).filter(
      (figure) => figure.dataset.embedProvider === provider && figure.dataset.embedReady,
    );
  }

  function setUp(figure) {
    if (figure.dataset.embedReady || !source(figure)) return;
    figure.dataset.embedReady = "true";
    const provider = figure.dataset.embedProvider;
    const button = part(figure, ".embed-load");
    const choice = part(figure, ".embed-always");
    const forget = part(figure, ".embed-forget");
    if (!button) return;
    button.hidden = false;
    if (choice) choice.hidden = false;
    button.addEventListener("click", () => {
      const box = choice && choice.querySelector("input");
      if (framesBlocked) {
        if (box && box.checked) always.add(provider);
        save();
        try {
          window.sessionStorage.setItem(ONCE, source(figure));
        } catch (error) {
          // Then the reloaded page asks again, and frames it at the next click.
        }
        window.location.reload();
      } else if (box && box.checked) {
        always.add(provider);
        save();
        figures(provider).forEach((other) => load(other, other === figure));
      } else {
        load(figure, true);
      }
    });
    if (forget) {
      forget.addEventListener("click", () => {
        always.delete(provider);
        save();
        figures(provider).forEach(unload);
        button.focus();
      });
    }
    if (always.has(provider) && !framesBlocked) {
      load(figure, false);
    } else if (once && once === source(figure)) {
      once = "";
      load(figure, false);
      figure.scrollIntoView({ block: "nearest" });
    }
  }

  function setUpWithin(node) {
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    if (node.matches("figure.embed")) setUp(node);
    else node.querySelectorAll("figure.embed").forEach(setUp);
  }

  function start() {
    setUpWithin(document.body);
    new MutationObserver((records) => {
      for (const record of records) record.addedNodes.forEach(setUpWithin);
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (framesBlocked) {
    // The buttons show once their style is there.
    const style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = "/static/embeds.css";
    style.addEventListener("load", start, { once: true });
    style.addEventListener("error", start, { once: true });
    document.head.append(style);
  } else {
    start();
  }
})();
