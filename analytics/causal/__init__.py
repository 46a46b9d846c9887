"""Causal effect estimators, diagnostics, sensitivity checks and figures for the EBPM tab."""

from analytics.causal.diagnostics import (
    common_support,
    effective_sample_size,
    overlap_histograms,
    standardized_mean_differences,
)
from analytics.causal.effects import (
    METHODS,
    EffectResult,
    estimate_effects,
    estimate_subgroup_effects,
    to_jsonable,
)
from analytics.causal.estimators import TABLE_COLUMNS, ipw_weights
from analytics.causal.figures import (
    DEFAULT_LABELS,
    make_estimates_figure,
    make_forest_figure,
    make_love_plot_figure,
    make_overlap_figure,
)
from analytics.causal.matching import psm_att
from analytics.causal.propensity import fit_propensity
from analytics.causal.sensitivity import (
    assess_assumptions,
    e_value,
    e_value_from_risk_ratio,
    e_values,
    placebo_test,
    primary_estimate,
    random_common_cause_test,
)
from analytics.causal.simulate import simulate_confounded
from analytics.causal.validation import EffectInputError, validate_effect_input

__all__ = [
    "DEFAULT_LABELS", "METHODS", "TABLE_COLUMNS", "EffectInputError", "EffectResult", "assess_assumptions",
    "common_support", "e_value", "e_value_from_risk_ratio", "e_values", "effective_sample_size",
    "estimate_effects", "estimate_subgroup_effects", "fit_propensity", "ipw_weights", "make_estimates_figure",
    "make_forest_figure", "make_love_plot_figure", "make_overlap_figure", "overlap_histograms", "placebo_test",
    "primary_estimate", "psm_att", "random_common_cause_test", "simulate_confounded",
    "standardized_mean_differences", "to_jsonable", "validate_effect_input",
]
