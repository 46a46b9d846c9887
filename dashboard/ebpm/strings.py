"""EBPM tab strings: the UI and figure text, plus the effect warning/error sentences (kept in
analytics.causal.messages, shared with the API and the CLI) under ebpm.msg.* and ebpm.fig.*."""
from __future__ import annotations

from analytics.causal.messages import MESSAGES, TERMS

# Figure text: keys match analytics.causal.DEFAULT_LABELS (read with dashboard.common.i18n.labels("ebpm.fig.")).
FIGURE_LABELS = {
    "overlap_title": {"en": "Propensity score overlap", "ja": "傾向スコアの重なり"},
    "overlap_x": {"en": "Propensity score (probability, 0–1)", "ja": "傾向スコア（確率, 0–1）"},
    "overlap_y": {"en": "Density (per unit of score)", "ja": "密度（スコア 1 単位あたり）"},
    "love_title": {"en": "Covariate balance (love plot)", "ja": "共変量のバランス（ラブプロット）"},
    "love_x": {"en": "Absolute standardized mean difference (SD units)", "ja": "標準化平均差の絶対値（SD 単位）"},
    "love_y": {"en": "Covariate", "ja": "共変量"},
    "estimates_title": {"en": "Estimated effect by method (95% CI)", "ja": "手法別の効果推定値（95% 信頼区間）"},
    "estimates_x": {"en": "Effect (outcome units, e.g. score points)", "ja": "効果（結果の単位, 例: 点）"},
    "estimates_y": {"en": "Method", "ja": "手法"},
    "forest_title": {"en": "Effect by subgroup (doubly robust ATE, 95% CI)",
                     "ja": "サブグループ別の効果（二重にロバストな ATE, 95% 信頼区間）"},
    "forest_x": {"en": "Effect (outcome units, e.g. score points)", "ja": "効果（結果の単位, 例: 点）"},
    "forest_y": {"en": "Subgroup", "ja": "サブグループ"},
    "truth": {"en": "Planted truth", "ja": "埋め込んだ真の効果"},
    "overall": {"en": "Overall", "ja": "全体"},
    "threshold": {"en": "0.1 threshold", "ja": "基準 0.1"},
}

UI = {
    "title": {"en": "Does the programme work? Effect of an intervention",
              "ja": "施策は効果があるか：介入効果の検証"},
    "intro": {"en": "Compares treated and untreated students as fairly as observational data allow: the naive "
                    "difference, matching, weighting, regression and a doubly robust estimate, with the checks "
                    "that show how far each can be trusted.",
              "ja": "観察データで可能な範囲で公平に、処置を受けた生徒と受けていない生徒を比べます。単純な差、マッチング、"
                    "重み付け、回帰、二重にロバストな推定と、それぞれをどこまで信頼できるかを示すチェックを表示します。"},
    "data": {"en": "Data", "ja": "データ"},
    "data.warehouse": {"en": "Students in the warehouse", "ja": "データウェアハウスの生徒データ"},
    "data.upload": {"en": "Uploaded file {name} ({n_rows} rows; kept on the server for a few hours, never added "
                          "to the warehouse)",
                    "ja": "アップロードしたファイル {name}（{n_rows} 行。サーバーに数時間だけ保管し、ウェアハウスには"
                          "加えません）"},
    "upload.prompt": {"en": "Drop a CSV here or click to choose one (a 0/1 treatment column, an outcome, covariates; "
                            "at most {limit} MB)",
                      "ja": "CSV をここにドロップするかクリックして選択（0/1 の処置列・結果・共変量。最大 {limit} MB）"},
    "upload.reset": {"en": "Back to the warehouse students", "ja": "ウェアハウスの生徒データに戻す"},
    "upload.ok": {"en": "{name}: {n_rows} rows and {n_cols} columns read. Choose the treatment, outcome and "
                        "covariates.",
                  "ja": "{name}: {n_rows} 行・{n_cols} 列を読み込みました。処置・結果・共変量を選んでください。"},
    "upload.error": {"en": "The file was not used: {message}", "ja": "ファイルは使われませんでした: {message}"},
    "outcome": {"en": "Outcome", "ja": "結果（アウトカム）"},
    "treatment": {"en": "Treatment", "ja": "処置"},
    "treatment.test_prep": {"en": "Test preparation course completed", "ja": "試験対策講座の受講"},
    "treatment.tutoring": {"en": "School runs the tutoring programme (given by school)",
                           "ja": "学校が個別指導プログラムを実施（学校単位で割り当て）"},
    "covariates": {"en": "Covariates (measured before the treatment)", "ja": "共変量（処置の前に決まっている変数）"},
    "filters": {"en": "Subgroup: estimate on this subset only", "ja": "サブグループ：この部分集合だけで推定"},
    "options": {"en": "Method options", "ja": "手法の設定"},
    "psm_k": {"en": "PSM: controls per treated unit (k)", "ja": "PSM: 処置 1 件あたりの対照数（k）"},
    "caliper": {"en": "PSM caliper (SD of the logit; empty = none)",
                "ja": "PSM キャリパー（ロジットの SD 単位。空欄 = なし）"},
    "replace": {"en": "Match with replacement", "ja": "復元ありでマッチング"},
    "trim": {"en": "IPW/AIPW: trim propensity scores", "ja": "IPW/AIPW: 傾向スコアのトリミング"},
    "trim.none": {"en": "No trimming", "ja": "トリミングなし"},
    "trim.range": {"en": "Keep {low}–{high}", "ja": "{low}–{high} の範囲を残す"},
    "estimates": {"en": "Estimates", "ja": "推定結果"},
    "kpi.effect": {"en": "Headline effect ({estimand}): {method}", "ja": "主な推定値（{estimand}）: {method}"},
    "kpi.effect_value": {"en": "{estimate:+.2f} (95% CI {low:.2f} to {high:.2f})",
                         "ja": "{estimate:+.2f}（95% 信頼区間 {low:.2f}〜{high:.2f}）"},
    "kpi.n": {"en": "Units analysed", "ja": "分析した件数"},
    "kpi.groups": {"en": "Treated / control", "ja": "処置群 / 対照群"},
    "kpi.truth": {"en": "Planted true effect (demo data)", "ja": "埋め込んだ真の効果（デモデータ）"},
    "kpi.naive": {"en": "Naive difference (biased by confounding)", "ja": "単純な差（交絡で偏る）"},
    "errors": {"en": "The effect could not be estimated", "ja": "効果を推定できませんでした"},
    "warnings": {"en": "Read the estimates with these warnings in mind", "ja": "次の警告に注意して結果を読んでください"},
    "diagnostics": {"en": "Overlap and balance", "ja": "重なりとバランス"},
    "diag.support": {"en": "Outside common support", "ja": "共通サポート外"},
    "diag.support_value": {"en": "{treated} treated, {control} control ({share:.1%})",
                           "ja": "処置群 {treated} 件、対照群 {control} 件（{share:.1%}）"},
    "diag.ess": {"en": "Effective sample size under IPW (ATE)", "ja": "IPW（ATE）の有効サンプルサイズ"},
    "diag.ess_value": {"en": "{treated:.0f} of {n_treated} treated, {control:.0f} of {n_control} control",
                       "ja": "処置群 {n_treated} 件中 {treated:.0f}、対照群 {n_control} 件中 {control:.0f}"},
    "diag.max_weight": {"en": "Largest IPW weight (ATE / ATT)", "ja": "IPW の最大の重み（ATE / ATT）"},
    "diag.psm": {"en": "PSM: treated matched / unmatched, controls used",
                 "ja": "PSM: マッチした処置群 / できなかった処置群、使った対照"},
    "sensitivity": {"en": "Sensitivity", "ja": "感度分析"},
    "evalues": {"en": "E-values: how strongly an unmeasured confounder would have to be tied to both treatment and "
                      "outcome (risk-ratio scale) to explain the estimate, or its CI bound, away.",
                "ja": "E 値: 未測定の交絡因子が処置と結果の両方とどれほど強く（リスク比で）関連していれば、推定値"
                      "（または信頼区間の限界）を説明し尽くせるかを示します。"},
    "refutations": {"en": "Refutation checks (doubly robust ATE)", "ja": "反証チェック（二重にロバストな ATE）"},
    "check.placebo_treatment": {"en": "Placebo: treatment randomly permuted (expect about 0)",
                                "ja": "プラセボ: 処置をランダムに並べ替え（0 付近になるはず）"},
    "check.random_common_cause": {"en": "A random common cause added (expect no change)",
                                  "ja": "ランダムな共通原因を追加（変化しないはず）"},
    "check.passed": {"en": "passed", "ja": "合格"},
    "check.failed": {"en": "failed", "ja": "不合格"},
    "assumptions": {"en": "Assumptions, and what these data say about them", "ja": "前提条件と、このデータが示すこと"},
    "status.ok": {"en": "Looks fine", "ja": "問題なし"},
    "status.warn": {"en": "Check", "ja": "要確認"},
    "status.info": {"en": "Cannot be tested from the data", "ja": "データからは検証できない"},
    "assumption.no_unmeasured_confounding": {"en": "No unmeasured confounding", "ja": "未測定の交絡がない"},
    "assumption.no_unmeasured_confounding.statement": {
        "en": "Everything that affects both who takes the treatment and the outcome is among the covariates.",
        "ja": "処置を受けるかどうかと結果の両方に影響するものは、すべて共変量に含まれている。"},
    "assumption.no_unmeasured_confounding.evidence": {
        "en": "Headline estimate {method} ({estimand}): E-value {e_value:.2f}, for the CI bound {e_value_ci:.2f}. "
              "A hidden confounder tied to treatment and outcome by a risk ratio of {e_value:.2f} each could explain "
              "the effect away; a weaker one could not.",
        "ja": "主な推定値 {method}（{estimand}）: E 値 {e_value:.2f}、信頼区間の限界では {e_value_ci:.2f}。"
              "処置と結果のそれぞれとリスク比 {e_value:.2f} で関連する隠れた交絡因子があれば効果を説明し尽くせますが、"
              "それより弱ければできません。"},
    "assumption.refutations_failed": {"en": "Failed checks: {checks}.", "ja": "不合格のチェック: {checks}"},
    "assumption.refutations_passed": {"en": "The placebo and random-common-cause checks passed.",
                                      "ja": "プラセボとランダム共通原因のチェックは合格しました。"},
    "assumption.overlap": {"en": "Overlap (positivity)", "ja": "重なり（正値性）"},
    "assumption.overlap.statement": {
        "en": "Every kind of unit could have been in either group: propensity scores stay away from 0 and 1.",
        "ja": "どの対象もどちらの群にも入り得た。傾向スコアが 0 や 1 に張り付いていない。"},
    "assumption.overlap.evidence": {
        "en": "{share_outside:.1%} of units lie outside common support; propensity scores range from {low:.3f} to "
              "{high:.3f} ({share_extreme:.1%} extreme); largest weight {max_weight:.1f}; effective sample size "
              "{ess_treated:.0f} of {n_treated} treated and {ess_control:.0f} of {n_control} control.",
        "ja": "共通サポート外は {share_outside:.1%}。傾向スコアは {low:.3f}〜{high:.3f}（極端な値 {share_extreme:.1%}）。"
              "最大の重みは {max_weight:.1f}、有効サンプルサイズは処置群 {n_treated} 件中 {ess_treated:.0f}、"
              "対照群 {n_control} 件中 {ess_control:.0f}。"},
    "assumption.sutva": {"en": "SUTVA (no interference, one version of the treatment)",
                         "ja": "SUTVA（相互干渉がなく、処置の内容が一つ）"},
    "assumption.sutva.statement": {
        "en": "One unit's treatment does not change another's outcome, and the treatment was the same for everyone.",
        "ja": "ある対象の処置が他の対象の結果に影響せず、処置の内容は全員で同じだった。"},
    "assumption.sutva.evidence": {
        "en": "Cannot be checked from one table of {n} units: it needs knowledge of the programme (did students "
              "share material? was the course the same in every school?).",
        "ja": "{n} 件の表だけでは確認できません。施策についての知識が必要です（生徒同士で教材を共有したか、"
              "講座の内容はどの学校でも同じだったか）。"},
    "assumption.model_specification": {"en": "Model specification", "ja": "モデルの指定"},
    "assumption.model_specification.statement": {
        "en": "The propensity and outcome models are flexible enough, and only pre-treatment covariates are used.",
        "ja": "傾向スコアと結果のモデルが十分に柔軟で、処置前の共変量だけを使っている。"},
    "assumption.balance": {"en": "Largest |SMD| after adjustment, {sample}: {smd:.3f} (threshold {threshold}).",
                           "ja": "調整後の |SMD| の最大値、{sample}: {smd:.3f}（基準 {threshold}）。"},
    "assumption.spread": {"en": "The adjusted methods differ by {spread:.1f} SE (warning above {threshold:.0f} SE).",
                          "ja": "調整した手法どうしの差は {spread:.1f} SE（{threshold:.0f} SE 超で警告）。"},
    "assumption.post_treatment": {"en": "Post-treatment covariates chosen: {columns}. Remove them.",
                                  "ja": "処置後の共変量が選ばれています: {columns}。外してください。"},
    "forest": {"en": "Effect by subgroup", "ja": "サブグループ別の効果"},
    "forest.by": {"en": "Subgroups by", "ja": "サブグループの軸"},
    "forest.none": {"en": "No column with 2–20 levels to form subgroups.",
                    "ja": "サブグループを作れる列（水準が 2〜20）がありません。"},
    "cluster": {"en": "Clusters (cluster-robust SEs)", "ja": "クラスター（クラスター頑健な標準誤差）"},
    "fixed_effects": {"en": "Compare within (fixed effects)", "ja": "比較の単位（固定効果）"},
    "none": {"en": "None", "ja": "なし"},
    "estimand": {"en": "Headline estimand", "ja": "主な推定対象"},
    "estimand.ATE": {"en": "ATE: effect on everyone", "ja": "ATE: 全体への効果"},
    "estimand.ATT": {"en": "ATT: effect on the treated", "ja": "ATT: 処置群への効果"},
    "bootstrap": {"en": "Bootstrap every SE and CI", "ja": "すべての標準誤差と信頼区間をブートストラップ"},
    "bootstrap_n": {"en": "Bootstrap replicates (20–{maximum})", "ja": "ブートストラップの反復数（20〜{maximum}）"},
    "ci": {"en": "Bootstrap interval", "ja": "ブートストラップ区間"},
    "ci.percentile": {"en": "Percentile", "ja": "パーセンタイル"},
    "ci.bca": {"en": "BCa (bias-corrected)", "ja": "BCa（偏り補正）"},
    "se_type.analytic": {"en": "SE: analytic", "ja": "標準誤差: 解析的（analytic）"},
    "se_type.cluster": {"en": "SE: cluster-robust (cluster)", "ja": "標準誤差: クラスター頑健（cluster）"},
    "se_type.bootstrap": {"en": "SE: bootstrap", "ja": "標準誤差: ブートストラップ（bootstrap）"},
    "headline.title": {"en": "Headline: {method} ({estimand})", "ja": "主な推定値: {method}（{estimand}）"},
    "headline.value": {"en": "{estimate:+.2f} (SE {se:.2f}; 95% CI {low:.2f} to {high:.2f})",
                       "ja": "{estimate:+.2f}（標準誤差 {se:.2f}、95% 信頼区間 {low:.2f}〜{high:.2f}）"},
    "headline.none": {"en": "No estimate is reliable enough to headline; read the table and its reasons.",
                      "ja": "主な推定値にできるほど信頼できる推定がありません。表と理由を確認してください。"},
    "headline.clusters": {"en": "{n_clusters} clusters of {column}", "ja": "{column} のクラスター {n_clusters} 個"},
    "auto_bootstrap": {
        "en": "The overlap check warns, so the weighting estimators (IPW, AIPW) use {n} bootstrap replicates "
              "instead of their analytic SEs, which are too small under poor overlap.",
        "ja": "重なりのチェックが警告しているため、重み付けの推定（IPW・AIPW）は解析的な標準誤差（重なりが悪いと"
              "小さすぎる）ではなく {n} 回のブートストラップを使っています。"},
    "reliable.yes": {"en": "reliable", "ja": "信頼できる"},
    "unreliable": {"en": "Not reliable: {reason}", "ja": "信頼できない: {reason}"},
    "placebo.title": {"en": "Placebo: effects found with the treatment permuted {n} times (p = {p_value:.3f})",
                      "ja": "プラセボ: 処置を {n} 回並べ替えたときの効果（p = {p_value:.3f}）"},
    "placebo.x": {"en": "Placebo effect (outcome units, e.g. score points)", "ja": "プラセボ効果（結果の単位, 例: 点）"},
    "placebo.y": {"en": "Permutations (count)", "ja": "並べ替えの回数（件）"},
    "placebo.actual": {"en": "Actual estimate", "ja": "実際の推定値"},
    "placebo.p_value": {
        "en": "Permutation p-value of the headline method: {p_value:.3f} ({n} permutations). A small value means "
              "random treatments rarely produce an effect this large.",
        "ja": "主な手法の並べ替え p 値: {p_value:.3f}（{n} 回）。小さいほど、ランダムな処置ではこれほど大きな効果は"
              "まれにしか出ないことを意味します。"},
    "upload.bad_columns": {"en": "Columns that cannot be used as they are (not pre-selected):",
                           "ja": "このままでは使えない列（自動では選びません）:"},
    "store.forged_store": {"en": "The page state was not recognised; reload the page (nothing was read).",
                           "ja": "ページの状態を認識できませんでした。ページを再読み込みしてください（何も読み込んでいません）。"},
    "store.unknown_upload": {"en": "The uploaded file is no longer available; upload it again.",
                             "ja": "アップロードしたファイルはもうありません。もう一度アップロードしてください。"},
    "store.upload_expired": {"en": "The uploaded file has expired (kept for a few hours); upload it again.",
                             "ja": "アップロードしたファイルは期限切れです（数時間だけ保管）。もう一度アップロードしてください。"},
    "col.se_type": {"en": "SE type", "ja": "標準誤差の種類"},
    "col.reliable": {"en": "Reliability", "ja": "信頼性"},
    "col.headline": {"en": "Headline", "ja": "主な推定値"},
    "column.school_id": {"en": "School (school_id)", "ja": "学校（school_id）"},
    "column.class_id": {"en": "Class (class_id)", "ja": "クラス（class_id）"},
    "col.method": {"en": "Method", "ja": "手法"},
    "col.estimand": {"en": "Estimand", "ja": "推定対象"},
    "col.estimate": {"en": "Estimate", "ja": "推定値"},
    "col.se": {"en": "SE", "ja": "標準誤差"},
    "col.ci_low": {"en": "95% CI low", "ja": "95% 信頼区間 下限"},
    "col.ci_high": {"en": "95% CI high", "ja": "95% 信頼区間 上限"},
    "col.p_value": {"en": "p-value", "ja": "p 値"},
    "col.n": {"en": "n used", "ja": "使用件数"},
    "col.d": {"en": "Effect in SD units (d)", "ja": "SD 単位の効果（d）"},
    "col.risk_ratio": {"en": "Approx. risk ratio", "ja": "近似リスク比"},
    "col.e_value": {"en": "E-value (estimate)", "ja": "E 値（推定値）"},
    "col.e_value_ci": {"en": "E-value (CI bound)", "ja": "E 値（信頼区間の限界）"},
    "col.check": {"en": "Check", "ja": "チェック"},
    "col.expected": {"en": "Expected", "ja": "期待値"},
    "col.passed": {"en": "Result", "ja": "結果"},
}

STRINGS = {
    **{f"ebpm.msg.{code}": text for code, text in MESSAGES.items()},
    **{f"ebpm.fig.{name}": text for name, text in {**FIGURE_LABELS, **TERMS}.items()},
    **{f"ebpm.{key}": text for key, text in UI.items()},
}
