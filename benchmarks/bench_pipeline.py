"""fit_transform of mlcourse's transformers and pipeline against scikit-learn's, on 10^6 rows x 20 columns.

Run: ``python benchmarks/bench_pipeline.py`` (``make bench`` runs every benchmark). Prints one row per
case with the best of ``--repeat`` timings for each library and the ratio ours / scikit-learn
(target: every ratio <= 1.0). Each case first checks that both give the same output.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import sklearn.impute
import sklearn.pipeline
import sklearn.preprocessing
from threadpoolctl import threadpool_limits

import mlcourse.pipeline
import mlcourse.preprocessing


def make_data(n_rows: int, n_cols: int, seed: int = 0):
    """Numeric data (with 5% NaN for the imputer) and integer categories (10 per column)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_cols))
    X_nan = X.copy()
    X_nan[rng.random(X.shape) < 0.05] = np.nan
    X_cat = rng.integers(0, 10, size=(n_rows, n_cols))
    return X, X_nan, X_cat


def cases(X, X_nan, X_cat):
    """(name, data, make ours, make scikit-learn's): factories give fresh, unfitted estimators."""
    mp = mlcourse.preprocessing
    return [
        ("StandardScaler", X, mp.StandardScaler, sklearn.preprocessing.StandardScaler),
        ("MinMaxScaler", X, mp.MinMaxScaler, sklearn.preprocessing.MinMaxScaler),
        ("SimpleImputer(mean)", X_nan, mp.SimpleImputer, sklearn.impute.SimpleImputer),
        ("OneHotEncoder (sparse)", X_cat, mp.OneHotEncoder, sklearn.preprocessing.OneHotEncoder),
        (
            "imputer -> scaler -> minmax",
            X_nan,
            lambda: mlcourse.pipeline.make_pipeline(mp.SimpleImputer(), mp.StandardScaler(), mp.MinMaxScaler()),
            lambda: sklearn.pipeline.make_pipeline(
                sklearn.impute.SimpleImputer(),
                sklearn.preprocessing.StandardScaler(),
                sklearn.preprocessing.MinMaxScaler(),
            ),
        ),
    ]


def best_time(make, data, repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        estimator = make()
        start = time.perf_counter()
        out = estimator.fit_transform(data)
        best = min(best, time.perf_counter() - start)
    return best, out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args(argv)
    X, X_nan, X_cat = make_data(args.rows, args.cols)

    print(f"fit_transform on {args.rows:,} rows x {args.cols} columns, best of {args.repeat} (seconds)")
    print(f"{'case':<30}{'mlcourse':>10}{'sklearn':>10}{'ratio':>8}")
    worst = 0.0
    with threadpool_limits(limits=1):
        for name, data, make_ours, make_sklearn in cases(X, X_nan, X_cat):
            t_ours, out_ours = best_time(make_ours, data, args.repeat)
            t_sk, out_sk = best_time(make_sklearn, data, args.repeat)
            if hasattr(out_ours, "toarray"):
                same = (out_ours != out_sk).nnz == 0
            else:
                same = np.allclose(out_ours, out_sk, rtol=1e-12, atol=1e-12, equal_nan=True)
            if not same:
                raise AssertionError(f"{name}: mlcourse and sklearn outputs differ")
            worst = max(worst, t_ours / t_sk)
            print(f"{name:<30}{t_ours:>10.3f}{t_sk:>10.3f}{t_ours / t_sk:>8.2f}", flush=True)
    print(f"worst ratio: {worst:.2f} (target <= 1.0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
