"""What a blog publishes beyond its pages: feeds (Atom, RSS 2.0, JSON Feed 1.1) that a WebSub
hub is told about, sitemaps for search engines and ``robots.txt``.

Each output is rendered from the database alone and served from the page cache
(:mod:`liveblog.web.page_cache`) like a reader page: stale at once after a local commit, ETag and
304, the reader pages' ``Cache-Control``. Absolute URLs come from ``LIVEBLOG_PUBLIC_URL``
(:mod:`liveblog.web.urls`). See ``docs/outputs.md``.

* :mod:`.xml_text` - text that XML 1.0 can carry, and the element helpers every XML output uses;
* :mod:`.feeds` - what a feed holds (entries, tombstones, links), read through
  :mod:`liveblog.storage.reads`;
* :mod:`.atom`, :mod:`.rss`, :mod:`.json_feed` - that feed in each format;
* :mod:`.websub` - telling the hub about changes, in the background;
* :mod:`.sitemaps` - ``/sitemap.xml``, ``/sitemap-news.xml`` and ``/robots.txt``;
* :mod:`.routes` - the routes and their page-cache keys (the fast path's too).
"""
