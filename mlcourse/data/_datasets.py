"""The scikit-learn datasets that ship with the library, as pandas DataFrames with a ``target`` column."""

from __future__ import annotations

import pandas as pd

#: Name of the column that holds what a model should predict, in every frame :func:`load` returns.
TARGET = "target"

#: The course's label convention: the positive class (1) is the one we look for. scikit-learn codes breast
#: cancer 0 = malignant, 1 = benign, so :func:`load` flips those codes; the class names stay as they are.
_FLIPPED = {"breast_cancer"}

#: The bundled datasets: name -> (scikit-learn loader, task, one-line description).
DATASETS = {
    "breast_cancer": (
        "load_breast_cancer",
        "classification",
        "569 tumours, 30 image features, 1 = malignant, 0 = benign",
    ),
    "diabetes": ("load_diabetes", "regression", "442 patients, 10 measurements, disease progression after a year"),
    "digits": ("load_digits", "classification", "1797 8x8 images of handwritten digits 0-9, one column per pixel"),
    "iris": ("load_iris", "classification", "150 flowers, 4 measurements in cm, 3 species"),
    "wine": ("load_wine", "classification", "178 wines, 13 chemical measurements, 3 cultivars"),
}


def load(
    name: str, *, target_names: bool = False, return_X_y: bool = False
) -> pd.DataFrame | tuple[pd.DataFrame, pd.Series]:
    """Load a dataset bundled with scikit-learn as one DataFrame (no download, works offline).

    The course has one label convention: the positive class, 1, is the one we look for. For
    ``"breast_cancer"`` that is malignant, so its integer codes are scikit-learn's flipped
    (scikit-learn codes malignant as 0): 1 = malignant, 0 = benign.

    Parameters
    ----------
    name : {"breast_cancer", "diabetes", "digits", "iris", "wine"}
        Which dataset; see :data:`DATASETS`.
    target_names : bool, default=False
        For the classification sets, put the class names (``"malignant"``, ``"setosa"``, ...)
        in the target column instead of the integer codes.
    return_X_y : bool, default=False
        Return ``(X, y)``: the feature columns and the target as a Series, as scikit-learn's
        loaders do with ``return_X_y=True, as_frame=True``.

    Returns
    -------
    frame : pandas.DataFrame
        One column per feature, named as in scikit-learn, then the column ``"target"``
        (:data:`TARGET`): integer class codes, class names (``str``) with ``target_names=True``,
        or for ``"diabetes"`` the float disease-progression score. The diabetes features are the
        raw measurements (age in years, BMI, ...), not scikit-learn's scaled version.
    (X, y) : tuple of pandas.DataFrame and pandas.Series
        With ``return_X_y=True``: the same frame split into its features and its target.

    Raises
    ------
    TypeError
        If ``name`` is not a string.
    ValueError
        If ``name`` is not a bundled dataset, or ``target_names=True`` for the regression set.

    Examples
    --------
    >>> from mlcourse.data import load
    >>> iris = load("iris", target_names=True)
    >>> iris.shape
    (150, 5)
    >>> iris["target"].value_counts().to_dict()
    {'setosa': 50, 'versicolor': 50, 'virginica': 50}
    >>> X, y = load("breast_cancer", return_X_y=True)
    >>> X.shape, int(y.sum())  # 212 of the 569 tumours are malignant: the positive class
    ((569, 30), 212)
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    if name not in DATASETS:
        raise ValueError(f"name must be one of {sorted(DATASETS)}, got {name!r}")
    loader_name, task, _ = DATASETS[name]
    if target_names and task != "classification":
        raise ValueError(f"target_names=True needs a classification dataset; {name!r} is a {task} set")

    import sklearn.datasets

    loader = getattr(sklearn.datasets, loader_name)
    # Raw units read better in a data-wrangling lesson than scikit-learn's centred-and-scaled copy.
    bunch = loader(scaled=False) if name == "diabetes" else loader()
    # Plain str names: numpy strings next to a str column make scikit-learn reject the feature names.
    frame = pd.DataFrame(bunch.data, columns=[str(c) for c in bunch.feature_names])
    if target_names:
        names = [str(n) for n in bunch.target_names]
        frame[TARGET] = pd.Series([names[i] for i in bunch.target], dtype="str")
    else:
        frame[TARGET] = 1 - bunch.target if name in _FLIPPED else bunch.target
    if return_X_y:
        return frame.drop(columns=TARGET), frame[TARGET]
    return frame
