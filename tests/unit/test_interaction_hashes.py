"""repeated_hashes: the duplicate test of ingest-interactions finds every repeated hash, wherever it falls."""
from __future__ import annotations

import duckdb
import numpy as np
import pytest

from pipelines.ingest_interactions import repeated_hashes, repeated_values


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


def test_values_sharing_their_top_bits_are_not_repeats_unless_whole():
    high = 0xABCDEF12 << 32
    values = np.array([high | 1, high | 2, high | 1, (0xABCDEF13 << 32) | 1, 5, 5 | (1 << 40)], dtype=np.uint64)
    assert repeated_values(values).tolist() == [high | 1]      # same top 32 and 24 bits, only one value repeats


def test_repeated_values_agree_with_a_full_count_on_a_million_hashes():
    rng = np.random.default_rng(7)
    values = rng.integers(0, 2**64 - 1, 1_000_000, dtype=np.uint64)
    values[rng.choice(len(values), 300, replace=False)] = values[rng.choice(len(values), 300, replace=False)]
    unique, counts = np.unique(values, return_counts=True)
    assert len(unique[counts > 1]) > 200
    assert repeated_values(values.copy()).tolist() == unique[counts > 1].tolist()
