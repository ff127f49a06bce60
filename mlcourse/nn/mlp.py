"""``MLPClassifier`` and ``MLPRegressor``: the numpy network as scikit-learn estimators.

They follow scikit-learn's rules (hyper-parameters only in ``__init__``, learned attributes end in
``_``), so they work with ``clone``, ``Pipeline`` and ``GridSearchCV`` and pass ``check_estimator``.
Training is :func:`mlcourse.nn.train_epoch` with an optimiser from :mod:`mlcourse.optim`;
scikit-learn only validates the input. The twins are ``sklearn.neural_network.MLPClassifier`` and
``MLPRegressor`` (same idea, different defaults and optimiser code).
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from mlcourse import optim
from mlcourse.linear import _validate
from mlcourse.nn.layers import ACTIVATIONS, make_mlp
from mlcourse.nn.losses import CrossEntropyLoss, MSELoss
from mlcourse.nn.training import batches, train_epoch

_OPTIMIZERS = ("gd", "momentum", "nesterov", "rmsprop", "adam")


def _is_int(value, low):
    return not isinstance(value, bool) and isinstance(value, Integral) and value >= low


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


class _BaseMLP(BaseEstimator):
    """Shared machinery: parameter checks, the network, the training loop and its stopping rules."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        dropout=0.0,
        alpha=0.0,
        optimizer="adam",
        lr=0.001,
        batch_size=32,
        max_epochs=200,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.alpha = alpha
        self.optimizer = optimizer
        self.lr = lr
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.random_state = random_state

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) and not isinstance(sizes, bool) else sizes
        try:
            sizes = list(sizes)
        except TypeError:
            sizes = None
        if sizes is None or not all(_is_int(s, 1) for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be a sequence of positive integers, got {self.hidden_layer_sizes!r}"
            )
        return [int(s) for s in sizes]

    def _check_params(self):
        hidden = self._hidden_sizes()
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}")
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, Real) or not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be a probability in [0, 1), got {self.dropout!r}")
        if isinstance(self.alpha, bool) or not (isinstance(self.alpha, Real) and math.isfinite(self.alpha)):
            raise ValueError(f"alpha must be a non-negative number, got {self.alpha!r}")
        if self.alpha < 0:
            raise ValueError(f"alpha must be a non-negative number, got {self.alpha!r}")
        if self.optimizer not in _OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {_OPTIMIZERS}, got {self.optimizer!r}")
        if self.batch_size is not None and not _is_int(self.batch_size, 1):
            raise ValueError(f"batch_size must be None (full batch) or a positive integer, got {self.batch_size!r}")
        if not _is_int(self.max_epochs, 1):
            raise ValueError(f"max_epochs must be a positive integer, got {self.max_epochs!r}")
        if isinstance(self.tol, bool) or not (isinstance(self.tol, Real) and self.tol >= 0):
            raise ValueError(f"tol must be a non-negative number, got {self.tol!r}")
        if not _is_int(self.n_iter_no_change, 1):
            raise ValueError(f"n_iter_no_change must be a positive integer, got {self.n_iter_no_change!r}")
        frac = self.validation_fraction
        if isinstance(frac, bool) or not isinstance(frac, Real) or not 0 < frac < 1:
            raise ValueError(f"validation_fraction must be a number in (0, 1), got {frac!r}")
        return hidden

    def _make_optimizer(self):
        """The optimiser named by ``self.optimizer`` (momentum methods use ``momentum=0.9``)."""
        lr = self.lr
        if isinstance(lr, bool) or not (isinstance(lr, Real) and math.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a positive number, got {lr!r}")
        if self.optimizer == "gd":
            return optim.Optimizer(lr)
        if self.optimizer in ("momentum", "nesterov"):
            return optim.Momentum(lr, 0.9, nesterov=self.optimizer == "nesterov")
        if self.optimizer == "rmsprop":
            return optim.RMSProp(lr)
        return optim.Adam(lr)

    def _fit(self, X, target, n_outputs, loss_fn, *, stratify=None):
        """Build the network and train it; ``target`` is what ``loss_fn`` compares the output with."""
        hidden = self._check_params()
        opt = self._make_optimizer()
        seed = self.random_state
        if isinstance(seed, np.random.RandomState):  # scikit-learn's older RNG type: draw a seed from it
            seed = int(seed.randint(2**31))
        rng = np.random.default_rng(seed)
        X_train, y_train, X_val, y_val = X, target, None, None
        if self.early_stopping:
            try:
                X_train, X_val, y_train, y_val = train_test_split(
                    X,
                    target,
                    test_size=self.validation_fraction,
                    stratify=stratify,
                    random_state=int(rng.integers(2**31)),
                )
            except ValueError as err:
                raise ValueError(
                    f"early_stopping: cannot set validation_fraction={self.validation_fraction} of "
                    f"{len(X)} rows aside for validation ({err})"
                ) from err
        net = make_mlp([X.shape[1], *hidden, n_outputs], activation=self.activation, dropout=self.dropout, rng=rng)
        state = opt.init(net.w)
        loss_curve, val_curve = [], []
        best, best_epoch, best_w, stale, stopped = math.inf, 0, None, 0, False
        for epoch in range(1, int(self.max_epochs) + 1):
            train_batches = batches(X_train, y_train, self.batch_size, shuffle=True, rng=rng)
            loss, state = train_epoch(net, loss_fn, opt, state, train_batches, epoch=epoch - 1, alpha=self.alpha)
            if not math.isfinite(loss):
                raise optim.DivergenceError(
                    f"the training loss became {loss} in epoch {epoch}: training diverged. "
                    f"Use a smaller learning rate than lr={self.lr:g}, or standardise the features."
                )
            loss_curve.append(loss)
            monitored = loss
            if X_val is not None:
                monitored = loss_fn(net.eval().forward(X_val), y_val)
                val_curve.append(monitored)
            # scikit-learn's rule: stop after n_iter_no_change epochs that did not beat the best by tol.
            stale = stale + 1 if monitored > best - self.tol else 0
            if monitored < best:
                best, best_epoch = monitored, epoch
                if X_val is not None:
                    best_w = net.w.copy()
            if stale >= self.n_iter_no_change:
                stopped = True
                break
        if best_w is not None:  # early stopping keeps the weights of the best validation epoch
            net.w[...] = best_w
        else:
            best_epoch = epoch
        if not stopped:
            warnings.warn(
                f"{type(self).__name__} was still improving after max_epochs={self.max_epochs} "
                f"(by more than tol={self.tol:g} within the last n_iter_no_change={self.n_iter_no_change} epochs); "
                "increase max_epochs or lr.",
                ConvergenceWarning,
                stacklevel=3,
            )
        self.net_ = net.eval()
        self.loss_curve_ = np.array(loss_curve)
        self.validation_loss_curve_ = np.array(val_curve) if X_val is not None else None
        self.best_epoch_ = best_epoch
        self.n_iter_ = epoch
        return self

    def _forward(self, X):
        check_is_fitted(self)
        X = _validate(self, X, reset=False)
        return self.net_.eval().forward(X)


_PARAMETERS_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : sequence of int, default=(100,)
        Width of each hidden layer; ``()`` gives no hidden layer (a linear model).
    activation : {"relu", "tanh", "sigmoid"}, default="relu"
        Non-linearity of the hidden layers (He initialisation for ReLU, Xavier for the others).
    dropout : float, default=0.0
        Dropout probability after every hidden layer, during training only.
    alpha : float, default=0.0
        L2 penalty ``alpha / 2 * sum(W**2)`` on the weights (not the biases), added to the mean loss.
    optimizer : {"gd", "momentum", "nesterov", "rmsprop", "adam"}, default="adam"
        Update rule from :mod:`mlcourse.optim`; momentum methods use ``momentum=0.9``.
    lr : float, default=0.001
        Learning rate.
    batch_size : int or None, default=32
        Rows per step; ``None`` is full batch. Rows are reshuffled every epoch.
    max_epochs : int, default=200
        Passes over the training data before giving up (with a ``ConvergenceWarning``).
    tol : float, default=1e-4
        An epoch counts as an improvement if the monitored loss beats the best so far by ``tol``.
    n_iter_no_change : int, default=10
        Stop after this many epochs without improvement. The monitored loss is the training loss,
        or the validation loss with ``early_stopping``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows (stratified for a classifier), monitor the
        loss on them, and keep the weights of the epoch where it was lowest.
    validation_fraction : float, default=0.1
        Share of the rows held out by ``early_stopping``.
    random_state : int, numpy.random.Generator, numpy.random.RandomState or None, default=None
        Seeds the weights, the dropout masks, the shuffling and the validation split.
"""

_ATTRIBUTES_DOC = """
    net_ : mlcourse.nn.Sequential
        The trained network (in evaluation mode).
    loss_curve_ : ndarray of shape (n_iter_,)
        Mean training loss of each epoch (penalty included).
    validation_loss_curve_ : ndarray of shape (n_iter_,) or None
        Loss on the held-out rows after each epoch, with ``early_stopping``; else None.
    best_epoch_ : int
        The epoch whose weights ``net_`` holds (the last one without ``early_stopping``).
    n_iter_ : int
        Epochs run.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` has string column names (a DataFrame).
"""


class MLPClassifier(ClassifierMixin, _BaseMLP):
    __doc__ = (
        """A multi-layer perceptron classifier: softmax output, cross-entropy loss, numpy backprop.
"""
        + _PARAMETERS_DOC
        + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
"""
        + _ATTRIBUTES_DOC
        + """
    Notes
    -----
    Even two classes get two outputs and a softmax (which is a sigmoid in disguise). Standardise
    ``X`` (or scale it to [0, 1]) first: gradient descent and the weight initialisation assume
    features of unit size. ``check_estimator`` passes with no skipped check.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 10); y = np.array([0, 1, 1, 0] * 10)
    >>> model = MLPClassifier((16,), lr=0.05, max_epochs=100, random_state=0).fit(X, y)  # XOR
    >>> model.predict([[0.0, 1.0], [1.0, 1.0]])
    array([1, 0])
    """
    )

    def fit(self, X, y):
        """Train the network on ``X`` and class labels ``y``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,)
            Class labels (any sortable values); at least two classes.

        Returns
        -------
        self
        """
        self._check_params()
        X, y = _validate(self, X, y, reset=True)
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"y must contain at least 2 classes to fit a classifier, got 1 class: {self.classes_[0]!r}"
            )
        return self._fit(X, y_index, len(self.classes_), CrossEntropyLoss(), stratify=y_index)

    def predict_proba(self, X):
        """Class probabilities (the softmax of the network's output), columns in the order of ``classes_``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return _softmax(self._forward(X))

    def predict(self, X):
        """The most probable class of each row.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        index = self._forward(X).argmax(axis=1)  # checks that the model is fitted first
        return self.classes_[index]


class MLPRegressor(RegressorMixin, _BaseMLP):
    __doc__ = (
        """A multi-layer perceptron regressor: linear output, mean-squared-error loss, numpy backprop.
"""
        + _PARAMETERS_DOC
        + """
    Attributes
    ----------
    n_outputs_ : int
        Number of targets (columns of ``y``).
"""
        + _ATTRIBUTES_DOC
        + """
    Notes
    -----
    Standardise ``X`` and, unless its values are already of order 1, ``y`` too (for example with
    ``sklearn.compose.TransformedTargetRegressor``): the output layer starts near zero and would
    otherwise spend many epochs just growing to the target's scale. ``check_estimator`` passes with
    no skipped check.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.linspace(-2, 2, 200)[:, None]; y = np.sin(2 * X[:, 0])
    >>> model = MLPRegressor((32, 32), lr=0.01, random_state=0).fit(X, y)
    >>> round(model.score(X, y), 2)
    1.0
    """
    )

    def fit(self, X, y):
        """Train the network on ``X`` and targets ``y``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,) or (n_samples, n_outputs)

        Returns
        -------
        self
        """
        self._check_params()
        X, y = _validate(self, X, y, reset=True, y_numeric=True, multi_output=True)
        Y = y.reshape(len(y), -1).astype(np.float64, copy=False)
        self.n_outputs_ = Y.shape[1]
        return self._fit(X, Y, self.n_outputs_, MSELoss())

    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,), or (n_samples, n_outputs) for several targets
        """
        out = self._forward(X)
        return out[:, 0] if self.n_outputs_ == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
