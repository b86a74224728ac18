"""Big-model export a tensor at a time (models/stream_onnx.py) and the import's shared towers
(models/checkpoints.py build_hllm): what is written equals what the in-memory path writes, from
a graph whose tensors are in one file each (as torch.onnx.export leaves a model over 2 GB)."""

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

import checkpoints
import stream_onnx
from quantize import quantize


def per_tensor_files(tmp_path, drop_length=False):
    """A two-MatMul graph saved with each tensor in its own file, like torch's big exports."""
    g = np.random.default_rng(0)
    w1, w2 = g.normal(0, 0.02, (64, 96)).astype(np.float32), g.normal(0, 0.02, (96, 32)).astype(np.float32)
    norm = np.ones(96, np.float32)
    # a Constant node too: torch writes a big one's value to a file of its own
    scale = helper.make_node("Constant", [], ["scale"], value=numpy_helper.from_array(np.full(96, 0.5, np.float32)))
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w1"], ["h0"]), scale, helper.make_node("Mul", ["h0", "scale"], ["h"]),
         helper.make_node("Mul", ["h", "norm"], ["n"]), helper.make_node("MatMul", ["n", "w2"], ["y"])],
        "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 32])],
        [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (norm, "norm"), (w2, "w2"))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    kept = onnx.ModelProto()
    kept.CopyFrom(model)  # save_model moves the tensors out of the proto it is given
    src = tmp_path / "traced"
    src.mkdir(parents=True)
    path = str(src / "traced.onnx")
    onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=False, size_threshold=0)
    m = onnx.load(path, load_external_data=False)
    t = next(n for n in m.graph.node if n.op_type == "Constant").attribute[0].t  # onnx leaves it inline
    (src / "scale_value").write_bytes(t.raw_data)
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    t.external_data.append(onnx.StringStringEntryProto(key="location", value="scale_value"))
    onnx.save(m, path)
    if drop_length:
        m = onnx.load(path, load_external_data=False)
        for init in m.graph.initializer:
            location = [e for e in init.external_data if e.key not in ("length", "offset")]
            del init.external_data[:]
            init.external_data.extend(location)
        onnx.save(m, path)
    return path, kept


def tensors(path):
    return {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}


def test_each_variant_streamed_equals_the_in_memory_one(tmp_path):
    for drop_length in (False, True):
        traced, model = per_tensor_files(tmp_path / str(drop_length), drop_length)
        for dt in ("fp32", "q4", "i8"):
            want = model if dt == "fp32" else quantize(onnx.load(traced), dt)
            want_t = {i.name: numpy_helper.to_array(i) for i in want.graph.initializer}
            constant = [n.attribute[0].t for n in want.graph.node if n.op_type == "Constant"][0]
            for over, ext in ((0, [f"{dt}.onnx_data"]), (10**9, [])):
                out = str(tmp_path / str(drop_length) / f"{dt}.onnx")
                m, base = stream_onnx.variant(traced, dt)
                assert stream_onnx.save_streamed(m, base, out, over) == ext
                got = tensors(out)
                kept = [n.attribute[0].t for n in onnx.load(out).graph.node if n.op_type == "Constant"][0]
                assert np.array_equal(numpy_helper.to_array(kept), numpy_helper.to_array(constant))
                assert got.keys() == want_t.keys(), (dt, drop_length)
                for k in got:
                    assert np.array_equal(got[k], want_t[k]), (dt, k, over)
                if ext:  # every tensor in the one data file, each at a 64-byte boundary
                    inits = onnx.load(out, load_external_data=False).graph.initializer
                    assert all(i.data_location == TensorProto.EXTERNAL for i in inits)
                    offsets = [int(next(e.value for e in i.external_data if e.key == "offset")) for i in inits]
                    assert all(o % 64 == 0 for o in offsets) and len(set(offsets)) == len(offsets)


def test_a_checkpoint_s_towers_share_its_layers_without_copies():
    cfg = {"model_type": "llama", "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
           "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 50, "rms_norm_eps": 1e-6}
    torch.manual_seed(0)
    sd = {"model.embed_tokens.weight": torch.randn(50, 32), "model.norm.weight": torch.ones(32)}
    for i in range(2):
        p = f"model.layers.{i}."
        for name, shape in (("self_attn.q_proj", (32, 32)), ("self_attn.k_proj", (16, 32)), ("self_attn.v_proj", (16, 32)),
                            ("self_attn.o_proj", (32, 32)), ("mlp.gate_proj", (64, 32)), ("mlp.up_proj", (64, 32)),
                            ("mlp.down_proj", (32, 64))):
            sd[p + name + ".weight"] = torch.randn(shape) * 0.1
        sd[p + "input_layernorm.weight"] = torch.ones(32) + 0.1 * torch.randn(32)
        sd[p + "post_attention_layernorm.weight"] = torch.ones(32)
    core, mc = checkpoints.build_hllm(sd, cfg)
    item, user = core.item_llm.model.layers, core.user_llm.model.layers
    assert len(item) == len(user) == 2
    for i in range(2):
        w = sd[f"model.layers.{i}.self_attn.q_proj.weight"]
        # the checkpoint's tensor itself, in both towers
        assert item[i].self_attn.q_proj.weight.data_ptr() == w.data_ptr() == user[i].self_attn.q_proj.weight.data_ptr()
        assert torch.equal(item[i].input_layernorm.weight, sd[f"model.layers.{i}.input_layernorm.weight"])
    assert item[0].self_attn.q_proj.weight.data_ptr() != item[1].self_attn.q_proj.weight.data_ptr()
    # a misshapen tensor is still named
    bad = dict(sd, **{"model.layers.1.mlp.up_proj.weight": torch.randn(63, 32)})
    try:
        checkpoints.build_hllm(bad, cfg)
        raise AssertionError("a misshapen tensor was accepted")
    except ValueError as e:
        assert "model.layers.1.mlp.up_proj.weight" in str(e) and "shape mismatch" in str(e)
