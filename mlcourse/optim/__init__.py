"""Gradient descent from scratch: optimisers, learning-rate schedules, losses and gradient checks.

Everything is numpy; ``tests/test_optim.py`` proves each optimiser step equal to
``torch.optim``'s and each loss gradient equal to ``torch.autograd``'s.

Examples
--------
>>> import numpy as np
>>> import mlcourse as mlc
>>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]); y = np.array([1.0, 2.0, 3.0])
>>> res = mlc.optim.minimize(mlc.optim.least_squares, np.zeros(2), mlc.optim.GradientDescent(lr=0.5),
...                          X, y, tol=1e-10, tol_on="grad")
>>> res.w.round(6)
array([1., 2.])
"""

from mlcourse.optim._gradcheck import gradient_check, numerical_gradient
from mlcourse.optim._losses import (
    l1_penalty,
    l2_penalty,
    least_squares,
    log_loss,
    sigmoid,
    softmax,
    softmax_cross_entropy,
    squared_error,
)
from mlcourse.optim._minimize import DivergenceError, OptimizeResult, minimize
from mlcourse.optim._optimizers import SGD, Adam, GradientDescent, MiniBatchGD, Momentum, Optimizer, RMSProp
from mlcourse.optim._schedules import ConstantLR, InverseTimeLR, StepLR

__all__ = [
    "SGD",
    "Adam",
    "ConstantLR",
    "DivergenceError",
    "GradientDescent",
    "InverseTimeLR",
    "MiniBatchGD",
    "Momentum",
    "OptimizeResult",
    "Optimizer",
    "RMSProp",
    "StepLR",
    "gradient_check",
    "l1_penalty",
    "l2_penalty",
    "least_squares",
    "log_loss",
    "minimize",
    "numerical_gradient",
    "sigmoid",
    "softmax",
    "softmax_cross_entropy",
    "squared_error",
]
