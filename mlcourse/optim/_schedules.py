"""Learning-rate schedules: ``schedule(epoch)`` is the factor applied to the base learning rate."""

from __future__ import annotations

from mlcourse._validation import check_param


class ConstantLR:
    """The same learning rate every epoch.

    Examples
    --------
    >>> ConstantLR()(100)
    1.0
    """

    def __call__(self, epoch):
        return 1.0

    def __repr__(self):
        return "ConstantLR()"


class StepLR:
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs (``torch.optim.lr_scheduler.StepLR``).

    Examples
    --------
    >>> s = StepLR(step_size=10, gamma=0.5)
    >>> [s(0), s(9), s(10), s(25)]
    [1.0, 1.0, 0.5, 0.25]
    """

    def __init__(self, step_size, gamma=0.1):
        check_param(step_size, "step_size", int, min_val=1)
        if not 0 < gamma <= 1:
            raise ValueError(f"gamma must be in (0, 1], got {gamma!r}")
        self.step_size, self.gamma = step_size, float(gamma)

    def __call__(self, epoch):
        return self.gamma ** (epoch // self.step_size)

    def __repr__(self):
        return f"StepLR(step_size={self.step_size}, gamma={self.gamma})"


class InverseTimeLR:
    """Decay as ``1 / (1 + decay * epoch)``: steps shrink slowly enough for SGD to still reach the minimum.

    Examples
    --------
    >>> InverseTimeLR(decay=0.5)(2)
    0.5
    """

    def __init__(self, decay):
        if not decay >= 0:
            raise ValueError(f"decay must be non-negative, got {decay!r}")
        self.decay = float(decay)

    def __call__(self, epoch):
        return 1.0 / (1.0 + self.decay * epoch)

    def __repr__(self):
        return f"InverseTimeLR(decay={self.decay})"
