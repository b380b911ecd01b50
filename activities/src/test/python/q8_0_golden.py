#!/usr/bin/env python3
"""Golden bytes for Q8_0Test, from the reference quantizer (gguf-py, the llama.cpp project's Python
package on PyPI), so the test checks our layout against an implementation that is not ours.

Run from the repository root; it installs gguf into a venv under activities/target and rewrites
the two files under activities/src/test/resources/golden/:
  q8_0-input.f32   the input values, float32 little-endian (blocks of 32)
  q8_0-gguf.bin    gguf.quants.quantize(input, Q8_0): per block an fp16 scale then 32 int8

    python3 activities/src/test/python/q8_0_golden.py
"""
import os
import subprocess
import sys
import venv

GGUF_VERSION = "0.19.0"
# this file is <root>/activities/src/test/python/q8_0_golden.py
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
VENV = os.path.join(ROOT, "activities", "target", "gguf-venv")
OUT = os.path.join(ROOT, "activities", "src", "test", "resources", "golden")


def in_venv():
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        venv.create(VENV, with_pip=True)
        subprocess.check_call([python, "-m", "pip", "install", "--quiet", f"gguf=={GGUF_VERSION}"])
    if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
        os.execv(python, [python, os.path.abspath(__file__)])


def inputs(np):
    rng = np.random.default_rng(20261207)
    blocks = []
    # ordinary blocks across magnitudes, including fp16-subnormal scales (amax/127 < 2^-14)
    for exponent in (-7, -5, -3, -1, 0, 2, 4):
        blocks.append(rng.standard_normal(32) * 10.0 ** exponent)
    # outliers: one value dominates the block
    b = rng.standard_normal(32)
    b[5] = 40.0
    blocks.append(b)
    # exact halves after scaling (127 sets d = 1): rounding must go away from zero
    blocks.append(np.array([127, 2.5, -2.5, 0.5, -0.5, 1.5, -1.5, 126.5] + [0.25 * i for i in range(24)]))
    # all zero, and all equal
    blocks.append(np.zeros(32))
    blocks.append(np.full(32, -3.0))
    # a ramp whose extreme is negative
    blocks.append(np.arange(32) - 16.0)
    return np.concatenate(blocks).astype(np.float32)


def main():
    in_venv()
    import numpy as np
    from gguf import GGMLQuantizationType
    from gguf.quants import quantize

    x = inputs(np)
    q = quantize(x.reshape(-1, 32), GGMLQuantizationType.Q8_0)
    os.makedirs(OUT, exist_ok=True)
    x.astype("<f4").tofile(os.path.join(OUT, "q8_0-input.f32"))
    np.asarray(q, dtype=np.uint8).tofile(os.path.join(OUT, "q8_0-gguf.bin"))
    print(f"{x.size} values, {q.nbytes} bytes of Q8_0 from gguf {GGUF_VERSION} -> {OUT}")


if __name__ == "__main__":
    main()
