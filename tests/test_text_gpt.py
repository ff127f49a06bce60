"""The numpy GPT equals transformers' GPT2LMHeadModel with the same weights (float64, 1e-10).

The reference model is built from a local ``GPT2Config``: nothing comes from the hub. Weights go
both ways (numpy to torch and back), through ``save_pretrained``/``from_pretrained`` in a temporary
folder, and a few steps of training the torch model keep the two equal.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from mlcourse.text import GPT, gelu, gpt2_config, layer_norm, make_torch_gpt  # noqa: E402

TOL = {"rtol": 1e-10, "atol": 1e-10}
SIZES = {"vocab_size": 61, "n_positions": 24, "n_embd": 16, "n_layer": 2, "n_head": 4}


def hf_logits(model, ids) -> np.ndarray:
    with torch.no_grad():
        return model(torch.as_tensor(np.asarray(ids))).logits.double().numpy()


@pytest.fixture(scope="module")
def hf_model():
    """A GPT2LMHeadModel of a local config, float64, weights not at their initial values."""
    model = make_torch_gpt(**SIZES, seed=3).double().eval()
    with torch.no_grad():
        gen = torch.Generator().manual_seed(0)
        for p in model.parameters():  # LayerNorm and biases away from 1 and 0, to test them too
            p.add_(0.1 * torch.randn(p.shape, generator=gen, dtype=p.dtype))
    return model


def test_logits_equal_gpt2lmheadmodel(hf_model):
    gpt = GPT.from_torch(hf_model)
    ids = np.random.default_rng(0).integers(0, SIZES["vocab_size"], size=(3, SIZES["n_positions"]))
    got = gpt(ids)
    assert got.shape == (3, SIZES["n_positions"], SIZES["vocab_size"]) and got.dtype == np.float64
    np.testing.assert_allclose(got, hf_logits(hf_model, ids), **TOL)
    np.testing.assert_allclose(gpt(ids[:1, :5]), hf_logits(hf_model, ids[:1, :5]), **TOL)  # shorter prompt


def test_numpy_init_to_torch_and_back():
    gpt = GPT.init(**SIZES, rng=1)
    model = gpt.to_torch()
    assert model.lm_head.weight.data_ptr() == model.transformer.wte.weight.data_ptr()  # tied
    ids = np.arange(10)[None] % SIZES["vocab_size"]
    np.testing.assert_allclose(gpt(ids), hf_logits(model, ids), **TOL)
    back = GPT.from_torch(model)
    assert back.params.keys() == gpt.params.keys()
    assert all(np.array_equal(back.params[k], gpt.params[k]) for k in gpt.params)
    assert gpt.n_params == sum(p.numel() for p in model.parameters())


def test_save_pretrained_from_pretrained_round_trip(hf_model, tmp_path):
    hf_model.save_pretrained(tmp_path / "hf")
    reloaded = transformers.GPT2LMHeadModel.from_pretrained(tmp_path / "hf", local_files_only=True).double().eval()
    ids = np.array([[1, 2, 3, 4, 5, 6]])
    np.testing.assert_allclose(hf_logits(reloaded, ids), hf_logits(hf_model, ids), **TOL)
    gpt = GPT.from_pretrained(tmp_path / "hf")
    np.testing.assert_allclose(gpt(ids), hf_logits(hf_model, ids), **TOL)
    gpt.save_pretrained(tmp_path / "ours")
    assert {"config.json", "model.safetensors"} <= {p.name for p in (tmp_path / "ours").iterdir()}
    np.testing.assert_allclose(GPT.from_pretrained(tmp_path / "ours")(ids), gpt(ids), **TOL)


def test_training_the_torch_model_then_the_numpy_twin_agrees():
    model = make_torch_gpt(**SIZES, seed=0)
    ids = torch.randint(0, SIZES["vocab_size"], (4, 16), generator=torch.Generator().manual_seed(0))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.train()
    losses = []
    for _ in range(15):
        loss = model(ids, labels=ids).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.5
    model.eval()
    gpt = GPT.from_torch(model, dtype=np.float32)
    # float32 weights and activations on both sides: equal to float32 rounding.
    np.testing.assert_allclose(gpt(ids.numpy()), hf_logits(model, ids.numpy()), rtol=1e-4, atol=1e-4)


def test_generate_respects_top_k_and_temperature_zero(hf_model):
    gpt = GPT.from_torch(hf_model)
    prompt = [1, 2, 3]
    greedy = gpt.generate(prompt, 5, temperature=0)
    ids = list(prompt)
    for _ in range(5):
        ids.append(int(np.argmax(hf_logits(hf_model, [ids])[0, -1])))
    assert greedy.tolist() == ids
    same = gpt.generate(prompt, 5, top_k=1, rng=0)
    assert same.tolist() == ids  # top-1 sampling is greedy
    a, b = gpt.generate(prompt, 8, rng=7), gpt.generate(prompt, 8, rng=7)
    assert np.array_equal(a, b) and len(a) == 11


def test_helpers_equal_torch():
    x = np.random.default_rng(0).normal(size=(3, 5))
    act = transformers.activations.ACT2FN["gelu_new"]
    np.testing.assert_allclose(gelu(x), act(torch.from_numpy(x)).numpy(), **TOL)
    w, b = np.linspace(0.5, 1.5, 5), np.linspace(-1, 1, 5)
    expected = torch.nn.functional.layer_norm(torch.from_numpy(x), (5,), torch.from_numpy(w), torch.from_numpy(b), 1e-5)
    np.testing.assert_allclose(layer_norm(x, w, b), expected.numpy(), **TOL)


def test_config_is_local_and_errors_name_the_problem():
    config = gpt2_config(vocab_size=10, n_positions=8, n_embd=4, n_layer=1, n_head=2)
    assert config.resid_pdrop == config.embd_pdrop == config.attn_pdrop == 0.0
    gpt = GPT.init(**SIZES, rng=0)
    with pytest.raises(ValueError, match="n_positions"):
        gpt(np.zeros((1, SIZES["n_positions"] + 1), dtype=int))
    with pytest.raises(ValueError, match="ids must be in"):
        gpt([[SIZES["vocab_size"]]])
    params = dict(gpt.params)
    del params["transformer.ln_f.bias"]
    with pytest.raises(ValueError, match="layout"):
        GPT(params, n_head=4)
    with pytest.raises(ValueError, match="n_head"):
        GPT(gpt.params, n_head=3)
