"""Score prediction, at-risk classification, tuning and SHAP explanations (pure analytics).

Modules: schema (FEATURE_SCHEMA, validate_student_record), features (encoder), estimators
(model factories), evaluation, tuning (optuna, nested CV), risk (at-risk classifier), explain
(SHAP), data_checks, fingerprint, promotion, training (train_all), figures, synthetic.
Import from the submodules; this package imports nothing heavy (shap alone takes ~2 s).
"""
