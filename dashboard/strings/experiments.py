"""Strings of the Operations tab's experiment, monitoring, challenger and alert-history panels (issue 13).

Written before the panels themselves (they come with the tab's move to dashboard/operations/): the keys
name what analytics.ab_sessions, analytics.online_drift, analytics.champion and warehouse.alert_history
return, so the panels only look them up.
"""

STRINGS = {
    # experiment picker and table
    "experiments.title": {"en": "Experiments", "ja": "実験"},
    "experiments.pick": {"en": "Experiment", "ja": "実験"},
    "experiments.status.running": {"en": "running", "ja": "実施中"},
    "experiments.status.stopped": {"en": "stopped", "ja": "終了"},
    "experiments.unit_note": {
        "en": "Unit of analysis: the session (the unit that was randomised). CTR is clicks per impression over "
              "sessions, with delta-method standard errors.",
        "ja": "分析単位：セッション（ランダム化の単位）。クリック率はセッション全体の表示あたりクリック数で、"
              "標準誤差はデルタ法で計算しています。"},
    "experiments.col.variant": {"en": "Variant", "ja": "文面"},
    "experiments.col.sessions": {"en": "Sessions", "ja": "セッション数"},
    "experiments.col.impressions": {"en": "Impressions", "ja": "表示回数"},
    "experiments.col.clicks": {"en": "Primary clicks", "ja": "主要クリック数"},
    "experiments.col.ctr": {"en": "CTR (95% CI)", "ja": "クリック率（95%信頼区間）"},
    "experiments.col.conversion": {"en": "Sessions converting ({action})", "ja": "コンバージョンしたセッション（{action}）"},
    "experiments.col.lift": {"en": "Lift vs control (95% CI)", "ja": "対照との差（95%信頼区間）"},
    "experiments.col.seq_lift": {"en": "Lift, always-valid CI", "ja": "差（常時有効な信頼区間）"},
    "experiments.col.p_value": {"en": "p (fixed horizon, Holm)", "ja": "p値（固定標本・Holm補正）"},
    "experiments.col.seq_p_value": {"en": "p (sequential)", "ja": "p値（逐次検定）"},
    "experiments.col.prob_best": {"en": "P(best)", "ja": "最良である確率"},
    "experiments.label.significant": {"en": "significant", "ja": "有意"},
    "experiments.label.significant_below_mde": {
        "en": "significant, but smaller than the minimum detectable effect ({mde})",
        "ja": "有意だが最小検出効果（{mde}）より小さい"},
    "experiments.label.not_significant": {"en": "not significant", "ja": "有意差なし"},
    "experiments.mode.sequential": {"en": "Sequential (safe to peek)", "ja": "逐次検定（途中確認しても安全）"},
    "experiments.mode.fixed": {"en": "Fixed horizon", "ja": "固定標本"},
    "experiments.peeking.sequential": {
        "en": "Sequential intervals stay valid however often you look: stop as soon as the interval excludes 0.",
        "ja": "逐次検定の信頼区間は何度確認しても有効です。区間が0を含まなくなった時点で終了できます。"},
    "experiments.peeking.fixed": {
        "en": "The fixed-horizon test is valid once, when every variant has reached the planned sample size "
              "({n} sessions). Looking earlier and stopping on 'significant' inflates false positives.",
        "ja": "固定標本の検定は、全ての文面が計画した標本数（{n}セッション）に達した時点で1回だけ有効です。"
              "それ以前に確認して「有意」で止めると偽陽性が増えます。"},
    "experiments.srm": {
        "en": "Sample ratio mismatch: sessions split {observed} against the planned {planned} (p = {p}). "
              "Fix the assignment before reading results.",
        "ja": "サンプル比の不一致：セッションの配分が計画 {planned} に対して {observed} です（p = {p}）。"
              "結果を読む前に割り当てを確認してください。"},
    "experiments.secondary": {"en": "Other actions (secondary metrics)", "ja": "その他の操作（副次指標）"},
    "experiments.col.action": {"en": "Action", "ja": "操作"},
    "experiments.col.session_share": {"en": "Share of sessions", "ja": "セッションに占める割合"},
    "experiments.fig.looks.title": {"en": "Lift by day, cumulative (fixed vs always-valid interval)",
                                    "ja": "日別の累積差（固定標本と常時有効な信頼区間）"},
    "experiments.fig.looks.x": {"en": "Date (UTC)", "ja": "日付（UTC）"},
    "experiments.fig.looks.y": {"en": "Relative lift (%)", "ja": "相対的な差（%）"},
    # monitoring
    "monitoring.jsd": {"en": "Jensen-Shannon distance (0-1)", "ja": "Jensen-Shannon距離（0〜1）"},
    "monitoring.change.adwin": {"en": "ADWIN: error level changed", "ja": "ADWIN：誤差の水準が変化"},
    "monitoring.change.ddm": {"en": "DDM: error rate rose", "ja": "DDM：誤差率が上昇"},
    "monitoring.latency.title": {"en": "/predict latency and error rate per hour", "ja": "/predict の時間別応答時間とエラー率"},
    "monitoring.latency.p50": {"en": "p50 (ms)", "ja": "中央値（ミリ秒）"},
    "monitoring.latency.p95": {"en": "p95 (ms)", "ja": "95パーセンタイル（ミリ秒）"},
    "monitoring.latency.error_rate": {"en": "Server errors (%)", "ja": "サーバーエラー率（%）"},
    "monitoring.latency.requests": {"en": "Requests", "ja": "リクエスト数"},
    # champion / challenger
    "challenger.title": {"en": "Champion vs challenger on real outcomes", "ja": "実際の結果による本番モデルと挑戦モデルの比較"},
    "challenger.mode.shadow": {"en": "shadow (scored in the background, never shown)",
                               "ja": "シャドー（裏で採点し、表示しない）"},
    "challenger.mode.canary": {"en": "canary ({percent}% of sessions)", "ja": "カナリア（セッションの{percent}%）"},
    "challenger.role.champion": {"en": "Champion (production)", "ja": "本番モデル"},
    "challenger.role.challenger": {"en": "Challenger", "ja": "挑戦モデル"},
    "challenger.none": {"en": "No challenger is running.", "ja": "実行中の挑戦モデルはありません。"},
    # alert history
    "alerts.history.title": {"en": "Alert history", "ja": "アラート履歴"},
    "alerts.state.open": {"en": "open", "ja": "未対応"},
    "alerts.state.acknowledged": {"en": "acknowledged", "ja": "確認済み"},
    "alerts.state.resolved": {"en": "resolved", "ja": "解消"},
    "alerts.col.acknowledged_by": {"en": "Acknowledged by", "ja": "確認者"},
    "alerts.col.resolved_at": {"en": "Resolved at (UTC)", "ja": "解消日時（UTC）"},
}
