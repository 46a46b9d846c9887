"""Pure Predict-tab builders: status sentences (no codes), what-if comparison, SHAP-vs-EBPM note, share link
and QR, the cutoff views and a readable waterfall."""
from __future__ import annotations

import base64
import json
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from analytics.models.cutoff import cutoff_table
from analytics.models.explain import Explanation
from analytics.models.promotion import reason_codes
from dashboard.common.i18n import t
from dashboard.predict import view
from tests.helpers.dash_tree import table_rows, walk

GATE = ("regression: no_production_model (cv_rmse_mean 5.477); risk: worse_than_production "
        "(validation_pr_auc 0.8581); tolerance 0.05")


def _prediction(score: float, level: str = "high", shap_prep: float = -1.7, base: float = 66.0):
    table = pd.DataFrame({"feature": ["reading_score", "test_prep", "lunch"], "value": [40.0, "completed", "standard"],
                          "shap": [-20.0, shap_prep, 2.0]})
    explanation = Explanation(contributions=table, base_value=base, prediction=base + table["shap"].sum(),
                              output="score")
    return SimpleNamespace(predicted_math=score, risk_probability=0.7, risk_level=level, risk_threshold=0.3,
                           pass_mark=50.0, algorithm="ridge", model_version="reg-1", explanation=explanation)


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_status_and_gate_reason_become_sentences(lang):
    text = view.status_sentence({"status": "production", "status_reason": GATE}, lang)
    assert "no_production_model" not in text and "worse_than_production" not in text
    assert t("predict.status.production", lang) in text
    assert t("predict.gate.no_production_model", lang, model=t("predict.gate.task.regression", lang)) in text
    assert reason_codes(GATE) == [("regression", "no_production_model"), ("risk", "worse_than_production")]
    rolled = view.status_sentence({"status": "archived", "status_reason": "rolled_back to run 7"}, lang)
    assert rolled == t("predict.status.archived", lang) + " " + t("predict.reason.rolled_back", lang)


def test_compare_block_shows_before_and_after_only_with_edits():
    assert view.compare_block(None, _prediction(60.0), "en") is None
    block = str(view.compare_block(_prediction(52.5), _prediction(61.0), "en"))
    assert "52.5" in block and "61.0" in block and "+8.5" in block


def test_shap_ebpm_note_only_when_signs_disagree():
    assert view.shap_ebpm_note(_prediction(50, shap_prep=-1.7), 3.0, "en").count("+3.0") == 1
    assert view.shap_ebpm_note(_prediction(50, shap_prep=1.7), 3.0, "en") == ""
    assert view.shap_ebpm_note(_prediction(50, shap_prep=-1.7), None, "en") == ""


def test_share_panel_carries_the_link_and_an_svg_qr_code():
    url = "http://127.0.0.1:8050/predict?lang=ja&student=S0000042&reading_score=95"
    panel = view.share_panel(url, "ja")
    link = next(c for c in walk(panel) if getattr(c, "id", None) == "predict-share-url")
    image = next(c for c in walk(panel) if getattr(c, "id", None) == "predict-share-qr")
    assert link.value == url
    svg = base64.b64decode(image.src.split(",", 1)[1]).decode()
    assert svg.startswith("<svg") and "<path" in svg
    assert view.share_panel(url + "0", "ja").children[2].src != image.src   # the code encodes the link


def test_cutoff_views_show_the_counts_of_the_cutoff():
    rng = np.random.default_rng(3)
    proba = rng.uniform(size=300)
    metrics = cutoff_table((rng.uniform(size=300) < proba).astype(int), proba).metrics(0.4)
    cards, figure = view.cutoff_views(metrics, 0.3, "en")
    z = np.asarray(figure.data[0].z).tolist()
    assert z == [[metrics["tn"], metrics["fp"]], [metrics["fn"], metrics["tp"]]]
    assert "0.40" in figure.layout.title.text and f"{metrics['flagged_per_100']:.1f}" in str(cards)


def test_waterfall_axis_zooms_onto_the_contributions():
    figure = view.waterfall_figure(_prediction(46.3), "en")
    low, high = figure.layout.xaxis.range
    assert 30 < low < 44.3 and high > 66.0   # the running total spans 44.3..66: the axis no longer starts at 0
    assert figure.layout.modebar.orientation == "v"
    assert "試験対策講座 = 受講済み" in list(view.waterfall_figure(_prediction(46.3), "ja").data[0].y)


def test_intervention_list_shows_the_csv_line_only_where_there_is_one():
    frame = pd.DataFrame({"student_id": ["R1", "R2"], "line_no": [2, 3], "risk_level": ["high", "high"]})
    assert "CSV line" in str(view.interventions_table(frame, "en"))
    generated = frame.assign(line_no=[None, None])
    assert "CSV line" not in str(view.interventions_table(generated, "en"))


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_registry_and_trials_name_models_and_parameters_in_the_page_language(lang):
    registry = pd.DataFrame({
        "task": ["regression", "risk"], "version": ["reg-1", "risk-1"], "algorithm": ["lightgbm", "logistic"],
        "test_metrics": ['{"test_rmse": 6.2, "test_r2": 0.8}', '{"test_recall": 0.7, "test_pr_auc": 0.8}'],
        "status": ["production", "production"], "status_reason": [GATE, GATE],
        "created_at": pd.to_datetime(["2026-12-01 06:27", "2026-12-01 06:27"])})
    rows = table_rows(view.models_admin_block(registry, lang), "predict-registry")
    assert [row["algorithm"] for row in rows] == [t("predict.algo.lightgbm", lang), t("predict.algo.logistic", lang)]
    trials = pd.DataFrame({"algorithm": ["ridge", "lightgbm"], "fold": [0.0, None], "trial": [0, 1],
                           "value": [7.1, 6.9],
                           "params": ['{"alpha": 0.5}', '{"num_leaves": 9, "learning_rate": 0.1}']})
    shown = table_rows(view.trials_table(trials, lang), "predict-trials")
    assert [row["algorithm"] for row in shown] == [t("predict.algo.ridge", lang), t("predict.algo.lightgbm", lang)]
    param = lambda name: t(f"predict.param.{name}", lang)
    assert [json.loads(row["params"]) for row in shown] == [
        {param("alpha"): 0.5}, {param("learning_rate"): 0.1, param("num_leaves"): 9}]
    cells = " ".join(row[name] for row in rows + shown for name in ("algorithm", "params") if name in row)
    if lang == "en":   # English keeps the tuning library's own parameter names
        assert '{"learning_rate": 0.1, "num_leaves": 9}' in cells and "Ridge regression" in cells
    else:   # no English word but the product name LightGBM
        assert set(re.findall(r"(?<![-\w])[A-Za-z]+(?![-\w])", cells)) == {"LightGBM"}, cells
