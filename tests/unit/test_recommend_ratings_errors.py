"""Ratings files that do not fit: the error names the file line and column, never NaN/NaT read silently."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from pipelines.recsys_io import RatingsFormatError, read_ratings

GOOD = "1\t10\t4\t881250949\n"


@pytest.mark.parametrize("text, fmt, line, column, message", [
    (GOOD + "2\t11\tx\t881250950\n", "movielens", 2, "3 (rating)", "line 2, column 3 (rating): 'x' is not a number"),
    (GOOD + "2\t11\tinf\t881250950\n", "movielens", 2, "3 (rating)", "'inf' is not a number"),
    (GOOD + "\n2\t11\t3\n", "movielens", 3, "4 (timestamp)", "line 3, column 4 (timestamp): missing value"),
    (GOOD + "2\t11\t3\t881250950\textra\n", "movielens", 2, None, "line 2: expected 4 fields, saw 5"),
    (GOOD + "\t11\t3\t881250950\n", "movielens", 2, "1 (user id)", "line 2, column 1 (user id): missing value"),
    (GOOD + "2\t11\t3\t2026-01-01\n", "movielens", 2, "4 (timestamp)", "is not unix seconds like the first row"),
    ("userId,movieId,rating,timestamp\n1,10,4,0\n1,,3,60\n", "csv", 3, "movieId", "line 3, column movieId: missing"),
    ("user,item,rating,time\n1,10,4,2026-01-01\n1,11,3,soon\n", "csv", 3, "time",
     "'soon' is neither unix seconds nor a date"),
    ("user,rating,time\n1,4,0\n", "csv", 1, None, "no material_id column"),
])
def test_error_names_line_and_column(text, fmt, line, column, message):
    with pytest.raises(RatingsFormatError) as caught:
        read_ratings(io.StringIO(text), fmt)
    assert message in str(caught.value)
    assert (caught.value.line, caught.value.column) == (line, column)


def test_blank_lines_are_skipped_and_dates_accepted():
    frame = read_ratings(io.StringIO("user,item,rating,time\n\n1,10,4,2026-01-02\n2,10,5,2026-01-03 10:00\n"), "csv")
    assert frame["ts"].tolist() == [pd.Timestamp("2026-01-02"), pd.Timestamp("2026-01-03 10:00")]
    assert frame["student_id"].tolist() == ["1", "2"]


@pytest.mark.parametrize("text", ["", "\n\n"])
def test_empty_file(text):
    with pytest.raises(RatingsFormatError, match="no rows"):
        read_ratings(io.StringIO(text))
