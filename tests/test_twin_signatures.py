"""A function named after a function of its package's twin takes the twin's signature, so the two swap.

The same parameters in the same order, of the same kinds (positional, keyword-only), with the same
defaults; annotations aside. Ours may leave out a parameter of the twin only where OMITTED gives the
reason, and only a keyword-only one or one after all of ours: a call that works on ours then works the
same on the twin. NOT_TWINS names the functions that share a name with one of the twin library but
are something else.
"""

from __future__ import annotations

import importlib
import inspect
import itertools

import numpy as np
import pytest

METRICS = importlib.import_module("mlcourse.metrics").__all__

#: (ours, twin) for every function of mlcourse named after one of its package's twin library.
PAIRS = [
    *((f"mlcourse.metrics.{name}", f"sklearn.metrics.{name}") for name in METRICS if name[0].islower()),
    ("mlcourse.model_selection.train_test_split", "sklearn.model_selection.train_test_split"),
    ("mlcourse.model_selection.cross_val_score", "sklearn.model_selection.cross_val_score"),
    ("mlcourse.model_selection.learning_curve", "sklearn.model_selection.learning_curve"),
    ("mlcourse.model_selection.validation_curve", "sklearn.model_selection.validation_curve"),
    ("mlcourse.pipeline.make_pipeline", "sklearn.pipeline.make_pipeline"),
    ("mlcourse.imbalance.compute_class_weight", "sklearn.utils.class_weight.compute_class_weight"),
    ("mlcourse.imbalance.compute_sample_weight", "sklearn.utils.class_weight.compute_sample_weight"),
    ("mlcourse.imbalance.calibration_curve", "sklearn.calibration.calibration_curve"),
    # Behaves as imbalanced-learn's make_pipeline (not installed here), whose signature is scikit-learn's.
    ("mlcourse.imbalance.make_pipeline", "sklearn.pipeline.make_pipeline"),
    ("mlcourse.inspection.permutation_importance", "sklearn.inspection.permutation_importance"),
    ("mlcourse.inspection.partial_dependence", "sklearn.inspection.partial_dependence"),
    ("mlcourse.inspection.mquantiles", "scipy.stats.mstats.mquantiles"),
    ("mlcourse.monitoring.ks_2samp", "scipy.stats.ks_2samp"),
    ("mlcourse.monitoring.chi2_contingency", "scipy.stats.chi2_contingency"),
    ("mlcourse.monitoring.expected_freq", "scipy.stats.contingency.expected_freq"),
    ("mlcourse.monitoring.jensenshannon", "scipy.spatial.distance.jensenshannon"),
    ("mlcourse.monitoring.rel_entr", "scipy.special.rel_entr"),
    *(
        (f"mlcourse.fairness.{name}", f"fairlearn.metrics.{name}")
        for name in (
            "demographic_parity_difference",
            "demographic_parity_ratio",
            "equal_opportunity_difference",
            "equal_opportunity_ratio",
            "equalized_odds_difference",
        )
    ),
]

_ONE_PROCESS = "one process, in order: the loop is the lesson (n_jobs and its dispatch)"
_NO_ROUTING = "no metadata routing in the course"
_RAISES = "a failing fit raises; it is never scored"
_NO_GROUPS = "no group-aware splitter in the course"
_CACHE_AND_ROUTING = {
    "memory": "no caching of fitted steps",
    "transform_input": _NO_ROUTING,
    "verbose": "no timing printout: a lesson prints the same on every run",
}
_CV_LOOP = {
    "groups": _NO_GROUPS,
    "n_jobs": _ONE_PROCESS,
    "pre_dispatch": _ONE_PROCESS,
    "verbose": "no progress printout: a lesson prints the same on every run",
    "error_score": _RAISES,
    "params": _NO_ROUTING,
}

#: Parameters of the twin that ours leaves out, and why.
OMITTED = {
    "mlcourse.metrics.log_loss": {"y_pred": "scikit-learn's old name of y_proba, deprecated in 1.9"},
    "mlcourse.model_selection.cross_val_score": _CV_LOOP,
    "mlcourse.model_selection.learning_curve": {
        **_CV_LOOP,
        "exploit_incremental_learning": "a fresh fit at every size: that is what the curve shows",
        "return_times": "no timings: a lesson prints the same on every run",
    },
    "mlcourse.model_selection.validation_curve": _CV_LOOP,
    "mlcourse.pipeline.make_pipeline": _CACHE_AND_ROUTING,
    "mlcourse.imbalance.make_pipeline": _CACHE_AND_ROUTING,
    "mlcourse.imbalance.compute_sample_weight": {"indices": "bootstrap subsamples are a random forest's internals"},
    "mlcourse.inspection.permutation_importance": {
        "n_jobs": _ONE_PROCESS,
        "max_samples": "every row is shuffled: subsampling is a speed-up the lesson does not need",
    },
    "mlcourse.inspection.partial_dependence": {
        "feature_names": "column names come from a DataFrame",
        "custom_values": "the grid is always scikit-learn's default one",
        "method": "brute force only: the recursion shortcut works for trees only",
    },
    "mlcourse.inspection.mquantiles": {"axis": "1-D data (flattened)", "limit": "no censored values"},
    "mlcourse.monitoring.ks_2samp": {
        "axis": "two 1-D samples, not batches of them",
        "nan_policy": "a sample with NaN is refused",
        "keepdims": "two 1-D samples, not batches of them",
    },
    "mlcourse.monitoring.chi2_contingency": {
        "lambda_": "Pearson's statistic only, not the Cressie-Read family",
        "method": "the asymptotic p-value; chi2_permutation_test is the permutation one",
    },
    "mlcourse.monitoring.rel_entr": dict.fromkeys(
        ("out", "where", "casting", "order", "dtype", "subok", "signature"), "a numpy function, not a ufunc"
    ),
}

#: Parameters whose default differs from the twin's, and why.
OTHER_DEFAULT = {
    ("mlcourse.metrics.log_loss", "y_proba"): "scikit-learn gives it a default only while y_pred is deprecated",
}

#: Public functions named like one of their package's twin library, and why they are not its twin.
NOT_TWINS = {
    "mlcourse.monitoring.psi": "the population stability index, not SciPy's digamma function",
    "mlcourse.nn.xavier_normal": "returns a new weight matrix; torch's (a deprecated alias) fills a tensor",
    "mlcourse.nn.xavier_uniform": "returns a new weight matrix; torch's (a deprecated alias) fills a tensor",
}

#: Where the functions of each package's twin live (the README's layout table).
TWIN_MODULES = {
    "mlcourse.metrics": ["sklearn.metrics"],
    "mlcourse.model_selection": ["sklearn.model_selection"],
    "mlcourse.preprocessing": ["sklearn.preprocessing"],
    "mlcourse.pipeline": ["sklearn.pipeline", "sklearn.compose"],
    "mlcourse.imbalance": ["sklearn.utils.class_weight", "sklearn.calibration", "sklearn.pipeline"],
    "mlcourse.inspection": ["sklearn.inspection", "scipy.stats.mstats"],
    "mlcourse.monitoring": ["scipy.stats", "scipy.stats.contingency", "scipy.spatial.distance", "scipy.special"],
    "mlcourse.fairness": ["fairlearn.metrics"],
    "mlcourse.optim": ["torch.optim"],
    "mlcourse.nn": ["torch.nn", "torch.nn.init", "torch.nn.functional"],
    "mlcourse.data": ["pandas"],
    "mlcourse.tracking": ["mlflow"],
    "mlcourse.serving": ["fastapi"],
}


def resolve(path: str):
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def same_default(ours, theirs) -> bool:
    if isinstance(ours, (tuple, list, np.ndarray)) or isinstance(theirs, (tuple, list, np.ndarray)):
        return np.array_equal(np.asarray(ours), np.asarray(theirs))  # scikit-learn writes some as arrays
    return ours is theirs or (type(ours) is type(theirs) and ours == theirs)


@pytest.mark.parametrize(("ours", "twin"), PAIRS, ids=[ours.removeprefix("mlcourse.") for ours, _ in PAIRS])
def test_a_function_named_after_its_twin_takes_the_twins_signature(ours, twin):
    mine, theirs = inspect.signature(resolve(ours)), inspect.signature(resolve(twin))
    omitted = OMITTED.get(ours, {})
    positional = [p.name for p in theirs.parameters.values() if p.kind is not p.KEYWORD_ONLY]
    for name in omitted:
        assert name in theirs.parameters, f"OMITTED lists {name}, which {twin} does not take"
        if name in positional:  # only the last positional ones may go
            assert set(positional[positional.index(name) :]) <= set(omitted), f"{name} has positional ones after it"
    expected = [p for p in theirs.parameters.values() if p.name not in omitted]
    wrong = []
    for i, (a, b) in enumerate(itertools.zip_longest(mine.parameters.values(), expected)):
        if a is None or b is None:
            wrong.append(f"parameter {i}: ours {a}, twin {b}")
        elif (a.name != b.name and b.kind is not b.POSITIONAL_ONLY) or a.kind is not b.kind:
            wrong.append(f"parameter {i}: ours {a.name} ({a.kind.description}), twin {b.name} ({b.kind.description})")
        elif (ours, b.name) not in OTHER_DEFAULT and not same_default(a.default, b.default):
            wrong.append(f"{a.name}: default {a.default!r} in ours, {b.default!r} in the twin")
    assert not wrong, f"{ours}{mine}\n{twin}{theirs}\n" + "\n".join(wrong)


def test_every_function_named_like_one_of_its_twin_library_is_checked():
    checked = {ours for ours, _ in PAIRS} | set(NOT_TWINS)
    unchecked = []
    for package, twin_modules in TWIN_MODULES.items():
        namespaces = [importlib.import_module(name) for name in twin_modules]
        for name in importlib.import_module(package).__all__:
            obj = resolve(f"{package}.{name}")
            named_alike = any(inspect.isroutine(getattr(ns, name, None)) for ns in namespaces)
            if inspect.isfunction(obj) and named_alike and f"{package}.{name}" not in checked:
                unchecked.append(f"{package}.{name}")
    assert not unchecked, f"add to PAIRS (or NOT_TWINS, with the reason): {unchecked}"
    assert not set(OMITTED) - {ours for ours, _ in PAIRS}, "OMITTED names a function that is not in PAIRS"
