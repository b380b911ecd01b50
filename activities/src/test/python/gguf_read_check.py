#!/usr/bin/env python3
"""Reads GGUF files that GgufExport wrote with gguf-py's GGUFReader (the llama.cpp project's Python
package, pinned below) and checks them against what llama.cpp's llama architecture expects and
against each other.

For every file: prints the metadata (arrays shortened) and the tensors; checks the keys llama.cpp
reads, that tokens, token types and the embedding rows agree, that there is no output.weight (the
head is tied to token_embd), the tensor names and shapes per block, and that 1-D tensors are F32.

For files named <stem>-<type>.gguf that have a <stem>-f32.gguf beside them: every tensor, dequantized
by gguf-py, must be within the type's error bound of the F32 file's tensor (F16: half an fp16 ulp;
Q8_0: per block d/2 plus the fp16 rounding of d, 0.5625 d; Q4_0: per block |d| plus the fp16
rounding, 1.0625 |d|, since one side is clamped), and must be byte-identical to gguf-py's own
quantization of the F32 tensor (F16: numpy's float16 conversion). Metadata other than
general.file_type must be the same as the F32 file's.

Files come from GgufExportTest with -Dgguf.check.dir (see docs/gguf.md):

    mvn -o -B -q -pl activities -am test -Dtest=GgufExportTest -Dsurefire.failIfNoSpecifiedTests=false \
        -Dgguf.check.dir=$PWD/activities/target/gguf-check
    python3 activities/src/test/python/gguf_read_check.py activities/target/gguf-check

It creates (once) a venv under activities/target/gguf-venv with gguf and numpy and re-runs itself
there. Exit status 1 when a check fails.
"""
import os
import re
import subprocess
import sys
import venv

GGUF_VERSION = "0.19.0"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
VENV = os.path.join(ROOT, "activities", "target", "gguf-venv")
DEFAULT_DIR = os.path.join(ROOT, "activities", "target", "gguf-check")

LLAMA_KEYS = [
    "general.architecture", "general.name", "general.file_type",
    "llama.context_length", "llama.embedding_length", "llama.block_count", "llama.feed_forward_length",
    "llama.rope.dimension_count", "llama.attention.head_count", "llama.attention.head_count_kv",
    "llama.attention.layer_norm_rms_epsilon", "llama.rope.freq_base",
    "tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.tokens", "tokenizer.ggml.token_type",
    "tokenizer.ggml.merges", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
    "tokenizer.ggml.add_bos_token",
]
BLOCK_TENSORS = ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up",
                 "ffn_down"]


def in_venv():
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        venv.create(VENV, with_pip=True)
        subprocess.check_call([python, "-m", "pip", "install", "--quiet", f"gguf=={GGUF_VERSION}", "numpy"])
    if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
        os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])


class Checks:
    def __init__(self):
        self.failures = []
        self.passed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failures.append(what)
            print(f"  FAIL {what}")


def metadata(reader):
    """key -> (type name, python value)"""
    from gguf import GGUFValueType
    out = {}
    for key, field in reader.fields.items():
        if key.startswith("GGUF."):
            continue  # the reader's own header pseudo-fields
        types = field.types
        name = types[0].name if types[0] != GGUFValueType.ARRAY else f"ARRAY[{types[-1].name}]"
        out[key] = (name, field.contents())
    return out


def show(value):
    if isinstance(value, list):
        head = ", ".join(repr(v) for v in value[:6])
        return f"[{len(value)} items: {head}{', ...' if len(value) > 6 else ''}]"
    if isinstance(value, float):
        return f"{value:.9g}"
    return repr(value)


def check_file(path, checks):
    import numpy as np
    from gguf import GGMLQuantizationType, GGUFReader

    reader = GGUFReader(path)
    meta = metadata(reader)
    print(f"\n== {os.path.basename(path)}: GGUF v{reader.fields['GGUF.version'].contents()}, "
          f"{len(meta)} keys, {len(reader.tensors)} tensors, alignment {reader.alignment}, "
          f"data at {reader.data_offset}, {os.path.getsize(path)} bytes")
    for key, (tname, value) in meta.items():
        print(f"  {key} ({tname}) = {show(value)}")

    for key in LLAMA_KEYS:
        checks.check(key in meta, f"{path}: has {key}")
    v = {k: val for k, (_, val) in meta.items()}
    checks.check(v.get("general.architecture") == "llama", f"{path}: architecture llama")
    checks.check(v.get("tokenizer.ggml.model") == "gpt2", f"{path}: tokenizer model gpt2")
    checks.check(v.get("tokenizer.ggml.pre") == "llama-bpe", f"{path}: pre-tokenizer llama-bpe")
    checks.check(v.get("tokenizer.ggml.add_bos_token") is False, f"{path}: add_bos_token false")
    tokens = v.get("tokenizer.ggml.tokens", [])
    types = v.get("tokenizer.ggml.token_type", [])
    merges = v.get("tokenizer.ggml.merges", [])
    checks.check(len(tokens) == len(types), f"{path}: one token type per token")
    checks.check(len(set(tokens)) == len(tokens), f"{path}: tokens are distinct")
    checks.check(set(types) <= {1, 3, 5}, f"{path}: token types normal/control/unused")
    eos = v.get("tokenizer.ggml.eos_token_id", -1)
    checks.check(0 <= eos < len(tokens) and tokens[eos] == "<|endoftext|>" and types[eos] == 3,
                 f"{path}: eos is the <|endoftext|> control token")
    checks.check(v.get("tokenizer.ggml.bos_token_id") == eos, f"{path}: bos = eos")
    known = set(tokens)
    checks.check(all(" " in m and m.split(" ", 1)[0] in known and m.split(" ", 1)[1] in known
                     and m.replace(" ", "", 1) in known for m in merges),
                 f"{path}: every merge joins two tokens into a token")
    checks.check(v.get("llama.vocab_size", len(tokens)) == len(tokens), f"{path}: llama.vocab_size = tokens")

    print("  tensors:")
    tensors = {t.name: t for t in reader.tensors}
    for t in reader.tensors:
        print(f"    {t.name:28s} {t.tensor_type.name:5s} ne={list(int(x) for x in t.shape)} "
              f"offset={t.data_offset - reader.data_offset} bytes={t.n_bytes}")
        checks.check((t.data_offset - reader.data_offset) % reader.alignment == 0, f"{path}: {t.name} aligned")
        if len(t.shape) == 1:
            checks.check(t.tensor_type == GGMLQuantizationType.F32, f"{path}: {t.name} (1-D) is F32")
    d = v.get("llama.embedding_length")
    ff = v.get("llama.feed_forward_length")
    n_layer = v.get("llama.block_count", 0)
    heads, heads_kv = v.get("llama.attention.head_count"), v.get("llama.attention.head_count_kv")
    checks.check(v.get("llama.rope.dimension_count") == d // heads, f"{path}: rope dims = head dim")
    expected = {"token_embd.weight": [d, len(tokens)], "output_norm.weight": [d]}
    for i in range(n_layer):
        p = f"blk.{i}."
        kv = d // heads * heads_kv
        expected.update({p + "attn_norm.weight": [d], p + "attn_q.weight": [d, d], p + "attn_k.weight": [d, kv],
                         p + "attn_v.weight": [d, kv], p + "attn_output.weight": [d, d], p + "ffn_norm.weight": [d],
                         p + "ffn_gate.weight": [d, ff], p + "ffn_up.weight": [d, ff],
                         p + "ffn_down.weight": [ff, d]})
    checks.check(sorted(tensors) == sorted(expected), f"{path}: exactly llama.cpp's tensor names")
    checks.check("output.weight" not in tensors, f"{path}: no output.weight (tied to token_embd)")
    for name, ne in expected.items():
        if name in tensors:
            checks.check([int(x) for x in tensors[name].shape] == ne, f"{path}: {name} ne = {ne}")
    return reader, meta


def compare(path, reader, meta, ref_reader, ref_meta, checks):
    """Each tensor of a non-F32 file against the F32 file's."""
    import numpy as np
    from gguf import GGMLQuantizationType as T
    from gguf.quants import dequantize, quantize

    diff_keys = sorted(k for k in set(meta) | set(ref_meta)
                       if k != "general.file_type" and meta.get(k) != ref_meta.get(k))
    checks.check(not diff_keys, f"{path}: metadata as in the F32 file (differs: {diff_keys})")
    ref = {t.name: t for t in ref_reader.tensors}
    worst = {}
    for t in reader.tensors:
        r = ref[t.name]
        x = np.asarray(r.data, dtype=np.float32).reshape(-1, int(r.shape[0]))
        y = dequantize(np.asarray(t.data), t.tensor_type).reshape(x.shape).astype(np.float32)
        err = np.abs(x - y)
        if t.tensor_type == T.F32:
            bound = np.zeros_like(x)
            same = np.array_equal(np.asarray(t.data).view(np.uint8), np.asarray(r.data).view(np.uint8))
        elif t.tensor_type == T.F16:
            # half an ulp of the fp16 result (normal range) or of the smallest subnormal
            bound = np.maximum(np.abs(x) * 2.0 ** -11, 2.0 ** -25)
            same = np.array_equal(np.asarray(t.data).view(np.uint16), x.astype(np.float16).view(np.uint16))
        else:
            blocks = x.reshape(-1, 32)
            amax = np.abs(blocks).max(axis=1, keepdims=True)
            step = amax / 127 if t.tensor_type == T.Q8_0 else amax / 8
            factor = 0.5625 if t.tensor_type == T.Q8_0 else 1.0625
            bound = np.broadcast_to(step * factor, blocks.shape).reshape(x.shape)
            same = np.array_equal(np.asarray(t.data, dtype=np.uint8), quantize(x, t.tensor_type))
        within = bool(np.all(err <= bound * (1 + 1e-6) + 1e-12))
        rel = float(np.max(err / np.where(bound > 0, bound, 1))) if bound.any() else float(np.max(err))
        print(f"    {t.name:28s} {t.tensor_type.name:5s} max|err| {float(err.max()):.3g} "
              f"({rel:.3f} of bound)  bytes {'==' if same else '!='} gguf-py")
        checks.check(within, f"{path}: {t.name} within the {t.tensor_type.name} bound")
        checks.check(same, f"{path}: {t.name} bytes equal gguf-py's {t.tensor_type.name}")
        key = t.tensor_type.name
        worst[key] = max(worst.get(key, 0.0), rel)
    print("  worst error / bound by type: " + ", ".join(f"{k} {w:.3f}" for k, w in sorted(worst.items())))


def main():
    in_venv()
    from gguf import GGUFReader  # noqa: F401  (fails early if the venv is broken)

    args = sys.argv[1:] or [DEFAULT_DIR]
    files = []
    for a in args:
        if os.path.isdir(a):
            files += sorted(os.path.join(a, f) for f in os.listdir(a) if f.endswith(".gguf"))
        else:
            files.append(a)
    if not files:
        print(f"no .gguf files in {args}")
        return 1
    checks = Checks()
    read = {}
    for f in files:
        read[f] = check_file(f, checks)
    for f in files:
        m = re.match(r"(.*)-(f16|q8_0|q4_0)\.gguf$", f)
        if m and m.group(1) + "-f32.gguf" in read:
            print(f"\n== {os.path.basename(f)} vs {os.path.basename(m.group(1))}-f32.gguf")
            compare(f, *read[f], *read[m.group(1) + "-f32.gguf"], checks)
    print(f"\n{len(files)} files, {checks.passed} checks passed, {len(checks.failures)} failed")
    for what in checks.failures:
        print(f"  FAILED: {what}")
    return 1 if checks.failures else 0


if __name__ == "__main__":
    sys.exit(main())
