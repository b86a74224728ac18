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


def external_data(model_path):
    """[{path: location as the graph names it, file: where it is}] for an ONNX file whose tensors
    live in external data files (models over 2 GB); ORT-web must be handed them explicitly."""
    import onnx
    model = onnx.load(model_path, load_external_data=False)
    locations = set()
    for init in model.graph.initializer:
        if init.data_location == onnx.TensorProto.EXTERNAL:
            locations |= {e.value for e in init.external_data if e.key == "location"}
    base = os.path.dirname(os.path.abspath(model_path))
    return [{"path": loc, "file": os.path.join(base, loc)} for loc in sorted(locations)]


class OrtRunner:
    def __init__(self, node="node"):
        self.node = node
        if shutil.which(node) is None:
            raise RuntimeError("node is needed to run ONNX Runtime checks; install Node 20 and run `npm ci`")

    def run(self, model_path, batches, output):
        """batches: list of {input name: np.ndarray}; returns a list of np.float32 outputs."""
        return self.run_many([(model_path, batches, output)])[0]

    def run_many(self, jobs):
        """[(model_path, batches, output)] in ONE Node process (start-up dominates small models);
        returns one list of outputs per job. `output` is one name (each batch's output as a
        [rows, -1] array) or a list of names (each batch's outputs as {name: flat array})."""
        with tempfile.TemporaryDirectory() as tmp:
            spec = []
            for j, (model_path, batches, _) in enumerate(jobs):
                job = {"model": os.path.abspath(model_path), "batches": [],
                       "externalData": external_data(model_path)}
                for b, feeds in enumerate(batches):
                    inputs = {}
                    for name, arr in feeds.items():
                        arr = np.ascontiguousarray(arr)
                        fname = f"in-{j}-{b}-{name}.bin"
                        arr.tofile(os.path.join(tmp, fname))
                        inputs[name] = {"type": TYPES[arr.dtype], "dims": list(arr.shape), "file": fname}
                    job["batches"].append({"inputs": inputs})
                spec.append(job)
            with open(os.path.join(tmp, "job.json"), "w") as f:
                json.dump(spec, f)
            res = subprocess.run([self.node, os.path.join(HERE, "ort_run.mjs"), os.path.join(tmp, "job.json")],
                                 capture_output=True, text=True, cwd=HERE)
            if res.returncode != 0:
                names = ", ".join(os.path.basename(m) for m, _, _ in jobs)
                raise RuntimeError(f"ONNX Runtime failed on {names}:\n{res.stderr[-2000:]}")
            results = []
            for j, (_, batches, output) in enumerate(jobs):
                outs = []
                for b, feeds in enumerate(batches):
                    read = lambda name: np.fromfile(os.path.join(tmp, f"out-{j}-{b}-{name}.bin"), dtype=np.float32)  # noqa: E731
                    if isinstance(output, str):
                        outs.append(read(output).reshape(len(next(iter(feeds.values()))), -1))
                    else:
                        outs.append({name: read(name) for name in output})
                results.append(outs)
            return results
