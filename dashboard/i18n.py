"""The one translation table (ja/en) of every user-facing string, and language negotiation."""
from __future__ import annotations

from importlib import import_module

LANGUAGES = ("en", "ja")
DEFAULT_LANGUAGE = "en"
# Each tab keeps its strings in dashboard/strings/<module>.py as STRINGS = {key: {"en", "ja"}};
# they are merged here into one table so there is one lookup and one completeness test.
STRING_MODULES = ("common", "overview", "predict", "ebpm", "recommend", "operations", "experiments")


def _load_table() -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for name in STRING_MODULES:
        try:
            module = import_module(f"dashboard.strings.{name}")
        except ModuleNotFoundError:
            continue
        for key, value in module.STRINGS.items():
            if key in table:
                raise ValueError(f"duplicate i18n key {key!r} in dashboard/strings/{name}.py")
            table[key] = value
    return table


TABLE = _load_table()


def t(key: str, lang: str | None = None, **params) -> str:
    """Translate `key` into `lang` (falling back to English, then to the key) and format params."""
    entry = TABLE.get(key)
    if entry is None:
        return key
    text = entry.get(normalise_lang(lang)) or entry.get(DEFAULT_LANGUAGE, key)
    return text.format(**params) if params else text


def normalise_lang(lang: str | None) -> str:
    """Return 'ja' or 'en' for any input."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def negotiate(accept_language: str | None) -> str:
    """Pick ja or en from an Accept-Language header by q-value."""
    best, best_q = DEFAULT_LANGUAGE, -1.0
    for part in (accept_language or "").split(","):
        pieces = part.strip().split(";")
        code = pieces[0].strip().lower()[:2]
        q = 1.0
        for p in pieces[1:]:
            if p.strip().startswith("q="):
                try:
                    q = float(p.strip()[2:])
                except ValueError:
                    q = 0.0
        if code in LANGUAGES and q > best_q:
            best, best_q = code, q
    return best


def labels(prefix: str, lang: str | None) -> dict[str, str]:
    """All strings whose key starts with `prefix`, keyed by the rest of the key (for figure labels)."""
    return {k[len(prefix):]: t(k, lang) for k in TABLE if k.startswith(prefix)}
