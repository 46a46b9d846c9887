"""Settings: every EDULOOP_* variable is read, and a changed value is seen despite the per-request cache."""
import inspect
import re
from pathlib import Path

from warehouse import settings as settings_module
from warehouse.settings import ENV_NAMES, get_settings


def test_env_names_list_every_variable_the_reader_uses():
    source = inspect.getsource(settings_module._read_settings)
    assert set(re.findall(r'"(EDULOOP_[A-Z_]+)"', source)) == set(ENV_NAMES)


def test_changed_environment_is_seen_by_the_cached_reader(monkeypatch, tmp_path):
    monkeypatch.setenv("EDULOOP_DATA_DIR", str(tmp_path / "a"))
    monkeypatch.delenv("EDULOOP_DB", raising=False)
    first = get_settings()
    assert first.db_path == tmp_path / "a" / "warehouse.duckdb"
    assert get_settings() is first  # cached while nothing changes
    monkeypatch.setenv("EDULOOP_DATA_DIR", str(tmp_path / "b"))
    monkeypatch.setenv("EDULOOP_PASS_MARK", "40")
    second = get_settings()
    assert second.db_path == Path(tmp_path / "b" / "warehouse.duckdb") and second.pass_mark == 40.0


def test_explicit_mapping_bypasses_the_environment():
    assert get_settings({"EDULOOP_DATA_DIR": "/srv/x"}).events_dir == Path("/srv/x/events")
