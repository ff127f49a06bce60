"""Int8 quantisation from scratch (numpy): the arithmetic behind a model four times smaller.

- :func:`quant_params`: a scale and zero point from a tensor's min/max, affine or symmetric, per
  tensor or per channel.
- :func:`quantize`, :func:`dequantize`, :func:`quantize_tensor` and :class:`QuantizedTensor`: floats
  to integers and back, rounding half to even as ONNX (``rounding="onnx"``) or PyTorch
  (``rounding="torch"``) does.
- :func:`integer_matmul` (int8 x int8 -> exact int32, ONNX ``MatMulInteger``) and
  :func:`quantized_matmul` (requantised to int8, ONNX ``QLinearMatMul``).
- :func:`to_onnx`, :func:`onnx_dynamic_int8`, :func:`torch_dynamic_int8`: export a scikit-learn
  pipeline or a torch network to ONNX, and quantise a model's weights with ONNX Runtime or PyTorch.

Twins: ``torch.quantize_per_tensor`` / ``torch.quantize_per_channel`` and the observers of
``torch.ao.quantization``; ONNX's ``QuantizeLinear``, ``DequantizeLinear``, ``MatMulInteger``,
``QLinearMatMul``. ``tests/test_quantize.py`` proves them equal (exactly, or within one step on ties).

Examples
--------
>>> import numpy as np
>>> from mlcourse.quantize import quantize_tensor
>>> w = np.array([[0.4, -1.2, 0.05], [2.0, 0.0, -0.7]], dtype=np.float32)
>>> qw = quantize_tensor(w, symmetric=True, axis=0)
>>> qw.values.tolist()
[[42, -127, 5], [127, 0, -44]]
>>> float(np.abs(qw.dequantize() - w).max()) <= float(qw.scale.max()) / 2
True
"""

from mlcourse.quantize._export import onnx_dynamic_int8, to_onnx, torch_dynamic_int8
from mlcourse.quantize._matmul import integer_matmul, quantized_matmul
from mlcourse.quantize._tensor import QuantizedTensor, dequantize, quant_params, quantize, quantize_tensor

__all__ = [
    "QuantizedTensor",
    "dequantize",
    "integer_matmul",
    "onnx_dynamic_int8",
    "quant_params",
    "quantize",
    "quantize_tensor",
    "quantized_matmul",
    "to_onnx",
    "torch_dynamic_int8",
]
