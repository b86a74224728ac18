"""models/make_shaped_checkpoint.py: the published models' shapes, initialised at their scale."""
import json
import math
import sys

import checkpoints
import make_shaped_checkpoint as shaped
from conftest import run


def test_shapes_have_the_published_parameter_counts():
    # Parameter counts of the released checkpoints (their model cards / safetensors headers).
    published = {"smollm2-135m": 134_515_008, "smollm2-360m": 361_821_120, "tinyllama-1.1b": 1_100_048_384}
    for name, cfg in shaped.SHAPES.items():
        assert sum(math.prod(s) for s in shaped.tensor_shapes(cfg).values()) == published[name], name


def test_a_one_layer_smollm2_folder_reads_back_at_the_init_scale(tmp_path):
    out = tmp_path / "smol"
    run([sys.executable, "models/make_shaped_checkpoint.py", "--shape", "smollm2-135m", "--layers", "1", "--out", str(out)])
    cfg = checkpoints.read_config(str(out))
    assert (cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_key_value_heads"]) == (576, 1, 3)
    sd = checkpoints.read_weights(str(out))
    assert sd["model.embed_tokens.weight"].shape == (49152, 576)
    assert "lm_head.weight" not in sd  # tied, as SmolLM2's
    q = sd["model.layers.0.self_attn.q_proj.weight"]
    assert q.shape == (576, 576) and abs(float(q.std()) - 0.02) < 0.001
    assert float(sd["model.norm.weight"].min()) == float(sd["model.norm.weight"].max()) == 1.0
    tj = json.loads((out / "tokenizer.json").read_text(encoding="utf-8"))
    assert (tj["model"]["type"], tj["pre_tokenizer"]["type"]) == ("BPE", "ByteLevel")  # SmolLM2's kind
