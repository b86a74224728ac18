"""Run ONNX files with ONNX Runtime from Python, through Node (models/ort_run.mjs).

Debian has no Python onnxruntime, and the product runs onnxruntime-web anyway, so every numeric
check of an exported file goes through the same runtime the browser uses (its WASM backend).
"""
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TYPES = {np.dtype(np.float32): "float32", np.dtype(np.int64): "int64"}


class OrtRunner:
    def __init__(self, node="node"):
        self.node = node
        if shutil.which(node) is None:
            raise RuntimeError("node is needed to run ONNX Runtime checks; install Node 20 and run `npm ci`")

    def run(self, model_path, batches, output):
        """batches: list of {input name: np.ndarray}; returns a list of np.float32 outputs."""
        with tempfile.TemporaryDirectory() as tmp:
            job = {"model": os.path.abspath(model_path), "batches": []}
            for b, feeds in enumerate(batches):
                spec = {}
                for name, arr in feeds.items():
                    arr = np.ascontiguousarray(arr)
                    fname = f"in-{b}-{name}.bin"
                    arr.tofile(os.path.join(tmp, fname))
                    spec[name] = {"type": TYPES[arr.dtype], "dims": list(arr.shape), "file": fname}
                job["batches"].append({"inputs": spec})
            with open(os.path.join(tmp, "job.json"), "w") as f:
                json.dump(job, f)
            res = subprocess.run([self.node, os.path.join(HERE, "ort_run.mjs"), os.path.join(tmp, "job.json")],
                                 capture_output=True, text=True, cwd=HERE)
            if res.returncode != 0:
                raise RuntimeError(f"ONNX Runtime failed on {model_path}:\n{res.stderr[-2000:]}")
            outs = []
            for b, feeds in enumerate(batches):
                flat = np.fromfile(os.path.join(tmp, f"out-{b}-{output}.bin"), dtype=np.float32)
                outs.append(flat.reshape(len(next(iter(feeds.values()))), -1))
            return outs
