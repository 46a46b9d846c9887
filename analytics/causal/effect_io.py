"""Effect analysis shared by the `effect` command, POST /api/v1/effects and the EBPM tab.

Reads user data (CSV bytes or JSON records) in memory with size and row limits, validates the
method options, runs every estimator plus the sensitivity checks from `analytics.causal`, and
turns the result into the documented JSON ({"rows", "diagnostics", "warnings"}). Problems are
raised as `EffectInputError` code dicts (never English), so each front end words them itself;
the sentences live in analytics/causal/messages.py.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import pandas as pd

from analytics.causal import (
    EffectInputError,
    EffectResult,
    assess_assumptions,
    e_values,
    estimate_effects,
    placebo_test,
    random_common_cause_test,
    to_jsonable,
    validate_effect_input,
)
from analytics.causal.bootstrap import CI_KINDS
from analytics.causal.design import is_categorical
from analytics.causal.effect_csv import CsvShapeError, cell_errors, parse_csv_text
from analytics.causal.headline import ESTIMANDS
from analytics.causal.validation import MAX_CATEGORY_LEVELS
from analytics.student_schema import KAGGLE_HEADER, normalise_category
from analytics.text_decoding import decode_text

# Largest data set analysed in one request/upload (the estimators take ~1-2 s at 100k rows).
MAX_EFFECT_ROWS = 200_000
SAMPLE_SEED = 20_261_123
MAX_PSM_K = 20
ROW_KEYS = ("method", "estimand", "estimate", "se", "ci_low", "ci_high", "p_value", "n", "se_type", "reliable",
            "reason")
MAX_BOOTSTRAP = 5_000
# A caliper is in standard deviations of the logit propensity; beyond a few SDs it matches anything.
MAX_CALIPER = 5.0
# A text column counts as "numbers with stray text" when most of its distinct values are numbers.
NUMERIC_SHARE = 0.5
SHOWN_VALUES = 5
BINARY_SNIFF_BYTES = 8192
# A numeric column with at most this many distinct values can define subgroups (e.g. a 1-5 rating).
MAX_NUMERIC_GROUPS = 10


def input_error(code: str, column: str | None = None, *, field: str | None = None, **params) -> EffectInputError:
    """One coded problem, shaped like analytics' validation errors (plus the request field)."""
    return EffectInputError([{"code": code, "column": column, "field": field, "message_params": params}])


@dataclass(frozen=True)
class EffectOptions:
    """Method options of one analysis (validated on construction by `effect_options`)."""

    psm_k: int = 1
    caliper: float | None = 0.2
    replace: bool = True
    trim: tuple[float, float] | None = None
    cluster: str | None = None
    fixed_effects: str | None = None
    bootstrap: int = 0
    ci: str = "percentile"
    estimand: str = "ATE"

    def kwargs(self) -> dict:
        """Keyword arguments of `estimate_effects`."""
        return asdict(self)

    def check_kwargs(self) -> dict:
        """Keyword arguments of the refutation checks (the design, not the bootstrap)."""
        return {key: getattr(self, key) for key in ("psm_k", "caliper", "replace", "trim", "cluster", "fixed_effects")}


def _optional_column(value, name: str) -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise input_error("invalid_column_option", field=name, value=str(value))
    return value


def effect_options(psm_k=1, caliper=0.2, replace=True, trim=None, cluster=None, fixed_effects=None, bootstrap=0,
                   ci="percentile", estimand="ATE") -> EffectOptions:
    """Validated options; a bad value raises EffectInputError naming the option."""
    if isinstance(psm_k, bool) or not isinstance(psm_k, int) or not 1 <= psm_k <= MAX_PSM_K:
        raise input_error("invalid_psm_k", field="psm_k", value=str(psm_k), maximum=MAX_PSM_K)
    if caliper is not None and (isinstance(caliper, bool) or not isinstance(caliper, (int, float))
                                or not math.isfinite(caliper) or not 0 < caliper <= MAX_CALIPER):
        raise input_error("invalid_caliper", field="caliper", value=str(caliper))
    if not isinstance(replace, bool):
        raise input_error("invalid_replace", field="replace", value=str(replace))
    if trim is not None:
        valid = (isinstance(trim, (list, tuple)) and len(trim) == 2
                 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in trim)
                 and 0 <= trim[0] < 0.5 < trim[1] <= 1)
        if not valid:
            raise input_error("invalid_trim", field="trim", value=str(trim))
        trim = (float(trim[0]), float(trim[1]))
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or not (bootstrap == 0
                                                                           or 20 <= bootstrap <= MAX_BOOTSTRAP):
        raise input_error("invalid_bootstrap", field="bootstrap", value=str(bootstrap), maximum=MAX_BOOTSTRAP)
    if ci not in CI_KINDS:
        raise input_error("invalid_ci", field="ci", value=str(ci))
    if not isinstance(estimand, str) or estimand.upper() not in ESTIMANDS:
        raise input_error("invalid_estimand", field="estimand", value=str(estimand))
    return EffectOptions(psm_k=psm_k, caliper=None if caliper is None else float(caliper), replace=replace,
                         trim=trim, cluster=_optional_column(cluster, "cluster"),
                         fixed_effects=_optional_column(fixed_effects, "fixed_effects"), bootstrap=bootstrap,
                         ci=ci, estimand=estimand.upper())


def _is_test_prep(name) -> bool:
    key = " ".join(str(name).lower().split())
    return key == "test_prep" or KAGGLE_HEADER.get(key) == "test_prep"


def _coded_test_prep(frame: pd.DataFrame) -> pd.DataFrame:
    """A Kaggle-style test-prep column ('completed'/'none'), under the user's own name, becomes 0/1."""
    for name in [c for c in frame.columns if _is_test_prep(c)]:
        column = frame[name]
        if not is_categorical(column):
            continue
        canonical = column.map(lambda v: normalise_category("test_prep", str(v)) if pd.notna(v) else None)
        if canonical.notna().all():
            frame = frame.assign(**{name: (canonical == "completed").astype(int)})
    return frame


def read_effect_csv(data: bytes, name: str, *, max_bytes: int, max_rows: int = MAX_EFFECT_ROWS,
                    decimal: str | None = None) -> pd.DataFrame:
    """Parse an uploaded CSV (UTF-8 with/without BOM or CP932; , ; or tab; decimal . or , detected) in memory.

    Column names stay as written; bad cells are remembered per column (see effect_csv.py)."""
    if len(data) > max_bytes:
        raise input_error("file_too_large", name=name, size_mb=len(data) / 2**20, limit_mb=max_bytes / 2**20)
    if b"\0" in data[:BINARY_SNIFF_BYTES]:   # CP932 decodes almost any bytes; a NUL byte never occurs in a CSV
        raise input_error("not_text", name=name)
    try:
        text, _encoding = decode_text(data)
    except ValueError as exc:
        raise input_error("not_text", name=name) from exc
    if not text.strip():
        raise input_error("empty_file", name=name)
    try:
        frame = parse_csv_text(text, decimal=decimal)
    except CsvShapeError as exc:
        raise input_error(exc.code, exc.params.pop("column", None), name=name, **exc.params) from exc
    return finish_frame(frame, max_rows=max_rows)


def records_frame(rows: list, *, max_rows: int = MAX_EFFECT_ROWS) -> pd.DataFrame:
    """Rows given as JSON objects ({column: value}) as a DataFrame, with the same limits as a CSV."""
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise input_error("rows_not_objects", field="rows")
    if len(rows) > max_rows:
        raise input_error("too_many_rows", field="rows", n_rows=len(rows), max_rows=max_rows)
    for i, row in enumerate(rows):
        for column, value in row.items():
            if isinstance(value, (dict, list)):   # a cell holds one value, not an object or array
                raise input_error("cell_not_scalar", column, field=f"rows[{i}].{column}")
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2 ** 53:
                raise input_error("number_too_large", column, field=f"rows[{i}].{column}")
    frame = pd.DataFrame.from_records(rows)
    # JSON numbers arrive as Python objects when a column mixes in text or nulls; let pandas re-infer.
    return finish_frame(frame.infer_objects(), max_rows=max_rows)


def finish_frame(frame: pd.DataFrame, *, max_rows: int = MAX_EFFECT_ROWS) -> pd.DataFrame:
    """Row-count checks and the test_prep coding common to every source of user data."""
    if len(frame) > max_rows:
        raise input_error("too_many_rows", field="rows", n_rows=len(frame), max_rows=max_rows)
    if frame.empty:
        raise input_error("no_rows", field="rows")
    return _coded_test_prep(frame.reset_index(drop=True))


def _stray_text(series: pd.Series) -> list[str]:
    """Values that are not numbers in a column that is otherwise numeric (empty if it is a true category)."""
    if not is_categorical(series):
        return []
    values = pd.Series(series.dropna().unique())
    numeric = pd.to_numeric(values, errors="coerce").notna()
    if numeric.all() or numeric.mean() <= NUMERIC_SHARE:
        return []
    return [str(value) for value in values[~numeric][:SHOWN_VALUES]]


def check_effect_input(df: pd.DataFrame, treatment: str, outcome: str, covariates: list[str], *,
                       cluster: str | None = None, fixed_effects: str | None = None) -> list[dict]:
    """analytics' validation plus covariates that mix numbers with stray text (a typo in a number column)."""
    errors = validate_effect_input(df, treatment, outcome, covariates, cluster=cluster, fixed_effects=fixed_effects)
    bad_cells = cell_errors(df, [c for c in (treatment, outcome, *covariates, cluster, fixed_effects)
                                 if c is not None and c in df.columns])
    if bad_cells:   # the file's own cells, named with a line, replace the generic "missing values"
        named = {e["column"] for e in bad_cells}
        errors = bad_cells + [e for e in errors if not (e["code"] == "missing_values" and e["column"] in named)]
    stray = {column: _stray_text(df[column]) for column in covariates if column in df.columns}
    for column, values in stray.items():
        if values:
            errors = [e for e in errors if not (e["column"] == column and e["code"] == "high_cardinality_covariate")]
            errors.append({"code": "non_numeric_covariate", "column": column, "message_params": {"values": values}})
    return errors


def column_kinds(df: pd.DataFrame) -> dict[str, list[str]]:
    """Which columns can be the treatment (0/1), the outcome (other numbers), a covariate, a subgroup, or a
    cluster / fixed-effect id ("ids": 2+ levels, repeated across rows, any cardinality)."""
    kinds: dict[str, list[str]] = {"binary": [], "numeric": [], "covariates": [], "grouping": [], "ids": []}
    for column in df.columns:
        series = df[column].dropna()
        n_levels = series.nunique()
        categorical = is_categorical(series)
        if not categorical:
            is_binary = n_levels == 2 and set(series.unique()) == {0, 1}
            kinds["binary" if is_binary else "numeric"].append(column)
        if n_levels > 1 and not (categorical and n_levels > MAX_CATEGORY_LEVELS):
            kinds["covariates"].append(column)
        if 2 <= n_levels <= (MAX_CATEGORY_LEVELS if categorical else MAX_NUMERIC_GROUPS):
            kinds["grouping"].append(column)
        if 2 <= n_levels < len(series) and (categorical or pd.api.types.is_integer_dtype(series)):
            kinds["ids"].append(column)
    return kinds


@dataclass
class EffectAnalysis:
    """Everything one analysis produced: estimates and diagnostics, E-values, refutations, assumptions."""

    result: EffectResult
    e_values: pd.DataFrame
    refutations: list[dict] = field(default_factory=list)
    assumptions: list[dict] = field(default_factory=list)


def run_checks(df: pd.DataFrame, result: EffectResult) -> tuple[list[dict], list[dict]]:
    """Placebo and random-common-cause refutations of the headline, then the assumption report."""
    spec = result.settings
    options = {key: spec[key] for key in ("psm_k", "caliper", "replace", "trim", "cluster", "fixed_effects")}
    headline = result.headline or {"method": "aipw", "estimand": "ATE"}
    options.update(method=headline["method"], estimand=headline["estimand"])
    args = (df, spec["treatment"], spec["outcome"], spec["covariates"])
    refutations = [placebo_test(*args, **options), random_common_cause_test(*args, **options)]
    return refutations, assess_assumptions(result, refutations)


def sample_for_analysis(frame: pd.DataFrame, limit: int = MAX_EFFECT_ROWS) -> pd.DataFrame:
    """At most `limit` rows: larger tables (a 1 M-student warehouse) give a seeded simple random sample.

    At 200,000 rows the standard errors are already a fraction of a score point, while every
    estimator, refutation and subgroup refit on a million rows would keep an official waiting
    ~20 s. The sample keeps table order and remembers the population size for the warning.
    """
    if len(frame) <= limit:
        return frame
    sample = frame.sample(n=limit, random_state=SAMPLE_SEED).sort_index().reset_index(drop=True)
    sample.attrs["sampled_from"] = len(frame)
    return sample


def note_sampling(result: EffectResult, frame: pd.DataFrame) -> EffectResult:
    """Add the 'rows_sampled' warning to a result estimated on a sample (once)."""
    total = frame.attrs.get("sampled_from")
    if total and not any(w.get("code") == "rows_sampled" for w in result.warnings):
        result.warnings.insert(0, {"code": "rows_sampled", "message_params": {"n_rows": len(frame), "total": total}})
    return result


def analyse_effect(df: pd.DataFrame, treatment: str, outcome: str, covariates: list[str],
                   options: EffectOptions = EffectOptions(), *, post_treatment=frozenset(),
                   checks: bool = True) -> EffectAnalysis:
    """Validate, estimate with every method, and (unless checks=False) run the sensitivity checks."""
    errors = check_effect_input(df, treatment, outcome, covariates, cluster=options.cluster,
                                fixed_effects=options.fixed_effects)
    if errors:
        raise EffectInputError(errors)
    result = note_sampling(estimate_effects(df, treatment, outcome, covariates, post_treatment=post_treatment,
                                            **options.kwargs()), df)
    refutations, assumptions = run_checks(df, result) if checks else ([], assess_assumptions(result))
    return EffectAnalysis(result, e_values(result), refutations, assumptions)


def effect_payload(analysis: EffectAnalysis, describe, extra_diagnostics: dict | None = None) -> dict:
    """The documented JSON: rows of the table, diagnostics (with sensitivity), warnings as sentences."""
    result = analysis.result
    rows = to_jsonable(result.table[list(ROW_KEYS)].to_dict(orient="records"))
    for row in rows:   # the reason a row is unreliable, as a sentence next to its code
        if row["reason"]:
            row["reason"] = {**row["reason"], "message": describe(row["reason"])}
    headline = result.headline and {**result.headline,
                                    "reason": {**result.headline["reason"],
                                               "message": describe(result.headline["reason"])}}
    diagnostics = to_jsonable({
        **result.diagnostics,
        "settings": result.settings,
        "e_values": analysis.e_values.to_dict(orient="records"),
        "refutations": analysis.refutations,
        "assumptions": analysis.assumptions,
        "warning_codes": result.warnings,
        **(extra_diagnostics or {}),
    })
    return {"rows": rows, "headline": headline, "diagnostics": diagnostics,
            "warnings": [describe(w) for w in result.warnings]}
