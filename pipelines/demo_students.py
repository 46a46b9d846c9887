"""Demo students shaped like the Kaggle data, with a confounded test-prep course of known effect."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.causal.simulate import school_sizes
from analytics.student_schema import GENDERS, LUNCH, PARENTAL_EDUCATION, RACE_ETHNICITY, TEST_PREP

# Proportions of the real Kaggle file (1,000 rows).
P_FEMALE = 0.518
P_RACE = (0.089, 0.190, 0.319, 0.262, 0.140)
# Order of PARENTAL_EDUCATION: some high school, high school, some college, associate's, bachelor's, master's.
P_PARENT = (0.179, 0.196, 0.226, 0.222, 0.118, 0.059)
P_STANDARD_LUNCH = 0.645

# The planted causal effect of completing the test-prep course, in score points.
TRUE_EFFECT = {"math_score": 3.0, "reading_score": 5.0, "writing_score": 7.0}
# Group effects (points) chosen so group means resemble the real file.
RACE_SHIFT = np.array([-3.0, -2.0, -1.0, 1.5, 5.0])
PARENT_SHIFT = np.array([-3.0, -2.5, 0.5, 1.0, 2.5, 3.5])
# Schools: about 500 pupils each (200 at n = 100,000), sizes varying, classes of CLASS_SIZE; each school
# shifts all its pupils' scores (SD SCHOOL_SD points), taken out of the pupils' own noise so that score
# spreads (and clipping at 100, which would bend the test-prep truth) stay as before. A math tutoring
# programme is given to whole schools (TUTORED_SHARE of them, at random: a cluster-randomised trial) with
# a planted effect; its shift is centred so the mean score stays as before too.
PUPILS_PER_SCHOOL = 500
MIN_SCHOOLS = 10
CLASS_SIZE = 30
SCHOOL_SD = {"math_score": 3.0, "reading_score": 2.0, "writing_score": 2.0}
NOISE_SD = {"math_score": 4.4, "reading_score": 2.6, "writing_score": 2.6}   # school + pupil noise together
TUTORED_SHARE = 0.4
TUTORING_EFFECT = {"math_score": 4.0, "reading_score": 0.0, "writing_score": 0.0}
# A separate stream for the schools, so the pupils' own draws (and the test-prep truth) are unchanged.
SCHOOL_STREAM = 12
# Who takes the course: more likely with educated parents and standard lunch (the confounding).
PREP_LOGIT_PARENT = np.array([-0.6, -0.4, 0.0, 0.2, 0.5, 0.8])
PREP_LOGIT_RACE = np.array([-0.2, -0.1, 0.0, 0.1, 0.3])


def generate_schools(n: int, seed: int) -> pd.DataFrame:
    """Per pupil: school code, class code within the school, the school's tutoring flag and its school effect
    on each subject (standard normal; independent across subjects so score correlations stay as before)."""
    rng = np.random.default_rng([seed, SCHOOL_STREAM])
    n_schools = max(1, min(max(MIN_SCHOOLS, n // PUPILS_PER_SCHOOL), n // 20))
    sizes = school_sizes(n, n_schools, rng) if n_schools > 1 else np.array([n])
    school = np.repeat(np.arange(n_schools), sizes)
    within = np.concatenate([np.arange(size) for size in sizes])
    tutored = np.zeros(n_schools, dtype=bool)
    tutored[rng.permutation(n_schools)[:max(1, round(TUTORED_SHARE * n_schools))]] = True
    return pd.DataFrame({"school_code": school.astype(np.int16), "class_code": (within // CLASS_SIZE).astype(np.int16),
                         "tutoring_code": tutored[school].astype(np.int8),
                         **{f"school_effect_{outcome}": rng.standard_normal(n_schools)[school]
                            for outcome in SCHOOL_SD}})


def generate_students(n: int, seed: int) -> pd.DataFrame:
    """Return n students with codes (gender, race, parent, lunch, prep, school, class, tutoring) and scores."""
    schools = generate_schools(n, seed)
    tutoring = schools["tutoring_code"].to_numpy()

    def school_part(outcome):   # school effect (its own per subject) + centred tutoring effect
        return (SCHOOL_SD[outcome] * schools[f"school_effect_{outcome}"].to_numpy()
                + TUTORING_EFFECT[outcome] * (tutoring - TUTORED_SHARE))

    def noise(outcome):
        return np.sqrt(NOISE_SD[outcome] ** 2 - SCHOOL_SD[outcome] ** 2) * rng.standard_normal(n)

    rng = np.random.default_rng(seed)
    female = rng.random(n) < P_FEMALE
    race = rng.choice(5, size=n, p=P_RACE)
    parent = rng.choice(6, size=n, p=P_PARENT)
    standard = rng.random(n) < P_STANDARD_LUNCH
    logit = -0.90 + PREP_LOGIT_PARENT[parent] + PREP_LOGIT_RACE[race] + 0.45 * standard
    prep = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    general = rng.standard_normal(n)        # shared ability -> math-reading correlation
    verbal = rng.standard_normal(n)         # verbal ability -> reading-writing correlation
    base = RACE_SHIFT[race] + PARENT_SHIFT[parent] + 9.0 * standard
    math = (55.5 + base + 2.0 * standard + 5.0 * ~female + 12.5 * general
            + 3.2 * verbal + TRUE_EFFECT["math_score"] * prep + noise("math_score")
            + school_part("math_score"))
    reading = (61.0 + 0.7 * base - 1.0 * standard + 7.0 * female + 11.0 * general
               + 5.2 * verbal + TRUE_EFFECT["reading_score"] * prep + noise("reading_score")
               + school_part("reading_score"))
    writing = (58.0 + 0.7 * base - 0.5 * standard + 9.0 * female + 11.0 * general
               + 5.4 * verbal + TRUE_EFFECT["writing_score"] * prep + noise("writing_score")
               + school_part("writing_score"))
    clip = lambda x: np.clip(np.rint(x), 0, 100).astype(np.int16)
    return pd.DataFrame({
        "gender_code": (~female).astype(np.int8),   # 0 female, 1 male (GENDERS order)
        "race_code": race.astype(np.int8),
        "parent_code": parent.astype(np.int8),
        "lunch_code": (~standard).astype(np.int8),  # 0 standard, 1 free/reduced (LUNCH order)
        "prep_code": prep.astype(np.int8),          # 0 none, 1 completed (TEST_PREP order)
        "math_score": clip(math), "reading_score": clip(reading), "writing_score": clip(writing),
        "school_code": schools["school_code"], "class_code": schools["class_code"],
        "tutoring_code": schools["tutoring_code"],
    })


def decode_students(coded: pd.DataFrame) -> pd.DataFrame:
    """Turn the codes into the warehouse's category strings (small scales and tests)."""
    out = pd.DataFrame({
        "gender": np.array(GENDERS)[coded.gender_code],
        "race_ethnicity": np.array(RACE_ETHNICITY)[coded.race_code],
        "parental_education": np.array(PARENTAL_EDUCATION)[coded.parent_code],
        "lunch": np.array(LUNCH)[coded.lunch_code],
        "test_prep": np.array(TEST_PREP)[coded.prep_code],
    })
    for col in ("math_score", "reading_score", "writing_score"):
        out[col] = coded[col].astype(int)
    if "school_code" in coded:
        out["school_id"] = school_ids(coded["school_code"].to_numpy())
        out["class_id"] = class_ids(coded["school_code"].to_numpy(), coded["class_code"].to_numpy())
        out["tutoring"] = coded["tutoring_code"].astype(int)
    return out


def school_ids(school_code: np.ndarray) -> np.ndarray:
    """'SCH001' ... from 0-based school codes (the warehouse's school_id)."""
    return np.char.add("SCH", np.char.zfill((school_code + 1).astype(str), 3))


def class_ids(school_code: np.ndarray, class_code: np.ndarray) -> np.ndarray:
    """'SCH001-01' ...: school id and the class number within it (the warehouse's class_id)."""
    return np.char.add(np.char.add(school_ids(school_code), "-"), np.char.zfill((class_code + 1).astype(str), 2))
