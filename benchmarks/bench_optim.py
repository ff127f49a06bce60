"""Benchmark: a full-batch gradient step against the two matrix-vector products it needs, and
``LinearRegressionGD`` against ``SGDRegressor`` and ``np.linalg.lstsq``.

Run with ``make bench`` (or ``python benchmarks/bench_optim.py``); one run, about half a minute.
Targets: the gradient step within 1.5x of ``X @ w`` plus ``X.T @ r``.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDRegressor

from mlcourse import optim
from mlcourse.linear import LinearRegressionGD


def best_time(fn, repeat=5):
    """Fastest of ``repeat`` runs: the least disturbed by whatever else the machine is doing."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def gradient_step_ratio(n=1_000_000, p=50, rng=None):
    rng = np.random.default_rng(rng)
    X, y, w = rng.normal(size=(n, p)), rng.normal(size=n), rng.normal(size=p)
    opt = optim.GradientDescent(lr=0.1)
    state = opt.init(w)

    def step():
        _, grad = optim.least_squares(w, X, y)
        opt.step(w, grad, state)

    r = X @ w - y

    def matvecs():
        X @ w
        X.T @ r

    return best_time(step), best_time(matvecs)


def fit_comparison(n=100_000, p=50, rng=None):
    rng = np.random.default_rng(rng)
    X = rng.normal(size=(n, p))
    w_true = rng.normal(size=p)
    y = X @ w_true + 1.0 + rng.normal(size=n)
    A = np.c_[X, np.ones(n)]
    rows = []

    def run(name, fit):
        start = time.perf_counter()
        coef = fit()
        elapsed = time.perf_counter() - start
        rows.append((name, elapsed, coef))

    run("np.linalg.lstsq", lambda: np.linalg.lstsq(A, y, rcond=None)[0])
    run("LinearRegressionGD (tol=1e-8)", lambda: _coef(LinearRegressionGD(tol=1e-8, max_epochs=10_000).fit(X, y)))

    def sgd():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return _coef(SGDRegressor(alpha=0.0, tol=1e-8, max_iter=50, random_state=0).fit(X, y))

    run("SGDRegressor (tol=1e-8, max_iter=50)", sgd)
    ref = rows[0][2]
    return [(name, t, float(np.abs(c - ref).max() / np.abs(ref).max())) for name, t, c in rows]


def _coef(model):
    return np.r_[model.coef_, model.intercept_]


def main():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # the course's setting: one thread per library
        step, matvecs = gradient_step_ratio(rng=0)
        print("full-batch least-squares gradient step, 10^6 x 50 float64 (best of 5, one thread)")
        print(f"| {'what':<36} | {'time (ms)':>9} | {'ratio':>6} |")
        print(f"| {'-' * 36} | {'-' * 9} | {'-' * 6} |")
        print(f"| {'X @ w and X.T @ r':<36} | {matvecs * 1e3:9.1f} | {1:6.2f} |")
        print(f"| {'mlcourse gradient step':<36} | {step * 1e3:9.1f} | {step / matvecs:6.2f} |")
        print(f"target ratio <= 1.5: {'met' if step / matvecs <= 1.5 else 'NOT met'}\n")

        print("fitting linear regression, 10^5 x 50 float64")
        print(f"| {'method':<36} | {'time (s)':>9} | {'max coef error vs lstsq (relative)':>35} |")
        print(f"| {'-' * 36} | {'-' * 9} | {'-' * 35} |")
        for name, t, err in fit_comparison(rng=1):
            print(f"| {name:<36} | {t:9.3f} | {err:35.2e} |")


if __name__ == "__main__":
    main()
