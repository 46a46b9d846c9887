"""repeated_hashes: the duplicate test of ingest-interactions finds every repeated hash, wherever it falls."""
from __future__ import annotations

import duckdb
import numpy as np
import pytest

from pipelines.ingest_interactions import repeated_hashes


@pytest.mark.parametrize("values, repeated", [
    ([], []),
    ([7], []),
    ([5, 5], [5]),
    ([3, 1, 2], []),
    ([9, 1, 9, 4, 1, 1, 2**64 - 1, 0, 2**64 - 1], [1, 9, 2**64 - 1]),   # across the middle and at both ends
    ([2] * 5 + [1] * 4, [1, 2]),                                       # the median value on both sides
])
def test_repeated_hashes_finds_each_repeated_value_once(values, repeated):
    con = duckdb.connect()
    sql = "SELECT CAST(unnest($v) AS UBIGINT) AS h" if values else "SELECT CAST(1 AS UBIGINT) AS h WHERE false"
    found = repeated_hashes(con, sql, {"v": values} if values else None)
    assert found.dtype == np.uint64 and found.tolist() == repeated
