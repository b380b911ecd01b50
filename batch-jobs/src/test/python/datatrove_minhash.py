#!/usr/bin/env python3
"""Reference side of MinHashBenchmark: HuggingFace datatrove's MinHash signature stage
(MinhashDedupSignature, its defaults: word 5-grams, 14 buckets x 8 hashes) over the same corpus, one
task and one worker, timed per run; the median MB/s of the UTF-8 "text" field is the figure.

Run from the repository root; it makes its own venv under batch-jobs/target/datatrove-minhash-venv
(the pins below) and re-runs itself there:

    python3 batch-jobs/src/test/python/datatrove_minhash.py CORPUS_DIR [--rounds 3] [--chain]

With --chain it times the whole MinHash chain (signatures -> buckets -> clusters -> filter and write)
instead of the signature stage alone.

CORPUS_DIR holds *.jsonl files (any depth) with "id" and "text". The documents are first copied into
one input file (batch-jobs/target/datatrove-minhash/input/), so the reader sees one stream. Each timed
run is a fresh interpreter, as a real job would be; the time is that of LocalPipelineExecutor.run().
The last line of stdout is one JSON object with the figures.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import venv

# datatrove's minhash module imports spaCy (English word tokenizer), xxhash, and through the dedup
# package the Hugging Face tokenizers; orjson for the JSONL reader. xxhash 3.x: datatrove 0.10.1 hashes str, which
# xxhash 4 refuses ("Strings must be encoded before hashing")
PINS = ["datatrove==0.10.1", "orjson==3.13.0", "spacy==3.8.18", "regex==2026.12.2", "xxhash==3.5.0",
        "tokenizers==0.23.3"]

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
TARGET = os.path.join(ROOT, "batch-jobs", "target")
VENV = os.path.join(TARGET, "datatrove-minhash-venv")
WORK = os.path.join(TARGET, "datatrove-minhash")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def in_venv():
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        log(f"installing {', '.join(PINS)} into {VENV}")
        venv.create(VENV, with_pip=True)
        subprocess.check_call([python, "-m", "pip", "install", "--quiet", *PINS])
    if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
        os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])


def prepare(corpus):
    import orjson

    folder = os.path.join(WORK, "input")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    text_bytes = 0
    docs = 0
    with open(os.path.join(folder, "part-000.jsonl"), "wb") as out:
        for dirpath, _, names in sorted(os.walk(corpus)):
            for name in sorted(n for n in names if n.endswith(".jsonl")):
                with open(os.path.join(dirpath, name), "rb") as f:
                    for line in f:
                        if not line.strip():
                            continue
                        record = orjson.loads(line)
                        text_bytes += len(record.get("text", "").encode("utf-8"))
                        docs += 1
                        out.write(line if line.endswith(b"\n") else line + b"\n")
    return folder, text_bytes, docs


def one_run(input_dir, out_dir):
    """Runs in a fresh interpreter: the signature stage over the input, prints its wall seconds."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import MinhashConfig, MinhashDedupSignature
    from datatrove.pipeline.readers import JsonlReader

    shutil.rmtree(out_dir, ignore_errors=True)
    executor = LocalPipelineExecutor(
        pipeline=[JsonlReader(input_dir), MinhashDedupSignature(output_folder=os.path.join(out_dir, "signatures"),
                                                                config=MinhashConfig())],
        tasks=1, workers=1, logging_dir=os.path.join(out_dir, "logs"))
    start = time.perf_counter()
    executor.run()
    print(json.dumps({"seconds": time.perf_counter() - start}))


def one_chain(input_dir, out_dir):
    """Runs in a fresh interpreter: all four MinHash stages (signatures, buckets, clusters, filter and
    write), one worker each, the buckets stage as its 14 tasks one after the other; prints seconds per stage."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (MinhashConfig, MinhashDedupBuckets, MinhashDedupCluster,
                                                  MinhashDedupFilter, MinhashDedupSignature)
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    shutil.rmtree(out_dir, ignore_errors=True)
    config = MinhashConfig()
    d = lambda name: os.path.join(out_dir, name)
    stages = [
        ("signatures", [JsonlReader(input_dir), MinhashDedupSignature(output_folder=d("signatures"), config=config)], 1),
        ("buckets", [MinhashDedupBuckets(input_folder=d("signatures"), output_folder=d("buckets"), config=config)],
         config.num_buckets),
        ("clusters", [MinhashDedupCluster(input_folder=d("buckets"), output_folder=d("remove_ids"), config=config)], 1),
        ("filter", [JsonlReader(input_dir), MinhashDedupFilter(input_folder=d("remove_ids")),
                    JsonlWriter(d("deduplicated"))], 1),
    ]
    seconds = {}
    for name, pipeline, tasks in stages:
        executor = LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=1, logging_dir=d("logs-" + name))
        start = time.perf_counter()
        executor.run()
        seconds[name] = time.perf_counter() - start
    kept = 0
    for dirpath, _, names in os.walk(d("deduplicated")):
        for name in names:
            import gzip
            with gzip.open(os.path.join(dirpath, name), "rb") as f:
                kept += sum(1 for _ in f)
    print(json.dumps({"seconds": sum(seconds.values()), "stages": seconds, "kept": kept}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", nargs="?")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chain", action="store_true", help="time all four MinHash stages, not only signatures")
    parser.add_argument("--one-run", nargs=2, metavar=("INPUT", "OUT"))
    parser.add_argument("--one-chain", nargs=2, metavar=("INPUT", "OUT"))
    args = parser.parse_args()
    in_venv()
    if args.one_run:
        one_run(*args.one_run)
        return
    if args.one_chain:
        one_chain(*args.one_chain)
        return
    if args.chain:
        input_dir, text_bytes, docs = prepare(args.corpus)
        rounds = []
        for r in range(args.rounds):
            out = subprocess.run([sys.executable, os.path.abspath(__file__), "--one-chain", input_dir,
                                  os.path.join(WORK, "chain")], check=True, capture_output=True, text=True,
                                 env={**os.environ, "OMP_NUM_THREADS": "1"})
            result = json.loads(out.stdout.strip().splitlines()[-1])
            log(f"datatrove MinHash chain round {r + 1}: {result['seconds']:.1f} s "
                f"({', '.join(f'{k} {v:.1f} s' for k, v in result['stages'].items())}), kept {result['kept']} of {docs}")
            rounds.append(result)
        median = statistics.median(x["seconds"] for x in rounds)
        print(json.dumps({"tool": "datatrove 0.10.1 MinHash chain (signatures, 14 buckets, clusters, filter)",
                          "docs": docs, "text_bytes": text_bytes, "rounds": rounds, "median_seconds": median,
                          "mb_per_s": text_bytes / 1e6 / median}))
        return
    input_dir, text_bytes, docs = prepare(args.corpus)
    seconds = []
    for r in range(args.rounds):
        out = subprocess.run([sys.executable, os.path.abspath(__file__), "--one-run", input_dir,
                              os.path.join(WORK, "run")], check=True, capture_output=True, text=True,
                             env={**os.environ, "OMP_NUM_THREADS": "1"})
        s = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
        log(f"datatrove MinhashDedupSignature round {r + 1}: {s:.1f} s, {text_bytes / 1e6 / s:.2f} MB/s")
        seconds.append(s)
    median = statistics.median(seconds)
    print(json.dumps({"tool": "datatrove 0.10.1 MinhashDedupSignature (5-grams, 14 x 8)", "docs": docs,
                      "text_bytes": text_bytes, "seconds": seconds, "median_seconds": median,
                      "mb_per_s": text_bytes / 1e6 / median}))


if __name__ == "__main__":
    main()
