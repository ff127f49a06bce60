"""``MLPClassifier`` and ``MLPRegressor``: the numpy network as scikit-learn estimators.

They follow scikit-learn's rules (hyper-parameters only in ``__init__``, learned attributes end in
``_``), so they work with ``clone``, ``Pipeline`` and ``GridSearchCV`` and pass ``check_estimator``.
Training is :func:`mlcourse.nn.train_epoch` with an optimiser from :mod:`mlcourse.optim`, and the
early-stopping split is :func:`mlcourse.model_selection.train_test_split`; scikit-learn only supplies
the plumbing (base classes, input validation, target checks). The twins are
``sklearn.neural_network.MLPClassifier`` and ``MLPRegressor`` (same idea, different defaults and
optimiser code).
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np

# scikit-learn is plumbing here, not the lesson: estimator base classes, fitted-state and target checks.
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted

from mlcourse import optim
from mlcourse._validation import check_param, encode_classes, validate_numeric_data
from mlcourse.model_selection import train_test_split
from mlcourse.nn._layers import ACTIVATIONS, make_mlp
from mlcourse.nn._losses import CrossEntropyLoss, MSELoss
from mlcourse.nn._training import batches, train_epoch

_OPTIMIZERS = ("gd", "momentum", "nesterov", "rmsprop", "adam")


def _check_finite(loss, epoch, lr):
    if not math.isfinite(loss):
        raise optim.DivergenceError(
            f"the training loss became {loss} in epoch {epoch}: training diverged. "
            f"Use a smaller learning rate than lr={lr:g}, or standardise the features."
        )


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
        if isinstance(sizes, Integral):  # one hidden layer, its width given alone
            sizes = [sizes]
        try:
            sizes = list(sizes)
        except TypeError:
            raise ValueError(
                f"hidden_layer_sizes must be a sequence of positive integers, got {self.hidden_layer_sizes!r}"
            ) from None
        return [int(check_param(s, f"hidden_layer_sizes[{i}]", Integral, min_val=1)) for i, s in enumerate(sizes)]

    def _check_params(self):
        hidden = self._hidden_sizes()
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}")
        check_param(self.dropout, "dropout", Real, min_val=0, max_val=1, include_boundaries="left")
        check_param(self.alpha, "alpha", Real, min_val=0, max_val=math.inf, include_boundaries="left")
        if self.optimizer not in _OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {_OPTIMIZERS}, got {self.optimizer!r}")
        if self.batch_size is not None:  # None is full batch
            check_param(self.batch_size, "batch_size", Integral, min_val=1)
        check_param(self.max_epochs, "max_epochs", Integral, min_val=1)
        check_param(self.tol, "tol", Real, min_val=0)
        check_param(self.n_iter_no_change, "n_iter_no_change", Integral, min_val=1)
        check_param(
            self.validation_fraction, "validation_fraction", Real, min_val=0, max_val=1, include_boundaries="neither"
        )
        return hidden

    def _make_optimizer(self):
        """The optimiser named by ``self.optimizer`` (momentum methods use ``momentum=0.9``)."""
        lr = check_param(self.lr, "lr", Real, min_val=0, max_val=math.inf, include_boundaries="neither")
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
        X_train, y_train, X_val, y_val = self._hold_out(X, target, stratify, rng)
        net = make_mlp([X.shape[1], *hidden, n_outputs], activation=self.activation, dropout=self.dropout, rng=rng)
        loss_curve, val_curve, best_epoch, stopped = self._train(net, loss_fn, opt, X_train, y_train, X_val, y_val, rng)
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
        self.n_iter_ = len(loss_curve)
        return self

    def _hold_out(self, X, target, stratify, rng):
        """``X_train, y_train, X_val, y_val``: the rows ``early_stopping`` sets aside (``None`` without it)."""
        if not self.early_stopping:
            return X, target, None, None
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
        return X_train, y_train, X_val, y_val

    def _train(self, net, loss_fn, opt, X_train, y_train, X_val, y_val, rng):
        """Epochs until the stopping rule or ``max_epochs``; ``net`` keeps the best validation epoch's weights.

        Returns the training and validation loss curves, the epoch whose weights ``net`` holds, and
        whether the stopping rule (not ``max_epochs``) ended the run.
        """
        state = opt.init(net.w)
        loss_curve, val_curve = [], []
        best, best_epoch, best_w, stale = math.inf, 0, None, 0
        for epoch in range(1, int(self.max_epochs) + 1):
            train_batches = batches(X_train, y_train, self.batch_size, shuffle=True, rng=rng)
            loss, state = train_epoch(net, loss_fn, opt, state, train_batches, epoch=epoch - 1, alpha=self.alpha)
            _check_finite(loss, epoch, self.lr)
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
                break
        if best_w is not None:  # early stopping keeps the weights of the best validation epoch
            net.w[...] = best_w
        else:
            best_epoch = len(loss_curve)
        return loss_curve, val_curve, best_epoch, stale >= self.n_iter_no_change

    def _forward(self, X):
        check_is_fitted(self)
        X = validate_numeric_data(self, X, reset=False)
        return self.net_.eval().forward(X)


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """A multi-layer perceptron classifier: softmax output, cross-entropy loss, numpy backprop.

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

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
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
        X, y = validate_numeric_data(self, X, y, reset=True)
        self.classes_, y_index = encode_classes(y)
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
        return optim.softmax(self._forward(X))

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
    """A multi-layer perceptron regressor: linear output, mean-squared-error loss, numpy backprop.

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

    Attributes
    ----------
    n_outputs_ : int
        Number of targets (columns of ``y``).
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
        X, y = validate_numeric_data(self, X, y, reset=True, y_numeric=True, multi_output=True)
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
