"""Rewrite a saved model bundle's files as an attacker with write access to them would."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def resign(directory: Path) -> str:
    """Rewrite manifest.json to match the bundle's files as they are now; returns the new digest."""
    manifest = json.loads((directory / "manifest.json").read_text())
    for name in manifest["files"]:
        manifest["files"][name] = hashlib.sha256((directory / name).read_bytes()).hexdigest()
    text = json.dumps(manifest).encode()
    (directory / "manifest.json").write_bytes(text)
    return hashlib.sha256(text).hexdigest()
