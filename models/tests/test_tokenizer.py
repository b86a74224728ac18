"""The Python WordPiece encoder must give the ids that @huggingface/tokenizers (the engine's) gives."""
import json
import os
import subprocess

from conftest import ROOT
from tokenizer import train_wordpiece, normalize, pre_tokenize

TEXTS = [
    "Crème brûlée: Amélie (2001)", "Señor Müller's naïve café!!!", "千と千尋の神隠し 2001", "🎬🍿 👩‍👩‍👧 🇫🇷",
    "tab\tnew\nline\r\nnull\u0000 zw\u200bj", "שלום مرحبا", "  spaces  ", "", "[ITEM] x [PAD][UNK]",
    "ÅNGSTRÖM İstanbul ΣΊΣΥΦΟΣ", "a" * 150, "x" * 101 + " ok", "dots... & ampersands; semi:colons",
    "\u00a0nbsp\u2003em\u3000ideo", "Ǆ ǅ ǆ ligatures ﬁ ﬂ", "e\u0301 combining", "🙂" * 5,
]


def test_normalize_and_split():
    assert normalize("Crème BRÛLÉE") == "creme brulee"
    assert pre_tokenize("Amélie's (2001)!") == ["Amélie", "'", "s", "(", "2001", ")", "!"]
    assert normalize("a\u200bb\u0007c") == "abc"


def test_ids_match_huggingface_tokenizers_js(tmp_path):
    tok = train_wordpiece(["Crème brûlée Amélie café Señor city 2001 naïve"] * 3 + ["one two three"], 500, 1)
    tok.save(tmp_path)
    script = tmp_path / "enc.mjs"
    script.write_text(
        "import { Tokenizer } from '@huggingface/tokenizers';\n"
        "import { readFileSync } from 'node:fs';\n"
        f"const d = {json.dumps(str(tmp_path))};\n"
        "const t = new Tokenizer(JSON.parse(readFileSync(d + '/tokenizer.json', 'utf8')),"
        " JSON.parse(readFileSync(d + '/tokenizer_config.json', 'utf8')));\n"
        "const texts = JSON.parse(readFileSync(0, 'utf8'));\n"
        "console.log(JSON.stringify(texts.map((x) => t.encode(x, { add_special_tokens: false }).ids)));\n")
    link = tmp_path / "node_modules"
    os.symlink(os.path.join(ROOT, "node_modules"), link)
    res = subprocess.run(["node", str(script)], input=json.dumps(TEXTS), capture_output=True, text=True, check=True)
    js = json.loads(res.stdout)
    for text, ids in zip(TEXTS, js):
        assert tok.encode(text) == ids, f"token ids differ for {text!r}"
    assert any(1 in ids for ids in js), "an unseen character must map to [UNK] on both sides"
