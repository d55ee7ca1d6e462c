"""UI strings in the blog's language: Babel message catalogs, one per language of
:data:`~liveblog.domain.rules.LANGUAGES`, under ``locale/<lang>/LC_MESSAGES/messages.po``.

The msgids are the English texts. Python code marks them with ``_("...")`` (``_`` bound to
:func:`translator`) or, where a string is chosen before the language is known, with
:func:`N_`; templates use ``{{ _("...") }}`` through Jinja2's ``i18n`` extension (see
:func:`install`). ``pybabel extract -F babel.cfg .`` finds all of them, and a test checks that
the catalogs hold exactly the extracted msgids, each translated.

The ``.po`` files are the only source: each is compiled in memory the first time its language
is used (a few milliseconds, once per process), so there is no ``.mo`` file that could fall
behind its ``.po``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment

from liveblog.domain.rules import LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Marks ``message`` for extraction; it is translated later, where the language is known."""
    return message


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> Translations:
    """The catalog of ``language``; the first of :data:`LANGUAGES` for any other value."""
    language = language if language in LANGUAGES else LANGUAGES[0]
    with catalog_path(language).open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def translator(language: str) -> Callable[[str], str]:
    """``gettext`` of ``language``: bind it to ``_`` so ``pybabel extract`` finds the calls."""
    return translations(language).gettext


def install(env: Environment, language: str) -> None:
    """Give ``env``'s templates ``_``/``gettext``/``ngettext`` in ``language`` (the env needs
    the ``jinja2.ext.i18n`` extension). Translations are autoescaped like any other value."""
    env.install_gettext_translations(translations(language), newstyle=False)  # type: ignore[attr-defined]
