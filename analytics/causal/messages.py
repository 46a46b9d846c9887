"""Sentences (en and ja) for the warning and error codes of the causal estimators and effect I/O.

Plain data and one formatting function: the EBPM tab (through the i18n table), POST
/api/v1/effects and the `effect` command all word every warning the same way from here.
"""
from __future__ import annotations

import math

# Sentences for the codes raised by analytics.causal (warnings and validation errors) and by
# effect_io.py (file, row and option problems). Keys: ebpm.msg.<code>.
MESSAGES = {
    # --- warnings about an estimate -------------------------------------------------------------
    "rows_sampled": {
        "en": "Estimated on a random sample of {n_rows:,} of the {total:,} students (fixed seed: the same figures "
              "every time). At this size the standard errors are already small; they describe the sample.",
        "ja": "{total:,} 人から無作為に抽出した {n_rows:,} 人で推定しました（乱数シード固定のため毎回同じ結果）。"
              "この人数で標準誤差はすでに十分小さく、値は標本についてのものです。"},
    "post_treatment_covariate": {
        "en": "{column} is measured after the treatment (at the same exam as the outcome): adjusting for it "
              "removes part of the effect and biases every adjusted estimate. Leave it out of the covariates.",
        "ja": "{column} は処置の後（結果と同じ試験）に測られた変数です。共変量に入れると効果の一部を取り除いてしまい、"
              "調整したすべての推定値が偏ります。共変量から外してください。"},
    "treated_unmatched": {
        "en": "{n_unmatched} of {n_treated} treated units found no control within the caliper and were left out "
              "of the PSM estimate, which therefore describes the matched treated units only.",
        "ja": "処置群 {n_treated} 件のうち {n_unmatched} 件はキャリパー内に対照が見つからず、PSM の推定から外れました。"
              "PSM の結果はマッチできた処置群についての効果です。"},
    "estimate_unavailable": {
        "en": "{method} ({estimand}) could not be estimated on these data.",
        "ja": "このデータでは {method}（{estimand}）を推定できませんでした。"},
    "units_trimmed": {
        "en": "{n_trimmed} units with a propensity score outside [{low}, {high}] were left out of IPW and AIPW.",
        "ja": "傾向スコアが [{low}, {high}] の外にある {n_trimmed} 件を IPW と AIPW から除外しました。"},
    "outside_common_support": {
        "en": "{n_treated} treated and {n_control} control units ({share:.1%}) lie outside the other group's "
              "propensity score range: the groups overlap poorly.",
        "ja": "処置群 {n_treated} 件と対照群 {n_control} 件（{share:.1%}）が相手群の傾向スコアの範囲外にあり、"
              "両群の重なりが不十分です。"},
    "extreme_propensity_scores": {
        "en": "{n_below} units have a propensity score below {low} and {n_above} above {high}: some units had "
              "almost no chance of being in the other group.",
        "ja": "傾向スコアが {low} 未満の対象が {n_below} 件、{high} 超が {n_above} 件あります。"
              "もう一方の群に入る可能性がほとんどない対象がいます。"},
    "imbalance_after_adjustment": {
        "en": "{covariate} is still imbalanced after adjustment ({sample}: |SMD| = {max_smd:.2f}, above 0.1).",
        "ja": "調整後も {covariate} の偏りが残っています（{sample}: |SMD| = {max_smd:.2f}、基準 0.1 超）。"},
    "extreme_weights": {
        "en": "IPW ({estimand}) gives one unit a weight of {max_weight:.1f}, {max_weight_share:.1%} of its "
              "group's total: the estimate leans on a few units.",
        "ja": "IPW（{estimand}）で 1 件に重み {max_weight:.1f}（その群の合計の {max_weight_share:.1%}）が"
              "かかっています。推定が少数の対象に依存しています。"},
    "low_effective_sample_size": {
        "en": "Under the {estimand} weights the {group} group is worth only {ess:.0f} of its {n} units "
              "(effective sample size).",
        "ja": "{estimand} の重みのもとで、{group}の {n} 件は実質 {ess:.0f} 件分の情報しかありません（有効サンプルサイズ）。"},
    "few_clusters": {
        "en": "Only {n_clusters} clusters in '{column}' (fewer than {minimum}): cluster-robust standard errors are "
              "too small with so few clusters; prefer --bootstrap and read the intervals as optimistic.",
        "ja": "「{column}」のクラスターは {n_clusters} 個しかありません（{minimum} 未満）。クラスターが少ないと"
              "クラスター頑健な標準誤差は小さすぎます。ブートストラップを使い、区間は楽観的とみてください。"},
    # --- why a row is unreliable, and why the headline is the one shown ----------------------------
    "row_unavailable": {"en": "No estimate or no standard error.", "ja": "推定値または標準誤差がありません。"},
    "row_tiny_effective_sample": {
        "en": "Its weights leave the {group} group worth only {ess:.0f} of {n} units (under 10 %).",
        "ja": "重み付けで{group}の {n} 件が実質 {ess:.0f} 件分（10 % 未満）しかありません。"},
    "row_dominant_weight": {
        "en": "One unit carries {max_weight_share:.0%} of its group's total weight.",
        "ja": "1 件がその群の重みの合計の {max_weight_share:.0%} を占めています。"},
    "row_most_treated_unmatched": {
        "en": "{n_unmatched} of {n_treated} treated units found no match.",
        "ja": "処置群 {n_treated} 件のうち {n_unmatched} 件がマッチしませんでした。"},
    "headline_preferred": {
        "en": "The most robust reliable estimate for the chosen estimand (AIPW, then IPW, then regression "
              "or matching).",
        "ja": "選んだ推定対象について、信頼できる推定のうち最も頑健なもの（AIPW、IPW、回帰またはマッチングの順）です。"},
    "headline_preferred_after_skipping": {
        "en": "The most robust reliable estimate; {skipped} were passed over as unreliable (see their rows).",
        "ja": "信頼できる推定のうち最も頑健なものです。{skipped} は信頼できないため採りませんでした（各行を参照）。"},
    "headline_poor_overlap_att": {
        "en": "The groups overlap poorly ({share:.1%} outside common support), so the effect on the treated "
              "(ATT) is shown: it needs comparable controls only where treated units are.",
        "ja": "両群の重なりが不十分（{share:.1%} が共通サポート外）なため、処置群での効果（ATT）を示します。"
              "ATT は処置群がいる範囲にだけ比較可能な対照群を必要とします。"},
    "headline_poor_overlap_att_after_skipping": {
        "en": "The groups overlap poorly ({share:.1%} outside common support), so the ATT is preferred; "
              "{skipped} were passed over as unreliable.",
        "ja": "両群の重なりが不十分（{share:.1%} が共通サポート外）なため ATT を優先しました。"
              "{skipped} は信頼できないため採りませんでした。"},
    "headline_poor_overlap_trimmed": {
        "en": "The groups overlap poorly ({share:.1%} outside common support); this ATE is on the trimmed "
              "sample, so it describes students with comparable chances of either group.",
        "ja": "両群の重なりが不十分（{share:.1%} が共通サポート外）です。この ATE はトリミング後の標本についてのもので、"
              "どちらの群にも入りうる生徒についての効果です。"},
    "headline_poor_overlap_trimmed_after_skipping": {
        "en": "Poor overlap ({share:.1%} outside common support): trimmed ATE; {skipped} were passed over as "
              "unreliable.",
        "ja": "重なりが不十分（{share:.1%} が共通サポート外）なためトリミング後の ATE です。{skipped} は信頼できないため"
              "採りませんでした。"},
    "headline_naive_only": {
        "en": "No adjusted estimate is reliable here: only the unadjusted difference is left, and it is "
              "confounded.",
        "ja": "調整した推定に信頼できるものがなく、残るのは調整前の差だけです。この差は交絡しています。"},
    # --- problems with the input ------------------------------------------------------------------
    "missing_column": {"en": "Column '{column}' is not in the data.",
                       "ja": "列「{column}」がデータにありません。"},
    "role_conflict": {"en": "Column '{column}' is used in two roles (treatment, outcome or covariate).",
                      "ja": "列「{column}」が複数の役割（処置・結果・共変量）に使われています。"},
    "missing_values": {"en": "Column '{column}' has {n_rows} empty values out of {n_total} rows; fill or remove them.",
                       "ja": "列「{column}」に空の値が {n_total} 行中 {n_rows} 行あります。補うか行を削除してください。"},
    "non_binary_treatment": {
        "en": "Treatment '{column}' must be 0/1 (or true/false); found values: {values}.",
        "ja": "処置の列「{column}」は 0/1（または true/false）である必要があります。見つかった値: {values}"},
    "too_few_treated": {"en": "Only {count} treated units (1 in '{column}'); at least {minimum} are needed.",
                        "ja": "処置群（「{column}」が 1）が {count} 件しかありません。{minimum} 件以上必要です。"},
    "too_few_controls": {"en": "Only {count} control units (0 in '{column}'); at least {minimum} are needed.",
                         "ja": "対照群（「{column}」が 0）が {count} 件しかありません。{minimum} 件以上必要です。"},
    "non_numeric_outcome": {"en": "Outcome '{column}' must be numeric.",
                            "ja": "結果の列「{column}」は数値である必要があります。"},
    "constant_outcome": {"en": "Outcome '{column}' has the same value in every row; there is nothing to compare.",
                         "ja": "結果「{column}」がすべての行で同じ値のため、比較できません。"},
    "constant_covariate": {"en": "Covariate '{column}' has the same value in every row; remove it.",
                           "ja": "共変量「{column}」はすべての行で同じ値です。外してください。"},
    "high_cardinality_covariate": {
        "en": "Covariate '{column}' has {n_levels} different text values (at most {max_levels}); is it an id column?",
        "ja": "共変量「{column}」には {n_levels} 種類の文字列があります（上限 {max_levels}）。ID の列ではありませんか。"},
    "non_numeric_covariate": {
        "en": "Covariate '{column}' mixes numbers with text ({values}); correct those cells.",
        "ja": "共変量「{column}」に数値と文字列（{values}）が混在しています。該当するセルを直してください。"},
    "invalid_psm_k": {"en": "PSM k must be a whole number from 1 to {maximum} (got {value}).",
                      "ja": "PSM の k は 1 から {maximum} の整数で指定してください（指定値: {value}）。"},
    "invalid_caliper": {"en": "The caliper must be above 0 and at most 5 (SDs), or null for none (got {value}).",
                        "ja": "キャリパーは 0 より大きく 5（SD）以下の数（使わない場合は null）で指定してください"
                              "（指定値: {value}）。"},
    "invalid_replace": {"en": "'replace' must be true or false (got {value}).",
                        "ja": "replace は true か false で指定してください（指定値: {value}）。"},
    "invalid_trim": {"en": "Trimming must be two numbers [low, high] with 0 ≤ low < 0.5 < high ≤ 1 (got {value}).",
                     "ja": "トリミングは 0 ≤ 下限 < 0.5 < 上限 ≤ 1 の 2 つの数 [下限, 上限] で指定してください"
                           "（指定値: {value}）。"},
    "no_within_variation": {
        "en": "No level of '{column}' ({n_levels} levels) has both treated and control units: comparing within "
              "'{column}' is impossible (was the programme assigned by '{column}'? then use it as --cluster).",
        "ja": "「{column}」（{n_levels} 水準）のどの水準にも処置群と対照群の両方がいません。「{column}」の中で比べることは"
              "できません（「{column}」単位で割り当てたなら、クラスターとして指定してください）。"},
    "invalid_column_option": {"en": "{field} must be a column name (got {value}).",
                              "ja": "{field} には列名を指定してください（指定値: {value}）。"},
    "invalid_bootstrap": {"en": "bootstrap must be 0 (off) or a whole number from 20 to {maximum} (got {value}).",
                          "ja": "bootstrap は 0（使わない）か 20 から {maximum} の整数で指定してください（指定値: {value}）。"},
    "invalid_ci": {"en": "ci must be 'percentile' or 'bca' (got {value}).",
                   "ja": "ci は percentile か bca で指定してください（指定値: {value}）。"},
    "invalid_estimand": {"en": "estimand must be 'ate' or 'att' (got {value}).",
                         "ja": "estimand は ate か att で指定してください（指定値: {value}）。"},
    "nonfinite_value": {
        "en": "Column '{column}' has {count} infinite value(s) such as '{value}' (first at line {line}); "
              "replace them with numbers or remove those rows.",
        "ja": "列「{column}」に無限大の値（'{value}' など）が {count} 件あります（最初は {line} 行目）。"
              "数値に直すか、その行を削除してください。"},
    "overflow_value": {
        "en": "Column '{column}' has {count} value(s) too large to compute with, such as '{value}' (first at line "
              "{line}); is it a typo or a missing-value code?",
        "ja": "列「{column}」に計算できないほど大きな値（'{value}' など）が {count} 件あります（最初は {line} 行目）。"
              "入力ミスか欠測コードではありませんか。"},
    "stata_missing": {
        "en": "Column '{column}' has {count} missing value(s) written as '{value}' (Stata style; first at line "
              "{line}); fill them or remove those rows.",
        "ja": "列「{column}」に '{value}'（Stata 形式の欠測）が {count} 件あります（最初は {line} 行目）。"
              "値を補うか、その行を削除してください。"},
    "empty_cells": {
        "en": "Column '{column}' has {count} empty cell(s) (first at line {line}); fill them or remove those rows.",
        "ja": "列「{column}」に空のセルが {count} 件あります（最初は {line} 行目）。値を補うか、その行を削除してください。"},
    "nonfinite_rows": {"en": "Column '{column}' has {count} infinite value(s) (first in row {row}).",
                       "ja": "列「{column}」に無限大の値が {count} 件あります（最初は {row} 行目）。"},
    "overflow_rows": {"en": "Column '{column}' has {count} value(s) too large to compute with (first in row {row}).",
                      "ja": "列「{column}」に計算できないほど大きな値が {count} 件あります（最初は {row} 行目）。"},
    "ragged_row": {
        "en": "line {line} has {n_fields} fields but the header has {n_columns} columns.",
        "ja": "{line} 行目の項目数は {n_fields} ですが、見出しは {n_columns} 列です。"},
    "empty_header": {"en": "column {position} has no name in the header line.",
                     "ja": "見出し行の {position} 列目に名前がありません。"},
    "duplicate_header": {
        "en": "the header names '{column}' twice (columns {first} and {second}); rename one of them.",
        "ja": "見出しに「{column}」が 2 回あります（{first} 列目と {second} 列目）。どちらかの名前を変えてください。"},
    "file_too_large": {"en": "{name} is {size_mb:.1f} MB; the limit is {limit_mb:.1f} MB.",
                       "ja": "{name} は {size_mb:.1f} MB あります。上限は {limit_mb:.1f} MB です。"},
    "not_text": {"en": "{name} is not a text CSV (UTF-8 or Shift_JIS).",
                 "ja": "{name} はテキストの CSV（UTF-8 または Shift_JIS）ではありません。"},
    "empty_file": {"en": "{name} is empty.", "ja": "{name} は空です。"},
    "unparseable_csv": {"en": "{name} could not be read as CSV: {detail}",
                        "ja": "{name} を CSV として読めませんでした: {detail}"},
    "rows_not_objects": {"en": "'rows' must be an array of JSON objects, one per row.",
                         "ja": "rows は 1 行につき 1 つの JSON オブジェクトを並べた配列である必要があります。"},
    "cell_not_scalar": {"en": "Column '{column}' holds an object or array; each cell must be one value.",
                        "ja": "列「{column}」にオブジェクトか配列があります。各セルは 1 つの値にしてください。"},
    "number_too_large": {"en": "Column '{column}' holds a number too large to analyse.",
                         "ja": "列「{column}」に分析できないほど大きな数があります。"},
    "too_many_rows": {"en": "{n_rows:,} rows exceed the limit of {max_rows:,}.",
                      "ja": "{n_rows:,} 行は上限の {max_rows:,} 行を超えています。"},
    "no_rows": {"en": "The data have no rows.", "ja": "データに行がありません。"},
    "no_treatment": {"en": "Choose a treatment (a 0/1 column) and an outcome.",
                     "ja": "処置（0/1 の列）と結果を選んでください。"},
}

# Names of methods, samples and groups as they appear inside the sentences and figures.
TERMS = {
    "difference_in_means": {"en": "Difference in means", "ja": "単純な平均の差"},
    "psm": {"en": "Propensity score matching", "ja": "傾向スコアマッチング"},
    "ipw": {"en": "Inverse probability weighting", "ja": "逆確率重み付け（IPW）"},
    "regression_adjustment": {"en": "Regression adjustment", "ja": "回帰調整"},
    "aipw": {"en": "Doubly robust (AIPW)", "ja": "二重にロバストな推定（AIPW）"},
    "unadjusted": {"en": "Before adjustment", "ja": "調整前"},
    "matched": {"en": "After matching", "ja": "マッチング後"},
    "weighted_ate": {"en": "IPW (ATE weights)", "ja": "IPW（ATE の重み）"},
    "weighted_att": {"en": "IPW (ATT weights)", "ja": "IPW（ATT の重み）"},
    "treated": {"en": "Treated", "ja": "処置群"},
    "control": {"en": "Control", "ja": "対照群"},
}

TERM_PARAMS = ("method", "sample", "group")


def _shown(key: str, value, lang: str, names: dict[str, str]):
    if value is None:
        return math.nan   # NaN formats under any numeric format spec; None would raise
    if isinstance(value, list):
        return ", ".join(str(names.get(v, v)) for v in value)
    if key in TERM_PARAMS and value in TERMS:
        return TERMS[value].get(lang) or TERMS[value]["en"]
    if key in ("column", "covariate") and isinstance(value, str):
        return names.get(value, value)
    return value


def describe(item: dict, lang: str = "en", names: dict[str, str] | None = None) -> str:
    """One warning or error dict ({code, column?, message_params?, ...}) as a sentence in `lang`."""
    code = item.get("code", "")
    params = {key: value for key, value in item.items() if key not in ("code", "message_params")}
    params.update(item.get("message_params") or {})
    params = {key: _shown(key, value, lang, names or {}) for key, value in params.items()}
    entry = MESSAGES.get(code)
    if entry is None:
        return f"{code}: {params}"
    try:
        return (entry.get(lang) or entry["en"]).format(**params)
    except (KeyError, ValueError, TypeError):   # a parameter missing or of an unexpected type
        return f"{code}: {params}"
