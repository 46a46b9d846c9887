"""The shared demo badge and empty states: shown exactly when the data is generated or missing, in ja and en."""
import pytest

from dashboard.common.provenance import EMPTY_KINDS, demo_badge, empty_kind, empty_state
from warehouse.provenance import KINDS, state_of


def provenance(**counts):
    """A data_provenance-shaped dict from {kind: (rows, demo_rows)}."""
    out = {kind: {"rows": 0, "demo_rows": 0, "state": "empty"} for kind in KINDS}
    for kind, (rows, demo_rows) in counts.items():
        out[kind] = {"rows": rows, "demo_rows": demo_rows, "state": state_of(rows, demo_rows)}
    return out


def test_badge_only_over_generated_rows():
    real = provenance(students=(1000, 0), events=(50, 0))
    demo = provenance(students=(1000, 1000), events=(50, 50))
    mixed = provenance(students=(1000, 0), events=(50, 10))
    assert demo_badge(real, ("students", "events"), "en") is None
    assert demo_badge(demo, ("students",), "en").children == "Demo data (generated)"
    assert demo_badge(demo, ("students",), "ja").children == "デモデータ（生成）"
    assert demo_badge(mixed, ("students",), "en") is None        # the students are real
    assert demo_badge(mixed, ("events",), "en") is not None      # some events were generated


def test_empty_state_names_what_to_load():
    p = provenance(students=(1000, 0))
    assert empty_kind(p, ("students", "interactions")) == "interactions"
    assert empty_kind(p, ("students",)) is None
    text = str(empty_state("interactions", "en").children)
    assert "ingest-interactions" in text and "xapi" in text
    assert "ingest-interactions" in str(empty_state("interactions", "ja").children)
    for kind in EMPTY_KINDS:
        assert empty_state(kind, "ja").children[0].children != empty_state(kind, "en").children[0].children
    with pytest.raises(ValueError):
        empty_state("nonsense", "en")
