"""Write a tiny random Llama-GQA checkpoint in the Hugging Face layout and import it into a model
folder with models/import_checkpoint.py, every graph in ONNX external data (as a > 2 GB model has
it). Used by the engine's tests in Node (src/engine/model/imported-model.test.ts) and Chromium
(e2e/imported-model.spec.ts, e2e/external-data.spec.ts). With --inline the same checkpoint is
imported a second time into OUT_DIR/model-inline with its weights inside the .onnx files, the
form every model under 2 GB has, so a test can compare the two.
Usage: /usr/bin/python3 models/tests/make_tiny_import.py OUT_DIR [--inline]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]
import hf_fixtures as hf  # noqa: E402
import import_checkpoint  # noqa: E402

LLAMA = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
         "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 96, "rms_norm_eps": 1e-5,
         "rope_theta": 10000.0, "hidden_act": "silu", "tie_word_embeddings": False, "bos_token_id": 1,
         "eos_token_id": 2, "pad_token_id": None, "max_position_embeddings": 2048, "torch_dtype": "float32"}


def main(out, inline=False):
    tok = hf.llama_tokenizer()
    hf.write_folder(os.path.join(out, "base"), LLAMA, tok, hf.llama_weights(LLAMA, 1, len(tok[0]["model"]["vocab"])),
                    dtype="F32")
    folders = [("model", ["--external-data-over", "0"])] + ([("model-inline", [])] if inline else [])
    for name, extra in folders:
        import_checkpoint.main(["--base", os.path.join(out, "base"), "--out", os.path.join(out, name),
                                "--id", "tiny-imported", "--max-text-tokens", "40", "--text-fields",
                                "title,tag,description", "--dtypes", "fp32,q4", *extra])


if __name__ == "__main__":
    main(sys.argv[1], "--inline" in sys.argv[2:])
