"""The student record schema: Kaggle header mapping, allowed categories, score columns."""
from __future__ import annotations

GENDERS = ("female", "male")
RACE_ETHNICITY = ("group A", "group B", "group C", "group D", "group E")
PARENTAL_EDUCATION = (
    "some high school", "high school", "some college",
    "associate's degree", "bachelor's degree", "master's degree",
)
LUNCH = ("standard", "free/reduced")
TEST_PREP = ("none", "completed")

CATEGORIES: dict[str, tuple[str, ...]] = {
    "gender": GENDERS,
    "race_ethnicity": RACE_ETHNICITY,
    "parental_education": PARENTAL_EDUCATION,
    "lunch": LUNCH,
    "test_prep": TEST_PREP,
}
SCORES = ("math_score", "reading_score", "writing_score")
REQUIRED_COLUMNS = (*CATEGORIES, *SCORES)
SCORE_MIN, SCORE_MAX = 0, 100

# Kaggle "Students Performance in Exams" header -> warehouse snake_case.
KAGGLE_HEADER = {
    "gender": "gender",
    "race/ethnicity": "race_ethnicity",
    "parental level of education": "parental_education",
    "lunch": "lunch",
    "test preparation course": "test_prep",
    "math score": "math_score",
    "reading score": "reading_score",
    "writing score": "writing_score",
}

# Spellings seen in real copies of the file, folded onto the canonical category.
CATEGORY_ALIASES: dict[str, dict[str, str]] = {
    "gender": {"f": "female", "m": "male"},
    "race_ethnicity": {x: f"group {x}" for x in "abcde"} | {f"group{x}": f"group {x}" for x in "abcde"},
    "lunch": {"free": "free/reduced", "reduced": "free/reduced", "free / reduced": "free/reduced"},
    "test_prep": {"complete": "completed", "no": "none", "yes": "completed"},
    "parental_education": {"associates degree": "associate's degree", "bachelors degree": "bachelor's degree",
                           "masters degree": "master's degree"},
}
NA_STRINGS = frozenset({"", "na", "n/a", "nan", "null", "-", "--", "?", "missing", "#n/a"})


def normalise_header(name: str) -> str:
    """Map a raw CSV header cell (Kaggle or snake_case, any case/whitespace) to a warehouse column."""
    key = " ".join(name.replace("\ufeff", "").strip().strip('"').lower().split())
    if key in KAGGLE_HEADER:
        return KAGGLE_HEADER[key]
    return key.replace(" ", "_").replace("/", "_")


def normalise_category(column: str, value: str) -> str | None:
    """Return the canonical category for a raw value, or None if it is not allowed."""
    key = " ".join(value.strip().lower().split())
    key = CATEGORY_ALIASES.get(column, {}).get(key, key)
    return _CANONICAL[column].get(key)


# Lower-cased spelling -> canonical spelling, per column.
_CANONICAL = {col: {v.lower(): v for v in values} for col, values in CATEGORIES.items()}
