#!/usr/bin/env python3
"""Golden vectors for QuantGoldenTest: inputs and what gguf-py (the llama.cpp project's Python
package on PyPI, pinned below) makes of them in Q8_0 and Q4_0, so the Java quantizers are checked
byte for byte against an implementation that is not ours.

Run from anywhere; it creates a venv under activities/target/gguf-venv (gguf + numpy), re-runs
itself there and rewrites activities/src/test/resources/gguf-golden/:

  input.f32      all cases' values, float32 little-endian, each case zero-padded to whole blocks
  q8_0.bin       gguf.quants.quantize(input, Q8_0): per block an fp16 scale, then 32 int8
  q4_0.bin       gguf.quants.quantize(input, Q4_0): per block an fp16 scale, then 16 bytes of nibbles
  q8_0-deq.f32   gguf.quants.dequantize(q8_0.bin), float32
  q4_0-deq.f32   gguf.quants.dequantize(q4_0.bin), float32
  cases.json     {"gguf": version, "numpy": version, "cases": [{"name", "offset", "n", "padded"}]}:
                 a case's values are input[offset : offset + n]; the zero padding up to
                 offset + padded is what a tail block holds (the Java quantizers pad the same way)

    python3 activities/src/test/python/gguf_golden.py
"""
import json
import os
import subprocess
import sys
import venv

GGUF_VERSION = "0.19.0"
BLOCK = 32
# this file is <root>/activities/src/test/python/gguf_golden.py
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
VENV = os.path.join(ROOT, "activities", "target", "gguf-venv")
OUT = os.path.join(ROOT, "activities", "src", "test", "resources", "gguf-golden")


def in_venv():
    """Re-runs this script with the venv's python, creating the venv first if needed."""
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        venv.create(VENV, with_pip=True)
        subprocess.check_call([python, "-m", "pip", "install", "--quiet", f"gguf=={GGUF_VERSION}", "numpy"])
    if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
        os.execv(python, [python, os.path.abspath(__file__)] + sys.argv[1:])


def cases(np):
    """(name, float32 values) pairs; lengths need not be multiples of 32."""
    f32 = np.float32
    rng = np.random.default_rng(20261207)
    out = []
    # weights-like values at several magnitudes, one row of 256 and blocks across scales
    out.append(("normal 0.02 x256", rng.standard_normal(256) * 0.02))
    for exponent in (-6, -3, -1, 0, 1, 3):
        out.append((f"normal 1e{exponent}", rng.standard_normal(BLOCK) * 10.0 ** exponent))
    out.append(("all zeros", np.zeros(BLOCK)))
    b = np.zeros(BLOCK)
    b[5] = -0.0
    out.append(("zeros with a -0.0 inside", b))
    b = rng.standard_normal(BLOCK) * 0.01
    b[17] = 30000.0
    out.append(("one huge positive value", b))
    b = rng.standard_normal(BLOCK) * 0.01
    b[9] = -1.0e6  # Q4_0 scale 125000 overflows fp16 to infinity, as it does in llama.cpp
    out.append(("one value past fp16 range", b))
    b = rng.standard_normal(BLOCK)
    b[30] = -7.0
    out.append(("negative maximum", b))
    b = rng.uniform(-1, 1, BLOCK)
    b[3], b[20] = 2.0, -2.0
    out.append(("tie, positive first", b))
    b = rng.uniform(-1, 1, BLOCK)
    b[3], b[20] = -2.0, 2.0
    out.append(("tie, negative first", b))
    out.append(("all equal negative", np.full(BLOCK, -3.0)))
    out.append(("ramp -16..15", np.arange(BLOCK) - 16.0))
    # Q8_0 with max 127 has d = 1: x * id is x, and roundf goes half away from zero
    out.append(("q8 halves", np.array([127, 2.5, -2.5, 0.5, -0.5, 1.5, -1.5, 126.5, -126.5]
                                      + [0.25 * i - 3 for i in range(23)])))
    # Q4_0 with max -8 has d = 1, id = 1: codes are trunc(x + 8.5), clamped to 15
    q4 = [-8, -7.5, -0.5, 0.5, 7.5, 8, 6.5, -6.5, 0.49999997, -0.50000006, 7.4999995, 7.5000005]
    q4 += [0.5 * i - 7.75 for i in range(BLOCK - len(q4))]
    out.append(("q4 boundaries", np.array(q4)))
    # the same boundaries one ulp either side, with a scale that is not a power of two
    base = np.array(q4, dtype=f32) * f32(0.37)
    out.append(("q4 boundaries x0.37 -ulp", np.nextafter(base, f32(-np.inf))))
    out.append(("q4 boundaries x0.37 +ulp", np.nextafter(base, f32(np.inf))))
    # tiny values: fp16-subnormal scales, scales that flush to 0, float32 subnormals
    out.append(("fp16-subnormal scale", rng.standard_normal(BLOCK) * 1e-6))
    out.append(("scale flushes to 0", rng.standard_normal(BLOCK) * 1e-9))
    out.append(("1/d overflows (max 1e-37)", rng.standard_normal(BLOCK) * 1e-37))
    b = np.zeros(BLOCK)
    b[2], b[11], b[29] = 1e-40, -3e-41, 7e-45
    out.append(("float32 subnormals", b))
    # a row that is not whole blocks: 40 values, the tail block padded with zeros
    out.append(("tail of 40", rng.standard_normal(40)))
    out.append(("tail of 7, negative max", np.array([0.1, -0.9, 0.3, 0.45, -0.2, 0.8, 0.05])))
    return [(name, np.asarray(v, dtype=f32)) for name, v in out]


def main():
    in_venv()
    import numpy as np
    from gguf import GGMLQuantizationType
    from gguf.quants import dequantize, quantize

    chunks, meta, offset = [], [], 0
    for name, values in cases(np):
        padded = -(-values.size // BLOCK) * BLOCK
        chunk = np.zeros(padded, dtype=np.float32)
        chunk[: values.size] = values
        chunks.append(chunk)
        meta.append({"name": name, "offset": offset, "n": int(values.size), "padded": padded})
        offset += padded
    x = np.concatenate(chunks)
    os.makedirs(OUT, exist_ok=True)
    x.astype("<f4").tofile(os.path.join(OUT, "input.f32"))
    with np.errstate(all="ignore"):  # the overflow cases warn; that is what they test
        for qtype, stem in ((GGMLQuantizationType.Q8_0, "q8_0"), (GGMLQuantizationType.Q4_0, "q4_0")):
            q = quantize(x.reshape(-1, BLOCK), qtype)
            np.asarray(q, dtype=np.uint8).tofile(os.path.join(OUT, stem + ".bin"))
            deq = dequantize(q, qtype).reshape(-1)
            deq.astype("<f4").tofile(os.path.join(OUT, stem + "-deq.f32"))
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"gguf": GGUF_VERSION, "numpy": np.__version__, "block": BLOCK, "cases": meta}, f, indent=1)
        f.write("\n")
    print(f"{len(meta)} cases, {x.size} values ({x.size // BLOCK} blocks) from gguf {GGUF_VERSION} -> {OUT}")


if __name__ == "__main__":
    main()
