"""A GPT in numpy (forward pass) with GPT-2's parameters, and the torch model that trains it.

GPT-2 is a stack of identical *blocks* on top of token and position embeddings::

    h = wte[ids] + wpe[positions]
    for each block:  h = h + attn(ln_1(h));  h = h + mlp(ln_2(h))      # pre-norm, residual
    logits = ln_f(h) @ wte.T                                            # output tied to the input

``attn`` is multi-head causal self-attention (:func:`~mlcourse.text.multi_head_attention`) and
``mlp`` is ``gelu(h @ c_fc) @ c_proj`` with GPT-2's tanh approximation of GELU.

:class:`GPT` keeps its parameters in a dict with the names and shapes of
``transformers.GPT2LMHeadModel``'s ``state_dict`` (``transformer.h.0.attn.c_attn.weight``, ...),
so weights go from one to the other unchanged: with the same weights the logits are equal to float64
rounding (``tests/test_text_gpt.py``). Training needs gradients: :func:`make_torch_gpt` builds the
``GPT2LMHeadModel`` of a small config (``transformers`` and ``torch``, imported on first use), and
:meth:`GPT.from_torch` brings the trained weights back.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

from mlcourse._validation import check_param
from mlcourse.text._attention import multi_head_attention, softmax
from mlcourse.text._hf import quiet_offline


def gelu(x: np.ndarray) -> np.ndarray:
    """GPT-2's GELU (``gelu_new``): ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``.

    >>> gelu(np.array([-1.0, 0.0, 1.0])).round(4)
    array([-0.1588,  0.    ,  0.8412])
    """
    # x * x * x: numpy's power with exponent 3 is several times slower than two products.
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * (x * x * x))))


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Normalise the last axis to mean 0 and variance 1 (biased), then scale and shift.

    >>> layer_norm(np.array([[1.0, 2.0, 3.0]]), np.ones(3), np.zeros(3)).round(3)
    array([[-1.225,  0.   ,  1.225]])
    """
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def gpt_block(h: np.ndarray, params: dict, prefix: str, *, n_head: int, eps: float = 1e-5) -> np.ndarray:
    """One GPT-2 block: ``h + attn(ln_1(h))``, then ``+ mlp(ln_2(.))``; parameters under ``prefix``."""
    p = {name[len(prefix) :]: value for name, value in params.items() if name.startswith(prefix)}
    a = layer_norm(h, p["ln_1.weight"], p["ln_1.bias"], eps)
    h = h + multi_head_attention(
        a, p["attn.c_attn.weight"], p["attn.c_attn.bias"], p["attn.c_proj.weight"], p["attn.c_proj.bias"], n_head=n_head
    )
    m = layer_norm(h, p["ln_2.weight"], p["ln_2.bias"], eps)
    return h + gelu(m @ p["mlp.c_fc.weight"] + p["mlp.c_fc.bias"]) @ p["mlp.c_proj.weight"] + p["mlp.c_proj.bias"]


def _shapes(vocab_size, n_positions, n_embd, n_layer):
    d = n_embd
    shapes = {"transformer.wte.weight": (vocab_size, d), "transformer.wpe.weight": (n_positions, d)}
    for i in range(n_layer):
        p = f"transformer.h.{i}."
        shapes.update(
            {
                p + "ln_1.weight": (d,),
                p + "ln_1.bias": (d,),
                p + "attn.c_attn.weight": (d, 3 * d),
                p + "attn.c_attn.bias": (3 * d,),
                p + "attn.c_proj.weight": (d, d),
                p + "attn.c_proj.bias": (d,),
                p + "ln_2.weight": (d,),
                p + "ln_2.bias": (d,),
                p + "mlp.c_fc.weight": (d, 4 * d),
                p + "mlp.c_fc.bias": (4 * d,),
                p + "mlp.c_proj.weight": (4 * d, d),
                p + "mlp.c_proj.bias": (d,),
            }
        )
    shapes.update({"transformer.ln_f.weight": (d,), "transformer.ln_f.bias": (d,)})
    return shapes


class GPT:
    """A GPT-2 language model, forward pass in numpy: token ids in, next-token logits out.

    Parameters
    ----------
    params : dict of str to ndarray
        Parameters with the names and shapes of ``GPT2LMHeadModel.state_dict()`` (``lm_head.weight``
        may be left out: it is ``transformer.wte.weight``). Use :meth:`init` for random ones.
    n_head : int
        Attention heads per block.
    eps : float, default=1e-5
        Epsilon of the layer norms (GPT-2's ``layer_norm_epsilon``).

    Attributes
    ----------
    vocab_size, n_positions, n_embd, n_layer : int
        Read from the shapes of ``params``.

    Examples
    --------
    >>> gpt = GPT.init(vocab_size=50, n_positions=16, n_embd=8, n_layer=2, n_head=2, rng=0)
    >>> gpt([[1, 2, 3]]).shape      # (batch, T, vocab_size)
    (1, 3, 50)
    >>> gpt.n_params
    2288
    >>> gpt.generate([1, 2], n_new=5, top_k=5, rng=0).shape
    (7,)
    """

    def __init__(self, params: dict, *, n_head: int, eps: float = 1e-5):
        params = {k: np.asarray(v) for k, v in params.items() if k != "lm_head.weight"}
        check_param(n_head, "n_head", Integral, min_val=1)
        check_param(eps, "eps", Real, min_val=0)
        try:
            self.vocab_size, self.n_embd = params["transformer.wte.weight"].shape
            self.n_positions = params["transformer.wpe.weight"].shape[0]
        except (KeyError, ValueError) as err:
            raise ValueError("params must hold transformer.wte.weight and transformer.wpe.weight, 2-D") from err
        self.n_layer = len({k.split(".")[2] for k in params if k.startswith("transformer.h.")})
        expected = _shapes(self.vocab_size, self.n_positions, self.n_embd, self.n_layer)
        if set(params) != set(expected):
            missing, extra = sorted(set(expected) - set(params)), sorted(set(params) - set(expected))
            raise ValueError(f"params do not have GPT-2's layout: missing {missing[:3]}, unexpected {extra[:3]}")
        wrong = [k for k, shape in expected.items() if params[k].shape != shape]
        if wrong:
            raise ValueError(f"params of the wrong shape: {[(k, params[k].shape, expected[k]) for k in wrong[:3]]}")
        if self.n_embd % n_head:
            raise ValueError(f"n_head={n_head} must divide n_embd={self.n_embd}")
        self.params, self.n_head, self.eps = params, n_head, eps

    @classmethod
    def init(cls, *, vocab_size, n_positions, n_embd, n_layer, n_head, rng=None, dtype=np.float64) -> GPT:
        """Random parameters as GPT-2 initialises them: normal(0, 0.02), LayerNorm 1 and 0, biases 0.

        The output projections (``c_proj``) get a standard deviation divided by ``sqrt(2 * n_layer)``,
        so that the residual stream does not grow with depth.
        """
        for name, value in [("vocab_size", vocab_size), ("n_positions", n_positions), ("n_embd", n_embd)]:
            check_param(value, name, Integral, min_val=1)
        check_param(n_layer, "n_layer", Integral, min_val=0)
        rng = np.random.default_rng(rng)
        params = {}
        for name, shape in _shapes(vocab_size, n_positions, n_embd, n_layer).items():
            if name.endswith("bias"):
                value = np.zeros(shape)
            elif "ln_" in name:
                value = np.ones(shape)
            else:
                std = 0.02 / np.sqrt(2 * n_layer) if name.endswith("c_proj.weight") else 0.02
                value = rng.normal(0.0, std, size=shape)
            params[name] = value.astype(dtype)
        return cls(params, n_head=n_head)

    @property
    def n_params(self) -> int:
        """Number of parameters (the tied output layer counted once)."""
        return int(sum(p.size for p in self.params.values()))

    def forward(self, ids) -> np.ndarray:
        """Logits of the next token at every position: ``ids`` (batch, T) to (batch, T, vocab_size)."""
        ids = np.asarray(ids)
        if ids.ndim == 1:
            ids = ids[None, :]
        if ids.ndim != 2 or ids.dtype.kind not in "iu":
            raise ValueError(f"ids must be integers of shape (batch, T), got {ids.dtype} of shape {ids.shape}")
        if ids.shape[1] > self.n_positions:
            raise ValueError(f"sequence of {ids.shape[1]} tokens is longer than n_positions={self.n_positions}")
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocab_size):
            raise ValueError(f"ids must be in [0, {self.vocab_size})")
        p = self.params
        h = p["transformer.wte.weight"][ids] + p["transformer.wpe.weight"][: ids.shape[1]]
        for i in range(self.n_layer):
            h = gpt_block(h, p, f"transformer.h.{i}.", n_head=self.n_head, eps=self.eps)
        h = layer_norm(h, p["transformer.ln_f.weight"], p["transformer.ln_f.bias"], self.eps)
        return h @ p["transformer.wte.weight"].T

    __call__ = forward

    def generate(self, ids, n_new: int, *, temperature: float = 1.0, top_k: int | None = None, rng=None) -> np.ndarray:
        """Extend the 1-D prompt ``ids`` by ``n_new`` tokens sampled one at a time.

        The logits of the last position are divided by ``temperature`` (lower: more predictable;
        0: always the most likely token), only the ``top_k`` largest are kept (``None``: all), and
        the next token is drawn from their softmax. The context is cut to the last ``n_positions``.
        """
        check_param(n_new, "n_new", Integral, min_val=0)
        check_param(temperature, "temperature", Real, min_val=0)
        if top_k is not None:
            check_param(top_k, "top_k", Integral, min_val=1)
        rng = np.random.default_rng(rng)
        out = [int(i) for i in np.asarray(ids).ravel()]
        for _ in range(n_new):
            logits = self.forward(np.array([out[-self.n_positions :]]))[0, -1]
            if temperature == 0:
                out.append(int(np.argmax(logits)))
                continue
            logits = logits / temperature
            if top_k is not None and top_k < len(logits):
                kth = np.partition(logits, -top_k)[-top_k]
                logits = np.where(logits < kth, -np.inf, logits)
            out.append(int(rng.choice(len(logits), p=softmax(logits.astype(np.float64)))))
        return np.array(out)

    # -- to and from transformers ---------------------------------------------------------------

    def config(self, **overrides):
        """The ``transformers.GPT2Config`` of this model (no dropout unless ``overrides`` say so)."""
        return gpt2_config(
            vocab_size=self.vocab_size,
            n_positions=self.n_positions,
            n_embd=self.n_embd,
            n_layer=self.n_layer,
            n_head=self.n_head,
            layer_norm_epsilon=self.eps,
            **overrides,
        )

    def to_torch(self):
        """A ``transformers.GPT2LMHeadModel`` with these weights (float64 when they are), in eval mode."""
        import torch
        from transformers import GPT2LMHeadModel

        model = GPT2LMHeadModel(self.config())
        dtype = torch.float64 if self.params["transformer.wte.weight"].dtype == np.float64 else torch.float32
        model = model.to(dtype)
        state = {
            k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float64 if dtype == torch.float64 else np.float32))
            for k, v in self.params.items()
        }
        missing, unexpected = model.load_state_dict(state, strict=False)
        if unexpected or set(missing) - {"lm_head.weight"}:
            raise ValueError(f"weights do not fit: missing {missing}, unexpected {unexpected}")
        model.tie_weights()
        return model.eval()

    @classmethod
    def from_torch(cls, model, *, dtype=np.float64) -> GPT:
        """The numpy twin of a ``transformers.GPT2LMHeadModel`` (weights copied, as ``dtype``)."""
        state = {k: v.detach().cpu().double().numpy().astype(dtype) for k, v in model.state_dict().items()}
        state = {k: v for k, v in state.items() if not k.endswith((".attn.bias", ".attn.masked_bias"))}
        cfg = model.config
        return cls(state, n_head=cfg.n_head, eps=cfg.layer_norm_epsilon)

    @classmethod
    def from_pretrained(cls, path, *, dtype=np.float64) -> GPT:
        """Load a GPT-2 saved with ``save_pretrained`` from the local folder ``path`` (never the hub)."""
        with quiet_offline():
            from transformers import GPT2LMHeadModel

            model = GPT2LMHeadModel.from_pretrained(path, local_files_only=True)
        return cls.from_torch(model, dtype=dtype)

    def save_pretrained(self, path) -> None:
        """Save as a ``transformers`` GPT-2 (``config.json`` and ``model.safetensors``) in the folder ``path``."""
        model = self.to_torch()
        with quiet_offline():
            model.save_pretrained(path)


def gpt2_config(*, vocab_size, n_positions, n_embd, n_layer, n_head, dropout=0.0, **kwargs):
    """A small ``transformers.GPT2Config`` built locally (no hub): GPT-2's architecture at any size.

    ``dropout`` sets the three dropouts of GPT-2 (residual, embedding, attention); other keyword
    arguments go to ``GPT2Config``. The attention is the plain ("eager") one, which runs everywhere.
    """
    from transformers import GPT2Config

    check_param(dropout, "dropout", Real, min_val=0, max_val=1, include_boundaries="left")
    config = GPT2Config(
        vocab_size=vocab_size,
        n_positions=n_positions,
        n_embd=n_embd,
        n_layer=n_layer,
        n_head=n_head,
        resid_pdrop=dropout,
        embd_pdrop=dropout,
        attn_pdrop=dropout,
        bos_token_id=None,
        eos_token_id=None,
        **kwargs,
    )
    config._attn_implementation = "eager"
    return config


def make_torch_gpt(*, vocab_size, n_positions, n_embd, n_layer, n_head, dropout=0.0, seed=0):
    """A ``transformers.GPT2LMHeadModel`` of a small config, seeded, ready to train with torch.

    Examples
    --------
    >>> model = make_torch_gpt(vocab_size=50, n_positions=16, n_embd=8, n_layer=1, n_head=2)
    >>> sum(p.numel() for p in model.parameters())
    1416
    """
    import torch
    from transformers import GPT2LMHeadModel

    config = gpt2_config(
        vocab_size=vocab_size, n_positions=n_positions, n_embd=n_embd, n_layer=n_layer, n_head=n_head, dropout=dropout
    )
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return GPT2LMHeadModel(config)
