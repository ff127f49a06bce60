"""OneHotEncoder: one 0/1 column per category, built as a sparse matrix in one vectorised step."""

from __future__ import annotations

import numpy as np

from mlcourse.preprocessing._base import _Transformer, missing_mask

#: Integer columns whose values span at most this many times the number of rows are encoded with
#: a lookup table (O(n)) instead of sorting (O(n log n)).
_LOOKUP_RANGE_FACTOR = 4


class OneHotEncoder(_Transformer):
    """Encode each categorical column as one 0/1 column per category.

    Categories are the sorted distinct values seen in ``fit``; a missing value (NaN or ``None``) is
    a category of its own, called ``nan`` and placed last.

    Parameters
    ----------
    categories : "auto" or list of array-like, default="auto"
        ``"auto"`` learns them from the data; a list gives the sorted categories of each column.
    handle_unknown : {"error", "ignore"}, default="error"
        What ``transform`` does with a category it did not see in ``fit``: raise a ``ValueError``
        naming the column and the values, or encode the row as all zeros for that column.
    sparse_output : bool, default=True
        Return a ``scipy.sparse`` CSR matrix (most entries are 0) instead of a dense array.
    dtype : numpy dtype, default=np.float64
        dtype of the output.

    Attributes
    ----------
    categories_ : list of ndarray
        The categories of each column, in the order of the output columns.
    n_features_in_ : int
    feature_names_in_ : ndarray of str, only when fitted on a DataFrame with string column names

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([["red", "S"], ["blue", "M"], ["red", "M"]], dtype=object)
    >>> encoder = OneHotEncoder(sparse_output=False).fit(X)
    >>> encoder.get_feature_names_out().tolist()
    ['x0_blue', 'x0_red', 'x1_M', 'x1_S']
    >>> encoder.transform(X).astype(int).tolist()
    [[0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 1, 0]]
    """

    def __init__(
        self, *, categories="auto", handle_unknown: str = "error", sparse_output: bool = True, dtype=np.float64
    ):
        self.categories = categories
        self.handle_unknown = handle_unknown
        self.sparse_output = sparse_output
        self.dtype = dtype

    def _validate(self, X, *, reset: bool) -> np.ndarray:
        if self.handle_unknown not in ("error", "ignore"):
            raise ValueError(f"handle_unknown must be 'error' or 'ignore', got {self.handle_unknown!r}")
        X = self._check_X(X, reset=reset, dtype=None, allow_nan=True)
        return X if X.dtype.kind in "iufbO" else X.astype(object)

    def fit(self, X, y=None):
        """Learn the categories of every column of ``X``."""
        X = self._validate(X, reset=True)
        if isinstance(self.categories, str) and self.categories == "auto":
            self.categories_ = [_categories(X[:, j], self._column_name(j)) for j in range(X.shape[1])]
        else:
            if len(self.categories) != X.shape[1]:
                raise ValueError(f"categories must list {X.shape[1]} columns' categories, got {len(self.categories)}")
            self.categories_ = [
                np.asarray(c, dtype=X.dtype if X.dtype.kind != "U" else object) for c in self.categories
            ]
            if self.handle_unknown == "error":
                self._codes(X, during="fit")
        return self

    def transform(self, X):
        """Return the one-hot encoding of ``X``: CSR matrix or dense array of shape (n_samples, n_categories)."""
        from scipy import sparse

        X = self._validate(X, reset=False)
        codes, known = self._codes(np.asfortranarray(X), during="transform")
        sizes = [len(c) for c in self.categories_]
        columns = codes + np.r_[0, np.cumsum(sizes)[:-1]]  # position of each category among all outputs
        n_samples, n_outputs = X.shape[0], sum(sizes)
        if known.all():
            indices = columns.ravel()
            indptr = np.arange(0, indices.size + 1, X.shape[1])
        else:
            indices = columns[known]
            indptr = np.r_[0, np.cumsum(known.sum(axis=1))]
        if self.sparse_output:
            data = np.ones(indices.size, dtype=self.dtype)
            return sparse.csr_matrix((data, indices, indptr), shape=(n_samples, n_outputs))
        X_new = np.zeros((n_samples, n_outputs), dtype=self.dtype)
        rows = np.repeat(np.arange(n_samples), np.diff(indptr))
        X_new[rows, indices] = 1
        return X_new

    def _codes(self, X, during: str):
        """Index of each value in its column's categories, and a mask of the known ones."""
        codes = np.zeros(X.shape, dtype=np.intp)
        known = np.ones(X.shape, dtype=bool)
        for j, categories in enumerate(self.categories_):
            codes[:, j], known[:, j] = _encode(X[:, j], categories)
            if self.handle_unknown == "error" and not known[:, j].all():
                unknown = np.unique(X[~known[:, j], j].astype(str))
                raise ValueError(
                    f"Found unknown categories {unknown[:5].tolist()} in column {self._column_name(j)} during "
                    f"{during}; pass handle_unknown='ignore' to encode them as all zeros"
                )
        return np.where(known, codes, 0), known

    def get_feature_names_out(self, input_features=None):
        """Names like ``"colour_red"``: the input name, an underscore, the category.

        Parameters
        ----------
        input_features : array-like of str, optional
            Input column names; ``feature_names_in_`` (or ``x0, x1, ...``) by default.

        Returns
        -------
        names : ndarray of str objects
        """
        names = self._input_names(input_features)
        out = [f"{name}_{category}" for name, cats in zip(names, self.categories_, strict=True) for category in cats]
        return np.asarray(out, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        return tags


def _categories(column: np.ndarray, name: str) -> np.ndarray:
    """Sorted distinct values of a column, with NaN (missing) last if present."""
    missing = missing_mask(column)
    values = column[~missing] if missing.any() else column
    if values.dtype.kind == "O":
        kinds = {type(v).__name__ for v in values.tolist()}
        if len(kinds - {"str"}) and "str" in kinds:
            raise TypeError(f"column {name} mixes strings and {sorted(kinds - {'str'})}: encode one kind of value")
    if values.dtype.kind in "iu" and values.size and _small_range(values):
        low = values.min()
        categories = np.flatnonzero(np.bincount(values - low)) + low
    else:
        categories = np.unique(values)
    if categories.dtype.kind == "f":
        categories = categories + 0.0  # -0.0 and 0.0 are one category: call it 0.0
    if missing.any():
        categories = np.r_[categories.astype(np.float64 if column.dtype.kind != "O" else object), np.nan]
    return categories


def _encode(column: np.ndarray, categories: np.ndarray):
    """Position of each value of ``column`` in ``categories`` (sorted, NaN last) and whether it was found."""
    missing = missing_mask(column)
    has_nan = len(categories) > 0 and missing_mask(categories[-1:])[0]
    known = categories[:-1] if has_nan else categories
    if not missing.any():
        return _encode_present(column, known)
    codes = np.zeros(len(column), dtype=np.intp)
    found = np.zeros(len(column), dtype=bool)
    codes[~missing], found[~missing] = _encode_present(column[~missing], known)
    if has_nan:
        codes[missing], found[missing] = len(categories) - 1, True
    return codes, found


def _encode_present(values: np.ndarray, known: np.ndarray):
    """Codes of values that are not missing: a lookup table for small-range integers, else binary search."""
    if not len(known) or not values.size:
        return np.zeros(len(values), dtype=np.intp), np.zeros(len(values), dtype=bool)
    if values.dtype.kind in "iu" and known.dtype.kind in "iu" and _small_range(known):
        low, high = known.min(), known.max()
        table = np.full(high - low + 1, -1, dtype=np.intp)
        table[known - low] = np.arange(len(known))
        if values.min() >= low and values.max() <= high:  # the usual case: one lookup
            idx = table[values - low]
        else:
            idx = np.where((values >= low) & (values <= high), table[np.clip(values, low, high) - low], -1)
        return np.maximum(idx, 0), idx >= 0
    codes = np.minimum(np.searchsorted(known, values), len(known) - 1)
    return codes, known[codes] == values


def _small_range(values: np.ndarray) -> bool:
    return int(values.max()) - int(values.min()) <= _LOOKUP_RANGE_FACTOR * len(values) + 1024
