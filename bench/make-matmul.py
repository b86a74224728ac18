"""Writes the roofline probe for `npm run bench`: one float32 MatMul, C[M,N] = A[M,K] @ B[K,N],
with B a constant initializer, so ONNX Runtime runs exactly one large GEMM per call.

    /usr/bin/python3 bench/make-matmul.py OUT.onnx [--m 256 --k 512 --n 512]

Uses the `onnx` package only (Debian's python3-onnx; docs/design.md "Python pipeline"); opset 17 like the models.
"""
import argparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--m", type=int, default=256)
p.add_argument("--k", type=int, default=512)
p.add_argument("--n", type=int, default=512)
a = p.parse_args()
rng = np.random.default_rng(0)
b = numpy_helper.from_array(rng.standard_normal((a.k, a.n)).astype(np.float32), "B")
graph = helper.make_graph(
    [helper.make_node("MatMul", ["A", "B"], ["C"])], "roofline",
    [helper.make_tensor_value_info("A", TensorProto.FLOAT, ["M", a.k])],
    [helper.make_tensor_value_info("C", TensorProto.FLOAT, ["M", a.n])],
    initializer=[b])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, a.out)
