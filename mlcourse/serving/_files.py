"""The bundle folder on disk: its three files written crash-safe, and read back only after every check.

``read_verified`` reads the manifest, checks it against the pinned digest, then each file against the
manifest, then the metadata field by field, and only then hands the model file's bytes on to be
unpickled. Every file is read once, and the bytes that were checked are the bytes used: nothing
can change on disk in between.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from mlcourse._io import write_atomic
from mlcourse._validation import is_number
from mlcourse.serving import _schema
from mlcourse.serving._adapters import BY_FLAVOR
from mlcourse.serving._errors import BundleIntegrityError

FORMAT = "mlcourse-bundle/1"
METADATA_FILE = "metadata.json"
MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = "mlcourse-bundle-manifest/1"
#: Largest manifest and metadata file read (a real one is a few kB); a model file has no limit.
MAX_SMALL_FILE = 16 * 2**20
#: The model file of each flavour: a fixed name, so metadata.json cannot point the loader at ../../anything.
MODEL_FILES = {flavor: BY_FLAVOR[flavor].model_file for flavor in sorted(BY_FLAVOR)}
REQUIRED_KEYS = ("format", "name", "version", "flavor", "model_file", "model_sha256", "feature_schema", "input")


def sha256(data: bytes) -> str:
    """The hex sha256 of ``data``.

    >>> sha256(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data).hexdigest()


def write(directory: str | os.PathLike, metadata: dict[str, Any], data: bytes) -> str:
    """Write the model file, ``metadata.json`` and ``manifest.json`` into ``directory``; return the digest.

    The folder is created if needed (readable by all, 0755) and its files are 0644: a service runs
    as its own unprivileged user (the image's user 10001), which must read the bundle but never
    write it. Each file is written atomically, the manifest last: a crash in between leaves files
    the manifest does not match, which :func:`read_verified` refuses.

    Examples
    --------
    >>> import tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> folder = Path(tmp.name) / "b"
    >>> digest = write(folder, {"model_file": "model.pkl"}, b"weights")
    >>> sorted(p.name for p in folder.iterdir()), digest == sha256((folder / MANIFEST_FILE).read_bytes())
    (['manifest.json', 'metadata.json', 'model.pkl'], True)
    >>> tmp.cleanup()
    """
    directory = Path(directory)
    if not directory.is_dir():
        directory.mkdir(parents=True)
        directory.chmod(0o755)
    text = (json.dumps(metadata, indent=2, allow_nan=False) + "\n").encode("utf-8")
    manifest = _manifest({metadata["model_file"]: data, METADATA_FILE: text})
    write_atomic(directory / metadata["model_file"], data, mode=0o644)
    write_atomic(directory / METADATA_FILE, text, mode=0o644)
    write_atomic(directory / MANIFEST_FILE, manifest, mode=0o644)
    return sha256(manifest)


def read_verified(directory: Path, expected_sha256: str | None) -> tuple[dict[str, Any], bytes, str]:
    """The metadata, the model file's bytes and the digest, each checked before the next is read.

    Raises
    ------
    BundleIntegrityError
        A file differs from the manifest (or the manifest from ``expected_sha256``), or a file is
        malformed; the message names the file.
    FileNotFoundError
        ``directory`` is not a folder, or a file is missing.
    """
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory}: not a folder; is this a bundle written by ModelBundle.save?")
    manifest_path = directory / MANIFEST_FILE
    raw = _read(manifest_path, MAX_SMALL_FILE)
    digest = sha256(raw)
    if expected_sha256 is not None and digest != str(expected_sha256).lower():
        raise BundleIntegrityError(
            f"{directory}: bundle digest {digest[:12]}... is not the pinned {str(expected_sha256)[:12]}...; "
            "nothing was loaded"
        )
    files = _check_manifest(_json(raw, manifest_path), manifest_path)
    meta_path = directory / METADATA_FILE
    meta_bytes = _read(meta_path, MAX_SMALL_FILE)
    _check_hash(meta_path, meta_bytes, files[METADATA_FILE], MANIFEST_FILE)
    metadata = _json(meta_bytes, meta_path)
    check_metadata(metadata, meta_path)
    if set(files) != {METADATA_FILE, metadata["model_file"]}:
        raise BundleIntegrityError(f"{manifest_path}: lists {sorted(files)}, not this bundle's files")
    model_path = directory / metadata["model_file"]
    data = _read(model_path)
    _check_hash(model_path, data, files[metadata["model_file"]], MANIFEST_FILE)
    _check_hash(model_path, data, metadata["model_sha256"], METADATA_FILE)
    return metadata, data, digest


def check_metadata(metadata: Any, path: Path) -> None:
    """Every field of ``metadata.json`` has the type and values the loader relies on, else
    :class:`BundleIntegrityError` naming ``path`` and the field."""
    if not isinstance(metadata, dict):
        raise BundleIntegrityError(f"{path}: expected a JSON object")
    missing = [k for k in REQUIRED_KEYS if k not in metadata]
    if missing:
        raise BundleIntegrityError(f"{path}: missing {', '.join(missing)}")
    if metadata["format"] != FORMAT:
        raise BundleIntegrityError(f"{path}: format {metadata['format']!r}, this mlcourse reads {FORMAT!r}")
    flavor = metadata["flavor"]
    if not isinstance(flavor, str) or flavor not in MODEL_FILES or metadata["model_file"] != MODEL_FILES[flavor]:
        raise BundleIntegrityError(f"{path}: flavor/model_file must be one of {MODEL_FILES}")
    if not _hex64(metadata["model_sha256"]):
        raise BundleIntegrityError(f"{path}: model_sha256 must be 64 lowercase hex characters")
    for key in ("name", "version"):
        if not isinstance(metadata[key], str) or not metadata[key].strip():
            raise BundleIntegrityError(f"{path}: {key} must be a non-empty string")
    if metadata["input"] not in ("dataframe", "array"):
        raise BundleIntegrityError(f"{path}: input must be 'dataframe' or 'array', got {metadata['input']!r}")
    metrics = metadata.get("metrics", {})
    if not isinstance(metrics, dict) or not all(isinstance(k, str) and is_number(v) for k, v in metrics.items()):
        raise BundleIntegrityError(f"{path}: metrics must map names to numbers")
    _check_target(metadata.get("target"), path)
    BY_FLAVOR[flavor].check_metadata(metadata, path)
    try:
        _schema.check_schema(metadata["feature_schema"])
    except ValueError as exc:
        raise BundleIntegrityError(f"{path}: {exc}") from None


def _read(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a bundle file, never through a symbolic link, and at most ``limit`` of them."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: missing; is this a folder written by ModelBundle.save?") from None
    except OSError as exc:
        raise BundleIntegrityError(f"{path}: cannot be read ({exc.strerror}; a link is never followed)") from None
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(-1 if limit is None else limit + 1)
    if limit is not None and len(data) > limit:
        raise BundleIntegrityError(f"{path}: larger than {limit // 2**20} MB; not a bundle file")
    return data


def _manifest(files: dict[str, bytes]) -> bytes:
    hashes = {name: sha256(data) for name, data in sorted(files.items())}
    return (json.dumps({"format": MANIFEST_FORMAT, "files": hashes}, indent=2) + "\n").encode("utf-8")


def _json(data: bytes, path: Path) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BundleIntegrityError(f"{path}: not valid JSON ({type(exc).__name__})") from None


def _hex64(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _check_hash(path: Path, data: bytes, recorded: str, where: str) -> None:
    actual = sha256(data)
    if actual != recorded:
        raise BundleIntegrityError(
            f"{path}: sha256 {actual[:12]}... does not match {recorded[:12]}... recorded in {where}; "
            "the file changed after it was saved, so nothing was loaded"
        )


def _check_manifest(manifest: Any, path: Path) -> dict[str, str]:
    if not isinstance(manifest, dict) or set(manifest) != {"format", "files"}:
        raise BundleIntegrityError(f"{path}: expected an object with 'format' and 'files' only")
    if manifest["format"] != MANIFEST_FORMAT:
        raise BundleIntegrityError(f"{path}: format {manifest['format']!r}, this mlcourse reads {MANIFEST_FORMAT!r}")
    files = manifest["files"]
    allowed = {METADATA_FILE, *MODEL_FILES.values()}
    if not isinstance(files, dict) or len(files) != 2 or not set(files) <= allowed or METADATA_FILE not in files:
        raise BundleIntegrityError(f"{path}: 'files' must name {METADATA_FILE} and one model file")
    if not all(_hex64(h) for h in files.values()):
        raise BundleIntegrityError(f"{path}: each file's sha256 must be 64 lowercase hex characters")
    return files


def _check_target(target: Any, path: Path) -> None:
    """``metadata["target"]``: a task, and for a classifier two or more distinct class labels."""
    if not isinstance(target, dict) or target.get("task") not in ("classification", "regression"):
        raise BundleIntegrityError(f"{path}: target must say its task, 'classification' or 'regression'")
    classes, proba = target.get("classes"), target.get("proba")
    if not isinstance(proba, bool):
        raise BundleIntegrityError(f"{path}: target.proba must be true or false")
    if target["task"] == "regression":
        if classes is not None or proba:
            raise BundleIntegrityError(f"{path}: a regressor has no classes and no probabilities")
        return
    scalar = (str, int, float, bool)
    if not (isinstance(classes, list) and len(classes) >= 2 and all(isinstance(c, scalar) for c in classes)):
        raise BundleIntegrityError(f"{path}: target.classes must list two or more class labels")
    if len({(type(c).__name__, c) for c in classes}) != len(classes):
        raise BundleIntegrityError(f"{path}: target.classes has a label twice")
