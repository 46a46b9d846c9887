"""Operations tab builders (no browser): the session-level experiment panel, monitoring, honest comparisons."""
from __future__ import annotations

from datetime import date, datetime
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pytest

from analytics.ab_sessions import experiment_report, sufficient_stats
from analytics.ops_figures import make_ctr_over_time_figure, make_looks_figure, make_performance_figure
from dashboard.operations import view
from dashboard.operations.data import ExperimentData, MonitoringData, comparison_window, pick_experiment

EXPERIMENT = {"experiment_key": "advice-v1", "variants": ["A", "B"], "allocation": [0.5, 0.5],
              "primary_action": "follow"}
DEMO_EVENTS = {"events": {"rows": 10, "demo_rows": 10, "state": "demo"}}
REAL_NO_EVENTS = {"events": {"rows": 0, "demo_rows": 0, "state": "empty"}}


def _sessions(n: int, rates: dict[str, float], seed: int = 0) -> pd.DataFrame:
    """n sessions per variant, 1-4 impressions each, primary clicks binomial at the variant's rate."""
    rng = np.random.default_rng(seed)
    parts = []
    for variant, rate in rates.items():
        x = rng.integers(1, 5, n)
        parts.append(pd.DataFrame({"variant": variant, "impressions": x, "clicks": rng.binomial(x, rate)}))
    return pd.concat(parts, ignore_index=True)


def _report(n: int, rates: dict[str, float], *, daily: bool = False, mde: float = 0.10) -> dict:
    stats = sufficient_stats(_sessions(n, rates))
    daily_df = None
    if daily:   # the same sessions spread over three days, for the cumulative looks
        sessions = _sessions(n, rates).assign(day=lambda d: pd.Timestamp("2026-11-01")
                                              + pd.to_timedelta(d.index % 3, unit="D"))
        daily_df = pd.concat([sufficient_stats(g).assign(day=day) for day, g in sessions.groupby("day")])
    actions = pd.DataFrame({"variant": ["A", "B", "A", "B"], "action": ["another", "another", "follow", "follow"],
                            "clicks": [5, 6, int(stats["sum_y"].iloc[0]), int(stats["sum_y"].iloc[1])],
                            "sessions_clicking": [5, 6, int(stats["converted"].iloc[0]),
                                                  int(stats["converted"].iloc[1])]})
    return experiment_report(stats, variants=["A", "B"], allocation=[0.5, 0.5], daily_df=daily_df,
                             actions_df=actions, mde=mde)


def _data(report, provenance=DEMO_EVENTS, today=date(2026, 11, 3)) -> ExperimentData:
    return ExperimentData(pd.DataFrame({"experiment_key": ["advice-v1"], "status": ["running"]}), "advice-v1",
                          EXPERIMENT, report, today, provenance, 1200)


def test_tiny_p_and_certain_best_are_never_printed_as_0_or_100():
    table = view.experiment_table({**_report(20_000, {"A": 0.05, "B": 0.10}), "primary_action": "follow"},
                                  "fixed", "en")
    b = table.set_index("Variant").loc["B"]
    assert b["p (fixed horizon, Holm)"] == "< 0.001" and b["p (sequential)"] == "< 0.001"
    assert b["P(best)"] == "> 99.9 %" and table.set_index("Variant").loc["A", "P(best)"] == "< 0.1 %"
    assert b["Verdict"] == "significant"


def test_significant_lift_below_the_mde_is_labelled_so_in_both_languages():
    # +5 % relative on 200k sessions per arm: clearly significant, but below a 10 % MDE
    report = {**_report(200_000, {"A": 0.20, "B": 0.21}), "primary_action": "follow"}
    en = view.experiment_table(report, "sequential", "en").set_index("Variant").loc["B", "Verdict"]
    ja = view.experiment_table(report, "sequential", "ja").iloc[1]["判定"]
    assert en == "significant, but smaller than the minimum detectable effect (10 %)"
    assert ja == "有意だが最小検出効果（10 %）より小さい"


def test_mode_puts_its_interval_first_and_keeps_the_other_beside():
    report = {**_report(500, {"A": 0.1, "B": 0.1}), "primary_action": "follow"}
    seq = list(view.experiment_table(report, "sequential", "en").columns)
    fixed = list(view.experiment_table(report, "fixed", "en").columns)
    assert seq.index("Lift, always-valid CI") < seq.index("Verdict") < seq.index("Lift, fixed-horizon CI")
    assert fixed.index("Lift, fixed-horizon CI") < fixed.index("Verdict") < fixed.index("Lift, always-valid CI")
    # the always-valid interval is wider than the fixed one (it pays for looking at any time)
    b = report["variants"][1]
    assert b["ctr_seq_lift_high"] - b["ctr_seq_lift_low"] > b["ctr_lift_high"] - b["ctr_lift_low"]


def test_actions_table_lists_the_primary_action_first_with_button_names():
    report = _report(300, {"A": 0.1, "B": 0.2})
    ja = view.actions_table(report, "follow", "ja")
    assert ja["操作"].tolist()[:2] == ["このアドバイスに従う (主要指標)"] * 2
    assert ja["操作"].tolist()[2:] == ["別の提案を見る"] * 2
    assert ja["セッション数"].tolist() == [300, 300, 300, 300]


def test_experiment_panel_shows_srm_unit_note_and_a_peeking_chart_with_both_bands():
    summary, fig = view.draw_experiment(_data(_report(400, {"A": 0.1, "B": 0.12}, daily=True)), "en", "sequential")
    text = str(summary)
    assert "Unit of analysis: the session" in text and "operations-exp-srm" in text
    assert "Sessions split as planned" in text and "1,200 sessions" in text   # the fixed-horizon warning's n
    names = [trace.name for trace in fig.data if trace.name]
    assert names == ["B: always-valid 95% CI", "B: fixed-horizon 95% CI", "B: lift"]
    assert len(fig.data[-1].x) == 3


def _tables(component) -> list:
    """Every DataTable inside a component tree."""
    found, stack = [], [component]
    while stack:
        node = stack.pop()
        if type(node).__name__ == "DataTable":
            found.append(node)
        children = getattr(node, "children", None)
        stack.extend(children if isinstance(children, list) else [children] if children is not None else [])
    return found


def test_experiment_tables_show_translated_headers_and_audience_mode_big_numbers():
    summary, _ = view.draw_experiment(_data(_report(400, {"A": 0.1, "B": 0.12})), "ja", "sequential", big=True)
    headers = [c["name"] for table in _tables(summary) for c in table.columns]
    assert "セッション数" in headers and "最良である確率" in headers and "操作" in headers
    assert not [h for h in headers if h.startswith("col.")]
    assert "operations-exp-big" in str(summary) and "セッション数: 400" in str(summary)


def test_no_sessions_reports_no_variants_and_on_a_real_empty_warehouse_the_events_empty_state():
    real, _ = view.draw_experiment(_data(None, REAL_NO_EVENTS), "ja", "sequential")
    assert "operations-exp-empty" in str(real) and "operations-exp-no-variants" in str(real)
    assert "比較できる文面はありません" in str(real)
    demo, _ = view.draw_experiment(_data(None, DEMO_EVENTS), "en", "sequential")
    assert "operations-exp-empty" not in str(demo) and "no variants to compare" in str(demo)


def test_looks_figure_marks_todays_partial_look_hollow():
    looks = pd.DataFrame({"day": pd.to_datetime(["2026-11-01", "2026-11-02"]), "variant": ["B", "B"],
                          "lift": [0.1, 0.05], "lift_low": [-0.1, 0.0], "lift_high": [0.3, 0.1],
                          "seq_lift_low": [-0.5, -0.2], "seq_lift_high": [0.7, 0.3]})
    labels = {"title": "T", "x": "X", "y": "Y", "no_data": "none", "fixed": "F", "sequential": "S", "lift": "L",
              "partial": "(partial)"}
    fig = make_looks_figure(looks, labels, partial_day=date(2026, 11, 2))
    assert list(fig.data[-1].marker.symbol) == ["circle", "circle-open"]
    assert np.allclose(np.asarray(fig.data[-1].y, dtype=float), [10, 5])
    assert make_looks_figure(looks.iloc[:0], labels).layout.annotations[0].text == "none"


def test_ctr_per_day_greys_tiny_days_and_shows_counts():
    over = pd.DataFrame({"date": pd.to_datetime(["2026-11-01", "2026-11-02"]), "variant": ["A", "A"],
                         "impressions": [400, 2], "clicks": [20, 2], "ctr": [0.05, 1.0],
                         "cum_impressions": [400, 402], "cum_clicks": [20, 22], "cum_ctr": [0.05, 22 / 402]})
    fig = make_ctr_over_time_figure(over, min_n=30, partial_day=date(2026, 11, 2))
    assert list(fig.data[0].marker.opacity) == [1.0, 0.25]          # the 2-impression 100 % day is greyed
    assert [list(c) for c in fig.data[0].customdata] == [[20, 400], [2, 2]]
    assert list(fig.data[0].marker.symbol) == ["circle", "circle-open"]


def test_comparison_window_leaves_out_today_and_an_uncovered_previous_period():
    # the last 7 days ending today: compare the 6 complete days with the 6 before them
    window = comparison_window(date(2026, 11, 24), date(2026, 11, 30), date(2026, 10, 1), date(2026, 11, 30))
    assert window["partial_today"] and window["current"] == (date(2026, 11, 24), date(2026, 11, 29))
    assert window["previous"] == (date(2026, 11, 18), date(2026, 11, 23)) and window["days"] == 6
    # data starts inside the previous period: no comparison, and why
    short = comparison_window(date(2026, 11, 1), date(2026, 11, 30), date(2026, 10, 31), date(2026, 12, 5))
    assert short["previous"] is None and short["reason"] == "prev_incomplete" and not short["partial_today"]
    assert view.trend_text({**short, "previous_totals": None}, "sessions", "en") == \
        "no comparison: the previous 30 days are not all covered by data"
    only_today = comparison_window(date(2026, 11, 30), date(2026, 11, 30), date(2026, 10, 1), date(2026, 11, 30))
    assert only_today["reason"] == "partial_only"


def test_trend_text_compares_complete_periods():
    cmp = {"days": 6, "current_totals": {"sessions": 110}, "previous_totals": {"sessions": 100}}
    assert view.trend_text(cmp, "sessions", "en") == "+10.0 % vs the previous 6 days"
    assert view.trend_text({**cmp, "previous_totals": {"sessions": 0}}, "sessions", "ja") == "前の6日間のデータなし"


def test_performance_chart_draws_change_points_and_falls_back_to_the_outcomes_empty_state():
    perf = pd.DataFrame({"model_version": ["v1"] * 3, "period_start": pd.to_datetime(["2026-11-02", "2026-11-09",
                                                                                      "2026-11-16"]),
                         "rmse": [5.0, 5.2, 9.0], "n": [40, 40, 40]})
    changes = pd.DataFrame({"detector": ["adwin", "ddm"], "ts": pd.to_datetime(["2026-11-15", "2026-11-16"])})
    fig = make_performance_figure(perf, {"title": "T", "x": "X", "y": "Y", "no_data": "-", "adwin": "AD"}, changes)
    assert len(fig.layout.shapes) == 2 and [a.text for a in fig.layout.annotations] == ["AD", "ddm"]
    empty = type("H", (), {"performance": perf.iloc[:0], "change_points": changes.iloc[:0]})()
    assert "operations-performance-empty" in str(view._performance(empty, {}, "en"))


def test_monitoring_without_requests_challenger_or_alerts_says_so():
    data = MonitoringData(pd.DataFrame(columns=["hour", "requests", "p50_ms", "p95_ms", "error_rate"]), None,
                          None, pd.DataFrame())
    text = str(view.draw_monitoring(data, "ja"))
    assert "実行中の挑戦モデルはありません" in text and "アラートはまだ発生していません" in text
    assert "直近48時間に /predict へのリクエストの記録はありません" in text


def test_latency_figure_has_p50_p95_and_error_rate_on_two_axes():
    from analytics.online_drift import requests_by_hour
    from analytics.ops_figures import make_latency_figure

    requests = pd.DataFrame({"ts": pd.to_datetime(["2026-11-01 10:05", "2026-11-01 10:40", "2026-11-01 11:00"]),
                             "duration_ms": [10.0, 30.0, 20.0], "status": [200, 500, 200]})
    labels = {k: k for k in ("title", "x", "y", "y2", "p50", "p95", "error_rate", "no_data")}
    fig = make_latency_figure(requests_by_hour(requests), labels)
    assert [trace.name for trace in fig.data] == ["p50", "p95", "error_rate"]
    assert np.allclose(np.asarray(fig.data[0].y, dtype=float), [20.0, 20.0])
    assert np.allclose(np.asarray(fig.data[2].y, dtype=float), [50.0, 0.0])


def test_alert_history_translates_state_and_message():
    history = pd.DataFrame({"alert_id": ["a1"], "raised_at": [datetime(2026, 11, 1, 9)], "rule": ["feature_drift"],
                            "severity": ["warning"], "subject": ["lunch"], "value": [0.4], "threshold": [0.25],
                            "message_key": ["alerts.feature_drift"], "params": ['{"feature": "lunch", "psi": 0.4}'],
                            "acknowledged_at": [datetime(2026, 11, 1, 10)], "acknowledged_by": ["sato"],
                            "resolved_at": [datetime(2026, 11, 2)], "state": ["resolved"]})
    text = str(view.alert_history_table(history, "ja"))
    assert "解消" in text and "sato" in text and "lunch のデータドリフト" in text and "2026-11-02 00:00" in text


def test_qr_code_is_an_inline_svg_of_the_url():
    uri = view.qr_data_uri("http://127.0.0.1:8050/predict?lang=ja")
    assert uri.startswith("data:image/svg+xml") and "<svg" in unquote(uri)


@pytest.mark.parametrize(("asked", "expected"), [("exp-2", "exp-2"), ("nope", "advice-v1"), (None, "advice-v1")])
def test_pick_experiment_keeps_a_declared_key_else_the_advice_test(asked, expected):
    experiments = pd.DataFrame({"experiment_key": ["advice-v1", "exp-2"], "status": ["running", "stopped"]})
    assert pick_experiment(experiments, asked) == expected
    assert pick_experiment(experiments.iloc[:0], asked) is None


def test_challenger_block_names_the_canary_share_and_compares_rmse_on_outcomes():
    from analytics.champion import compare_models

    outcomes = pd.DataFrame({"ts": pd.to_datetime(["2026-11-01 09:00", "2026-11-01 10:00", "2026-11-02 09:00",
                                                   "2026-11-02 10:00"]),
                             "model_version": ["v1", "v2", "v1", "v2"], "y_true": [60.0, 60.0, 70.0, 70.0],
                             "y_pred": [64.0, 61.0, 66.0, 71.0]})
    data = MonitoringData(pd.DataFrame(), {"mode": "canary", "run_id": "r2",
                                           "experiment": {"variants": ["champion", "challenger"],
                                                          "allocation": [0.9, 0.1]}},
                          compare_models(outcomes, "v1", "v2"), pd.DataFrame())
    text = str(view._challenger(data, "en"))
    assert "canary (10% of sessions)" in text
    assert "Champion v1: RMSE 4.00 (n = 2); challenger v2: RMSE 1.00 (n = 2)." in text


def test_recommendation_days_with_few_lists_show_counts_but_no_rate():
    from dashboard.operations.data import UsageData

    empty = pd.DataFrame(columns=["date", "page", "views"])
    recs = pd.DataFrame({"date": [date(2026, 11, 1), date(2026, 11, 2)], "shown": [200, 2], "clicks": [20, 2],
                         "ctr": [0.1, 1.0]})
    totals = {"page_views": 1, "sessions": 1, "predictions": 1}
    data = UsageData(date(2026, 11, 1), date(2026, 11, 2), totals, totals, empty,
                     pd.DataFrame(columns=["date", "events"]), recs,
                     {"shown": 202, "clicks": 22, "ctr": 22 / 202, "ctr_low": 0.07, "ctr_high": 0.16},
                     {"days": 2, "previous_totals": None})
    rows = _tables(view.draw_usage(data, "en")["rec"])[0].data
    assert [(r["shown"], r["clicks"], r["ctr_pct"]) for r in rows] == [(200, 20, 10.0), (2, 2, None)]


def test_stored_codes_shown_in_words_and_unknown_messages_as_logged():
    frame = pd.DataFrame({"feature": ["gender", "lunch"], "kind": ["categorical", "numeric"],
                          "drifted": [True, False], "status": ["production", "rejected"],
                          "algorithm": ["linear", "user_knn"], "task": ["regression", "recsys"],
                          "message": ["figure render timeout", "KeyError: 'x'"], "pages": ["predict, recommend", None],
                          "psi": [0.3, 0.01]})
    ja, en = view.words(frame, "ja"), view.words(frame, "en")
    assert ja.loc[0].to_dict() == {"feature": "性別", "kind": "カテゴリ", "drifted": "はい", "status": "本番運用中",
                                   "algorithm": "線形回帰", "task": "得点予測（回帰）", "pages": "予測, 教材推薦",
                                   "message": "グラフの描画がタイムアウトしました", "psi": 0.3}
    assert ja.loc[1, "drifted"] == "いいえ" and ja.loc[1, "algorithm"].startswith("ユーザーベース")
    assert ja.loc[1, "message"] == "KeyError: 'x'" and pd.isna(ja.loc[1, "pages"])   # real messages are data
    assert en.loc[0, "message"] == "figure render timeout" and en.loc[0, "status"] == "production"
    assert frame.loc[0, "feature"] == "gender"   # the loaded frame is not changed in place
