"""What Pipeline and ColumnTransformer share: nested parameters with the ``part__param`` convention."""

from __future__ import annotations

from sklearn.base import BaseEstimator


class _Composition(BaseEstimator):
    """``get_params``/``set_params`` for estimators made of named parts, with the ``part__param`` convention.

    ``_parts`` names the attribute holding the list of ``(name, estimator, ...)`` tuples.
    """

    _parts = ""

    def get_params(self, deep=True):
        """Parameters of this estimator and, with ``deep=True``, of every part as ``"name__param"``."""
        params = super().get_params(deep=False)
        if not deep:
            return params
        nested = [(key, value) for key, value in params.items() if key != self._parts]  # e.g. remainder
        nested += [(name, estimator) for name, estimator, *_ in getattr(self, self._parts)]
        for name, estimator in nested:
            params[name] = estimator
            if hasattr(estimator, "get_params") and not isinstance(estimator, type):
                params.update({f"{name}__{key}": value for key, value in estimator.get_params(deep=True).items()})
        return params

    def set_params(self, **params):
        """Set parameters; ``name=estimator`` replaces a part and ``name__param=value`` reaches inside it."""
        own = self.get_params(deep=False)
        nested: dict[str, dict] = {}
        for key, value in params.items():
            name, sep, inner = key.partition("__")
            if sep:
                nested.setdefault(name, {})[inner] = value
            elif name in own:
                setattr(self, name, value)
            else:
                self._replace_part(name, value)
        for name, inner in nested.items():
            if name in own and hasattr(own[name], "set_params"):
                own[name].set_params(**inner)
            else:
                self._part(name).set_params(**inner)
        return self

    def _part(self, name):
        for part_name, estimator, *_ in getattr(self, self._parts):
            if part_name == name:
                return estimator
        raise ValueError(f"Invalid parameter {name!r} for estimator {type(self).__name__}: no such part or parameter")

    def _replace_part(self, name, estimator):
        self._part(name)  # raises if there is no such part
        parts = [(n, estimator, *rest) if n == name else (n, e, *rest) for n, e, *rest in getattr(self, self._parts)]
        setattr(self, self._parts, parts)  # a new list: the caller's list is never edited
