"""Model artifact files: one joblib file per model version under EDULOOP_MODELS_DIR/<version>/, with sha256.

A version's folder is written once and never changed. Loading re-hashes the file and refuses it
if the bytes differ from the sha256 the registry recorded (a truncated copy or a swapped file must
not serve predictions).
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
from pathlib import Path
from typing import Any

import joblib

ARTIFACT_NAME = "model.joblib"


class ArtifactError(RuntimeError):
    """An artifact is missing or its bytes do not match the recorded sha256."""


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_artifact(models_dir: str | Path, version: str, bundle: dict[str, Any]) -> tuple[Path, str]:
    """Write a bundle to <models_dir>/<version>/model.joblib atomically; return (absolute path, sha256)."""
    folder = Path(models_dir) / version
    folder.mkdir(parents=True, exist_ok=False)   # a version is written once
    path = folder / ARTIFACT_NAME
    tmp = folder / (ARTIFACT_NAME + ".tmp")
    joblib.dump(bundle, tmp, compress=3)
    os.replace(tmp, path)
    return path.resolve(), file_sha256(path)


def artifact_name(path: str | Path) -> str:
    """The public name of an artifact: `<version>/<file>`, never the server's folder."""
    path = Path(path)
    return f"{path.parent.name}/{path.name}"


def load_artifact(path: str | Path, expected_sha256: str) -> dict[str, Any]:
    """Load a bundle after checking its sha256; ArtifactError if missing or altered."""
    path = Path(path)
    shown = artifact_name(path)   # messages reach API clients: no server path
    if not path.is_file():
        raise ArtifactError(f"model artifact not found: {shown}")
    with open(path, "rb") as fh:
        data = fh.read()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise ArtifactError(f"model artifact {shown} has sha256 {actual[:12]}…, "
                            f"registry says {expected_sha256[:12]}…")
    return joblib.load(io.BytesIO(data))   # the bytes that were hashed, not a second read


def remove_version(models_dir: str | Path, version: str) -> None:
    """Delete a version's folder (used when a training run fails after writing it)."""
    shutil.rmtree(Path(models_dir) / version, ignore_errors=True)
