"""Operations tab strings: A/B test, usage, errors, model and data health, alerts, access."""

_FIGURES = {
    # Keys after "operations.fig." match analytics.ops_figures.DEFAULT_LABELS (plus this tab's own figures).
    "no_data": ("No data yet", "データがまだありません"),
    "ctr_by_variant.title": ("Click-through rate by variant (95% Wilson interval)",
                             "文面別クリック率（95% Wilson信頼区間）"),
    "ctr_by_variant.x": ("Variant", "文面"),
    "ctr_by_variant.y": ("CTR (%)", "クリック率（%）"),
    "ctr_over_time.title": ("Click-through rate per day", "日別クリック率"),
    "ctr_over_time.title_cumulative": ("Cumulative click-through rate", "累積クリック率"),
    "ctr_over_time.x": ("Date (UTC)", "日付（UTC）"),
    "ctr_over_time.y": ("CTR (%)", "クリック率（%）"),
    "page_views.title": ("Page views by tab and day", "タブ別・日別のページビュー"),
    "page_views.x": ("Date (UTC)", "日付（UTC）"),
    "page_views.y": ("Page views (count)", "ページビュー（回）"),
    "page.predict": ("Predict", "予測"),
    "page.ebpm": ("EBPM", "EBPM（効果検証）"),
    "page.recommend": ("Recommend", "教材推薦"),
    "page.operations": ("Operations", "運用"),
    "psi.title": ("Feature drift (PSI)", "特徴量のドリフト（PSI）"),
    "psi.x": ("PSI (index, unitless)", "PSI（指標・単位なし）"),
    "psi.y": ("Feature", "特徴量"),
    "psi.band.stable": ("stable", "安定"),
    "psi.band.moderate": ("moderate", "中程度"),
    "psi.band.major": ("major", "大きい"),
    "model_metrics.title": ("Test metrics across model versions", "モデルバージョン別のテスト指標"),
    "model_metrics.x": ("Model version", "モデルバージョン"),
    "metric.rmse": ("RMSE (score points)", "RMSE（点）"),
    "metric.mae": ("MAE (score points)", "MAE（点）"),
    "metric.r2": ("R² (unitless)", "決定係数 R²（単位なし）"),
    "metric.auc": ("ROC AUC (unitless)", "ROC AUC（単位なし）"),
    "metric.latency_ms": ("Latency (ms)", "応答時間（ミリ秒）"),
    "predictions.title": ("Predictions per day", "日別の予測回数"),
    "predictions.x": ("Date (UTC)", "日付（UTC）"),
    "predictions.y": ("Predictions (count)", "予測（回）"),
    "performance.title": ("Prediction error over time (RMSE per week)", "予測誤差の推移（週別RMSE）"),
    "performance.x": ("Week starting (UTC)", "週の開始日（UTC）"),
    "performance.y": ("RMSE (score points)", "RMSE（点）"),
}

_COLUMNS = {
    "variant": ("Variant", "文面"),
    "users": ("Users (sessions)", "利用者（セッション）"),
    "impressions": ("Impressions", "表示回数"),
    "clicks": ("Clicks", "クリック数"),
    "ctr_pct": ("CTR (%)", "クリック率（%）"),
    "ctr_ci": ("CTR 95% CI (%)", "クリック率の95%信頼区間（%）"),
    "lift_pct": ("Lift vs control (%)", "対照との差（相対, %）"),
    "lift_ci": ("Lift 95% CI (%)", "差の95%信頼区間（%）"),
    "test": ("Test", "検定"),
    "p_value": ("p-value", "p値"),
    "p_value_adj": ("p-value (Holm)", "p値（Holm補正）"),
    "prob_best": ("P(best) (%)", "最良である確率（%）"),
    "date": ("Date (UTC)", "日付（UTC）"),
    "shown": ("Lists shown", "推薦リスト表示数"),
    "message": ("Message (as logged)", "メッセージ（既知のもの以外は記録された原文）"),
    "errors": ("Errors", "エラー件数"),
    "last_seen": ("Last seen (UTC)", "最終発生（UTC）"),
    "pages": ("Tabs", "タブ"),
    "ts": ("Time (UTC)", "時刻（UTC）"),
    "page": ("Tab", "タブ"),
    "version": ("Version", "バージョン"),
    "task": ("Task", "タスク"),
    "algorithm": ("Algorithm", "アルゴリズム"),
    "status": ("Status", "状態"),
    "created_at": ("Trained at (UTC)", "学習日時（UTC）"),
    "feature": ("Feature", "特徴量"),
    "kind": ("Kind", "種類"),
    "psi": ("PSI", "PSI値"),
    "band": ("Band", "区分"),
    "statistic": ("Statistic (KS D or χ²)", "検定統計量（KSのDまたはχ²）"),
    "drifted": ("Drifted", "ドリフトあり"),
}

STRINGS = {
    "operations.intro": {"en": "Is the app used, does the advice work, does the model still fit the data?",
                         "ja": "アプリは使われているか、アドバイスは効いているか、モデルは今のデータに合っているか。"},
    "operations.login_required": {
        "en": "Login required: the Operations tab is for administrators.",
        "ja": "ログインが必要です。運用タブは管理者専用です。"},
    "operations.login": {"en": "Log in as admin", "ja": "管理者としてログイン"},
    "operations.live": {"en": "Live refresh (every 3 s)", "ja": "自動更新（3秒ごと）"},
    "operations.meta": {
        "en": "Environment {environment} · region {region} · app {app_version} · deployed {deployed_at} · "
              "warehouse refreshed {refreshed_at}",
        "ja": "環境 {environment}・リージョン {region}・アプリ {app_version}・デプロイ {deployed_at}・"
              "データ更新 {refreshed_at}"},
    "operations.unknown": {"en": "unknown", "ja": "不明"},
    # alerts
    "operations.alerts.title": {"en": "Alerts", "ja": "アラート"},
    "operations.alerts.none": {"en": "No open alerts.", "ja": "未対応のアラートはありません。"},
    "operations.alerts.ack": {"en": "Acknowledge", "ja": "確認済みにする"},
    "operations.alerts.live_badge": {"en": "live, not recorded yet (run the monitor to record it)",
                                     "ja": "速報・未記録（監視を実行すると記録されます）"},
    "operations.alerts.run_monitor": {"en": "Run monitor now", "ja": "今すぐ監視を実行"},
    "operations.alerts.monitor_done": {
        "en": "Monitor run {run_id}: {drifted} drifted feature(s), {raised} new alert(s).",
        "ja": "監視 {run_id} が完了しました。ドリフト {drifted} 件、新規アラート {raised} 件。"},
    "operations.alerts.monitor_failed": {"en": "The monitor failed: {reason}",
                                         "ja": "監視の実行に失敗しました：{reason}"},
    "operations.alerts.acked": {"en": "Alert acknowledged.", "ja": "アラートを確認済みにしました。"},
    "operations.alerts.admin_only": {"en": "Only an administrator can do this.",
                                     "ja": "この操作は管理者のみ実行できます。"},
    "operations.alerts.last_run": {"en": "Last monitor run: {when} (UTC)", "ja": "前回の監視：{when}（UTC）"},
    "operations.alerts.never_run": {"en": "The monitor has not run yet.", "ja": "監視はまだ実行されていません。"},
    "operations.alerts.severity.warning": {"en": "Warning", "ja": "警告"},
    "operations.alerts.severity.critical": {"en": "Critical", "ja": "重大"},
    "operations.alerts.ctr_drop": {
        "en": "Variant {variant}: CTR on {date} is {latest_pct:.1f}%, {drop_pct:.0f}% below its trailing "
              "{trailing_days}-day CTR of {trailing_pct:.1f}% (limit {limit:.0f}%).",
        "ja": "文面 {variant}：{date} のクリック率 {latest_pct:.1f}% は直近{trailing_days}日間の "
              "{trailing_pct:.1f}% より {drop_pct:.0f}% 低下しています（基準 {limit:.0f}%）。"},
    "operations.alerts.error_rate": {
        "en": "{errors} errors in the hour from {hour} (limit {limit:.0f} per hour; {hours_over} hour(s) over).",
        "ja": "{hour} からの1時間にエラーが {errors} 件発生しました（基準 1時間あたり {limit:.0f} 件、超過 {hours_over} 時間）。"},
    "operations.alerts.feature_drift": {
        "en": "Data drift on {feature}: PSI {psi:.2f} is above {limit:.2f}.",
        "ja": "{feature} のデータドリフト：PSI {psi:.2f} が基準 {limit:.2f} を超えています。"},
    "operations.alerts.retrain_failed": {
        "en": "Retraining run {run_id} failed at {finished_at}: {reason}",
        "ja": "再学習 {run_id} が {finished_at} に失敗しました：{reason}"},
    # A/B test
    "operations.ab.title": {"en": "Advice A/B test", "ja": "アドバイス文面のA/Bテスト"},
    "operations.ab.mde": {"en": "Minimum detectable effect (relative, %)", "ja": "検出したい最小効果（相対, %）"},
    "operations.ab.power": {"en": "Power", "ja": "検出力"},
    "operations.ab.cumulative": {"en": "Cumulative CTR", "ja": "累積クリック率で表示"},
    "operations.ab.kpi.impressions": {"en": "Advice impressions", "ja": "アドバイス表示回数"},
    "operations.ab.kpi.clicks": {"en": "Advice clicks", "ja": "アドバイスのクリック数"},
    "operations.ab.kpi.ctr": {"en": "CTR of {variant}", "ja": "{variant} のクリック率"},
    "operations.ab.kpi.best": {"en": "Most likely best", "ja": "最良の可能性が最も高い文面"},
    "operations.ab.no_data": {"en": "No advice impressions yet.", "ja": "アドバイスの表示はまだありません。"},
    "operations.ab.srm_ok": {"en": "Traffic split matches the plan (sample-ratio check χ² p = {p:.3f}).",
                             "ja": "割り付け比率は計画どおりです（SRM検定 χ² p = {p:.3f}）。"},
    "operations.ab.srm_bad": {
        "en": "Sample ratio mismatch: observed split {observed} differs from the planned {planned} "
              "(χ² p = {p:.2g}). Fix the assignment before trusting the results.",
        "ja": "割り付け比率の不一致（SRM）：実際の比率 {observed} が計画 {planned} と異なります"
              "（χ² p = {p:.2g}）。結果を信頼する前に割り付けを確認してください。"},
    "operations.ab.sample_size": {
        "en": "To detect a {mde:.0f}% relative lift with {power:.0f}% power (α = {alpha}), each variant needs "
              "{required} impressions; the smallest has {current}.",
        "ja": "相対 {mde:.0f}% の差を検出力 {power:.0f}%（α = {alpha}）で検出するには各文面 {required} 回の表示が"
              "必要です。現在の最小は {current} 回です。"},
    "operations.ab.sample_size_na": {"en": "The required sample size cannot be computed yet (no baseline CTR).",
                                     "ja": "基準となるクリック率がないため、必要なサンプルサイズはまだ計算できません。"},
    "operations.ab.peeking": {
        "en": "Do not stop the test yet: before the required sample size is reached, a 'significant' result "
              "seen on a peek is often a false alarm.",
        "ja": "まだテストを止めないでください。必要なサンプルサイズに達する前に途中で見た「有意」な結果は、"
              "誤りであることが少なくありません。"},
    "operations.ab.ready": {"en": "The required sample size is reached: the result can be read.",
                            "ja": "必要なサンプルサイズに達しました。結果を判断できます。"},
    # usage
    "operations.usage.title": {"en": "Usage", "ja": "利用状況"},
    "operations.usage.last7": {"en": "Last 7 days", "ja": "直近7日"},
    "operations.usage.last30": {"en": "Last 30 days", "ja": "直近30日"},
    "operations.usage.range": {"en": "Period (UTC days)", "ja": "期間（UTC日付）"},
    "operations.usage.kpi.page_views": {"en": "Page views", "ja": "ページビュー"},
    "operations.usage.kpi.sessions": {"en": "Unique sessions", "ja": "ユニークセッション"},
    "operations.usage.kpi.predictions": {"en": "Predictions", "ja": "予測回数"},
    "operations.usage.trend": {"en": "{change} vs the previous {days} days", "ja": "前の{days}日間比 {change}"},
    "operations.usage.no_previous": {"en": "no data in the previous {days} days",
                                     "ja": "前の{days}日間のデータなし"},
    "operations.usage.rec_title": {"en": "Recommendation click-through", "ja": "推薦のクリック率"},
    "operations.usage.rec_shown": {"en": "Recommendation lists shown", "ja": "推薦リストの表示回数"},
    "operations.usage.rec_clicks": {"en": "Clicks on recommendations", "ja": "推薦のクリック数"},
    "operations.usage.rec_ctr": {"en": "Click-through rate (95% CI)", "ja": "クリック率（95%信頼区間）"},
    # errors
    "operations.errors.title": {"en": "Errors in the last 24 hours", "ja": "直近24時間のエラー"},
    "operations.errors.kpi": {"en": "Errors (24 h)", "ja": "エラー件数（24時間）"},
    "operations.errors.messages": {"en": "Messages in the last 24 hours", "ja": "直近24時間のメッセージ"},
    "operations.errors.latest": {"en": "Latest errors", "ja": "最新のエラー"},
    # model and data health
    "operations.health.title": {"en": "Model and data health", "ja": "モデルとデータの健全性"},
    "operations.health.production": {"en": "Production model", "ja": "本番モデル"},
    "operations.health.trained_at": {"en": "Trained at (UTC)", "ja": "学習日時（UTC）"},
    "operations.health.none": {"en": "No model is registered yet (training has not run).",
                               "ja": "登録済みのモデルはまだありません（学習が未実行です）。"},
    "operations.health.versions": {"en": "Model versions", "ja": "モデルのバージョン"},
    "operations.drift.title": {"en": "Data drift: training data vs prediction inputs of the last 7 days",
                               "ja": "データドリフト：学習データと直近7日間の予測入力の比較"},
    "operations.drift.window": {
        "en": "Monitor run {run_id} at {when} (UTC): {current} recent inputs vs {reference} training rows.",
        "ja": "監視 {run_id}（{when} UTC）：直近の入力 {current} 件と学習データ {reference} 件を比較。"},
    "operations.drift.none": {"en": "No drift report yet: run the monitor.",
                              "ja": "ドリフトの報告はまだありません。監視を実行してください。"},
    **{f"operations.fig.{key}": {"en": en, "ja": ja} for key, (en, ja) in _FIGURES.items()},
    **{f"operations.col.{key}": {"en": en, "ja": ja} for key, (en, ja) in _COLUMNS.items()},
    # experiments, monitoring, challenger and alert-history panels (issue 13)
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

# Experiment panel, monitoring, audience mode and honest comparisons (issues 10, 13, 14)
STRINGS.update({
    "experiments.none": {"en": "No experiment is declared: create one with python -m pipelines experiment create.",
                         "ja": "宣言された実験がありません。python -m pipelines experiment create で作成してください。"},
    "experiments.no_variants": {"en": "No sessions in this experiment yet: there are no variants to compare.",
                                "ja": "この実験のセッションはまだありません。比較できる文面はありません。"},
    "experiments.mode": {"en": "Result shown first", "ja": "先に表示する結果"},
    "experiments.verdict": {"en": "Verdict", "ja": "判定"},
    "experiments.control": {"en": "control", "ja": "対照"},
    "experiments.srm_ok": {"en": "Sessions split as planned (sample-ratio check on sessions, p = {p}).",
                           "ja": "セッションの配分は計画どおりです（セッション単位のSRM検定 p = {p}）。"},
    "experiments.peeking.title": {"en": "Which result to trust when", "ja": "どちらの結果をいつ信頼するか"},
    "experiments.primary": {"en": "primary", "ja": "主要指標"},
    "experiments.col.clicks_per_session": {"en": "Clicks per session", "ja": "セッションあたりクリック数"},
    "experiments.col.fixed_lift": {"en": "Lift, fixed-horizon CI", "ja": "差（固定標本の信頼区間）"},
    "experiments.fixed_n_unknown": {"en": "not computable yet", "ja": "まだ計算できない"},
    "experiments.fig.looks.fixed": {"en": "fixed-horizon 95% CI", "ja": "固定標本の95%信頼区間"},
    "experiments.fig.looks.sequential": {"en": "always-valid 95% CI", "ja": "常時有効な95%信頼区間"},
    "experiments.fig.looks.lift": {"en": "lift", "ja": "差"},
    "experiments.fig.looks.partial": {"en": "(today, partial day)", "ja": "（本日・途中経過）"},
    "experiments.fig.looks.no_data": {"en": "No daily looks yet", "ja": "日別の結果はまだありません"},
    "experiments.partial_note": {"en": "Today's look (hollow marker) holds a partial day.",
                                 "ja": "本日の点（白抜き）は1日の途中までのデータです。"},
    "experiments.small_n": {"en": "Fewer than {n} sessions per variant: rates this small are greyed out.",
                            "ja": "文面あたり {n} セッション未満のため、率は参考値として灰色で表示しています。"},
    "operations.col.jsd": {"en": "Jensen-Shannon distance (0-1)", "ja": "Jensen-Shannon距離（0〜1）"},
    # monitoring
    "monitoring.title": {"en": "Service and model monitoring", "ja": "サービスとモデルの監視"},
    "monitoring.latency.x": {"en": "Hour (UTC)", "ja": "時刻（UTC）"},
    "monitoring.latency.y": {"en": "Latency (ms)", "ja": "応答時間（ミリ秒）"},
    "monitoring.latency.none": {"en": "No /predict requests logged in the last 48 hours.",
                                "ja": "直近48時間に /predict へのリクエストの記録はありません。"},
    "monitoring.change.none": {"en": "No change in the prediction error was detected (ADWIN, DDM).",
                               "ja": "予測誤差の変化は検出されていません（ADWIN・DDM）。"},
    "challenger.fig.title": {"en": "RMSE per day on real outcomes: champion vs challenger",
                             "ja": "実際の結果による日別RMSE：本番モデルと挑戦モデル"},
    "challenger.fig.x": {"en": "Date (UTC)", "ja": "日付（UTC）"},
    "challenger.fig.y": {"en": "RMSE (score points)", "ja": "RMSE（点）"},
    "challenger.summary": {
        "en": "Champion {champion}: RMSE {rmse_champion} (n = {n_champion}); challenger {challenger}: RMSE "
              "{rmse_challenger} (n = {n_challenger}).",
        "ja": "本番モデル {champion}：RMSE {rmse_champion}（n = {n_champion}）、挑戦モデル {challenger}：RMSE "
              "{rmse_challenger}（n = {n_challenger}）。"},
    "challenger.no_outcomes": {"en": "No real outcomes for these models yet: no comparison.",
                               "ja": "これらのモデルの実際の結果はまだないため、比較できません。"},
    "alerts.history.none": {"en": "No alert has been raised yet.", "ja": "アラートはまだ発生していません。"},
    "alerts.col.raised_at": {"en": "Raised at (UTC)", "ja": "発生日時（UTC）"},
    "alerts.col.rule": {"en": "Rule", "ja": "ルール"},
    "alerts.col.severity": {"en": "Severity", "ja": "重要度"},
    "alerts.col.message": {"en": "Message", "ja": "内容"},
    "alerts.col.state": {"en": "State", "ja": "状態"},
    "alerts.col.acknowledged_at": {"en": "Acknowledged at (UTC)", "ja": "確認日時（UTC）"},
    # honest comparisons
    "operations.usage.prev_incomplete": {
        "en": "no comparison: the previous {days} days are not all covered by data",
        "ja": "比較なし：前の{days}日間の一部にしかデータがありません"},
    "operations.usage.partial_today": {"en": "The period ends today: today is a partial day and is excluded from the "
                                             "comparison.",
                                       "ja": "期間の最終日は本日で途中経過のため、比較から除いています。"},
    # audience mode
    "audience.open": {"en": "Audience mode", "ja": "発表モード"},
    "audience.scan": {"en": "Scan to try the Predict page on your phone", "ja": "スマートフォンで読み取って予測ページを試す"},
    "audience.reset": {"en": "Reset demo (new experiment)", "ja": "デモをリセット（新しい実験）"},
    "audience.reset_done": {"en": "New demo experiment {experiment} started.", "ja": "新しいデモ実験 {experiment} を開始しました。"},
    "audience.reset_failed": {"en": "The demo could not be reset: {reason}", "ja": "デモをリセットできませんでした：{reason}"},
})

# Stored codes shown in the Operations tables, as words (dashboard/operations/codes.py); feature and model
# names come from the Predict and Recommend tabs' tables.
STRINGS.update({
    "operations.task.regression": {"en": "Score (regression)", "ja": "得点予測（回帰）"},
    "operations.task.risk": {"en": "At-risk (classification)", "ja": "要支援判定（分類）"},
    "operations.task.recsys": {"en": "Recommendations", "ja": "教材推薦"},
    "operations.model_status.candidate": {"en": "candidate", "ja": "候補"},
    "operations.model_status.production": {"en": "production", "ja": "本番運用中"},
    "operations.model_status.archived": {"en": "archived", "ja": "保管済み"},
    "operations.model_status.rejected": {"en": "rejected", "ja": "不採用"},
    "operations.drift.kind.numeric": {"en": "numeric", "ja": "数値"},
    "operations.drift.kind.categorical": {"en": "categorical", "ja": "カテゴリ"},
    "operations.bool.true": {"en": "yes", "ja": "はい"},
    "operations.bool.false": {"en": "no", "ja": "いいえ"},
    # the demo generator's error messages (pipelines/demo_events.py); real messages are shown as logged
    "operations.error_message.warehouse_busy_retrying": {"en": "warehouse busy, retrying",
                                                         "ja": "データウェアハウスが混雑中のため再試行"},
    "operations.error_message.prediction_input_rejected": {"en": "prediction input rejected",
                                                           "ja": "予測の入力値が受け付けられませんでした"},
    "operations.error_message.figure_render_timeout": {"en": "figure render timeout",
                                                       "ja": "グラフの描画がタイムアウトしました"},
    "operations.environment.demo": {"en": "demo", "ja": "デモ"},
    "operations.environment.production": {"en": "production", "ja": "本番"},
    "operations.environment.staging": {"en": "staging", "ja": "検証"},
    "operations.environment.development": {"en": "development", "ja": "開発"},
    "operations.region.local": {"en": "local", "ja": "ローカル"},
})

# Where the Operations tables' stored codes (column -> string-table prefixes, first match wins) are put in words;
# a value with no entry (a real exception message, a custom environment name) is data and is shown as stored.
CODE_PREFIXES = {
    "task": ("operations.task.",), "algorithm": ("predict.algo.", "recommend.method."),
    "status": ("operations.model_status.",), "feature": ("predict.feature.",), "kind": ("operations.drift.kind.",),
    "band": ("operations.fig.psi.band.",), "drifted": ("operations.bool.",), "page": ("operations.fig.page.",),
    "message": ("operations.error_message.",), "environment": ("operations.environment.",),
    "region": ("operations.region.",), "action": ("predict.advice.",),
}
