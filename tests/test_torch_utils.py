"""mlcourse.torch_utils.fit: history, determinism, early stopping with best-weights restore, checkpoints."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

import mlcourse as mlc
from mlcourse import torch_utils as tu


def problem(seed=0):
    mlc.setup_notebook(seed)
    X = torch.randn(64, 3)
    y = X @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.1 * torch.randn(64, 1)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    train = DataLoader(TensorDataset(X[:48], y[:48]), batch_size=16, shuffle=True)
    val = DataLoader(TensorDataset(X[48:], y[48:]), batch_size=16)
    return model, train, val


def run(seed=0, **kwargs):
    model, train, val = problem(seed)
    opt = torch.optim.SGD(model.parameters(), lr=kwargs.pop("lr", 0.05))
    kwargs.setdefault("n_epochs", 5)
    history = tu.fit(model, train, val, loss_fn=torch.nn.MSELoss(), optimizer=opt, progress=False, **kwargs)
    return model, opt, history


def test_history_and_determinism():
    _, _, a = run()
    _, _, b = run()
    assert a == b
    assert a["epoch"] == [1, 2, 3, 4, 5] and len(a["train_loss"]) == len(a["val_loss"]) == 5
    assert a["train_loss"][-1] < a["train_loss"][0]
    assert a["best_epoch"] == 1 + min(range(5), key=a["val_loss"].__getitem__)


def test_early_stopping_restores_best_weights():
    model, train, val = problem()
    history = tu.fit(
        model, train, val, loss_fn=torch.nn.MSELoss(), optimizer=torch.optim.SGD(model.parameters(), lr=2.0),
        n_epochs=30, early_stopping_patience=2, progress=False,
    )  # fmt: skip
    assert len(history["epoch"]) - history["best_epoch"] == 2  # stopped two epochs after the best
    with torch.no_grad():
        val_loss = sum(torch.nn.functional.mse_loss(model(X), y, reduction="sum").item() for X, y in val) / 16
    assert val_loss == pytest.approx(min(history["val_loss"]), rel=1e-6)


def test_checkpoint_roundtrip(tmp_path):
    path = tmp_path / "best.pt"
    model, opt, history = run(checkpoint_path=path)
    fresh = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    fresh_opt = torch.optim.SGD(fresh.parameters(), lr=0.05)
    assert tu.load_checkpoint(path, fresh, fresh_opt) == history["best_epoch"]
    tu.save_checkpoint(tmp_path / "last.pt", model, opt, epoch=5)
    assert tu.load_checkpoint(tmp_path / "last.pt", fresh) == 5
    for p, q in zip(model.state_dict().values(), fresh.state_dict().values(), strict=True):
        assert torch.equal(p, q)


def test_progress_bar_one_line_per_epoch_or_silent(capsys):
    run(n_epochs=3)
    assert capsys.readouterr().err == ""
    model, train, val = problem()
    tu.fit(model, train, val, loss_fn=torch.nn.MSELoss(), optimizer=torch.optim.SGD(model.parameters()), n_epochs=3)
    err = capsys.readouterr().err
    assert "3/3" in err and "val_loss" in err


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_epochs": 0}, ValueError, "n_epochs"),
        ({"early_stopping_patience": -1}, ValueError, "early_stopping_patience"),
        ({"device": "cuda"}, ValueError, "device"),
        ({"optimizer": "sgd"}, TypeError, "optimizer"),
        ({"loss_fn": 3}, TypeError, "loss_fn"),
    ],
)
def test_bad_input(kwargs, error, match):
    model, train, val = problem()
    args = {"loss_fn": torch.nn.MSELoss(), "optimizer": torch.optim.SGD(model.parameters()), "n_epochs": 2}
    with pytest.raises(error, match=match):
        tu.fit(model, train, val, progress=False, **(args | kwargs))
    with pytest.raises(ValueError, match="early_stopping_patience"):
        tu.fit(model, train, **args, early_stopping_patience=2)
    with pytest.raises(TypeError, match="model"):
        tu.fit("net", train, **args)


def test_import_mlcourse_does_not_import_torch():
    code = "import sys, mlcourse; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
