"""``ModelBundle``: a fitted model plus everything needed to serve and audit it, saved as a folder.

A bundle folder holds two files::

    bundle/
      model.pkl  (or model.pt)   the fitted model: a pickle (scikit-learn) or a state_dict (PyTorch)
      metadata.json              name, version, created, feature schema, metrics, data hash,
                                 library versions, and the sha256 of the model file

Loading checks the model file's sha256 against ``metadata.json`` **before** unpickling it: unpickling
runs whatever code the file names, so a file that is not the one that was saved must never reach
``pickle.loads``. The hash catches corruption and a swapped model file. It does not stop someone who
can rewrite both files; against that, pin the hash somewhere they cannot write (``expected_sha256=``,
``mlcourse serve --sha256``), and never load bundles from strangers.
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
    """Write ``data`` to ``path`` via a temporary file and a rename, so a crash never leaves half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
        """Write the model file and ``metadata.json`` (with the model file's sha256) into ``directory``.

        The folder is created if needed; an existing bundle there is replaced. Both files are written
        atomically, model first: a crash in between leaves a hash mismatch, which :meth:`load` refuses.

        Returns
        -------
        directory : Path
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        if self._metadata["flavor"] == "torch":
            data = _torch.state_bytes(self.model)
        else:
            data = pickle.dumps(self.model, protocol=pickle.HIGHEST_PROTOCOL)
        _atomic_write(directory / self._metadata["model_file"], data)
        self._metadata["model_sha256"] = _sha256(data)
        text = json.dumps(self._metadata, indent=2, allow_nan=False) + "\n"
        _atomic_write(directory / METADATA_FILE, text.encode("utf-8"))
        return directory

    @classmethod
    def load(
        cls,
        directory: str | os.PathLike,
        *,
        expected_sha256: str | None = None,
        factories: tuple[str, ...] | list[str] = (),
    ) -> ModelBundle:
        """Load a bundle saved by :meth:`save`, refusing a model file that does not match its hash.

        Parameters
        ----------
        directory : str or Path
        expected_sha256 : str, optional
            A hash pinned somewhere an attacker cannot write (a deployment config, a registry). When
            given, the model file must match it as well as the hash in ``metadata.json``.
        factories : sequence of str, default=()
            PyTorch architecture factories (``"package.module:function"``) this caller trusts, besides
            :func:`mlcourse.serving.tabular_mlp`. The code that runs is chosen here, by the loader,
            never by the file: ``metadata.json`` is not covered by the model's hash, and a factory
            named there could be any function (``subprocess:run``, say).

        Returns
        -------
        bundle : ModelBundle

        Raises
        ------
        BundleIntegrityError
            The model file's sha256 differs from the recorded (or pinned) one, or the metadata is
            malformed. Nothing was unpickled.
        FileNotFoundError
            ``directory`` has no ``metadata.json`` or no model file.

        Warns
        -----
        UserWarning
            A library recorded in the bundle has a different version here (predictions may differ).
        """
        directory = Path(directory)
        meta_path = directory / METADATA_FILE
        if not meta_path.is_file():
            raise FileNotFoundError(
                f"{directory}: no {METADATA_FILE} here; is this a folder written by ModelBundle.save?"
            )
        try:
            metadata = json.loads(meta_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise BundleIntegrityError(f"{meta_path}: not valid JSON ({exc})") from None
        cls._check_metadata(metadata, meta_path)
        model_path = directory / metadata["model_file"]
        if not model_path.is_file():
            raise FileNotFoundError(f"{model_path}: the model file named in {METADATA_FILE} is missing")
        # Read once, hash those bytes, unpickle those bytes: the file cannot change in between.
        data = model_path.read_bytes()
        actual = _sha256(data)
        if actual != metadata["model_sha256"]:
            raise BundleIntegrityError(
                f"{model_path}: sha256 {actual[:12]}... does not match {metadata['model_sha256'][:12]}... recorded in "
                f"{METADATA_FILE}; the file changed after it was saved, so it was not unpickled"
            )
        if expected_sha256 is not None and actual != str(expected_sha256).lower():
            raise BundleIntegrityError(
                f"{model_path}: sha256 {actual[:12]}... is not the pinned {str(expected_sha256)[:12]}...; not unpickled"
            )
        cls._warn_on_version_mismatch(metadata)
        if metadata["flavor"] == "torch":
            spec = metadata["torch"]
            trusted = {_torch.TABULAR_MLP, *factories}
            if spec["factory"] not in trusted:
                raise BundleIntegrityError(
                    f"{meta_path}: torch factory {spec['factory']!r} is not one this loader trusts; "
                    f"if you trust it, load with factories=[{spec['factory']!r}]"
                )
            model = _torch.load_state(data, spec["factory"], spec["factory_kwargs"])
        else:
            model = pickle.loads(data)  # safe only because the bytes match the hash checked above
        return cls(model, metadata)

    @staticmethod
    def _check_metadata(metadata: Any, path: Path) -> None:
        if not isinstance(metadata, dict):
            raise BundleIntegrityError(f"{path}: expected a JSON object")
        missing = [k for k in REQUIRED_KEYS if k not in metadata]
        if missing:
            raise BundleIntegrityError(f"{path}: missing {', '.join(missing)}")
        if metadata["format"] != FORMAT:
            raise BundleIntegrityError(f"{path}: format {metadata['format']!r}, this mlcourse reads {FORMAT!r}")
        if metadata["flavor"] not in MODEL_FILES or metadata["model_file"] != MODEL_FILES[metadata["flavor"]]:
            # A fixed file name per flavour: metadata.json cannot point the loader at ../../anything.
            raise BundleIntegrityError(f"{path}: flavor/model_file must be one of {MODEL_FILES}")
        sha = metadata["model_sha256"]
        if not (isinstance(sha, str) and len(sha) == 64 and all(c in "0123456789abcdef" for c in sha)):
            raise BundleIntegrityError(f"{path}: model_sha256 must be 64 lowercase hex characters")
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
