"""Feature encoding shared by every model: one ColumnTransformer built from FEATURE_SCHEMA.

The encoder lives INSIDE each sklearn Pipeline, so the UI, the API and batch scoring encode a
record exactly as training did.

Unknown categories: OneHotEncoder(handle_unknown="ignore"). A category never seen in the schema
encodes as an all-zero indicator block, i.e. "no category-specific adjustment": the model still
returns a finite prediction instead of crashing a batch run. Callers that face users (API, forms)
reject unknown categories first with schema.validate_student_record, so this is a safety net for
unvalidated batch rows, not a silent acceptance path. The categories are fixed from the schema
(not learned from the sample), so the encoded columns never depend on which groups a training
sample happened to contain.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from .schema import CATEGORICAL_FEATURES, FEATURES, NUMERIC_FEATURES, SPEC_BY_NAME

PREPROCESSOR_STEP = "encode"
DEFAULT_BACKGROUND_SIZE = 200
ESTIMATOR_STEP = "model"


def feature_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return the model input columns in schema order with numeric columns as float."""
    missing = [name for name in FEATURES if name not in df.columns]
    if missing:
        raise KeyError(f"missing feature columns: {missing}")
    return df.loc[:, list(FEATURES)].astype({name: "float64" for name in NUMERIC_FEATURES})


def sample_background(
    train: pd.DataFrame, *, size: int = DEFAULT_BACKGROUND_SIZE, seed: int = 0
) -> pd.DataFrame:
    """Return a seeded sample of training rows (model features only) as the SHAP baseline."""
    features = feature_frame(train)
    return features.sample(n=min(size, len(features)), random_state=seed)


def build_preprocessor(*, scale_numeric: bool) -> ColumnTransformer:
    """Return the one-hot + numeric encoder (scaled for linear models, raw for trees)."""
    categories = [list(SPEC_BY_NAME[name].allowed) for name in CATEGORICAL_FEATURES]
    one_hot = OneHotEncoder(
        categories=categories, handle_unknown="ignore", sparse_output=False, dtype=np.float64
    )
    numeric = StandardScaler() if scale_numeric else "passthrough"
    return ColumnTransformer(
        [
            ("categorical", one_hot, list(CATEGORICAL_FEATURES)),
            ("numeric", numeric, list(NUMERIC_FEATURES)),
        ],
        remainder="drop",
        verbose_feature_names_out=False,
    )


def encode_rows_fast(preprocessor: ColumnTransformer, frame: pd.DataFrame) -> np.ndarray:
    """Encode rows (schema columns, any order) with a FITTED build_preprocessor(), no sklearn overhead.

    ColumnTransformer.transform spends ~7 ms on pandas indexing for a single row; per-request
    explanations must take a few ms. Same arithmetic from the fitted attributes; callers check it
    against preprocessor.transform once (ModelExplainer does, on its background) before relying on it.
    `frame` may also be a plain mapping of column name -> 1-D array (the API's single rows: building
    a DataFrame for one row costs more than the prediction).
    """
    one_hot = preprocessor.named_transformers_["categorical"]
    blocks = [_one_hot(frame[name], categories)
              for name, categories in zip(CATEGORICAL_FEATURES, one_hot.categories_)]
    numeric = np.column_stack([np.asarray(frame[name], dtype=np.float64) for name in NUMERIC_FEATURES])
    scaler = preprocessor.named_transformers_["numeric"]
    if isinstance(scaler, StandardScaler):
        numeric = (numeric - scaler.mean_) / scaler.scale_
    blocks.append(numeric)
    return np.hstack(blocks)


def _one_hot(column, categories: np.ndarray) -> np.ndarray:
    # Unknown or missing values give an all-zero block, as OneHotEncoder(handle_unknown="ignore").
    if isinstance(getattr(column, "dtype", None), pd.CategoricalDtype):
        # Batch scoring passes categoricals (1 M rows): recode to the encoder's order and index,
        # instead of comparing a million Python strings per category.
        codes = pd.Categorical(column, categories=list(categories)).codes
        block = np.zeros((len(codes), len(categories)))
        known = np.flatnonzero(codes >= 0)
        block[known, codes[known]] = 1.0
        return block
    values = np.asarray(column, dtype=object)[:, None]
    return (values == np.asarray(categories, dtype=object)[None, :]).astype(np.float64)


def encoded_feature_sources() -> list[str]:
    """Return, for each encoded column in order, the original feature it comes from."""
    sources: list[str] = []
    for name in CATEGORICAL_FEATURES:
        sources.extend([name] * len(SPEC_BY_NAME[name].allowed))
    sources.extend(NUMERIC_FEATURES)
    return sources
