"""The one translation layer of pages, reports and mails: gettext, with English source strings as ids.

`monitor/locale/<lang>/LC_MESSAGES/rivalwatch.po` is the source of truth (zh_CN translates every id; en is
the identity). Each .po is compiled in memory at first use (Babel's `read_po` + `write_mo`) and cached per
language, so there is no committed .mo and no build step. See docs/i18n.md for the extract/update workflow.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment

LANGUAGES = ("zh_CN", "en")
DEFAULT_LANGUAGE = "zh_CN"
DOMAIN = "rivalwatch"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
_HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext_noop name, a Babel default keyword
    """Mark `message` for extraction without translating it here; it is translated where it is shown."""
    return message


class TranslatableError(Exception):
    """A refusal shown to people: `message` is an English message id with %(placeholders)s (marked with N_
    where raised) and `params` fill them, so pages show it in their language; str() is the English."""

    def __init__(self, message: str, **params: Any) -> None:
        self.message = message
        self.params = params
        super().__init__(message % params)

    def translated(self, gettext: Any) -> str:
        """The message in the language of `gettext` (a page's `_`)."""
        return str(gettext(self.message) % self.params)


def normalise_language(value: str | None) -> str | None:
    """A supported language for `value` (`en`, `en-US`, `zh`, `zh-CN`, `zh_CN` …), or None."""
    if not value:
        return None
    lowered = value.strip().replace("-", "_").lower()
    if lowered.startswith("en"):
        return "en"
    if lowered.startswith("zh"):
        return "zh_CN"
    return None


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def translator(language: str | None) -> gettext.NullTranslations:
    """The translations for `language`; an unknown or missing language gets Simplified Chinese."""
    return _compiled(normalise_language(language) or DEFAULT_LANGUAGE)


@functools.cache
def _compiled(language: str) -> gettext.NullTranslations:
    with catalogue_path(language).open("rb") as handle:
        catalog = read_po(handle, locale=language, domain=DOMAIN)
    binary = io.BytesIO()
    write_mo(binary, catalog)  # fuzzy entries are left out, so they fall back to the English id
    binary.seek(0)
    return gettext.GNUTranslations(binary)


def install_translations(environment: Environment, language: str | None) -> Environment:
    """Give `environment` the i18n extension (`_`, `gettext`, `ngettext`, newstyle) in `language`."""
    environment.add_extension("jinja2.ext.i18n")
    environment.install_gettext_translations(translator(language), newstyle=True)  # type: ignore[attr-defined]
    return environment


def html_lang(language: str | None) -> str:
    """The HTML `lang` attribute for `language`."""
    return _HTML_LANG[normalise_language(language) or DEFAULT_LANGUAGE]
