"""Data behind the EBPM tab and POST /api/v1/effects: warehouse students or an upload, memoized analyses.

No Dash here. An upload is kept server-side (warehouse/uploads.py) behind a random token; the
browser's dcc.Store holds only {source: "warehouse"|"upload", token, name, rows}, and
`source_from_store` turns that into a `Source` after checking every key, so a forged store can
neither name a path nor carry data of its own. Analyses are memoized by their inputs (source +
spec) so the estimates, sensitivity and forest callbacks fit the propensity model once.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics.causal import EffectInputError, EffectResult, estimate_effects
from analytics.causal.bootstrap import CI_KINDS, INTERACTIVE_REPLICATES
from analytics.causal.effect_csv import cell_errors
from analytics.causal.effect_io import (
    MAX_EFFECT_ROWS,
    MAX_PSM_K,
    EffectOptions,
    check_effect_input,
    column_kinds,
    effect_options,
    note_sampling,
    read_effect_csv,
    run_checks,
    sample_for_analysis,
)
from analytics.causal.headline import ESTIMANDS
from analytics.causal.sensitivity import assess_assumptions
from analytics.student_schema import CATEGORIES
from dashboard.common.data import current_provenance
from dashboard.common.provenance import empty_kind
from warehouse.connection import WarehouseMissing, read_only
from warehouse.effect_queries import (
    CLUSTER_COLUMNS,
    DEFAULT_OUTCOME,
    PRE_TREATMENT_COVARIATES,
    SCHOOL_TREATMENT,
    SUBGROUP_COLUMNS,
    TREATMENT,
    get_effect_students_df,
    get_planted_effect,
    post_treatment_columns,
)
from warehouse.publish import published_version
from warehouse.queries import SCORE_COLUMNS
from warehouse.uploads import UploadError, resolve_upload

WAREHOUSE = "warehouse"
UPLOAD = "upload"
STORE_KEYS = frozenset({"source", "token", "name", "rows"})
# Under poor overlap the tab bootstraps these (their analytic SEs are too small there).
WEIGHTING_METHODS = ("ipw", "aipw")


class StoreError(ValueError):
    """The browser's store does not hold what this page ever writes there (`code` names the problem)."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass(frozen=True)
class EffectSpec:
    """What to estimate: roles of the columns, method options and the subgroup (warehouse only)."""

    treatment: str
    outcome: str
    covariates: tuple[str, ...]
    options: EffectOptions = EffectOptions()
    filters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Source:
    """Where rows come from; `location` is a server path chosen by the server, never by a client."""

    kind: str          # WAREHOUSE | UPLOAD
    location: str      # the warehouse file, or the data folder holding uploads
    key: str           # the published version, or the upload token
    name: str = ""


def warehouse_source(db_path: str | Path) -> Source:
    """The current warehouse file: a newly published one (warehouse.publish) gets a new cache key."""
    path = Path(db_path)
    version = "-".join(map(str, published_version(path))) if path.exists() else "0"
    return Source(WAREHOUSE, str(path), version)


def upload_source(data_dir: str | Path, token) -> Source:
    """The stored upload behind a token (UploadError when the token is malformed, unknown or expired)."""
    info, _data = resolve_upload(data_dir, token)
    return Source(UPLOAD, str(data_dir), info.token, info.name)


def source_from_store(store, *, db_path: str | Path, data_dir: str | Path) -> Source:
    """The Source a store names; StoreError for anything this page never writes (paths, data, odd keys)."""
    if store is None:
        return warehouse_source(db_path)
    if not isinstance(store, dict) or not set(store) <= STORE_KEYS:
        raise StoreError("forged_store")
    if store.get("source") == WAREHOUSE and set(store) == {"source"}:
        return warehouse_source(db_path)
    if store.get("source") != UPLOAD or not isinstance(store.get("token"), str):
        raise StoreError("forged_store")
    try:
        return upload_source(data_dir, store["token"])
    except UploadError as exc:
        raise StoreError(exc.code) from exc


@functools.lru_cache(maxsize=4)
def load_frame(source: Source, filters: tuple[tuple[str, str], ...] = ()) -> pd.DataFrame:
    """The rows of a source (warehouse students, optionally filtered, or an upload parsed from its bytes)."""
    if source.kind == UPLOAD:
        _info, data = resolve_upload(source.location, source.key)
        # Limits were enforced when it was stored; the bytes are re-read so cell problems travel with the frame.
        return read_effect_csv(data, source.name, max_bytes=len(data), max_rows=MAX_EFFECT_ROWS)
    with read_only(source.location) as con:
        return sample_for_analysis(get_effect_students_df(con, dict(filters)))


def has_students(db_path: str | Path) -> bool:
    """Whether the warehouse holds any student (a missing or unreadable file holds none to analyse)."""
    try:
        return empty_kind(current_provenance(db_path), ("students",)) is None
    except WarehouseMissing:   # WarehouseUnreadable too: the page shows the "no students yet" state
        return False


def planted_effect(source: Source, treatment: str, outcome: str) -> float | None:
    """The demo generator's true effect for the warehouse students (None for uploads and real data)."""
    if source.kind == UPLOAD:
        return None
    with read_only(source.location) as con:
        return get_planted_effect(con, treatment, outcome)


def input_errors(source: Source, spec: EffectSpec) -> list[dict]:
    """Validation problems of a spec on its data (empty when it can be estimated)."""
    return check_effect_input(load_frame(source, spec.filters), spec.treatment, spec.outcome, list(spec.covariates),
                              cluster=spec.options.cluster, fixed_effects=spec.options.fixed_effects)


def _estimate(frame: pd.DataFrame, spec: EffectSpec, **extra) -> EffectResult:
    options = {**spec.options.kwargs(), **extra}
    return note_sampling(estimate_effects(frame, spec.treatment, spec.outcome, list(spec.covariates),
                                          post_treatment=post_treatment_columns(spec.treatment, spec.outcome),
                                          **options), frame)


@functools.lru_cache(maxsize=4)
def effect_result(source: Source, spec: EffectSpec) -> EffectResult:
    """All estimators and diagnostics for a validated spec (memoized by source and spec).

    When the overlap assumption warns and no bootstrap was asked for, the weighting estimators are
    re-run with as many bootstrap replicates as fit the interactive budget (their analytic SEs are
    too small under poor overlap); result.settings["bootstrap_methods"] then says so.
    """
    frame = load_frame(source, spec.filters)
    result = _estimate(frame, spec)
    if spec.options.bootstrap or assess_assumptions(result)[1]["status"] != "warn":
        return result
    replicates = replicates_for(len(frame))
    return _estimate(frame, spec, bootstrap=replicates, bootstrap_methods=WEIGHTING_METHODS)


# A shared link must show the same numbers, so the tab's automatic bootstrap size follows the data size (sized
# to stay within ~3 s on this machine), never the machine's speed at that moment.
REPLICATES_BY_ROWS = ((20_000, INTERACTIVE_REPLICATES[1]), (100_000, 100))


def replicates_for(n_rows: int) -> int:
    """Bootstrap replicates the tab adds for the weighting estimators at this many rows."""
    return next((reps for limit, reps in REPLICATES_BY_ROWS if n_rows <= limit), INTERACTIVE_REPLICATES[0])


def auto_bootstrap(result: EffectResult, spec: EffectSpec) -> int:
    """Replicates the tab added on its own for the weighting estimators (0 when it did not)."""
    settings = result.settings
    return int(settings.get("bootstrap") or 0) if not spec.options.bootstrap and settings.get(
        "bootstrap_methods") else 0


def sensitivity(source: Source, spec: EffectSpec) -> tuple[list[dict], list[dict]]:
    """Refutation checks and the assumption report of a spec's (memoized) result."""
    return run_checks(load_frame(source, spec.filters), effect_result(source, spec))


# ---- control values -> a validated spec (every value a browser sends is checked here) ---------------
TRIMS = {"none": None, "0.01": (0.01, 0.99), "0.05": (0.05, 0.95), "0.1": (0.1, 0.9)}
# One interactive request: more replicates belong to the `effect` command.
TAB_MAX_BOOTSTRAP = 1000
BOOTSTRAP_DEFAULT = 200
DEFAULT_FOREST_BY = "lunch"
CONTROL_KEYS = ("treatment", "outcome", "covariates", "filters", "psm_k", "caliper", "replace", "trim", "cluster",
                "fixed_effects", "estimand", "bootstrap", "ci")


def _bad(code: str, field: str, value, **params) -> EffectInputError:
    """A refused control value, naming the field inside the sentence too."""
    return EffectInputError([{"code": code, "column": None, "field": field,
                              "message_params": {"field": field, "value": str(value)[:40], **params}}])


def _number(value, kind, field: str, code: str):
    """An int/float from a control (numbers or numeric text); EffectInputError naming the field otherwise."""
    if value is None or value == "":
        return None
    try:
        number = kind(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None or (kind is int and isinstance(value, float) and not value.is_integer()):
        raise _bad(code, field, value, maximum=TAB_MAX_BOOTSTRAP if field == "bootstrap" else MAX_PSM_K)
    return number


def _column(value, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _bad("invalid_column_option", field, value)
    return value


def validated_spec(controls: dict, *, allow_filters: bool) -> EffectSpec:
    """An EffectSpec from the tab's control values; EffectInputError (naming the field) for any bad value."""
    if not isinstance(controls, dict) or set(controls) - set(CONTROL_KEYS):
        raise _bad("invalid_column_option", "controls", "?")
    treatment, outcome = _column(controls.get("treatment"), "treatment"), _column(controls.get("outcome"), "outcome")
    covariates = controls.get("covariates") or []
    if not isinstance(covariates, list) or not all(isinstance(c, str) for c in covariates):
        raise _bad("invalid_column_option", "covariates", covariates)
    filters = controls.get("filters") or {}
    if isinstance(filters, dict):
        filters = {column: level for column, level in filters.items() if level is not None}
    if not isinstance(filters, dict) or (filters and not allow_filters) or any(
            column not in SUBGROUP_COLUMNS or level not in CATEGORIES[column]
            for column, level in filters.items()):
        raise _bad("invalid_column_option", "filters", filters)
    trim = controls.get("trim") or "none"
    if trim not in TRIMS:
        raise _bad("invalid_trim", "trim", trim)
    bootstrap = _number(controls.get("bootstrap"), int, "bootstrap", "invalid_bootstrap") or 0
    if bootstrap > TAB_MAX_BOOTSTRAP:
        raise _bad("invalid_bootstrap", "bootstrap", bootstrap, maximum=TAB_MAX_BOOTSTRAP)
    options = effect_options(
        psm_k=_number(controls.get("psm_k"), int, "psm_k", "invalid_psm_k") or 1,
        caliper=_number(controls.get("caliper"), float, "caliper", "invalid_caliper"),
        replace=controls.get("replace", True), trim=TRIMS[trim], cluster=_column(controls.get("cluster"), "cluster"),
        fixed_effects=_column(controls.get("fixed_effects"), "fixed_effects"), bootstrap=bootstrap,
        ci=controls.get("ci") or "percentile", estimand=controls.get("estimand") or "ATE")
    if not treatment or not outcome:
        raise EffectInputError([{"code": "no_treatment"}])
    # A column fixed by a subgroup filter (or used as the cluster / fixed effect) cannot adjust anything.
    fixed = {treatment, outcome, options.cluster, options.fixed_effects,
             *filters}
    return EffectSpec(treatment, outcome, tuple(dict.fromkeys(c for c in covariates if c not in fixed)), options,
                      tuple(sorted(filters.items())))


# ---- which columns the controls offer, and the view a URL asks for -------------------------------
def upload_choices(frame, current: dict | None) -> dict:
    """Options from an upload's columns; keep the current choices where they still fit; never pre-select a
    column with bad cells (inf, overflow, Stata '.', empty)."""
    current = current or {}
    kinds = column_kinds(frame)
    broken = {e["column"] for e in cell_errors(frame, list(frame.columns))}
    first = lambda names: next((c for c in names if c not in broken), None)
    treatment = current.get("treatment") if current.get("treatment") in kinds["binary"] else first(kinds["binary"])
    outcomes = [c for c in kinds["numeric"] + kinds["binary"] if c != treatment]
    outcome = current.get("outcome") if current.get("outcome") in outcomes else first(reversed(kinds["numeric"]))
    usable = [c for c in kinds["covariates"] if c not in (treatment, outcome)]
    after = post_treatment_columns(treatment, outcome)   # e.g. the other scores of a Kaggle-format file
    covariates = current.get("covariates")
    chosen = ([c for c in covariates if c in usable] if covariates is not None
              else [c for c in usable if c not in after and c not in broken])
    groups = [c for c in kinds["grouping"] if c not in (treatment, outcome)]
    ids = [c for c in kinds["ids"] if c not in (treatment, outcome) and c not in broken]
    options = lambda names: [{"label": c, "value": c} for c in names]
    forest_by = current.get("by")
    return {"treatment": (options(kinds["binary"]), treatment), "outcome": (options(outcomes), outcome),
            "covariates": (options(usable), chosen),
            "forest": (options(groups), forest_by if forest_by in groups else first(groups)),
            "cluster": (options(ids), current.get("cluster") if current.get("cluster") in ids else None),
            "fixed-effects": (options(ids), current.get("fixed_effects") if current.get("fixed_effects") in ids
                              else None)}


def _int(text, low: int, high: int, default: int) -> int:
    return int(text) if isinstance(text, str) and text.isdigit() and low <= int(text) <= high else default


def query_state(query: dict) -> dict:
    """The view a URL asks for, each value checked against what the warehouse tab offers (else its default)."""
    allowed = (*PRE_TREATMENT_COVARIATES, *SCORE_COLUMNS)
    try:
        caliper = float(query.get("caliper", "0.2"))
    except ValueError:
        caliper = 0.2
    boot = _int(query.get("boot"), 20, TAB_MAX_BOOTSTRAP, 0)
    return {
        "treatment": query.get("treatment") if query.get("treatment") in (TREATMENT, SCHOOL_TREATMENT) else TREATMENT,
        "outcome": query.get("outcome") if query.get("outcome") in SCORE_COLUMNS else DEFAULT_OUTCOME,
        "covariates": ([c for c in (query.get("cov") or "").split(",") if c in allowed] if "cov" in query
                       else list(PRE_TREATMENT_COVARIATES)),
        "filters": {c: query.get(f"sub_{c}") if query.get(f"sub_{c}") in CATEGORIES[c] else None
                    for c in SUBGROUP_COLUMNS},
        "by": query.get("by") if query.get("by") in SUBGROUP_COLUMNS else DEFAULT_FOREST_BY,
        "psm_k": _int(query.get("k"), 1, 20, 1),
        "caliper": None if query.get("caliper") == "none" else (caliper if 0 < caliper <= 5 else 0.2),
        "replace": query.get("replace") != "0",
        "trim": query.get("trim") if query.get("trim") in TRIMS else "none",
        "cluster": query.get("cluster") if query.get("cluster") in CLUSTER_COLUMNS else None,
        "fixed_effects": query.get("fe") if query.get("fe") in CLUSTER_COLUMNS else None,
        "estimand": query.get("estimand") if query.get("estimand") in ESTIMANDS else "ATE",
        "bootstrap": bool(boot), "boot_n": boot or BOOTSTRAP_DEFAULT,
        "ci": query.get("ci") if query.get("ci") in CI_KINDS else "percentile",
    }


