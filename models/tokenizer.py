"""WordPiece tokenizer in the Hugging Face `tokenizer.json` format, readable by Python and JS.

There is no `tokenizers` package on Debian, so this module both trains the vocabulary and
encodes text. Encoding mirrors the pipeline of @huggingface/tokenizers (the TypeScript engine's
tokenizer) step by step: added-token split, BertNormalizer, BertPreTokenizer, WordPiece.
golden.json and tests/test_tokenizer.py prove the two agree on awkward text.
"""
import json
import unicodedata
from collections import Counter

PAD, UNK, BOS, ITEM = "[PAD]", "[UNK]", "[BOS]", "[ITEM]"
SPECIAL = [PAD, UNK, BOS, ITEM]  # ids 0..3, fixed so the manifest stays readable

# JS `\s` (ECMAScript WhiteSpace + LineTerminator), which both the normaliser and the
# pre-tokeniser use; Python's str.isspace() differs on a few code points (\x1c-\x1f, \ufeff).
_JS_SPACE = set("\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff") | {
    chr(c) for c in range(0x2000, 0x200B)}


def _is_punct(ch):
    o = ord(ch)
    if 0x21 <= o <= 0x2F or 0x3A <= o <= 0x40 or 0x5B <= o <= 0x60 or 0x7B <= o <= 0x7E:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_chinese(cp):
    # Same ranges as the JS port; it walks UTF-16 code units, so astral ranges never match there.
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF)


def normalize(text):
    """BertNormalizer(clean_text, handle_chinese_chars, lowercase, strip_accents)."""
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD:
            continue
        if ch not in "\t\n\r" and unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs"):
            continue
        out.append(" " if ch in _JS_SPACE else ch)
    text = "".join(out)
    text = "".join(f" {c} " if ord(c) < 0x10000 and _is_chinese(ord(c)) else c for c in text)
    text = text.lower()
    text = unicodedata.normalize("NFD", text)
    return "".join(c for c in text if unicodedata.category(c) != "Mn")


def pre_tokenize(text):
    """BertPreTokenizer: runs of non-space non-punctuation, and single punctuation marks."""
    words, cur = [], []
    for ch in text.strip("".join(_JS_SPACE)):
        if ch in _JS_SPACE:
            if cur:
                words.append("".join(cur)); cur = []
        elif _is_punct(ch):
            if cur:
                words.append("".join(cur)); cur = []
            words.append(ch)
        else:
            cur.append(ch)
    if cur:
        words.append("".join(cur))
    return words


class WordPiece:
    def __init__(self, vocab, unk=UNK, prefix="##", max_chars=100):
        self.vocab, self.unk, self.prefix, self.max_chars = vocab, unk, prefix, max_chars
        self.special = [t for t in SPECIAL if t in vocab]

    # -- encoding -----------------------------------------------------------------------
    def _word(self, word):
        chars = list(word)
        if len(chars) > self.max_chars:
            return [self.vocab[self.unk]]
        ids, start = [], 0
        while start < len(chars):
            end, found = len(chars), None
            while start < end:
                sub = "".join(chars[start:end])
                if start > 0:
                    sub = self.prefix + sub
                if sub in self.vocab:
                    found = sub
                    break
                end -= 1
            if found is None:
                return [self.vocab[self.unk]]
            ids.append(self.vocab[found])
            start = end
        return ids

    def _split_added(self, text):
        # Leftmost-longest match of special tokens in the raw text, like DictionarySplitter.
        parts, i, start = [], 0, 0
        while i < len(text):
            match = max((t for t in self.special if text.startswith(t, i)), key=len, default=None)
            if match:
                if start < i:
                    parts.append(text[start:i])
                parts.append(match)
                i += len(match)
                start = i
            else:
                i += 1
        if start < len(text):
            parts.append(text[start:])
        return parts

    def encode(self, text):
        ids = []
        for part in self._split_added(text):
            if part in self.special:
                ids.append(self.vocab[part])
                continue
            for word in pre_tokenize(normalize(part)):
                ids.extend(self._word(word))
        return ids

    # -- files --------------------------------------------------------------------------
    def to_json(self):
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {"id": self.vocab[t], "content": t, "single_word": False, "lstrip": False,
                 "rstrip": False, "normalized": False, "special": True} for t in self.special],
            "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                           "strip_accents": True, "lowercase": True},
            "pre_tokenizer": {"type": "BertPreTokenizer"},
            "post_processor": None,
            "decoder": {"type": "WordPiece", "prefix": self.prefix, "cleanup": True},
            "model": {"type": "WordPiece", "unk_token": self.unk, "continuing_subword_prefix": self.prefix,
                      "max_input_chars_per_word": self.max_chars, "vocab": self.vocab},
        }

    def save(self, folder):
        with open(f"{folder}/tokenizer.json", "w", encoding="utf-8") as f:
            json.dump(self.to_json(), f, ensure_ascii=False)
        config = {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "unk_token": UNK,
                  "pad_token": PAD, "bos_token": BOS, "additional_special_tokens": [ITEM],
                  "model_max_length": 100000, "clean_up_tokenization_spaces": True}
        with open(f"{folder}/tokenizer_config.json", "w", encoding="utf-8") as f:
            json.dump(config, f, indent=1)

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as f:
            model = json.load(f)["model"]
        return cls(model["vocab"], model["unk_token"], model["continuing_subword_prefix"],
                   model["max_input_chars_per_word"])


def train_wordpiece(texts, vocab_size=8000, min_count=2):
    """A small, deterministic WordPiece vocabulary.

    Whole words by frequency first (most item text is titles and genre names), then every
    character seen, alone and as a `##` continuation, so any word can be spelled and [UNK]
    only appears for characters never seen in training. Ties break alphabetically so the
    vocabulary is reproducible.
    """
    words, chars = Counter(), Counter()
    for t in texts:
        for w in pre_tokenize(normalize(t)):
            words[w] += 1
            chars.update(w)
    vocab = {t: i for i, t in enumerate(SPECIAL)}
    alphabet = sorted(chars)
    for c in alphabet:
        vocab.setdefault(c, len(vocab))
    for c in alphabet:
        vocab.setdefault("##" + c, len(vocab))
    # frequent word-final pieces help spell rare words (plurals, years)
    for w, n in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(vocab) >= vocab_size or n < min_count:
            break
        vocab.setdefault(w, len(vocab))
    return WordPiece(vocab)
