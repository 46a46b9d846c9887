"""Per-student temporal split."""

import pandas as pd
import pytest

from analytics.recsys.split import temporal_split


def _history(student: str, n: int, start: str = "2025-01-01") -> pd.DataFrame:
    """n interactions one day apart, material ids in reverse time order (so sorting matters)."""
    return pd.DataFrame({
        "student_id": student,
        "material_id": [f"M{n - i:04d}" for i in range(n)],
        "ts": pd.date_range(start, periods=n, freq="D"),
    })


def test_last_fifth_by_time_goes_to_test():
    frame = pd.concat([_history("S1", 10), _history("S2", 5), _history("S3", 4)]).sample(frac=1, random_state=0)
    split = temporal_split(frame, test_fraction=0.2, min_interactions=5)
    test = split.test.groupby("student_id")["material_id"].apply(set).to_dict()
    assert test == {"S1": {"M0002", "M0001"}, "S2": {"M0001"}}  # the latest ones
    assert (split.train["student_id"] == "S3").sum() == 4  # too few: train only
    assert len(split.train) + len(split.test) == len(frame)
    latest_train = split.train.groupby("student_id")["ts"].max()
    earliest_test = split.test.groupby("student_id")["ts"].min()
    assert (latest_train[earliest_test.index] < earliest_test).all()


def test_equal_timestamps_split_deterministically_by_material():
    frame = pd.DataFrame({"student_id": "S1", "material_id": ["M5", "M3", "M4", "M1", "M2"],
                          "ts": pd.Timestamp("2025-01-01")})
    split = temporal_split(frame, 0.2, 5)
    assert split.test["material_id"].tolist() == ["M5"]


def test_rejects_bad_arguments():
    with pytest.raises(ValueError):
        temporal_split(_history("S1", 5), test_fraction=1.2)
    with pytest.raises(ValueError):
        temporal_split(_history("S1", 5).drop(columns="ts"))
