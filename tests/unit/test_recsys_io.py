"""Rating-file loader for recsys jobs (pipelines/recsys_io.py) on in-memory buffers."""

import io

import pandas as pd
import pytest

from pipelines.recsys_io import read_ratings


def test_movielens_format():
    frame = read_ratings(io.StringIO("196\t242\t3\t881250949\n186\t302\t3\t891717742\n"))
    assert list(frame.columns) == ["student_id", "material_id", "rating", "ts"]
    assert frame["student_id"].tolist() == ["196", "186"]
    assert frame["ts"].iloc[0] == pd.Timestamp("1997-12-04 15:55:49")
    assert frame["rating"].dtype == "float64"


def test_csv_with_common_header_names():
    text = "userId,movieId,rating,timestamp\n1,10,4.5,0\n2,11,3,60\n"
    frame = read_ratings(io.StringIO(text), fmt="csv")
    assert frame["material_id"].tolist() == ["10", "11"]
    assert frame["ts"].iloc[1] == pd.Timestamp("1970-01-01 00:01:00")


def test_bad_input_is_rejected():
    with pytest.raises(ValueError):
        read_ratings(io.StringIO("a,b\n1,2\n"), fmt="csv")
    with pytest.raises(ValueError):
        read_ratings(io.StringIO(""), fmt="parquet")
