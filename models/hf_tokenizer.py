"""A pretrained checkpoint's own tokenizer.json, encoded through Node (models/hf_tokenize.mjs).

Python has no `tokenizers` package here, and the engine's @huggingface/tokenizers is the ground
truth anyway, so texts are sent to Node in batches and the ids cached. The object quacks like
models/tokenizer.WordPiece where the trainer and exporter need it: encode(text), save(folder), and
`vocab` holding the ids of the special names [BOS], [ITEM] and [PAD].
"""
import json
import os
import shutil
import subprocess
import tempfile

from tokenizer import BOS, ITEM, PAD

HERE = os.path.dirname(os.path.abspath(__file__))


class HFTokenizer:
    def __init__(self, folder, bos_id, item_id, pad_id, node="node"):
        self.folder, self.node = folder, node
        self.path = os.path.join(folder, "tokenizer.json")
        if not os.path.exists(self.path):
            raise FileNotFoundError(f"{folder} has no tokenizer.json (the engine reads only that format)")
        config = os.path.join(folder, "tokenizer_config.json")
        self.config = config if os.path.exists(config) else None
        if shutil.which(node) is None:
            raise RuntimeError("node is needed to tokenise with tokenizer.json; install Node 20 and run `npm ci`")
        self.vocab = {BOS: bos_id, ITEM: item_id, PAD: pad_id}
        self.cache = {}
        self.vocab_size = None  # known after the first encode (each Node start costs seconds)

    def _run(self, texts):
        with tempfile.TemporaryDirectory() as tmp:
            job = os.path.join(tmp, "job.json")
            with open(job, "w", encoding="utf-8") as f:
                json.dump({"tokenizer": os.path.abspath(self.path),
                           "config": self.config and os.path.abspath(self.config), "texts": texts}, f)
            res = subprocess.run([self.node, os.path.join(HERE, "hf_tokenize.mjs"), job],
                                 capture_output=True, text=True, cwd=HERE)
        if res.returncode != 0:
            raise RuntimeError(f"@huggingface/tokenizers could not use {self.path}:\n{res.stderr[-2000:]}")
        return json.loads(res.stdout)

    def encode_many(self, texts):
        todo = sorted({t for t in texts if t not in self.cache})
        for s in range(0, len(todo), 20000):  # bounded job files for big catalogues
            chunk = todo[s:s + 20000]
            res = self._run(chunk)
            self.cache.update(zip(chunk, res["ids"]))
            self.vocab_size = res["vocab_size"]
        return [self.cache[t] for t in texts]

    def encode(self, text):
        return self.encode_many([text])[0]

    def save(self, folder):
        os.makedirs(folder, exist_ok=True)
        shutil.copyfile(self.path, os.path.join(folder, "tokenizer.json"))
        dst = os.path.join(folder, "tokenizer_config.json")
        if self.config:
            shutil.copyfile(self.config, dst)
        else:
            with open(dst, "w") as f:
                json.dump({}, f)
