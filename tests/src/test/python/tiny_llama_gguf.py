"""A tiny llama-architecture GGUF with random weights, and what llama.cpp should make of it.

Writes OUT.gguf and OUT.expected.json. The JSON holds the texts to tokenize with the ids our own
reference byte-level BPE gives them, token sequences with the log-probabilities of a float64 numpy
forward pass (the llama graph as llama.cpp's LLM_ARCH_LLAMA runs it), and greedy continuations.
LlamaCppHarnessTest hands the same inputs to llama.cpp (through node-llama-cpp) and compares.

The tokenizer: the 256 byte tokens (id = byte value) in GPT-2's byte-to-unicode spelling, a few
merges, and the control token <|endoftext|>; tokenizer.ggml.model "gpt2" with pre "llama-bpe", so
llama.cpp splits text with the Llama 3 regex and takes a word that is a whole vocabulary entry as
it is (ignore_merges), as Hugging Face's Llama 3 tokenizer does. The text "abc" shows the
difference: merging by rank gives [a, bc], the whole-word lookup gives [abc].

Usage: python tiny_llama_gguf.py OUT [--seed N] [--tied] [--layers N]
Needs gguf==0.19.0, numpy and regex (tests/target/gguf-venv, made by LlamaCppHarnessTest).
"""
import argparse
import json

import numpy as np
import regex

import gguf

# llama.cpp's LLAMA_VOCAB_PRE_TYPE_LLAMA3 split (the Llama 3 tokenizer.json pattern)
LLAMA3_SPLIT = regex.compile(
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+")

MERGES = [  # in rank order, GPT-2 spelling (Ġ is the space byte)
    "h e", "l l", "he ll", "hell o", "Ġ hello",
    "Ġ w", "o r", "Ġw or", "Ġwor l", "Ġworl d",
    "t h", "th e", "Ġ the",
    "1 2", "12 3",
    "b c", "a b", "ab c",  # "abc": rank order gives a + bc, the whole-word lookup gives abc
]
EOT = "<|endoftext|>"

TEXTS = [
    "hello world",
    "hello hello world 12345",
    "abc the world",
    EOT + "hi",  # special tokens are not parsed: the bytes of "<|", "endoftext", "|>"
    "h\u00e9llo\n\nthe 1234!",
]


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\u00a1"), ord("\u00ac") + 1)) \
        + list(range(ord("\u00ae"), ord("\u00ff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_CHAR = bytes_to_unicode()


def vocabulary():
    tokens = [BYTE_CHAR[b] for b in range(256)]
    for m in MERGES:
        a, b = m.split(" ")
        tokens.append(a + b)
    tokens.append(EOT)
    types = [gguf.TokenType.NORMAL] * (len(tokens) - 1) + [gguf.TokenType.CONTROL]
    return tokens, types


def reference_tokenize(text, tokens):
    """Byte-level BPE with the Llama 3 split and whole-word lookup (ignore_merges)."""
    index = {t: i for i, t in enumerate(tokens)}
    ranks = {tuple(m.split(" ")): r for r, m in enumerate(MERGES)}
    ids = []
    for word in LLAMA3_SPLIT.findall(text):
        symbols = [BYTE_CHAR[b] for b in word.encode("utf-8")]
        whole = "".join(symbols)
        if whole in index:
            ids.append(index[whole])
            continue
        while len(symbols) > 1:
            pairs = [(ranks.get((symbols[i], symbols[i + 1]), 1 << 30), i) for i in range(len(symbols) - 1)]
            rank, i = min(pairs)
            if rank == 1 << 30:
                break
            symbols[i:i + 2] = [symbols[i] + symbols[i + 1]]
        ids.extend(index[s] for s in symbols)
    return ids


class Config:
    n_embd = 64
    n_head = 4
    n_head_kv = 2  # grouped-query attention: two query heads per key/value head
    n_ff = 160
    ctx = 256
    eps = 1e-5
    rope_base = 10000.0


def random_weights(cfg, n_vocab, n_layers, tied, seed):
    rng = np.random.default_rng(seed)
    d, hd = cfg.n_embd, cfg.n_embd // cfg.n_head

    def lin(n_out, n_in):  # y = W x, numpy shape (out, in) as GGUF stores it (ne = [in, out])
        return (rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)).astype(np.float32)

    def norm(n):
        return (1.0 + 0.1 * rng.standard_normal(n)).astype(np.float32)

    w = {"token_embd.weight": (0.5 * rng.standard_normal((n_vocab, d))).astype(np.float32)}
    for l in range(n_layers):
        p = f"blk.{l}."
        w[p + "attn_norm.weight"] = norm(d)
        w[p + "attn_q.weight"] = lin(cfg.n_head * hd, d)
        w[p + "attn_k.weight"] = lin(cfg.n_head_kv * hd, d)
        w[p + "attn_v.weight"] = lin(cfg.n_head_kv * hd, d)
        w[p + "attn_output.weight"] = lin(d, cfg.n_head * hd)
        w[p + "ffn_norm.weight"] = norm(d)
        w[p + "ffn_gate.weight"] = lin(cfg.n_ff, d)
        w[p + "ffn_up.weight"] = lin(cfg.n_ff, d)
        w[p + "ffn_down.weight"] = lin(d, cfg.n_ff)
    w["output_norm.weight"] = norm(d)
    if not tied:  # without output.weight llama.cpp reuses token_embd
        w["output.weight"] = (0.3 * rng.standard_normal((n_vocab, d))).astype(np.float32)
    return w


def rms_norm(x, weight, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight


def rope(x, base):
    """llama.cpp's normal (LLAMA) rope: rotates adjacent pairs (x[2i], x[2i+1]). x: (T, heads, hd)."""
    t, _, hd = x.shape
    theta = base ** (-np.arange(0, hd, 2, dtype=np.float64) / hd)  # (hd/2)
    ang = np.arange(t, dtype=np.float64)[:, None] * theta[None, :]  # (T, hd/2)
    cos, sin = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
    x0, x1 = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = x0 * cos - x1 * sin
    out[..., 1::2] = x0 * sin + x1 * cos
    return out


def forward(w, cfg, n_layers, ids):
    """Logits (T, n_vocab) in float64 for one causal sequence starting at position 0."""
    w = {k: v.astype(np.float64) for k, v in w.items()}
    hd, group = cfg.n_embd // cfg.n_head, cfg.n_head // cfg.n_head_kv
    t = len(ids)
    x = w["token_embd.weight"][ids]
    mask = np.triu(np.full((t, t), -np.inf), 1)
    for l in range(n_layers):
        p = f"blk.{l}."
        h = rms_norm(x, w[p + "attn_norm.weight"], cfg.eps)
        q = rope((h @ w[p + "attn_q.weight"].T).reshape(t, cfg.n_head, hd), cfg.rope_base)
        k = rope((h @ w[p + "attn_k.weight"].T).reshape(t, cfg.n_head_kv, hd), cfg.rope_base)
        v = (h @ w[p + "attn_v.weight"].T).reshape(t, cfg.n_head_kv, hd)
        heads = []
        for i in range(cfg.n_head):
            s = q[:, i, :] @ k[:, i // group, :].T / np.sqrt(hd) + mask
            s = np.exp(s - s.max(axis=1, keepdims=True))
            heads.append((s / s.sum(axis=1, keepdims=True)) @ v[:, i // group, :])
        x = x + np.concatenate(heads, axis=1) @ w[p + "attn_output.weight"].T
        h = rms_norm(x, w[p + "ffn_norm.weight"], cfg.eps)
        g = h @ w[p + "ffn_gate.weight"].T
        x = x + ((g / (1.0 + np.exp(-g))) * (h @ w[p + "ffn_up.weight"].T)) @ w[p + "ffn_down.weight"].T
    x = rms_norm(x, w["output_norm.weight"], cfg.eps)
    return x @ w.get("output.weight", w["token_embd.weight"]).T


def log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out", help="path without extension: writes OUT.gguf and OUT.expected.json")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--tied", action="store_true", help="no output.weight: the embedding is reused")
    ap.add_argument("--layers", type=int, default=2)
    args = ap.parse_args()
    cfg = Config()
    tokens, types = vocabulary()
    eot = tokens.index(EOT)
    w = random_weights(cfg, len(tokens), args.layers, args.tied, args.seed)

    writer = gguf.GGUFWriter(args.out + ".gguf", "llama")
    writer.add_name("pretrain tiny llama test model")
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_vocab_size(len(tokens))
    writer.add_context_length(cfg.ctx)
    writer.add_embedding_length(cfg.n_embd)
    writer.add_block_count(args.layers)
    writer.add_feed_forward_length(cfg.n_ff)
    writer.add_head_count(cfg.n_head)
    writer.add_head_count_kv(cfg.n_head_kv)
    writer.add_layer_norm_rms_eps(cfg.eps)
    writer.add_rope_freq_base(cfg.rope_base)
    writer.add_rope_dimension_count(cfg.n_embd // cfg.n_head)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("llama-bpe")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(MERGES)
    writer.add_bos_token_id(eot)
    writer.add_eos_token_id(eot)
    writer.add_add_bos_token(False)
    for name, tensor in w.items():
        writer.add_tensor(name, tensor)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    rng = np.random.default_rng(args.seed + 1)
    sequences = [reference_tokenize("hello hello world the 12345 abc", tokens),
                 [int(i) for i in rng.integers(0, len(tokens), 40)]]
    evaluated = []
    for ids in sequences:
        lp = log_softmax(forward(w, cfg, args.layers, ids))
        top = np.argsort(-lp, axis=1, kind="stable")[:, :5]
        evaluated.append({
            "ids": ids,
            "nextLogProbs": [float(lp[i, ids[i + 1]]) for i in range(len(ids) - 1)],
            "top": [[{"id": int(j), "logProb": float(lp[i, j])} for j in top[i]] for i in range(len(ids))],
        })

    generated = []
    for prompt, n in [(reference_tokenize("hello world", tokens), 12), (sequences[1][:7], 12)]:
        ids, out, margins = list(prompt), [], []
        for _ in range(n):
            lp = log_softmax(forward(w, cfg, args.layers, ids)[-1])
            order = np.argsort(-lp, kind="stable")
            margins.append(float(lp[order[0]] - lp[order[1]]))
            nxt = int(order[0])
            if nxt == eot:  # node-llama-cpp stops on an end-of-generation token and does not return it
                break
            out.append(nxt)
            ids.append(nxt)
        generated.append({"prompt": prompt, "maxTokens": n, "ids": out, "minMargin": min(margins)})

    expected = {
        "gguf": args.out + ".gguf",
        "tied": args.tied,
        "layers": args.layers,
        "vocabSize": len(tokens),
        "eot": eot,
        "tokenized": [{"text": t, "ids": reference_tokenize(t, tokens)} for t in TEXTS],
        "evaluated": evaluated,
        "generated": generated,
    }
    with open(args.out + ".expected.json", "w", encoding="utf-8") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
