"""Quantise an exported fp32 ONNX encoder to q8 or q4, with the onnx package alone.

- q8: each MatMul weight becomes int8 (symmetric, one scale per output column) behind a
  DequantizeLinear -> MatMul pair. Unlike MatMulInteger/DynamicQuantizeLinear, that pair has a
  WebGPU kernel (docs/design.md "Quantisation formats").
- q4: each MatMul with a constant weight becomes com.microsoft MatMulNBits (4-bit, block 32,
  symmetric, implicit zero point 8), which runs on the WebGPU EP.
- i8: each MatMul weight becomes int8 (symmetric, one scale per output column) and the product
  is computed in integers: DynamicQuantizeLinear (the activations, per tensor) -> MatMulInteger
  -> Cast -> Mul by both scales. ONNX Runtime's WASM backend has int8 kernels for this, but runs
  both MatMulNBits and a DequantizeLinear of a weight by turning the whole weight back into fp32
  on every call, which dominates one new position of the User LLM (at SmolLM2-135M's shape, one
  click: q4 175 ms, q8 158 ms, i8 22 ms, fp32 23 ms; docs/use-hllm-1b.md). No WebGPU kernel: the
  engine runs an i8 file on WASM only, for the User LLM with its key/value cache.
- In all three, the token-embedding table (a Gather on a constant) is stored as int8 rows with one
  scale per row, dequantised on axis 0: it dominates a small item model's size.

Usage: /usr/bin/python3 models/quantize.py in.onnx out.onnx --dtype q4
"""
import argparse

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto


def _q8_columns(w):
    scale = np.abs(w).max(axis=0) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def _q8_rows(w):
    q, scale = _q8_columns(w.T)
    return q.T.copy(), scale


def _q4_blocks(w, block=32):
    """w [K, N] -> (packed uint8 [N, n_blocks, block/2], scales float32 [N * n_blocks])."""
    K, N = w.shape
    n_blocks = (K + block - 1) // block
    wt = np.zeros((N, n_blocks * block), dtype=np.float32)
    wt[:, :K] = w.T
    wt = wt.reshape(N, n_blocks, block)
    # Per block, try scales that map the largest-magnitude weight to -8 (all 16 levels, as
    # llama.cpp's q4_0 does) or to ±7, shrunk a little, and keep the one with the least squared
    # error: clipping a rare outlier often buys precision for the other 31 weights.
    peak = np.take_along_axis(wt, np.abs(wt).argmax(axis=2)[:, :, None], axis=2)[:, :, 0]
    best_err, scale = None, None
    for base in (peak / -8.0, np.abs(peak) / 7.0):
        for f in np.linspace(0.75, 1.0, 11):
            cand = base * f
            cand[cand == 0] = 1.0
            q = np.clip(np.round(wt / cand[:, :, None]), -8, 7)
            err = ((q * cand[:, :, None] - wt) ** 2).sum(axis=2)
            if best_err is None:
                best_err, scale = err, cand
            else:
                better = err < best_err
                best_err, scale = np.where(better, err, best_err), np.where(better, cand, scale)
    q = (np.clip(np.round(wt / scale[:, :, None]), -8, 7) + 8).astype(np.uint8)
    packed = (q[:, :, 0::2] | (q[:, :, 1::2] << 4)).astype(np.uint8)  # low nibble first
    return packed, scale.astype(np.float32).reshape(-1)


def _integer_matmul(node, w_name, x, q, scale, new_inits):
    """x @ dequant(q) as int8 x int8 -> int32, then one fp32 rescale: the nodes replacing `node`."""
    p = node.name or w_name
    new_inits += [numpy_helper.from_array(q, w_name + "_i8"), numpy_helper.from_array(scale, w_name + "_scale"),
                  numpy_helper.from_array(np.zeros(len(scale), np.int8), w_name + "_zp")]
    return [
        helper.make_node("DynamicQuantizeLinear", [x], [p + "_xq", p + "_xscale", p + "_xzp"], name=p + "_dql"),
        helper.make_node("MatMulInteger", [p + "_xq", w_name + "_i8", p + "_xzp", w_name + "_zp"], [p + "_i32"],
                         name=p + "_mmi"),
        helper.make_node("Cast", [p + "_i32"], [p + "_f32"], to=TensorProto.FLOAT, name=p + "_cast"),
        helper.make_node("Mul", [p + "_xscale", w_name + "_scale"], [p + "_rescale"], name=p + "_scales"),
        helper.make_node("Mul", [p + "_f32", p + "_rescale"], list(node.output), name=node.name),
    ]


def quantize(model, dtype, load=numpy_helper.to_array, check=True):
    """`model` with every MatMul weight (and a Gather's table) in `dtype`. `load` reads one
    initializer as a numpy array: stream_onnx.py passes one that reads a big model's external
    data a tensor at a time, and checks the file it writes instead (check=False)."""
    if dtype not in ("q8", "q4", "i8"):
        raise ValueError(f"unknown dtype {dtype!r}: choose q8, q4 or i8")
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    nodes, new_inits, dropped = [], [], set()
    for node in graph.node:
        w_name = node.input[1] if node.op_type == "MatMul" else node.input[0] if node.op_type == "Gather" else None
        init = inits.get(w_name)
        if init is None or init.data_type != TensorProto.FLOAT or len(init.dims) != 2:
            nodes.append(node)
            continue
        w = load(init)
        dropped.add(w_name)
        if node.op_type == "Gather":
            q, s = _q8_rows(w)
            names = [w_name + "_q8", w_name + "_scale", w_name + "_zp"]
            new_inits += [numpy_helper.from_array(q, names[0]), numpy_helper.from_array(s, names[1]),
                          numpy_helper.from_array(np.zeros(len(s), np.int8), names[2])]
            nodes.append(helper.make_node("DequantizeLinear", names, [w_name + "_deq"], axis=0,
                                          name=node.name + "_deq"))
            nodes.append(helper.make_node("Gather", [w_name + "_deq", node.input[1]], list(node.output),
                                          name=node.name, axis=0))
        elif dtype == "i8":
            q, s = _q8_columns(w)
            nodes += _integer_matmul(node, w_name, node.input[0], q, s, new_inits)
        elif dtype == "q8":
            q, s = _q8_columns(w)
            names = [w_name + "_q8", w_name + "_scale", w_name + "_zp"]
            new_inits += [numpy_helper.from_array(q, names[0]), numpy_helper.from_array(s, names[1]),
                          numpy_helper.from_array(np.zeros(len(s), np.int8), names[2])]
            nodes.append(helper.make_node("DequantizeLinear", names, [w_name + "_deq"], axis=1,
                                          name=node.name + "_deq"))
            nodes.append(helper.make_node("MatMul", [node.input[0], w_name + "_deq"], list(node.output),
                                          name=node.name))
        else:
            K, N = w.shape
            packed, s = _q4_blocks(w)
            names = [w_name + "_q4", w_name + "_scale"]
            new_inits += [numpy_helper.from_array(packed, names[0]), numpy_helper.from_array(s, names[1])]
            nodes.append(helper.make_node("MatMulNBits", [node.input[0]] + names, list(node.output),
                                          name=node.name, domain="com.microsoft", K=K, N=N, bits=4,
                                          block_size=32))
    kept = [i for i in graph.initializer if i.name not in dropped]
    del graph.node[:]
    graph.node.extend(nodes)
    del graph.initializer[:]
    graph.initializer.extend(kept + new_inits)
    if dtype == "q4" and not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    if check:
        onnx.checker.check_model(model)
    return model


def initializer_bytes(init):
    if init.data_location == TensorProto.EXTERNAL:
        length = [e.value for e in init.external_data if e.key == "length"]
        if length:
            return int(length[0])
        # torch.onnx.export's one file per tensor names no length: the file holds the tensor
        return int(np.prod(init.dims)) * np.dtype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[init.data_type]).itemsize
    if init.HasField("raw_data"):
        return len(init.raw_data)
    return numpy_helper.to_array(init).nbytes


def gpu_buffer_bytes(model):
    """(largest initializer, largest buffer the weights need on WebGPU) in bytes, from the graph
    alone (external data is not read). On WebGPU each initializer is one buffer, and a
    DequantizeLinear of a constant (the q8/q4 embedding table above) writes one fp32 buffer of
    the table's full shape on every run: 4x the int8 table, and the largest buffer of a q4 model."""
    inits = {i.name: i for i in model.graph.initializer}
    largest = max((initializer_bytes(i) for i in inits.values()), default=0)
    dequantised = [4 * int(np.prod(inits[n.input[0]].dims)) for n in model.graph.node
                   if n.op_type == "DequantizeLinear" and n.input[0] in inits]
    return largest, max([largest] + dequantised)


def main(argv=None):
    p = argparse.ArgumentParser(description="Quantise an fp32 encoder to q8, q4 or i8")
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--dtype", choices=["q8", "q4", "i8"], required=True)
    a = p.parse_args(argv)
    onnx.save(quantize(onnx.load(a.src), a.dtype), a.dst)
    print(f"wrote {a.dst}")


if __name__ == "__main__":
    main()
