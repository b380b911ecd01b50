#!/usr/bin/env python3
"""Independent check of our BPE pieces with Hugging Face `tokenizers` (pinned below).

Creates its own virtual environment under batch-jobs/target/hf-venv on first use (pip from PyPI),
then runs inside it. Commands:

  encode TOKENIZER_JSON TEXTS_JSONL OUT_JSONL
      For each line {"text": ...} of TEXTS_JSONL writes one JSON list of ids (no special tokens added).
  train TEXTS_JSONL VOCAB_SIZE ROUNDS OUT_TOKENIZER_JSON
      Trains a byte-level BPE the way our trainer is set up (cl100k split, ByteLevel without regex,
      <|endoftext|> special), ROUNDS times; prints {"seconds": [...]} and saves the last tokenizer.
      Set RAYON_NUM_THREADS=1 for a one-thread run.
"""
import json
import os
import subprocess
import sys
import time

TOKENIZERS_VERSION = "0.22.1"
HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.normpath(os.path.join(HERE, "..", "..", "..", "target", "hf-venv"))
VENV_PYTHON = os.path.join(VENV, "bin", "python")
CL100K = (r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*"
          r"|\s*[\r\n]|\s+(?!\S)|\s+")


def ensure_venv():
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(VENV_PYTHON):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([VENV_PYTHON, "-m", "pip", "install", "-q", "tokenizers==" + TOKENIZERS_VERSION])
    os.execv(VENV_PYTHON, [VENV_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])


def read_texts(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def encode(tokenizer_json, texts_jsonl, out_jsonl):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(tokenizer_json)
    with open(out_jsonl, "w", encoding="utf-8") as out:
        for text in read_texts(texts_jsonl):
            out.write(json.dumps(tok.encode(text, add_special_tokens=False).ids) + "\n")


def train(texts_jsonl, vocab_size, rounds, out_json):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    texts = read_texts(texts_jsonl)
    seconds = []
    for _ in range(int(rounds)):
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(CL100K), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=int(vocab_size), min_frequency=0, show_progress=False,
                                      special_tokens=["<|endoftext|>"],
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
        start = time.perf_counter()
        tok.train_from_iterator(texts, trainer=trainer)
        seconds.append(time.perf_counter() - start)
    tok.save(out_json)
    print(json.dumps({"seconds": seconds, "tokenizers": TOKENIZERS_VERSION,
                      "rayon_threads": os.environ.get("RAYON_NUM_THREADS")}))


def main():
    ensure_venv()
    if len(sys.argv) >= 2 and sys.argv[1] == "encode" and len(sys.argv) == 5:
        encode(*sys.argv[2:])
    elif len(sys.argv) >= 2 and sys.argv[1] == "train" and len(sys.argv) == 6:
        train(*sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
