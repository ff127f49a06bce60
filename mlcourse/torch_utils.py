"""A small, reusable PyTorch training loop: progress bar, early stopping, checkpoints (CPU only).

Importing this module imports torch; ``import mlcourse`` does not (``mlc.torch_utils`` is lazy).

Examples
--------
>>> import torch
>>> from torch.utils.data import DataLoader, TensorDataset
>>> import mlcourse as mlc
>>> _ = mlc.setup_notebook(seed=0)
>>> X, y = torch.randn(32, 2), torch.randn(32, 1)
>>> model = torch.nn.Linear(2, 1)
>>> loader = DataLoader(TensorDataset(X, y), batch_size=8)
>>> history = fit(model, loader, loss_fn=torch.nn.MSELoss(), optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
...               n_epochs=3, progress=False)
>>> len(history["train_loss"])
3
"""

from __future__ import annotations

import copy
import math
from numbers import Integral
from pathlib import Path

import torch
from tqdm.std import tqdm as plain_tqdm

from mlcourse._validation import is_number


def _check_positive_int(name, value, allow_none=False):
    if value is None and allow_none:
        return
    if not (is_number(value) and isinstance(value, Integral)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _check_fit(model, val_loader, loss_fn, optimizer, n_epochs, early_stopping_patience, device):
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    if not callable(loss_fn):
        raise TypeError("loss_fn must be callable")
    _check_positive_int("n_epochs", n_epochs)
    _check_positive_int("early_stopping_patience", early_stopping_patience, allow_none=True)
    if early_stopping_patience is not None and val_loader is None:
        raise ValueError("early_stopping_patience needs a val_loader")
    if str(device) != "cpu":
        raise ValueError(f"device must be 'cpu' (the course is CPU only), got {device!r}")


def _epoch_bar(n_epochs, progress):
    """Epoch numbers 1 to ``n_epochs`` behind a tqdm bar (one line, silent unless ``progress``)."""
    # tqdm.auto draws a widget in Jupyter but warns on stderr where ipywidgets is missing: only
    # import it when a bar is wanted, so a silent fit (tests, notebooks under nbval) prints nothing.
    if progress:
        from tqdm.auto import tqdm as bar_tqdm
    else:
        bar_tqdm = plain_tqdm
    return bar_tqdm(range(1, n_epochs + 1), disable=not progress, desc="epochs", leave=True)


def _run_epoch(model, loader, loss_fn, optimizer, device):
    """Mean loss over ``loader`` (weighted by batch size); trains when ``optimizer`` is given."""
    model.train(optimizer is not None)
    total, count = 0.0, 0
    with torch.set_grad_enabled(optimizer is not None):
        for X, y in loader:
            X, y = X.to(device), y.to(device)
            loss = loss_fn(model(X), y)
            if optimizer is not None:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            total += loss.item() * len(X)
            count += len(X)
    if count == 0:
        raise ValueError("loader yielded no batches")
    return total / count


def fit(
    model,
    train_loader,
    val_loader=None,
    *,
    loss_fn,
    optimizer,
    n_epochs,
    early_stopping_patience=None,
    checkpoint_path=None,
    progress=True,
    device="cpu",
):
    """Train ``model`` for up to ``n_epochs`` epochs; return the per-epoch history.

    Parameters
    ----------
    model : torch.nn.Module
    train_loader, val_loader : iterables of ``(X, y)`` batches (``val_loader`` optional)
    loss_fn : callable ``loss_fn(model(X), y)`` returning a scalar tensor
    optimizer : torch.optim.Optimizer
    n_epochs : int
    early_stopping_patience : int or None
        Stop after this many epochs without a better validation loss, and restore the best weights.
        Needs ``val_loader``.
    checkpoint_path : str or Path or None
        If given, the best model so far (by validation loss, else training loss) is saved there.
    progress : bool, default=True
        Show a tqdm bar (one line, updated once per epoch); ``False`` is silent.
    device : {"cpu"}
        Only CPU is supported.

    Returns
    -------
    dict
        ``{"epoch": [...], "train_loss": [...], "val_loss": [...] (if val_loader), "best_epoch": int}``;
        epochs count from 1.

    Examples
    --------
    See the module docstring.
    """
    _check_fit(model, val_loader, loss_fn, optimizer, n_epochs, early_stopping_patience, device)
    model.to(device)
    history = {"epoch": [], "train_loss": []} | ({"val_loss": []} if val_loader is not None else {})
    best_loss, best_epoch, best_state = math.inf, 0, None
    bar = _epoch_bar(n_epochs, progress)
    for epoch in bar:
        history["epoch"].append(epoch)
        history["train_loss"].append(_run_epoch(model, train_loader, loss_fn, optimizer, device))
        if val_loader is not None:
            history["val_loss"].append(_run_epoch(model, val_loader, loss_fn, None, device))
        monitored = history["val_loss" if val_loader is not None else "train_loss"][-1]
        bar.set_postfix({k: f"{v[-1]:.4g}" for k, v in history.items() if k != "epoch"})
        if monitored < best_loss:
            best_loss, best_epoch, best_state = monitored, epoch, copy.deepcopy(model.state_dict())
            if checkpoint_path is not None:
                save_checkpoint(checkpoint_path, model, optimizer, epoch=epoch)
        elif early_stopping_patience is not None and epoch - best_epoch >= early_stopping_patience:
            break
    bar.close()
    if early_stopping_patience is not None and best_state is not None:
        model.load_state_dict(best_state)
    history["best_epoch"] = best_epoch
    return history


def save_checkpoint(path, model, optimizer=None, *, epoch=None):
    """Save the state dicts of ``model`` (and ``optimizer``) and the epoch to ``path``.

    Examples
    --------
    >>> import tempfile, torch
    >>> path = Path(tempfile.mkdtemp()) / "m.pt"
    >>> save_checkpoint(path, torch.nn.Linear(2, 1), epoch=3)
    >>> load_checkpoint(path, torch.nn.Linear(2, 1))
    3
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    state = {"model": model.state_dict(), "epoch": epoch}
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    torch.save(state, Path(path))


def load_checkpoint(path, model, optimizer=None):
    """Load a checkpoint written by :func:`save_checkpoint` into ``model`` (and ``optimizer``); return its epoch.

    Uses ``torch.load(..., weights_only=True)``: only tensors and plain containers are read.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    state = torch.load(Path(path), map_location="cpu", weights_only=True)
    model.load_state_dict(state["model"])
    if optimizer is not None:
        if "optimizer" not in state:
            raise ValueError(f"optimizer: the checkpoint {path} has no optimizer state")
        optimizer.load_state_dict(state["optimizer"])
    return state["epoch"]
