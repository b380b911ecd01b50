#!/usr/bin/env python3
"""Loads a model.safetensors + config.json that SafetensorsExport wrote with the `safetensors` library
(numpy backend, pinned below) and runs a forward pass with Hugging Face's LlamaForCausalLM conventions,
written here in numpy: embedding lookup, per layer x += o_proj(attn(input_layernorm(x))) and
x += down_proj(silu(gate_proj(h)) * up_proj(h)) with h = post_attention_layernorm(x), RMSNorm
x / sqrt(mean(x^2) + eps) * weight, rotary embedding by rotate_half (pairs (i, i + head_dim/2),
angle pos * rope_theta^(-2i/head_dim)), causal softmax attention scaled by 1/sqrt(head_dim), final
model.norm, and the head tied to model.embed_tokens (no lm_head.weight, tie_word_embeddings true).
Everything is computed in float64 from the stored values.

    python3 safetensors_check.py DIR --tokens 1,2,3 [--out logits.json]

Checks the tensor names and shapes against config.json (exit status 1 on a mismatch) and prints, or
writes to --out, JSON {"shape": [T, vocab], "logits": [...row-major...]}. It creates (once) a venv
under activities/target/st-venv with safetensors and numpy and re-runs itself there.
"""
import argparse
import json
import os
import subprocess
import sys
import venv

SAFETENSORS_VERSION = "0.4.5"
NUMPY_VERSION = "1.26.4"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
VENV = os.path.join(ROOT, "activities", "target", "st-venv")


def in_venv():
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        venv.create(VENV, with_pip=True)
        subprocess.check_call([python, "-m", "pip", "install", "--quiet",
                               f"safetensors=={SAFETENSORS_VERSION}", f"numpy=={NUMPY_VERSION}"])
    if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
        os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])


def expected_shapes(cfg):
    d, f, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    hd = cfg.get("head_dim", d // cfg["num_attention_heads"])
    q = cfg["num_attention_heads"] * hd
    kv = cfg["num_key_value_heads"] * hd
    out = {"model.embed_tokens.weight": (v, d), "model.norm.weight": (d,)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        out[p + "input_layernorm.weight"] = (d,)
        out[p + "self_attn.q_proj.weight"] = (q, d)
        out[p + "self_attn.k_proj.weight"] = (kv, d)
        out[p + "self_attn.v_proj.weight"] = (kv, d)
        out[p + "self_attn.o_proj.weight"] = (d, q)
        out[p + "post_attention_layernorm.weight"] = (d,)
        out[p + "mlp.gate_proj.weight"] = (f, d)
        out[p + "mlp.up_proj.weight"] = (f, d)
        out[p + "mlp.down_proj.weight"] = (d, f)
    if not cfg.get("tie_word_embeddings", True):
        out["lm_head.weight"] = (v, d)
    return out


def forward(np, w, cfg, ids):
    eps = cfg["rms_norm_eps"]
    heads = cfg["num_attention_heads"]
    kv_heads = cfg["num_key_value_heads"]
    d = cfg["hidden_size"]
    hd = cfg.get("head_dim", d // heads)
    theta = cfg["rope_theta"]
    t = len(ids)

    def rms(x, weight):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight

    def rotate_half(x):
        half = x.shape[-1] // 2
        return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)

    inv_freq = 1.0 / (theta ** (np.arange(0, hd, 2, dtype=np.float64) / hd))
    freqs = np.outer(np.arange(t, dtype=np.float64), inv_freq)  # [T, hd/2]
    emb = np.concatenate([freqs, freqs], axis=-1)  # [T, hd]
    cos, sin = np.cos(emb)[None], np.sin(emb)[None]  # [1, T, hd]
    mask = np.triu(np.full((t, t), -np.inf), k=1)

    emb_w = w["model.embed_tokens.weight"]
    x = emb_w[np.array(ids)]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms(x, w[p + "input_layernorm.weight"])
        q = (h @ w[p + "self_attn.q_proj.weight"].T).reshape(t, heads, hd).transpose(1, 0, 2)
        k = (h @ w[p + "self_attn.k_proj.weight"].T).reshape(t, kv_heads, hd).transpose(1, 0, 2)
        v = (h @ w[p + "self_attn.v_proj.weight"].T).reshape(t, kv_heads, hd).transpose(1, 0, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if kv_heads != heads:
            k = np.repeat(k, heads // kv_heads, axis=0)
            v = np.repeat(v, heads // kv_heads, axis=0)
        s = q @ k.transpose(0, 2, 1) / np.sqrt(hd) + mask
        s = np.exp(s - s.max(axis=-1, keepdims=True))
        a = s / s.sum(axis=-1, keepdims=True)
        y = (a @ v).transpose(1, 0, 2).reshape(t, heads * hd)
        x = x + y @ w[p + "self_attn.o_proj.weight"].T
        h = rms(x, w[p + "post_attention_layernorm.weight"])
        g = h @ w[p + "mlp.gate_proj.weight"].T
        u = h @ w[p + "mlp.up_proj.weight"].T
        x = x + (g / (1 + np.exp(-g)) * u) @ w[p + "mlp.down_proj.weight"].T
    x = rms(x, w["model.norm.weight"])
    head = w["lm_head.weight"] if "lm_head.weight" in w else emb_w
    return x @ head.T


def main():
    in_venv()
    import numpy as np
    from safetensors.numpy import load_file
    from safetensors import safe_open

    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--tokens", required=True, help="comma-separated token ids")
    ap.add_argument("--out")
    args = ap.parse_args()

    with open(os.path.join(args.dir, "config.json")) as f:
        cfg = json.load(f)
    path = os.path.join(args.dir, "model.safetensors")
    with safe_open(path, framework="np") as f:
        meta = f.metadata()
    raw = load_file(path)
    failures = []
    if cfg.get("architectures") != ["LlamaForCausalLM"] or cfg.get("model_type") != "llama":
        failures.append(f"architectures/model_type: {cfg.get('architectures')} {cfg.get('model_type')}")
    if (meta or {}).get("format") != "pt":
        failures.append(f"__metadata__.format is {(meta or {}).get('format')}, transformers wants pt")
    want = expected_shapes(cfg)
    if set(raw) != set(want):
        failures.append(f"names: missing {sorted(set(want) - set(raw))}, extra {sorted(set(raw) - set(want))}")
    for name, shape in want.items():
        if name in raw and tuple(raw[name].shape) != shape:
            failures.append(f"{name}: shape {raw[name].shape}, config says {shape}")
    dtypes = sorted({str(a.dtype) for a in raw.values()})
    print(f"{path}: {len(raw)} tensors, dtypes {dtypes}, metadata {meta}", file=sys.stderr)
    if failures:
        for m in failures:
            print("FAIL " + m, file=sys.stderr)
        sys.exit(1)
    w = {k: v.astype(np.float64) for k, v in raw.items()}
    ids = [int(s) for s in args.tokens.split(",")]
    logits = forward(np, w, cfg, ids)
    doc = json.dumps({"shape": list(logits.shape), "logits": [float(v) for v in logits.reshape(-1)]})
    if args.out:
        with open(args.out, "w") as f:
            f.write(doc)
    else:
        print(doc)


if __name__ == "__main__":
    main()
