"""Server-side uploads: limits enforced on store, only real tokens resolve, old uploads expire."""
from __future__ import annotations

import os
import time

import pytest

from warehouse.uploads import UploadError, count_data_rows, expire_uploads, resolve_upload, store_upload

CSV = b"t,y,x\n1,2,3\n0,1,2\n"


def test_round_trip_keeps_bytes_and_hides_the_path(tmp_path):
    info = store_upload(tmp_path, CSV, name="C:\\Users\\kim\\scores.csv", max_bytes=1000, max_rows=10)
    assert (info.name, info.rows, info.size_bytes) == ("scores.csv", 2, len(CSV))
    assert len(info.token) == 43 and str(tmp_path) not in repr(info)
    again, data = resolve_upload(tmp_path, info.token)
    assert data == CSV and again == info
    assert store_upload(tmp_path, CSV, name="a.csv", max_bytes=1000, max_rows=10).token != info.token


@pytest.mark.parametrize("data, limits, code", [
    (b"x" * 1001, {"max_bytes": 1000, "max_rows": 10}, "file_too_large"),
    (b"h\n" + b"1\n" * 11, {"max_bytes": 1000, "max_rows": 10}, "too_many_rows"),
    (b" \n", {"max_bytes": 1000, "max_rows": 10}, "empty_file"),
])
def test_limits_are_enforced_when_storing(tmp_path, data, limits, code):
    with pytest.raises(UploadError) as err:
        store_upload(tmp_path, data, name="a.csv", **limits)
    assert err.value.code == code
    assert not list((tmp_path / "uploads").glob("*.csv")) if (tmp_path / "uploads").exists() else True


@pytest.mark.parametrize("token", ["x:/etc/passwd:0", "../../etc/passwd", "/etc/passwd", "", None, 42,
                                   "A" * 43, "a" * 42 + "/"])
def test_only_stored_tokens_resolve(tmp_path, token):
    store_upload(tmp_path, CSV, name="a.csv", max_bytes=1000, max_rows=10)
    with pytest.raises(UploadError) as err:
        resolve_upload(tmp_path, token)
    assert err.value.code == "unknown_upload"


def test_old_uploads_expire(tmp_path):
    old = store_upload(tmp_path, CSV, name="old.csv", max_bytes=1000, max_rows=10)
    new = store_upload(tmp_path, CSV, name="new.csv", max_bytes=1000, max_rows=10)
    past = time.time() - 7200
    for suffix in (".csv", ".json"):
        os.utime(tmp_path / "uploads" / f"{old.token}{suffix}", (past, past))
    with pytest.raises(UploadError) as err:
        resolve_upload(tmp_path, old.token, max_age_s=3600, now=old.created_at + 7200)
    assert err.value.code == "upload_expired"
    assert expire_uploads(tmp_path, max_age_s=3600) == 2
    assert resolve_upload(tmp_path, new.token)[0].name == "new.csv"
    with pytest.raises(UploadError):
        resolve_upload(tmp_path, old.token)


@pytest.mark.parametrize("data, rows", [(b"", 0), (b"h", 0), (b"h\n1", 1), (b"h\r\n1\r\n2\r\n\r\n", 2)])
def test_row_count(data, rows):
    assert count_data_rows(data) == rows
