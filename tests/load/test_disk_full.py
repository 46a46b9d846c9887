"""A full disk (a 1 MB tmpfs) under POST /api/v1/events: every batch is stored whole or refused with a
JSON 507, the next batch after space returns is intact, and ingest loads exactly the accepted events."""
from __future__ import annotations

import duckdb
import pytest

from pipelines.ingest_events import ingest_events
from tests.helpers.files import small_tmpfs
from tests.helpers.ops import point_app_at
from warehouse.publish import write_transaction

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path):
    with small_tmpfs(tmp_path / "disk") as mount:
        yield mount


def _batch(tag: int, size: int = 200) -> dict:
    return {"events": [{"event": "page_view", "page": "predict", "session_id": f"b{tag}-{i}",
                        "payload": {"pad": "x" * 200}} for i in range(size)]}


def test_full_disk_keeps_whole_batches_only(small_disk, tmp_path, monkeypatch):
    from dashboard.app import server

    folder = tmp_path / "data"
    folder.mkdir()
    with write_transaction(folder / "warehouse.duckdb"):
        pass
    point_app_at(monkeypatch, folder)
    events = small_disk / "events"
    monkeypatch.setenv("EDULOOP_EVENTS_DIR", str(events))
    filler = small_disk / "filler"
    filler.write_bytes(b"0" * 400_000)
    client = server.test_client()
    accepted, refused = set(), []
    for tag in range(25):   # ~60 KB a batch: the disk fills after about ten
        response = client.post("/api/v1/events", json=_batch(tag))
        if response.status_code == 202:
            accepted.add(tag)
        else:
            assert response.status_code == 507, response.data[:200]
            assert response.get_json()["error"]["code"] == "insufficient_storage"
            refused.append(tag)
    assert accepted and refused
    # Space comes back: the next batch goes into the same file, intact, after the refused ones.
    filler.unlink()
    assert client.post("/api/v1/events", json=_batch(99, 5)).status_code == 202
    accepted.add(99)
    assert len(list(events.glob("*/*.jsonl"))) == 1
    from dashboard.common.context import event_writer

    event_writer().close()   # release the small disk

    summary = ingest_events(folder / "warehouse.duckdb", events)
    assert summary.loaded == sum(5 if tag == 99 else 200 for tag in accepted)
    con = duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True)
    try:
        sql = "SELECT DISTINCT split_part(session_id, '-', 1) FROM core.events"
        stored = {r[0] for r in con.execute(sql).fetchall()}
    finally:
        con.close()
    assert stored == {f"b{tag}" for tag in accepted}   # refused batches are kept nowhere
