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
import os
import platform
import warnings
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from mlcourse._validation import is_number
from mlcourse.fingerprint import data_hash, git_state, library_versions
from mlcourse.serving import _files, _schema
from mlcourse.serving._adapters import BY_FLAVOR, ModelAdapter, adapter_for
from mlcourse.serving._files import FORMAT, METADATA_FILE, REQUIRED_KEYS


def _jsonable_metrics(metrics: Any) -> dict[str, float]:
    if metrics is None:
        return {}
    if not isinstance(metrics, dict):
        raise TypeError(f"metrics must be a dict of name -> number, got {type(metrics).__name__}")
    out = {}
    for key, value in metrics.items():
        if not isinstance(key, str) or not is_number(value):
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


def _new_metadata(
    model: Any,
    X: Any,
    y: Any,
    adapter: type[ModelAdapter],
    schema: list[dict[str, Any]],
    *,
    name: str,
    version: str,
    description: str,
    metrics: dict[str, float],
    n_train: int,
) -> dict[str, Any]:
    """The metadata every kind of bundle has, in the order ``metadata.json`` lists it (the digest depends on it)."""
    import pandas as pd

    return {
        "format": FORMAT,
        "name": name,
        "version": version,
        "description": description,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "flavor": adapter.flavor,
        "model_class": f"{type(model).__module__}.{type(model).__qualname__}",
        "model_file": adapter.model_file,
        "model_sha256": None,
        "input": "dataframe" if isinstance(X, pd.DataFrame) else "array",
        "feature_schema": schema,
        "metrics": metrics,
        "n_train": n_train,
        "data_hash": data_hash(X) if y is None else data_hash(X, y),
        "library_versions": library_versions(adapter.libraries),
        "python": platform.python_version(),
        "git": git_state(Path.cwd()),
    }


def _is_records(X: Any) -> bool:
    """A dict, or a list of dicts: records to validate against the schema."""
    return isinstance(X, dict) or (isinstance(X, list) and all(isinstance(r, dict) for r in X))


class ModelBundle:
    """A fitted model with its feature schema and provenance; save it, load it, serve it.

    Build one with :meth:`from_model` (after training) or :meth:`load` (from a saved folder). What
    differs between kinds of model (scikit-learn, PyTorch) is left to an adapter
    (:mod:`mlcourse.serving._adapters`), chosen by the metadata's ``flavor``.

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
    digest : str or None
        The sha256 of the saved bundle's manifest: set by :meth:`save` and :meth:`load`, else None.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}); y = [0, 0, 1, 1]
    >>> bundle = ModelBundle.from_model(LogisticRegression().fit(X, y), X, y, name="demo", version="1")
    >>> bundle.predict([{"x": 2.5}]).tolist()
    [1]
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = bundle.save(Path(folder.name) / "demo")
    >>> loaded = ModelBundle.load(path, expected_sha256=bundle.digest)
    >>> loaded.metadata["name"], loaded.predict_proba({"x": 2.5}).round(2).tolist()
    ('demo', [[0.28, 0.72]])
    >>> folder.cleanup()
    """

    def __init__(self, model: Any, metadata: dict[str, Any]):
        missing = [k for k in REQUIRED_KEYS if k not in metadata]
        if missing:
            raise ValueError(f"metadata is missing {missing}")
        flavor = metadata["flavor"]
        if not isinstance(flavor, str) or flavor not in BY_FLAVOR:
            raise ValueError(f"metadata['flavor'] must be one of {sorted(BY_FLAVOR)}, got {flavor!r}")
        self.digest: str | None = None
        self._metadata = metadata
        self._schema = _schema.check_schema(metadata["feature_schema"])
        self._names = [spec["name"] for spec in self._schema]
        self._validator: Any = None
        self._adapter = BY_FLAVOR[flavor](model, metadata)

    @property
    def model(self) -> Any:
        """The fitted model."""
        return self._adapter.model

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
        adapter = adapter_for(model)
        metadata = _new_metadata(
            model,
            X,
            y,
            adapter,
            schema,
            name=name,
            version=version,
            description=description,
            metrics=_jsonable_metrics(metrics),
            n_train=len(X_df),
        )
        options = {"factory": factory, "factory_kwargs": factory_kwargs, "output": output, "classes": classes}
        metadata.update(adapter.describe(model, y, schema, **options))
        bundle = cls(model, metadata)
        bundle.predict(X_df.iloc[:2] if metadata["input"] == "dataframe" else np.asarray(X)[:2])  # fail now, not live
        return bundle

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
        data = self._adapter.to_bytes()
        self._metadata["model_sha256"] = _files.sha256(data)
        self.digest = _files.write(directory, self._metadata, data)
        return Path(directory)

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
        return _files.read_verified(Path(directory), expected_sha256)[2]

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
        metadata, data, digest = _files.read_verified(directory, expected_sha256)
        cls._warn_on_version_mismatch(metadata)
        adapter = BY_FLAVOR[metadata["flavor"]]
        model = adapter.from_bytes(data, metadata, factories=factories, where=directory / METADATA_FILE)
        bundle = cls(model, metadata)
        bundle.digest = digest
        return bundle

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
        return _schema.frame_from_rows(self._rows(records), self._schema)

    def _rows(self, records: Any) -> list[dict[str, Any]]:
        if isinstance(records, dict):
            records = [records]
        return _schema.validate_records(records, self._schema, validator=self.validator)

    def _model_input(self, X: Any) -> Any:
        """``X`` as the model's input: records validated, a frame's columns or an array's shape checked."""
        import pandas as pd

        if _is_records(X):
            return self._adapter.input_from_rows(self._rows(X))
        if isinstance(X, pd.DataFrame):
            names = [str(c) for c in X.columns]
            missing = [n for n in self._names if n not in names]
            unknown = [n for n in names if n not in self._names]
            if missing or unknown:
                raise ValueError(f"X columns do not match the schema: missing {missing}, unknown {unknown}")
            return self._adapter.input_from_frame(X if names == self._names else X[self._names])
        arr = np.asarray(X)
        if arr.ndim != 2 or arr.shape[1] != len(self._names):
            raise ValueError(f"X must have shape (n_samples, {len(self._names)}), got {arr.shape}")
        return self._adapter.input_from_array(arr)

    def predict(self, X: Any) -> np.ndarray:
        """Predictions for a DataFrame, a 2-D array, one record (dict) or a list of records.

        Records are validated against the schema first (:meth:`validate`); a DataFrame must have the
        schema's columns (in any order); an array must have them in schema order.
        """
        return self._adapter.predict(self._model_input(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, one column per class in :attr:`classes` order (classifiers only)."""
        if not self.has_proba:
            raise AttributeError(
                f"model bundle {self._metadata['name']!r} has no predict_proba (not a probabilistic classifier)"
            )
        return self._adapter.predict_proba(self._model_input(X))

    def predict_with_proba(self, X: Any) -> tuple[np.ndarray, np.ndarray | None]:
        """Predictions and probabilities from one pass of the model (``None`` probabilities for a regressor).

        The predicted class is the most probable one, ``classes[argmax(proba)]``: one call to the model
        instead of two, and an answer that can never contradict its own probabilities. That is what
        ``predict`` returns for scikit-learn's classifiers, except ``SVC(probability=True)``, whose
        ``predict`` ignores its (cross-validated) probabilities.
        """
        return self._predict_with_proba(self._model_input(X))

    def predict_records(self, rows: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray | None]:
        """Predictions and probabilities for rows already validated against the schema, as :meth:`predict_with_proba`.

        The rows go to the model converted once, straight from the dicts (a 2-D array for an
        array-trained or torch model with numeric features, else a DataFrame): what a server does
        for each request, after validating it itself to report errors its own way.

        Parameters
        ----------
        rows : list of dict
            Records as :func:`mlcourse.serving.validate_records` returns them (with
            ``validator=bundle.validator``). They are **not checked again**: for records from
            anyone else, call :meth:`predict_with_proba`, which validates them first.

        Returns
        -------
        y_pred : ndarray
        y_proba : ndarray or None
            ``None`` for a model without probabilities.

        Examples
        --------
        >>> import pandas as pd
        >>> from sklearn.linear_model import LogisticRegression
        >>> from mlcourse.serving import validate_records
        >>> X = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]}); y = [0, 0, 1, 1]
        >>> bundle = ModelBundle.from_model(LogisticRegression().fit(X, y), X, y)
        >>> rows = validate_records([{"x": 2.5}, {"x": 0}], bundle.feature_schema, validator=bundle.validator)
        >>> y_pred, y_proba = bundle.predict_records(rows)
        >>> y_pred.tolist(), y_proba.shape
        ([1, 0], (2, 2))
        """
        return self._predict_with_proba(self._adapter.input_from_rows(rows))

    def _predict_with_proba(self, Xm: Any) -> tuple[np.ndarray, np.ndarray | None]:
        if not self.has_proba:
            return self._adapter.predict(Xm), None
        proba = self._adapter.predict_proba(Xm)
        return np.asarray(self.classes)[proba.argmax(axis=1)], proba

    def __repr__(self) -> str:
        m = self._metadata
        return (
            f"ModelBundle(name={m['name']!r}, version={m['version']!r}, flavor={m['flavor']!r}, "
            f"features={len(self._names)}, task={(m.get('target') or {}).get('task')!r})"
        )
