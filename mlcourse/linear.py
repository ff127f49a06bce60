"""Linear and logistic regression trained by gradient descent, as scikit-learn estimators.

``LinearRegressionGD``, ``RidgeGD`` and ``LogisticRegressionGD`` follow scikit-learn's rules
(hyper-parameters only in ``__init__``, learned attributes end in ``_``), so they work with
``clone``, ``Pipeline`` and ``GridSearchCV`` and pass ``check_estimator`` with no check skipped.
The maths is numpy and :mod:`mlcourse.optim`; scikit-learn only validates the input.

Penalty scaling
---------------
The objective is the *mean* loss plus ``alpha / 2 * ||coef||**2`` (the intercept is not
penalised), the convention of ``SGDRegressor``/``SGDClassifier``. With ``n`` training rows:
``RidgeGD(alpha)`` equals ``sklearn.linear_model.Ridge(alpha=n * alpha)`` and
``LogisticRegressionGD(alpha)`` equals ``LogisticRegression(C=1 / (n * alpha))``; ``alpha=0``
is ``LogisticRegression(C=np.inf)`` (no penalty).
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from mlcourse import optim
from mlcourse._validation import check_param, encode_classes, validate_numeric_data

_OPTIMIZERS = ("gd", "momentum", "nesterov", "rmsprop", "adam")


def _lipschitz(X, curvature):
    """Largest curvature of the loss, so that ``lr = 1 / L`` is a step that cannot diverge.

    For a linear model the Hessian is ``X.T @ D @ X / n`` with ``D <= curvature`` (1 for squared
    error, 1/4 for the logistic loss, 1/2 for softmax), so ``L = curvature * lambda_max(X.T X / n)``.
    The smaller Gram matrix has the same top eigenvalue and costs ``n * min(n, p)**2``.
    """
    n, p = X.shape
    gram = X.T @ X if p <= n else X @ X.T
    return curvature * float(np.linalg.eigvalsh(gram)[-1]) / n if gram.size else 0.0


class _GDLinearModel(BaseEstimator):
    """Shared machinery: parameter checks, the optimiser, the training loop and its history."""

    def _check_params(self):
        if isinstance(self.lr, str):
            if self.lr != "auto":
                raise ValueError(f"lr must be 'auto' or a positive number, got {self.lr!r}")
        else:
            check_param(self.lr, "lr", Real, min_val=0, max_val=math.inf, include_boundaries="neither")
        if self.optimizer not in _OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {_OPTIMIZERS}, got {self.optimizer!r}")
        check_param(self.max_epochs, "max_epochs", Integral, min_val=1)
        check_param(self.tol, "tol", Real, min_val=0)
        alpha = getattr(self, "alpha", 0.0)
        check_param(alpha, "alpha", Real, min_val=0, max_val=math.inf, include_boundaries="left")

    def _make_optimizer(self, L):
        """The optimiser named by ``self.optimizer``; ``lr='auto'`` means ``1 / L``."""
        adaptive = self.optimizer in ("rmsprop", "adam")
        # 1/L is the classic safe step for gradient descent; adaptive methods rescale steps
        # themselves, so they get their usual default instead.
        lr = self.lr if self.lr != "auto" else (0.01 if adaptive else 1.0 / (L if L > 0 else 1.0))
        kw = {"batch_size": self.batch_size}
        if self.optimizer == "gd":
            return optim.Optimizer(lr, **kw)
        if self.optimizer in ("momentum", "nesterov"):
            return optim.Momentum(lr, 0.9, nesterov=self.optimizer == "nesterov", **kw)
        if self.optimizer == "rmsprop":
            return optim.RMSProp(lr, **kw)
        return optim.Adam(lr, **kw)

    def _run(self, fun, w0, X, y, L):
        """Minimise and record ``loss_history_`` / ``n_iter_``; warn if ``tol`` was not reached."""
        opt = self._make_optimizer(L)
        rng = self.random_state
        if isinstance(rng, np.random.RandomState):  # scikit-learn's older RNG type: draw a seed from it
            rng = int(rng.randint(2**31))
        result = optim.minimize(
            fun, w0, opt, X, y, max_epochs=int(self.max_epochs), tol=self.tol, tol_on="grad", rng=rng
        )
        self.loss_history_ = result.loss_history
        self.n_iter_ = result.n_epochs
        if not result.converged:
            warnings.warn(
                f"{type(self).__name__} did not reach tol={self.tol:g} in max_epochs={self.max_epochs} "
                f"(gradient norm {result.grad_norm:.3g}); increase max_epochs or lr, or standardise X.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return result.w


class _GDRegressor(RegressorMixin, _GDLinearModel):
    def fit(self, X, y):
        """Fit by minimising ``mean((X @ coef + intercept - y)**2) / 2 + alpha / 2 * ||coef||**2``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)

        Returns
        -------
        self
        """
        self._check_params()
        X, y = validate_numeric_data(self, X, y, reset=True, y_numeric=True)
        alpha = getattr(self, "alpha", 0.0)
        # Centring X and y removes the intercept from the problem (it is recovered afterwards)
        # and makes the loss surface rounder, so gradient descent converges faster.
        x_mean = X.mean(axis=0) if self.fit_intercept else np.zeros(X.shape[1])
        y_mean = y.mean() if self.fit_intercept else 0.0
        Xc, yc = X - x_mean, y - y_mean

        def fun(w, Xb, yb):
            loss, grad = optim.least_squares(w, Xb, yb)
            penalty, penalty_grad = optim.l2_penalty(w, alpha)
            return loss + penalty, grad + penalty_grad

        L = _lipschitz(Xc, 1.0) + alpha
        self.coef_ = self._run(fun, np.zeros(X.shape[1]), Xc, yc, L)
        self.intercept_ = float(y_mean - x_mean @ self.coef_)
        return self

    def predict(self, X):
        """``X @ coef_ + intercept_``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_numeric_data(self, X, reset=False)
        return X @ self.coef_ + self.intercept_


class LinearRegressionGD(_GDRegressor):
    """Ordinary least squares fitted by gradient descent; converges to ``np.linalg.lstsq``'s answer.

    Parameters
    ----------
    lr : float or "auto", default="auto"
        Learning rate. ``"auto"`` uses ``1 / L``, with ``L`` the largest curvature of the loss
        (computed from ``X``), a step that always converges for gradient descent and momentum
        (``"rmsprop"`` and ``"adam"`` get 0.01 instead).
    optimizer : {"gd", "momentum", "nesterov", "rmsprop", "adam"}, default="gd"
        Update rule (:mod:`mlcourse.optim`); momentum methods use ``momentum=0.9``.
    batch_size : int or None, default=None
        Rows per step: ``None`` is full batch, ``1`` is stochastic gradient descent.
    max_epochs : int, default=1000
        Passes over the data before giving up (with a ``ConvergenceWarning``).
    tol : float, default=1e-6
        Stop when the norm of the full-data gradient is at most ``tol``.
    fit_intercept : bool, default=True
    random_state : int, numpy.random.Generator, numpy.random.RandomState or None, default=None
        Shuffles the rows of mini-batches; full batch is deterministic.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
        Epochs run.
    loss_history_ : ndarray of shape (n_iter_ + 1,)
        Training loss before the first epoch and after each one (on centred data).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names (a DataFrame).

    Notes
    -----
    ``check_estimator`` passes with no skipped check (run it with ``SCIPY_ARRAY_API=1``, without
    which scikit-learn itself skips its array-API check).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = 2 * X[:, 0] + 1
    >>> model = LinearRegressionGD(tol=1e-10).fit(X, y)
    >>> model.coef_.round(6), round(model.intercept_, 6)
    (array([2.]), 1.0)
    """

    def __init__(
        self,
        *,
        lr="auto",
        optimizer="gd",
        batch_size=None,
        max_epochs=1000,
        tol=1e-6,
        fit_intercept=True,
        random_state=None,
    ):
        self.lr = lr
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.random_state = random_state


class RidgeGD(_GDRegressor):
    """Ridge regression (L2 penalty) fitted by gradient descent.

    Minimises ``mean((y_pred - y)**2) / 2 + alpha / 2 * ||coef||**2``, which is
    ``sklearn.linear_model.Ridge(alpha=n_samples * alpha)`` (Ridge penalises the *summed* loss).

    Parameters
    ----------
    alpha : float, default=0.01
        Penalty strength, per sample (the ``SGDRegressor`` convention).
    lr, optimizer, batch_size, max_epochs, tol, fit_intercept, random_state
        As in :class:`LinearRegressionGD`.

    Attributes
    ----------
    coef_, intercept_, n_iter_, loss_history_, n_features_in_
        As in :class:`LinearRegressionGD`.

    Notes
    -----
    ``check_estimator`` passes with no skipped check (run it with ``SCIPY_ARRAY_API=1``, without
    which scikit-learn itself skips its array-API check).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 3.0]]); y = np.array([1.0, 2.0, 4.0, 7.0])
    >>> ours = RidgeGD(alpha=0.1, tol=1e-12, max_epochs=10_000).fit(X, y)
    >>> theirs = Ridge(alpha=0.1 * len(X)).fit(X, y)
    >>> bool(np.allclose(ours.coef_, theirs.coef_, rtol=1e-8))
    True
    """

    def __init__(
        self,
        alpha=0.01,
        *,
        lr="auto",
        optimizer="gd",
        batch_size=None,
        max_epochs=1000,
        tol=1e-6,
        fit_intercept=True,
        random_state=None,
    ):
        self.alpha = alpha
        self.lr = lr
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.random_state = random_state


class LogisticRegressionGD(ClassifierMixin, _GDLinearModel):
    """Logistic regression fitted by gradient descent: sigmoid for two classes, softmax for more.

    Minimises the mean cross-entropy plus ``alpha / 2 * ||coef||**2``, which is
    ``sklearn.linear_model.LogisticRegression(C=1 / (n_samples * alpha))``; ``alpha=0`` is
    ``LogisticRegression(C=np.inf)``. Labels may be any sortable values (ints, strings).

    Parameters
    ----------
    alpha : float, default=0.0
        L2 penalty strength per sample; 0 means no penalty.
    lr, optimizer, batch_size, max_epochs, tol, fit_intercept, random_state
        As in :class:`LinearRegressionGD`. ``lr="auto"`` uses ``1 / L`` with ``L`` a bound on
        the curvature of the cross-entropy.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : ndarray of shape (1, n_features) for two classes, (n_classes, n_features) for more
    intercept_ : ndarray of shape (1,) or (n_classes,)
    n_iter_, loss_history_, n_features_in_
        As in :class:`LinearRegressionGD`.

    Notes
    -----
    ``check_estimator`` passes with no skipped check (run it with ``SCIPY_ARRAY_API=1``, without
    which scikit-learn itself skips its array-API check). Without a penalty the coefficients of
    perfectly separable data grow for ever: expect a ``ConvergenceWarning`` and set ``alpha``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array(["no", "no", "yes", "no"])
    >>> model = LogisticRegressionGD(tol=1e-8).fit(X, y)
    >>> model.predict_proba([[2.0]]).round(3)
    array([[0.714, 0.286]])
    """

    def __init__(
        self,
        alpha=0.0,
        *,
        lr="auto",
        optimizer="gd",
        batch_size=None,
        max_epochs=1000,
        tol=1e-6,
        fit_intercept=True,
        random_state=None,
    ):
        self.alpha = alpha
        self.lr = lr
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.random_state = random_state

    def fit(self, X, y):
        """Fit the coefficients by gradient descent on the cross-entropy.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
            Class labels; at least two distinct values.

        Returns
        -------
        self
        """
        self._check_params()
        X, y = validate_numeric_data(self, X, y, reset=True)
        self.classes_, y_index = encode_classes(y)
        n_classes = len(self.classes_)
        p = X.shape[1]
        k = 1 if n_classes == 2 else n_classes  # two classes need one score, sigmoid(score)
        alpha = self.alpha
        # Centring X makes the loss surface rounder (faster descent) without changing the model:
        # the intercept absorbs the shift and is corrected after training.
        x_mean = X.mean(axis=0) if self.fit_intercept else np.zeros(p)
        Xc = X - x_mean
        target = y_index.astype(float) if k == 1 else y_index
        n_coef = p * k

        def fun(theta, Xb, yb):
            W = theta[:n_coef].reshape(p, k)
            Z = Xb @ W + theta[n_coef:]  # the intercepts, if any, broadcast over rows
            if k == 1:
                loss, dZ = optim.log_loss(yb, Z[:, 0])
                dZ = dZ[:, None]
            else:
                loss, dZ = optim.softmax_cross_entropy(yb, Z)
            penalty, dW = optim.l2_penalty(W, alpha)
            grad_b = dZ.sum(axis=0) if self.fit_intercept else np.zeros(0)
            return loss + penalty, np.concatenate([(Xb.T @ dZ + dW).ravel(), grad_b])

        # Centred X is orthogonal to the intercept's column of ones, so the curvature bound is
        # the larger of the two blocks'.
        curvature = 0.25 if k == 1 else 0.5
        L = curvature * max(_lipschitz(Xc, 1.0), 1.0 if self.fit_intercept else 0.0) + alpha
        theta = self._run(fun, np.zeros(n_coef + (k if self.fit_intercept else 0)), Xc, target, L)
        W = theta[:n_coef].reshape(p, k)
        b = theta[n_coef:] if self.fit_intercept else np.zeros(k)
        self.coef_ = W.T.copy()
        self.intercept_ = b - x_mean @ W
        return self

    def decision_function(self, X):
        """Scores ``X @ coef_.T + intercept_``: shape (n_samples,) for two classes, else (n_samples, n_classes)."""
        check_is_fitted(self)
        X = validate_numeric_data(self, X, reset=False)
        scores = X @ self.coef_.T + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p = optim.sigmoid(scores)
            return np.column_stack([1 - p, p])
        return optim.softmax(scores)

    def predict(self, X):
        """The most probable class for each row.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        scores = self.decision_function(X)
        index = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[index]
