"""Pipeline and make_pipeline: chain transformers and a final estimator."""

from __future__ import annotations

from collections import Counter
from copy import deepcopy

from sklearn.utils import Bunch, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from mlcourse.pipeline._base import _Composition


def _skip(step) -> bool:
    return step is None or (isinstance(step, str) and step == "passthrough")


def _final_has(method: str):
    """For ``available_if``: a pipeline has ``predict`` (say) only if its final step has it."""

    def check(pipeline) -> bool:
        final = pipeline.steps[-1][1]
        return (method == "transform" and _skip(final)) or hasattr(final, method)

    return check


class Pipeline(_Composition):
    """Chain transformers and a final estimator into one estimator.

    ``fit`` calls ``fit_transform`` on each step in turn, feeding its output to the next, then
    ``fit`` on the last step; ``predict``/``transform`` push new data through the fitted steps.
    Steps are fitted in place (not copied), as in scikit-learn.

    Parameters
    ----------
    steps : list of (str, estimator) tuples
        Unique names; every step but the last must have ``transform`` (or be ``"passthrough"``).

    Attributes
    ----------
    named_steps : Bunch
        The steps by name (``pipe.named_steps.scale`` or ``pipe.named_steps["scale"]``).

    Notes
    -----
    ``sklearn.utils.estimator_checks.check_estimator`` passes except ``check_estimators_overwrite_params``:
    steps are fitted in place, so the ``steps`` parameter changes during ``fit``. scikit-learn's own
    ``Pipeline`` fails the same check for the same reason (and two more); fitting copies instead would break
    ``pipe["scale"].mean_`` after ``fit``, which learners rely on.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from mlcourse.preprocessing import StandardScaler
    >>> X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    >>> pipe = Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())]).fit(X, y)
    >>> pipe.predict(X).tolist()
    [0, 0, 1, 1]
    >>> pipe["scale"].mean_.tolist()
    [1.5]
    """

    _parts = "steps"

    def __init__(self, steps):
        self.steps = steps

    def _validate_steps(self):
        names = [name for name, _ in self.steps]
        if len(set(names)) != len(names) or any("__" in name for name in names):
            raise ValueError(f"step names must be unique and free of '__', got {names}")
        for name, step in self.steps[:-1]:
            if not _skip(step) and not hasattr(step, "transform"):
                raise TypeError(f"step {name!r} ({step!r}) is not the last step, so it needs a transform method")

    @property
    def named_steps(self) -> Bunch:
        """The steps by name, as attributes or keys: ``pipe.named_steps.scale``."""
        return Bunch(**dict(self.steps))

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, index):
        """A step by name or position; a slice gives a sub-pipeline (sharing the fitted steps)."""
        if isinstance(index, slice):
            return Pipeline(self.steps[index])
        if isinstance(index, str):
            return self.named_steps[index]
        return self.steps[index][1]

    @property
    def _final(self):
        return self.steps[-1][1]

    def _transform_all_but_last(self, X):
        for _, step in self.steps[:-1]:
            if not _skip(step):
                X = step.transform(X)
        return X

    def fit(self, X, y=None):
        """Fit every transformer on the output of the previous one, then the final estimator."""
        self._validate_steps()
        for _, step in self.steps[:-1]:
            if not _skip(step):
                X = step.fit_transform(X, y)
        if not _skip(self._final):
            self._final.fit(X, y)
        return self

    @available_if(_final_has("transform"))
    def fit_transform(self, X, y=None):
        """Fit, then return the transformed training data (the last step must be a transformer)."""
        self._validate_steps()
        for _, step in self.steps:
            if not _skip(step):
                X = step.fit_transform(X, y)
        return X

    @available_if(_final_has("transform"))
    def transform(self, X):
        """Push ``X`` through every step (all must be transformers)."""
        X = self._transform_all_but_last(X)
        return X if _skip(self._final) else self._final.transform(X)

    @available_if(_final_has("predict"))
    def predict(self, X):
        """Transform ``X`` with the fitted transformers and predict with the final estimator."""
        return self._final.predict(self._transform_all_but_last(X))

    @available_if(_final_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the final estimator."""
        return self._final.predict_proba(self._transform_all_but_last(X))

    @available_if(_final_has("decision_function"))
    def decision_function(self, X):
        """Decision scores from the final estimator."""
        return self._final.decision_function(self._transform_all_but_last(X))

    @available_if(_final_has("score"))
    def score(self, X, y=None):
        """The final estimator's ``score`` on the transformed ``X``."""
        return self._final.score(self._transform_all_but_last(X), y)

    @property
    def classes_(self):
        return self._final.classes_

    @property
    def n_features_in_(self):
        first = next(step for _, step in self.steps if not _skip(step))
        return first.n_features_in_

    @property
    def feature_names_in_(self):
        first = next(step for _, step in self.steps if not _skip(step))
        return first.feature_names_in_

    def get_feature_names_out(self, input_features=None):
        """Output column names, passed through every step's ``get_feature_names_out``."""
        names = input_features
        for _, step in self.steps:
            if not _skip(step):
                names = step.get_feature_names_out(names)
        return names

    def __sklearn_is_fitted__(self) -> bool:
        last = next((step for _, step in reversed(self.steps) if not _skip(step)), None)
        try:
            check_is_fitted(last)
        except Exception:  # NotFittedError, or not an estimator at all
            return False
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        if self.steps and not _skip(self._final):
            final = get_tags(self._final)
            tags.estimator_type = final.estimator_type
            tags.classifier_tags = deepcopy(final.classifier_tags)
            tags.regressor_tags = deepcopy(final.regressor_tags)
            tags.transformer_tags = deepcopy(final.transformer_tags)
            tags.target_tags.required = final.target_tags.required
            tags.target_tags.multi_output = final.target_tags.multi_output
        tags.input_tags.allow_nan = self._accepts_nan()
        return tags

    def _accepts_nan(self) -> bool:
        """NaN can enter if every step accepts it, up to the first imputer (whose output has none)."""
        for _, step in self.steps:
            if _skip(step):
                continue
            if not get_tags(step).input_tags.allow_nan:
                return False
            if "Imputer" in type(step).__name__:
                return True
        return bool(self.steps)


def make_pipeline(*steps) -> Pipeline:
    """A :class:`Pipeline` whose step names are the lower-cased class names (``-1``, ``-2`` if repeated).

    Parameters
    ----------
    *steps : estimators
        Transformers, then the final estimator.

    Returns
    -------
    Pipeline

    Examples
    --------
    >>> from mlcourse.preprocessing import MinMaxScaler, StandardScaler
    >>> [name for name, _ in make_pipeline(StandardScaler(), StandardScaler(), MinMaxScaler()).steps]
    ['standardscaler-1', 'standardscaler-2', 'minmaxscaler']
    """
    names = [type(step).__name__.lower() if not isinstance(step, str) else step for step in steps]
    repeats = {name for name, count in Counter(names).items() if count > 1}
    seen: Counter = Counter()
    for i, name in enumerate(names):
        if name in repeats:
            seen[name] += 1
            names[i] = f"{name}-{seen[name]}"
    return Pipeline(list(zip(names, steps, strict=True)))
