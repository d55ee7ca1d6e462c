"""Reader pages: ``/``, ``/live/{slug}`` and ``/live/{slug}/entries/{id}``.

:mod:`.views` parses what a URL asks for, :mod:`.models` holds what a page shows,
:mod:`.pages` renders it, :mod:`.routes` serves it through the page cache and
:mod:`.fast_path` answers cache hits before the application is entered. Imports nothing
eagerly: :mod:`liveblog.web.page_cache` imports :mod:`.models`, and :mod:`.routes` imports the
page cache.
"""
