"""`python -m pipelines effect`: the effect of a 0/1 treatment by every estimator, with diagnostics.

Without --csv it analyses the warehouse students (test_prep 'completed' = treated); with --csv a
file in memory (nothing is written). --json prints {"rows", "diagnostics", "warnings"}, the same
document as POST /api/v1/effects.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.cli import emit, register_command
from pipelines.errors import PipelineError

if TYPE_CHECKING:
    import pandas as pd

    from analytics.causal.effect_io import EffectAnalysis

# Heavy modules (analytics, pandas, DuckDB) are imported inside the handler so that every other
# command of the CLI starts fast.
TEXT_COLUMNS = ("method", "estimand", "estimate", "se", "ci_low", "ci_high", "p_value", "n", "se_type", "reliable")


def describe_en(item: dict) -> str:
    """A warning or error code as an English sentence."""
    from analytics.causal.messages import describe

    return describe(item, "en")


def _configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--csv", type=Path, help="analyse this CSV in memory instead of the warehouse students")
    p.add_argument("--treatment", help="0/1 treatment column (default test_prep for the warehouse students, "
                                       "'completed' = 1)")
    p.add_argument("--outcome", help="numeric outcome column (default math_score for the warehouse)")
    p.add_argument("--covariates", help="comma-separated pre-treatment covariates (default gender, "
                                        "race_ethnicity, parental_education, lunch for the warehouse)")
    p.add_argument("--covariate", action="append", default=[], metavar="NAME",
                   help="one covariate, repeatable; use it for names containing commas")
    p.add_argument("--cluster", metavar="COL", help="cluster-robust SEs by this id column (e.g. school_id)")
    p.add_argument("--fixed-effects", metavar="COL", help="compare within levels of this column (e.g. school_id)")
    p.add_argument("--bootstrap", type=int, default=0, metavar="N",
                   help="N bootstrap replicates (whole clusters with --cluster) for every SE and CI")
    p.add_argument("--ci", choices=("percentile", "bca"), default="percentile", help="bootstrap interval kind")
    p.add_argument("--estimand", type=str.lower, choices=("ate", "att"), default="ate",
                   help="what the headline estimates (default ate; poor overlap may move it to att, with a reason)")
    p.add_argument("--decimal", choices=(".", ","), help="decimal mark of --csv (default: detected)")
    p.add_argument("--psm-k", type=int, default=1, help="controls matched to each treated unit (default 1)")
    p.add_argument("--caliper", default="0.2", help="PSM caliper in SDs of the logit score, or 'none' (default 0.2)")
    p.add_argument("--no-replace", action="store_true", help="match without replacement")
    p.add_argument("--trim", help="IPW/AIPW: keep propensity scores in LOW,HIGH (e.g. 0.05,0.95)")
    p.add_argument("--no-checks", action="store_true", help="skip the placebo and random-common-cause checks")


def _number_list(text: str, option: str) -> list[float]:
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise PipelineError(f"{option} must be numbers (got {text!r})") from None


def _caliper(text: str) -> float | None:
    if text.strip().lower() in ("none", "off", ""):
        return None
    values = _number_list(text, "--caliper")
    if len(values) != 1:
        raise PipelineError(f"--caliper must be one number or 'none' (got {text!r})")
    return values[0]


def _options(args: argparse.Namespace):
    from analytics.causal.effect_io import effect_options

    trim = _number_list(args.trim, "--trim") if args.trim else None
    return effect_options(psm_k=args.psm_k, caliper=_caliper(args.caliper), replace=not args.no_replace, trim=trim,
                          cluster=args.cluster, fixed_effects=args.fixed_effects, bootstrap=args.bootstrap,
                          ci=args.ci, estimand=args.estimand)


def _covariate_names(args: argparse.Namespace) -> list[str] | None:
    """--covariates A,B and repeated --covariate NAME, in order, without repeats."""
    names = [c.strip() for c in args.covariates.split(",") if c.strip()] if args.covariates else []
    names += args.covariate
    return list(dict.fromkeys(names)) or None


def _load(args: argparse.Namespace) -> tuple[pd.DataFrame, str, str, list[str], dict]:
    """The data, the roles of its columns, and facts about where it came from."""
    from analytics.causal.effect_io import input_error, read_effect_csv
    from warehouse.connection import WarehouseMissing, read_only
    from warehouse.effect_queries import (
        DEFAULT_OUTCOME,
        PRE_TREATMENT_COVARIATES,
        TREATMENT,
        get_effect_students_df,
        get_planted_effect,
    )
    from warehouse.settings import get_settings

    covariates = _covariate_names(args)
    if args.csv is not None:
        if not (args.treatment and args.outcome and covariates):
            raise PipelineError("with --csv, give --treatment, --outcome and --covariates")
        limit = get_settings().max_upload_bytes
        try:
            size = args.csv.stat().st_size
            if size > limit:   # refuse before reading the whole file into memory
                raise input_error("file_too_large", name=args.csv.name, size_mb=size / 2**20, limit_mb=limit / 2**20)
            data = args.csv.read_bytes()
        except OSError as exc:
            raise PipelineError(f"{args.csv}: cannot read file ({exc.strerror})") from exc
        frame = read_effect_csv(data, args.csv.name, max_bytes=limit, decimal=args.decimal)
        return frame, args.treatment, args.outcome, covariates, {"source": str(args.csv)}
    treatment, outcome = args.treatment or TREATMENT, args.outcome or DEFAULT_OUTCOME
    try:
        with read_only(args.db) as con:
            frame = get_effect_students_df(con)
            truth = get_planted_effect(con, treatment, outcome)
    except WarehouseMissing as exc:
        raise PipelineError(str(exc)) from exc
    facts = {"source": "warehouse"} | ({"planted_effect": truth} if truth is not None else {})
    return frame, treatment, outcome, covariates or list(PRE_TREATMENT_COVARIATES), facts


def _number(value) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else (f"{value:.2e}" if 0 < abs(value) < 1e-3 else f"{value:.4f}")
    return str(value)


def effect_text(analysis: EffectAnalysis, payload: dict, facts: dict) -> str:
    """The human summary: what was compared, the table, the planted truth if known, the warnings."""
    spec, diag = analysis.result.settings, payload["diagnostics"]
    lines = [f"effect of {spec['treatment']} on {spec['outcome']} ({facts['source']}: {diag['n']} rows, "
             f"{diag['n_treated']} treated, {diag['n_control']} control; covariates: {', '.join(spec['covariates'])})",
             analysis.result.table[list(TEXT_COLUMNS)].to_string(index=False, formatters={
                 c: _number for c in TEXT_COLUMNS[2:7]})]
    headline = payload.get("headline")
    if headline:
        lines.append(f"headline: {headline['method']} {headline['estimand']} {_number(headline['estimate'])} "
                     f"[{_number(headline['ci_low'])}, {_number(headline['ci_high'])}] ({headline['se_type']} SE) - "
                     f"{headline['reason']['message']}")
    for row in payload["rows"]:
        if row["reason"]:
            lines.append(f"unreliable: {row['method']} {row['estimand']}: {row['reason']['message']}")
    if "planted_effect" in facts:
        lines.append(f"planted true effect (demo data): {facts['planted_effect']:g}")
    for check in analysis.refutations:
        extra = (f" over {check['n_permutations']} permutations, permutation p = {check['p_value']:.3f}"
                 if "n_permutations" in check else "")
        lines.append(f"check {check['check']}: estimate {_number(check['estimate'])} "
                     f"(expected {_number(check['expected'])}{extra}) -> {'passed' if check['passed'] else 'FAILED'}")
    lines += [f"warning: {text}" for text in payload["warnings"]]
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    from analytics.causal.effect_io import analyse_effect, effect_payload
    from warehouse.effect_queries import post_treatment_columns

    options = _checked(lambda: _options(args))
    prefix = f"{args.csv.name}: " if args.csv is not None else ""
    frame, treatment, outcome, covariates, facts = _checked(lambda: _load(args), prefix)
    analysis = _checked(lambda: analyse_effect(
        frame, treatment, outcome, covariates, options,
        post_treatment=post_treatment_columns(treatment, outcome), checks=not args.no_checks), prefix)
    payload = effect_payload(analysis, describe_en, {key: value for key, value in facts.items() if key != "source"})
    emit(args, payload, effect_text(analysis, payload, facts))
    return 0


def _checked(work, prefix: str = ""):
    """Run `work`, turning coded input problems into one English line (e.g. prefixed with the file name)."""
    from analytics.causal import EffectInputError

    try:
        return work()
    except EffectInputError as exc:
        raise PipelineError(prefix + " ".join(describe_en(e) for e in exc.errors)) from exc


register_command("effect", "effect of a 0/1 treatment by difference in means, PSM, IPW, regression and AIPW",
                 _configure, _run)
