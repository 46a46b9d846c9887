"""The translation table is complete and language negotiation follows Accept-Language."""
from dashboard.common.i18n import TABLE, negotiate, t


def test_every_string_has_english_and_japanese():
    missing = [k for k, v in TABLE.items() if not v.get("en") or not v.get("ja")]
    assert missing == []


def test_japanese_strings_are_translated_not_copied():
    same = [k for k, v in TABLE.items() if v["en"] == v["ja"] and any(c.isalpha() for c in v["en"])
            and k not in {"app.title"}]
    assert same == []


def test_placeholders_match_between_languages():
    import string

    def fields(text):
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    assert [k for k, v in TABLE.items() if fields(v["en"]) != fields(v["ja"])] == []


def test_negotiate_prefers_highest_q():
    assert negotiate("ja,en-US;q=0.8") == "ja"
    assert negotiate("en-US,en;q=0.9,ja;q=0.8") == "en"
    assert negotiate("fr-FR, ja;q=0.5") == "ja"
    assert negotiate(None) == "en"
    assert negotiate("de") == "en"


def test_t_formats_and_falls_back():
    assert t("overview.kpi.below_pass", "ja", mark=50) == "数学が合格点（50点）未満"
    assert t("overview.kpi.below_pass", "xx", mark=40).startswith("Math below pass mark (40)")
    assert t("no.such.key", "ja") == "no.such.key"
