"""``ModelBundle``: a fitted model plus everything needed to serve and audit it, saved as a folder.

A bundle folder holds three files::

    bundle/
      model.pkl  (or model.pt)   the fitted model: a pickle (scikit-learn) or a state_dict (PyTorch)
      metadata.json              name, version, created, feature schema, metrics, data hash,
                                 library versions, and the sha256 of the model file
      manifest.json              the sha256 of each of the two files above

The bundle's **digest** is the sha256 of ``manifest.json``: one value that covers every byte of the
bundle. Loading checks, before it reads anything else, that each file matches the manifest, then that
the metadata is well formed, and only then unpickles: unpickling runs whatever code the file names,
so a file that is not the one that was saved must never reach ``pickle.loads``.

The trust model in three sentences. The manifest catches corruption, a crash halfway through a save
and any file changed on its own. Someone who can rewrite every file can also write a matching
manifest, so pin the digest where they cannot write (``expected_sha256=``, ``mlcourse serve --sha256``,
``MLCOURSE_BUNDLE_SHA256`` in the Deployment). And never load bundles from strangers: a pinned digest
proves the bundle is the one you chose, not that it is harmless.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import pickle
import platform
import sys
import tempfile
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from mlcourse.fingerprint import data_hash, git_state, library_versions
from mlcourse.serving import _schema, _torch

FORMAT = "mlcourse-bundle/1"
METADATA_FILE = "metadata.json"
MANIFEST_FILE = "manifest.json"
MANIFEST_FORMAT = "mlcourse-bundle-manifest/1"
#: Largest manifest and metadata file read (a real one is a few kB); a model file has no limit.
MAX_SMALL_FILE = 16 * 2**20
MODEL_FILES = {"sklearn": "model.pkl", "torch": "model.pt"}
#: The libraries whose version can change what a saved model loads as, or predicts.
LIBRARIES = {
    "sklearn": ("numpy", "scipy", "pandas", "scikit-learn", "mlcourse"),
    "torch": ("numpy", "pandas", "torch", "mlcourse"),
}
REQUIRED_KEYS = ("format", "name", "version", "flavor", "model_file", "model_sha256", "feature_schema", "input")


class BundleIntegrityError(ValueError):
    """A bundle whose files do not match its metadata (tampered, corrupt or incomplete): not loaded."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename, so a crash never leaves half a file.

    The file is readable by everyone (0644): a service runs as its own unprivileged user (the image's
    user 10001), which must read the bundle but never write it.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o644)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    hashes = {name: _sha256(data) for name, data in sorted(files.items())}
    return (json.dumps({"format": MANIFEST_FORMAT, "files": hashes}, indent=2) + "\n").encode("utf-8")


def _json(data: bytes, path: Path) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BundleIntegrityError(f"{path}: not valid JSON ({type(exc).__name__})") from None


def _hex64(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _is_torch_module(model: Any) -> bool:
    torch = sys.modules.get("torch")  # never import torch just to find out that a model is not one
    return torch is not None and isinstance(model, torch.nn.Module)


def _jsonable_metrics(metrics: Any) -> dict[str, float]:
    if metrics is None:
        return {}
    if not isinstance(metrics, dict):
        raise TypeError(f"metrics must be a dict of name -> number, got {type(metrics).__name__}")
    out = {}
    for key, value in metrics.items():
        if (
            not isinstance(key, str)
            or isinstance(value, (bool, np.bool_))
            or not isinstance(value, (int, float, np.number))
        ):
            raise TypeError(f"metrics must map str to numbers; {key!r}: {value!r} does not")
        if not np.isfinite(value):
            # JSON has no NaN or infinity; fail here, naming the metric, rather than in save().
            raise ValueError(f"metrics[{key!r}] must be a finite number, got {value!r}")
        out[key] = float(value)
    return out


def _check_version_text(name: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        raise ValueError(f"{name} must be a non-empty str (or int), got {value!r}")
    return str(value)


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


class ModelBundle:
    """A fitted model with its feature schema and provenance; save it, load it, serve it.

    Build one with :meth:`from_model` (after training) or :meth:`load` (from a saved folder).

    Parameters
    ----------
    model : object
        A fitted scikit-learn estimator or pipeline, or a ``torch.nn.Module``.
    metadata : dict
        The bundle's metadata (see :meth:`from_model`).

    Attributes
    ----------
    model : object
        The fitted model.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}); y = [0, 0, 1, 1]
    >>> bundle = ModelBundle.from_model(LogisticRegression().fit(X, y), X, y, name="demo", version="1")
    >>> bundle.predict([{"x": 2.5}]).tolist()
    [1]
    >>> path = bundle.save(tmp_path / "demo")          # doctest: +SKIP
    >>> ModelBundle.load(path).metadata["name"]        # doctest: +SKIP
    'demo'
    """

    def __init__(self, model: Any, metadata: dict[str, Any]):
        missing = [k for k in REQUIRED_KEYS if k not in metadata]
        if missing:
            raise ValueError(f"metadata is missing {missing}")
        self.model = model
        #: The sha256 of the saved bundle's manifest: set by :meth:`save` and :meth:`load`, else None.
        self.digest: str | None = None
        self._metadata = metadata
        self._schema = _schema.check_schema(metadata["feature_schema"])
        self._names = [spec["name"] for spec in self._schema]
        self._validator: Any = None

    # ---------------------------------------------------------------- building

    @classmethod
    def from_model(
        cls,
        model: Any,
        X: Any,
        y: Any = None,
        *,
        metrics: dict[str, float] | None = None,
        version: str | int = "1",
        name: str = "model",
        description: str = "",
        range_margin: float | None = 1.0,
        factory: str | None = None,
        factory_kwargs: dict[str, Any] | None = None,
        output: str | None = None,
        classes: list[Any] | None = None,
    ) -> ModelBundle:
        """Bundle a fitted ``model`` with a schema inferred from its training data ``X``.

        Parameters
        ----------
        model : fitted scikit-learn estimator/pipeline, or torch.nn.Module
        X : pandas DataFrame or 2-D array
            The training features; the schema (names, kinds, ranges) is inferred from them. A
            DataFrame-trained model is fed DataFrames, an array-trained one arrays.
        y : array-like, optional
            The training target; it enters the data hash (and gives a torch classifier its classes).
        metrics : dict of str -> float, optional
            Evaluation results to keep with the model (e.g. ``{"roc_auc": 0.97}``).
        version, name, description : str
            Identify the model; ``/health`` and every prediction response report name and version.
        range_margin : float or None, default=1.0
            How far outside the training range a request's numbers may be, as a fraction of that
            range (see :func:`mlcourse.serving.infer_schema`). ``None``: no range checks.
        factory, factory_kwargs : str and dict, torch only
            ``"package.module:function"`` that rebuilds the architecture, and its JSON arguments.
            Taken from ``model.factory`` / ``model.factory_kwargs`` when the model has them (as
            :func:`mlcourse.serving.tabular_mlp` models do).
        output : {"binary", "multiclass", "regression"}, torch only
            What the network's outputs mean: one logit, one logit per class, or values.
        classes : list, torch only
            Class labels, in output order; default ``sorted(set(y))`` or ``0, 1, ...``.

        Returns
        -------
        bundle : ModelBundle
        """
        import pandas as pd

        name = _check_version_text("name", name)
        version = _check_version_text("version", version)
        if not isinstance(description, str):
            raise TypeError(f"description must be a str, got {type(description).__name__}")
        schema = _schema.infer_schema(X, range_margin=range_margin)
        X_df = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X), columns=[s["name"] for s in schema])
        if y is not None and len(y) != len(X_df):
            raise ValueError(f"X and y must have the same length, got {len(X_df)} and {len(y)}")
        flavor = "torch" if _is_torch_module(model) else "sklearn"
        metadata: dict[str, Any] = {
            "format": FORMAT,
            "name": name,
            "version": version,
            "description": description,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "flavor": flavor,
            "model_class": f"{type(model).__module__}.{type(model).__qualname__}",
            "model_file": MODEL_FILES[flavor],
            "model_sha256": None,
            "input": "dataframe" if isinstance(X, pd.DataFrame) else "array",
            "feature_schema": schema,
            "metrics": _jsonable_metrics(metrics),
            "n_train": len(X_df),
            "data_hash": data_hash(X) if y is None else data_hash(X, y),
            "library_versions": library_versions(LIBRARIES[flavor]),
            "python": platform.python_version(),
            "git": git_state(Path.cwd()),
        }
        if flavor == "torch":
            metadata["target"], metadata["torch"] = cls._torch_target(
                model, X_df, y, schema, factory, factory_kwargs, output, classes
            )
        else:
            metadata["target"] = cls._sklearn_target(model, X, y)
        bundle = cls(model, metadata)
        bundle.predict(X_df.iloc[:2] if metadata["input"] == "dataframe" else np.asarray(X)[:2])  # fail now, not live
        return bundle

    @staticmethod
    def _sklearn_target(model: Any, X: Any, y: Any) -> dict[str, Any]:
        from sklearn.exceptions import NotFittedError
        from sklearn.utils.validation import check_is_fitted

        if not hasattr(model, "predict"):
            raise TypeError(f"model must be a fitted estimator with predict(), got {type(model).__name__}")
        try:
            check_is_fitted(model)
        except NotFittedError:
            raise ValueError(f"model ({type(model).__name__}) is not fitted: call fit() before bundling it") from None
        except TypeError:
            pass  # not a scikit-learn estimator: the trial prediction in from_model checks it instead
        classes = getattr(model, "classes_", None)
        return {
            "name": getattr(y, "name", None) if y is not None else None,
            "task": "regression" if classes is None else "classification",
            "classes": None if classes is None else np.asarray(classes).tolist(),
            "proba": classes is not None and hasattr(model, "predict_proba"),
        }

    @staticmethod
    def _torch_target(model, X_df, y, schema, factory, factory_kwargs, output, classes):
        if output not in _torch.OUTPUTS:
            raise ValueError(f"output must be one of {_torch.OUTPUTS} for a torch model, got {output!r}")
        non_numeric = [s["name"] for s in schema if s["kind"] == "category"]
        if non_numeric:
            raise ValueError(f"a torch bundle needs numeric features; encode {non_numeric} first")
        factory = factory or getattr(model, "factory", None)
        factory_kwargs = factory_kwargs if factory_kwargs is not None else getattr(model, "factory_kwargs", None)
        if factory is None or factory_kwargs is None:
            raise ValueError(
                "a torch model needs factory='package.module:function' and factory_kwargs={...} that rebuild "
                "its architecture (the bundle stores weights only, never pickled code)"
            )
        try:
            json.dumps(factory_kwargs)
        except TypeError as exc:
            raise TypeError(f"factory_kwargs must be JSON data: {exc}") from None
        rebuilt = _torch.build(factory, factory_kwargs)
        try:
            rebuilt.load_state_dict(model.state_dict())
        except RuntimeError as exc:
            raise ValueError(f"factory {factory!r} builds an architecture that does not fit the model: {exc}") from None
        if output == "regression":
            classes = None
        elif classes is None:
            n_classes = 2 if output == "binary" else None
            classes = sorted(np.unique(np.asarray(y)).tolist()) if y is not None else list(range(n_classes or 0))
        if output != "regression":
            classes = np.asarray(classes).tolist()
            if len(classes) < 2 or (output == "binary" and len(classes) != 2):
                raise ValueError(f"output={output!r} needs {'2' if output == 'binary' else '2 or more'} classes")
        target = {
            "name": getattr(y, "name", None) if y is not None else None,
            "task": "regression" if output == "regression" else "classification",
            "classes": classes,
            "proba": output != "regression",
        }
        return target, {"factory": factory, "factory_kwargs": factory_kwargs, "output": output}

    # ---------------------------------------------------------------- saving and loading

    def save(self, directory: str | os.PathLike) -> Path:
        """Write the model file, ``metadata.json`` and ``manifest.json`` into ``directory``.

        The folder is created if needed (readable by all, 0755; its files 0644); an existing bundle
        there is replaced. Each file is written atomically, the manifest last: a crash in between
        leaves files the manifest does not match, which :meth:`load` refuses. Afterwards
        :attr:`digest` is the value to pin.

        Returns
        -------
        directory : Path
        """
        directory = Path(directory)
        if not directory.is_dir():
            directory.mkdir(parents=True)
            directory.chmod(0o755)
        if self._metadata["flavor"] == "torch":
            data = _torch.state_bytes(self.model)
        else:
            data = pickle.dumps(self.model, protocol=pickle.HIGHEST_PROTOCOL)
        self._metadata["model_sha256"] = _sha256(data)
        text = (json.dumps(self._metadata, indent=2, allow_nan=False) + "\n").encode("utf-8")
        manifest = _manifest({self._metadata["model_file"]: data, METADATA_FILE: text})
        _atomic_write(directory / self._metadata["model_file"], data)
        _atomic_write(directory / METADATA_FILE, text)
        _atomic_write(directory / MANIFEST_FILE, manifest)
        self.digest = _sha256(manifest)
        return directory

    @classmethod
    def verify(cls, directory: str | os.PathLike, *, expected_sha256: str | None = None) -> str:
        """Check a saved bundle whole, without unpickling anything; return its digest.

        Parameters
        ----------
        directory : str or Path
        expected_sha256 : str, optional
            The bundle digest pinned somewhere an attacker cannot write.

        Returns
        -------
        digest : str
            The sha256 of ``manifest.json`` (64 hex characters).

        Raises
        ------
        BundleIntegrityError
            A file does not match the manifest (or the manifest the pinned digest), or the metadata
            is malformed, naming the file and the field.
        FileNotFoundError
            A file of the bundle is missing.
        """
        return cls._verified(Path(directory), expected_sha256)[2]

    @classmethod
    def _verified(cls, directory: Path, expected_sha256: str | None) -> tuple[dict[str, Any], bytes, str]:
        """The metadata, the model file's bytes and the digest, each checked before the next is read.

        Every file is read once and the bytes that were checked are the bytes used: nothing can
        change on disk in between.
        """
        if not directory.is_dir():
            raise FileNotFoundError(f"{directory}: not a folder; is this a bundle written by ModelBundle.save?")
        manifest_path = directory / MANIFEST_FILE
        raw = _read(manifest_path, MAX_SMALL_FILE)
        digest = _sha256(raw)
        if expected_sha256 is not None and digest != str(expected_sha256).lower():
            raise BundleIntegrityError(
                f"{directory}: bundle digest {digest[:12]}... is not the pinned {str(expected_sha256)[:12]}...; "
                "nothing was loaded"
            )
        files = cls._check_manifest(_json(raw, manifest_path), manifest_path)
        meta_path = directory / METADATA_FILE
        meta_bytes = _read(meta_path, MAX_SMALL_FILE)
        cls._check_hash(meta_path, meta_bytes, files[METADATA_FILE], MANIFEST_FILE)
        metadata = _json(meta_bytes, meta_path)
        cls._check_metadata(metadata, meta_path)
        if set(files) != {METADATA_FILE, metadata["model_file"]}:
            raise BundleIntegrityError(f"{manifest_path}: lists {sorted(files)}, not this bundle's files")
        model_path = directory / metadata["model_file"]
        data = _read(model_path)
        cls._check_hash(model_path, data, files[metadata["model_file"]], MANIFEST_FILE)
        cls._check_hash(model_path, data, metadata["model_sha256"], METADATA_FILE)
        return metadata, data, digest

    @staticmethod
    def _check_hash(path: Path, data: bytes, recorded: str, where: str) -> None:
        actual = _sha256(data)
        if actual != recorded:
            raise BundleIntegrityError(
                f"{path}: sha256 {actual[:12]}... does not match {recorded[:12]}... recorded in {where}; "
                "the file changed after it was saved, so nothing was loaded"
            )

    @staticmethod
    def _check_manifest(manifest: Any, path: Path) -> dict[str, str]:
        if not isinstance(manifest, dict) or set(manifest) != {"format", "files"}:
            raise BundleIntegrityError(f"{path}: expected an object with 'format' and 'files' only")
        if manifest["format"] != MANIFEST_FORMAT:
            raise BundleIntegrityError(
                f"{path}: format {manifest['format']!r}, this mlcourse reads {MANIFEST_FORMAT!r}"
            )
        files = manifest["files"]
        allowed = {METADATA_FILE, *MODEL_FILES.values()}
        if not isinstance(files, dict) or len(files) != 2 or not set(files) <= allowed or METADATA_FILE not in files:
            raise BundleIntegrityError(f"{path}: 'files' must name {METADATA_FILE} and one model file")
        if not all(_hex64(h) for h in files.values()):
            raise BundleIntegrityError(f"{path}: each file's sha256 must be 64 lowercase hex characters")
        return files

    @classmethod
    def load(
        cls,
        directory: str | os.PathLike,
        *,
        expected_sha256: str | None = None,
        factories: tuple[str, ...] | list[str] = (),
    ) -> ModelBundle:
        """Load a bundle saved by :meth:`save`, refusing any file that does not match its manifest.

        Parameters
        ----------
        directory : str or Path
        expected_sha256 : str, optional
            The bundle's digest (:attr:`digest`, the sha256 of ``manifest.json``) pinned somewhere an
            attacker cannot write (a deployment config, a registry): then a bundle rewritten whole,
            manifest included, is refused too.
        factories : sequence of str, default=()
            PyTorch architecture factories (``"package.module:function"``) this caller trusts, besides
            :func:`mlcourse.serving.tabular_mlp`. The code that runs is chosen here, by the loader,
            never by the file: a factory named in ``metadata.json`` could be any function
            (``subprocess:run``, say).

        Returns
        -------
        bundle : ModelBundle

        Raises
        ------
        BundleIntegrityError
            A file differs from the manifest (or the manifest from the pinned digest), or the
            metadata is malformed. Nothing was unpickled.
        FileNotFoundError
            ``directory`` is not a bundle, or a file of it is missing.

        Warns
        -----
        UserWarning
            A library recorded in the bundle has a different version here (predictions may differ).
        """
        directory = Path(directory)
        metadata, data, digest = cls._verified(directory, expected_sha256)
        cls._warn_on_version_mismatch(metadata)
        if metadata["flavor"] == "torch":
            spec = metadata["torch"]
            trusted = {_torch.TABULAR_MLP, *factories}
            if spec["factory"] not in trusted:
                raise BundleIntegrityError(
                    f"{directory / METADATA_FILE}: torch factory {spec['factory']!r} is not one this loader trusts; "
                    f"if you trust it, load with factories=[{spec['factory']!r}]"
                )
            model = _torch.load_state(data, spec["factory"], spec["factory_kwargs"])
        else:
            model = pickle.loads(data)  # safe only because the bytes match the hashes checked above
        bundle = cls(model, metadata)
        bundle.digest = digest
        return bundle

    @staticmethod
    def _check_metadata(metadata: Any, path: Path) -> None:
        """Every field of ``metadata.json`` has the type and values this loader relies on."""
        if not isinstance(metadata, dict):
            raise BundleIntegrityError(f"{path}: expected a JSON object")
        missing = [k for k in REQUIRED_KEYS if k not in metadata]
        if missing:
            raise BundleIntegrityError(f"{path}: missing {', '.join(missing)}")
        if metadata["format"] != FORMAT:
            raise BundleIntegrityError(f"{path}: format {metadata['format']!r}, this mlcourse reads {FORMAT!r}")
        flavor = metadata["flavor"]
        if not isinstance(flavor, str) or flavor not in MODEL_FILES or metadata["model_file"] != MODEL_FILES[flavor]:
            # A fixed file name per flavour: metadata.json cannot point the loader at ../../anything.
            raise BundleIntegrityError(f"{path}: flavor/model_file must be one of {MODEL_FILES}")
        if not _hex64(metadata["model_sha256"]):
            raise BundleIntegrityError(f"{path}: model_sha256 must be 64 lowercase hex characters")
        for key in ("name", "version"):
            if not isinstance(metadata[key], str) or not metadata[key].strip():
                raise BundleIntegrityError(f"{path}: {key} must be a non-empty string")
        if metadata["input"] not in ("dataframe", "array"):
            raise BundleIntegrityError(f"{path}: input must be 'dataframe' or 'array', got {metadata['input']!r}")
        metrics = metadata.get("metrics", {})
        if not isinstance(metrics, dict) or not all(
            isinstance(k, str) and isinstance(v, (int, float)) and not isinstance(v, bool) for k, v in metrics.items()
        ):
            raise BundleIntegrityError(f"{path}: metrics must map names to numbers")
        _check_target(metadata.get("target"), path)
        if metadata["flavor"] == "torch":
            spec = metadata.get("torch")
            if not (
                isinstance(spec, dict)
                and isinstance(spec.get("factory"), str)
                and isinstance(spec.get("factory_kwargs"), dict)
                and spec.get("output") in _torch.OUTPUTS
            ):
                raise BundleIntegrityError(f"{path}: a torch bundle needs torch.factory, factory_kwargs and output")
        try:
            _schema.check_schema(metadata["feature_schema"])
        except ValueError as exc:
            raise BundleIntegrityError(f"{path}: {exc}") from None

    @staticmethod
    def _warn_on_version_mismatch(metadata: dict[str, Any]) -> None:
        saved = metadata.get("library_versions") or {}
        current = library_versions(list(saved))
        for lib, version in saved.items():
            if version is not None and current.get(lib) != version:
                warnings.warn(
                    f"model bundle {metadata['name']!r} was saved with {lib} {version}, this environment has "
                    f"{lib} {current.get(lib) or '(not installed)'}: it may load wrongly or predict differently",
                    UserWarning,
                    stacklevel=3,
                )

    # ---------------------------------------------------------------- using

    @property
    def metadata(self) -> dict[str, Any]:
        """A copy of the bundle's metadata (editing it does not change the bundle)."""
        return copy.deepcopy(self._metadata)

    @property
    def feature_schema(self) -> list[dict[str, Any]]:
        """A copy of the feature schema: one dict per feature, in model column order."""
        return copy.deepcopy(self._schema)

    @property
    def feature_names(self) -> list[str]:
        """The feature names, in model column order."""
        return list(self._names)

    @property
    def classes(self) -> list[Any] | None:
        """The class labels of a classifier (in probability column order), else ``None``."""
        return (self._metadata.get("target") or {}).get("classes")

    @property
    def has_proba(self) -> bool:
        """Whether :meth:`predict_proba` is available (a classifier that gives probabilities)."""
        return bool((self._metadata.get("target") or {}).get("proba"))

    @property
    def validator(self) -> Any:
        """The pydantic validator of one list of records, built from the schema once."""
        if self._validator is None:
            self._validator = _schema.record_validator(self._schema)
        return self._validator

    def validate(self, records: Any) -> Any:
        """Check records (a dict, or a list of dicts) against the schema; return them as a DataFrame.

        Raises
        ------
        SchemaValidationError
            A ``ValueError`` naming each bad field: missing, unknown, wrong type, not finite or out of range.
        """
        if isinstance(records, dict):
            records = [records]
        rows = _schema.validate_records(records, self._schema, validator=self.validator)
        return _schema.frame_from_rows(rows, self._schema)

    def _model_input(self, X: Any) -> Any:
        import pandas as pd

        if isinstance(X, (dict, list)) and (isinstance(X, dict) or all(isinstance(r, dict) for r in X)):
            frame = self.validate(X)
        elif isinstance(X, pd.DataFrame):
            names = [str(c) for c in X.columns]
            missing = [n for n in self._names if n not in names]
            unknown = [n for n in names if n not in self._names]
            if missing or unknown:
                raise ValueError(f"X columns do not match the schema: missing {missing}, unknown {unknown}")
            frame = X if names == self._names else X[self._names]
        else:
            arr = np.asarray(X)
            if arr.ndim != 2 or arr.shape[1] != len(self._names):
                raise ValueError(f"X must have shape (n_samples, {len(self._names)}), got {arr.shape}")
            if self._metadata["input"] == "array" or self._metadata["flavor"] == "torch":
                return arr
            frame = pd.DataFrame(arr, columns=self._names)
        if self._metadata["flavor"] == "torch":
            return frame.to_numpy(dtype=np.float32)
        return frame if self._metadata["input"] == "dataframe" else frame.to_numpy()

    def _torch_outputs(self, X: Any) -> np.ndarray:
        return _torch.predict_outputs(self.model, X, self._metadata["torch"]["output"])

    def predict(self, X: Any) -> np.ndarray:
        """Predictions for a DataFrame, a 2-D array, one record (dict) or a list of records.

        Records are validated against the schema first (:meth:`validate`); a DataFrame must have the
        schema's columns (in any order); an array must have them in schema order.
        """
        Xm = self._model_input(X)
        if self._metadata["flavor"] == "torch":
            out = self._torch_outputs(Xm)
            if self.classes is None:
                return out
            return np.asarray(self.classes)[out.argmax(axis=1)]
        return np.asarray(self.model.predict(Xm))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per class in :attr:`classes` order (classifiers only)."""
        if not self.has_proba:
            raise AttributeError(
                f"model bundle {self._metadata['name']!r} has no predict_proba (not a probabilistic classifier)"
            )
        Xm = self._model_input(X)
        if self._metadata["flavor"] == "torch":
            return self._torch_outputs(Xm)
        return np.asarray(self.model.predict_proba(Xm))

    def predict_with_proba(self, X: Any) -> tuple[np.ndarray, np.ndarray | None]:
        """Predictions and probabilities from one pass of the model (``None`` probabilities for a regressor).

        The predicted class is the most probable one, ``classes[argmax(proba)]``: one call to the model
        instead of two, and an answer that can never contradict its own probabilities. That is what
        ``predict`` returns for scikit-learn's classifiers, except ``SVC(probability=True)``, whose
        ``predict`` ignores its (cross-validated) probabilities.
        """
        if not self.has_proba:
            return self.predict(X), None
        proba = self.predict_proba(X)
        return np.asarray(self.classes)[proba.argmax(axis=1)], proba

    def _input_from_rows(self, rows: list[dict[str, Any]]) -> Any:
        """Validated rows as the model's input: an array for array-trained and torch models, else a DataFrame."""
        if self._metadata["input"] == "array" or self._metadata["flavor"] == "torch":
            if all(spec["kind"] != "category" for spec in self._schema):
                nan = float("nan")
                # Skips pandas: a 1-row DataFrame costs more to build than the model takes to answer.
                values = [[nan if r[n] is None else r[n] for n in self._names] for r in rows]
                return np.array(values, dtype=np.float32 if self._metadata["flavor"] == "torch" else np.float64)
        return self._model_input(_schema.frame_from_rows(rows, self._schema))

    def __repr__(self) -> str:
        m = self._metadata
        return (
            f"ModelBundle(name={m['name']!r}, version={m['version']!r}, flavor={m['flavor']!r}, "
            f"features={len(self._names)}, task={(m.get('target') or {}).get('task')!r})"
        )
