"""Quantise and save big ONNX encoders a tensor at a time, so an import's memory does not grow
with the number of variants.

torch.onnx.export writes a model over 2 GB as one file per tensor beside the graph. Loading that
whole model for each variant (fp32, q8, q4, i8) held every fp32 weight again each time: the
SmolLM2-360M import peaked at 8.6 GB, and TinyLlama-1.1B's would not fit 24 GB. Here the graph is
read without its tensors; each weight is read from its file when quantize.py asks for it, and the
variant is written as one graph plus one data file, each tensor appended and dropped in turn. At
most one fp32 weight and the variant's new (quantised) tensors are in memory.

Used by models/import_checkpoint.py; tested by models/tests/test_stream_onnx.py and test_import.py.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

from quantize import initializer_bytes, quantize


def _external(init):
    return {e.key: e.value for e in init.external_data}


def tensor_bytes(init, base_dir):
    """The raw little-endian bytes of one initializer, read from its file when external; the
    tensor proto is left as it is (onnx's own loader would keep the bytes in it)."""
    if init.data_location != TensorProto.EXTERNAL:
        return init.raw_data if init.HasField("raw_data") else numpy_helper.to_array(init).tobytes()
    e = _external(init)
    with open(os.path.join(base_dir, e["location"]), "rb") as f:
        f.seek(int(e.get("offset", 0)))
        return f.read(int(e["length"])) if "length" in e else f.read()


def _inline(tensor, base_dir):
    """Moves an external tensor's bytes into the proto."""
    if tensor.data_location == TensorProto.EXTERNAL:
        tensor.raw_data = tensor_bytes(tensor, base_dir)
        del tensor.external_data[:]
        tensor.data_location = TensorProto.DEFAULT


def tensor_array(init, base_dir):
    """One initializer as a numpy array (see tensor_bytes)."""
    if init.data_location != TensorProto.EXTERNAL:
        return numpy_helper.to_array(init)
    dtype = onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[init.data_type]
    return np.frombuffer(tensor_bytes(init, base_dir), dtype=dtype).reshape(tuple(init.dims))


def save_streamed(model, base_dir, path, external_over):
    """Writes `model` to `path`; its external tensors are read from `base_dir`. Over
    `external_over` bytes of tensors, every tensor goes to `<name>_data` beside it, appended one
    at a time (offsets aligned to 64 bytes); else all are put back inline. Returns the data
    file's name in a list, or []."""
    location = os.path.basename(path) + "_data"
    data_path = os.path.join(os.path.dirname(path), location)
    for stale in (path, data_path):
        if os.path.exists(stale):
            os.remove(stale)
    inits = model.graph.initializer
    if sum(initializer_bytes(i) for i in inits) <= external_over:
        for init in inits:
            _inline(init, base_dir)
        onnx.save(model, path)
        onnx.checker.check_model(path)
        return []
    with open(data_path, "wb") as out:
        for init in inits:
            data = tensor_bytes(init, base_dir)
            offset = out.tell()
            pad = -offset % 64
            out.write(b"\0" * pad)
            out.write(data)
            del data
            init.ClearField("raw_data")
            for field in ("float_data", "int32_data", "int64_data", "double_data", "uint64_data", "string_data"):
                init.ClearField(field)
            del init.external_data[:]
            init.data_location = TensorProto.EXTERNAL
            for key, value in (("location", location), ("offset", str(offset + pad)), ("length", str(out.tell() - offset - pad))):
                init.external_data.append(onnx.StringStringEntryProto(key=key, value=value))
    onnx.save(model, path)
    onnx.checker.check_model(path)  # by path: the data file is checked where it lies
    return [location]


def variant(traced_path, dtype):
    """The traced graph (tensors left in their files) as `dtype`: fp32 unchanged, else quantised
    with each weight read from its file as quantize.py reaches it. Returns (model, base dir)."""
    base = os.path.dirname(os.path.abspath(traced_path))
    model = onnx.load(traced_path, load_external_data=False)
    # torch also moves a big Constant node's value to a file of its own: put those back inline
    for node in model.graph.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.TENSOR:
                _inline(attr.t, base)
    if dtype != "fp32":
        model = quantize(model, dtype, load=lambda init: tensor_array(init, base), check=False)
    return model, base

