#!/usr/bin/env python3
"""Reference side of the curation benchmark: the same filter chain as our Java curation run, done by
HuggingFace datatrove (PyPI), timed per core, with datatrove's own per-step times and drop counts.

Chain, every step with datatrove's default parameters:
  JsonlReader -> GopherRepetitionFilter -> GopherQualityFilter -> C4QualityFilter
  -> FineWebQualityFilter -> PIIFormatter -> JsonlWriter
run by LocalPipelineExecutor with tasks = workers = each of --workers (default 1 and 2).

Not covered: language ID. datatrove's LanguageFilter loads fastText's lid.176.bin from a fixed
address outside PyPI at run time (datatrove.utils.lid.FT176LID.MODEL_URL), and GlotLID comes from
the Hugging Face hub; neither can be fetched where only package registries are reachable, so that
stage is left out of the comparison. Nothing else in the chain needs a download: the word and
sentence splitting of the English filters is spaCy's blank "en" pipeline plus its rule-based
sentencizer (datatrove.utils.word_tokenizers.SpaCyTokenizer), which ships with the spacy wheel, so
no spaCy model and no nltk punkt data is used.

Run from the repository root; it makes a venv under batch-jobs/target/datatrove-venv (installing
the pins below, constrained by datatrove-constraints.txt beside this file) and re-runs itself there:

    python3 batch-jobs/src/test/python/datatrove_curation.py CORPUS_DIR [--workers 1,2] [--rounds 3]

CORPUS_DIR holds *.jsonl files (any depth) with at least "id" and "text"; "source" is used to
group the drop counts. Because datatrove gives whole files to tasks, the documents are first
re-dealt into as many files as there are tasks, balanced by text bytes, so that N workers each get
an equal share (batch-jobs/target/datatrove-bench/input-N/). MB are 10^6 bytes of the UTF-8 "text"
field of the input documents ("text MB"); the JSONL file bytes are reported as well.

Each timed run is a fresh interpreter (so spaCy's load is paid every run, as in a real job); the
wall time is that of LocalPipelineExecutor.run(). Per-step seconds are datatrove's own
(stats.json in the run's logging dir, summed over tasks), so for 2 workers they add up to about
twice the wall time. The last line of stdout is one JSON object with all figures. An extra,
untimed run with an exclusion writer on every filter records which documents each filter drops
(dropped_by_source in the JSON, and dropped-docs.tsv: id, source, filter, reason).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import venv

DATATROVE_VERSION = "0.10.1"
# datatrove's own requirements come with it; these are the optional ones the chain needs:
# orjson for JsonlReader/JsonlWriter, spacy for the English word/sentence tokenizer, regex for
# datatrove.utils.word_tokenizers
PINS = [f"datatrove=={DATATROVE_VERSION}", "orjson==3.13.0", "spacy==3.8.18", "regex==2026.12.2"]

HERE = os.path.dirname(os.path.abspath(__file__))
# this file is <root>/batch-jobs/src/test/python/datatrove_curation.py
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
TARGET = os.path.join(ROOT, "batch-jobs", "target")
VENV = os.path.join(TARGET, "datatrove-venv")
WORK = os.path.join(TARGET, "datatrove-bench")
CONSTRAINTS = os.path.join(HERE, "datatrove-constraints.txt")

# stats.json lists the steps in pipeline order; these are our names for them
STEPS = ["read_jsonl", "gopher_repetition", "gopher_quality", "c4_quality", "fineweb_quality", "pii", "write_jsonl"]
FILTERS = STEPS[1:5]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def in_venv():
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        venv.create(VENV, with_pip=True)
        cmd = [python, "-m", "pip", "install", "--quiet", *PINS]
        if os.path.exists(CONSTRAINTS):
            cmd += ["-c", CONSTRAINTS]
        subprocess.check_call(cmd)
    if os.path.realpath(sys.prefix) != os.path.realpath(VENV):
        os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])


def corpus_files(corpus):
    found = []
    for dirpath, _, names in os.walk(corpus):
        found += [os.path.join(dirpath, n) for n in names if n.endswith(".jsonl")]
    return sorted(found)


def prepare_inputs(corpus, task_counts):
    """Deals the corpus's documents into n files for each n in task_counts, each document to the file
    with the fewest text bytes so far; returns the corpus's totals."""
    import orjson

    files = corpus_files(corpus)
    if not files:
        sys.exit(f"no .jsonl files under {corpus}")
    outs = {}
    for n in task_counts:
        folder = os.path.join(WORK, f"input-{n}")
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        outs[n] = ([open(os.path.join(folder, f"part-{i:03d}.jsonl"), "wb") for i in range(n)], [0] * n)
    totals = {"input_files": len(files), "file_bytes": 0, "text_bytes": 0, "docs": 0, "docs_by_source": {}}
    for path in files:
        totals["file_bytes"] += os.path.getsize(path)
        with open(path, "rb") as f:
            for line in f:
                if not line.strip():
                    continue
                record = orjson.loads(line)
                text_bytes = len(record.get("text", "").encode("utf-8"))
                totals["text_bytes"] += text_bytes
                totals["docs"] += 1
                source = str(record.get("source", "?"))
                totals["docs_by_source"][source] = totals["docs_by_source"].get(source, 0) + 1
                if not line.endswith(b"\n"):
                    line += b"\n"
                for handles, sizes in outs.values():
                    i = sizes.index(min(sizes))
                    handles[i].write(line)
                    sizes[i] += text_bytes
    for handles, _ in outs.values():
        for h in handles:
            h.close()
    return totals


def build_pipeline(output_dir, writer_compression, exclusion_root=None):
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )
    from datatrove.pipeline.formatters import PIIFormatter
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    def excluded(name):
        if exclusion_root is None:
            return None
        return JsonlWriter(os.path.join(exclusion_root, name), compression=None)

    return lambda input_dir: [
        JsonlReader(input_dir),
        GopherRepetitionFilter(exclusion_writer=excluded("gopher_repetition")),
        GopherQualityFilter(exclusion_writer=excluded("gopher_quality")),
        C4QualityFilter(exclusion_writer=excluded("c4_quality")),
        FineWebQualityFilter(exclusion_writer=excluded("fineweb_quality")),
        PIIFormatter(),
        JsonlWriter(output_dir, compression=writer_compression),
    ]


def cpu_jiffies():
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


class TreeCpu(threading.Thread):
    """CPU seconds of this process and all its descendants, sampled from /proc: the pool workers are
    children of the forkserver, so getrusage(RUSAGE_CHILDREN) would not see them."""

    def __init__(self, interval=0.2):
        super().__init__(daemon=True)
        self.interval = interval
        self.seen = {}  # pid -> last utime+stime in clock ticks
        self.done = threading.Event()

    def sample(self):
        parents = {}
        ticks = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)] = int(fields[1])
            ticks[int(entry)] = int(fields[11]) + int(fields[12])
        tree = {os.getpid()}
        grew = True
        while grew:
            grew = False
            for pid, ppid in parents.items():
                if ppid in tree and pid not in tree:
                    tree.add(pid)
                    grew = True
        for pid in tree:
            self.seen[pid] = max(self.seen.get(pid, 0), ticks.get(pid, 0))

    def run(self):
        while not self.done.wait(self.interval):
            self.sample()

    def stop(self):
        self.sample()
        self.done.set()
        self.join()
        return sum(self.seen.values()) / os.sysconf("SC_CLK_TCK")


def one_run(args):
    """Runs the chain once in this interpreter and prints its raw figures as JSON."""
    from datatrove.executor import LocalPipelineExecutor

    run_dir = args.run_dir
    shutil.rmtree(run_dir, ignore_errors=True)
    exclusion_root = os.path.join(run_dir, "excluded") if args.exclusions else None
    pipeline = build_pipeline(os.path.join(run_dir, "output"), args.writer_compression or None, exclusion_root)
    executor = LocalPipelineExecutor(
        pipeline(args.input_dir),
        tasks=args.tasks,
        workers=args.tasks,
        logging_dir=os.path.join(run_dir, "logs"),
        skip_completed=False,
    )
    busy0, all0 = cpu_jiffies()
    tree = TreeCpu()
    tree.sample()
    cpu0 = sum(tree.seen.values()) / os.sysconf("SC_CLK_TCK")
    tree.start()
    start = time.perf_counter()
    executor.run()
    wall = time.perf_counter() - start
    cpu_s = tree.stop() - cpu0
    ticks = os.sysconf("SC_CLK_TCK")
    busy1, all1 = cpu_jiffies()
    with open(os.path.join(run_dir, "logs", "stats.json")) as f:
        stats = json.load(f)
    print(json.dumps({
        "wall_s": wall,
        # CPU seconds of this process tree (the workers included) during run()
        "cpu_s": cpu_s,
        # the busiest processes' CPU seconds: with N workers, N about equal shares show they ran in parallel
        "top_process_cpu_s": sorted((t / ticks for t in tree.seen.values()), reverse=True)[:4],
        # busy share of all the machine's CPUs during run(), times their count: shows other load
        "machine_busy_cores": (busy1 - busy0) / max(1, all1 - all0) * os.cpu_count(),
        "stats": stats,
    }))


def count(value):
    """A stats.json counter: a plain number, or a metric object with a total."""
    return value["total"] if isinstance(value, dict) else value


def stage_figures(stats):
    stages = {}
    chars_in = None
    for name, step in zip(STEPS, stats):
        counts = step.get("stats", {})
        # the reader counts what it yields as "documents", the other steps what they receive as "total"
        docs = counts.get("documents" if name == "read_jsonl" else "total", 0)
        entry = {"s": round(step["time_stats"]["total"], 3), "docs_in": count(docs)}
        own_chars = count(counts.get("doc_len", 0))
        if name == "write_jsonl":
            entry["chars_in"] = own_chars  # the PII step records no lengths; the writer records what it wrote
        elif chars_in is not None:
            # text characters reaching this step: what the step before passed on (after C4 cut its lines)
            entry["chars_in"] = chars_in
        chars_in = own_chars
        if name == "read_jsonl":
            entry["docs_out"] = entry.pop("docs_in")
        if name in FILTERS:
            entry["dropped"] = count(counts.get("dropped", 0))
            entry["reasons"] = {k[len("dropped_"):]: count(v) for k, v in counts.items() if k.startswith("dropped_")}
        stages[name] = entry
    return stages


def check_chain(stages):
    """Each filter must see every document its predecessor passed on (no sampling, nothing lost)."""
    previous = stages["read_jsonl"]["docs_out"]
    for name in STEPS[1:]:
        if stages[name]["docs_in"] != previous:
            raise RuntimeError(f"{name} saw {stages[name]['docs_in']} documents, {previous} were passed to it")
        previous = stages[name]["docs_in"] - stages[name].get("dropped", 0)


def spawn(input_dir, tasks, run_dir, writer_compression, exclusions=False):
    cmd = [sys.executable, os.path.abspath(__file__), "--one-run", "--input-dir", input_dir, "--tasks", str(tasks),
           "--run-dir", run_dir, "--writer-compression", writer_compression]
    if exclusions:
        cmd.append("--exclusions")
    os.makedirs(WORK, exist_ok=True)
    with open(run_dir + ".log", "w") as err:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=err, check=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def attribute_drops(exclusion_root):
    """Per source and filter, the documents the filter dropped; also writes them out one per line."""
    by_source = {}
    rows = []
    for name in FILTERS:
        folder = os.path.join(exclusion_root, name)
        if not os.path.isdir(folder):
            continue
        for fname in sorted(os.listdir(folder)):
            with open(os.path.join(folder, fname), encoding="utf-8") as f:
                for line in f:
                    doc = json.loads(line)
                    meta = doc.get("metadata", {})
                    source = str(meta.get("source", "?"))
                    by_source.setdefault(source, {}).setdefault(name, 0)
                    by_source[source][name] += 1
                    rows.append((doc["id"], source, name, str(meta.get("filter_reason", ""))))
    tsv = os.path.join(WORK, "dropped-docs.tsv")
    with open(tsv, "w", encoding="utf-8") as f:
        f.write("id\tsource\tfilter\treason\n")
        for row in sorted(rows):
            f.write("\t".join(row) + "\n")
    return by_source, tsv


def median_run(runs):
    """The run whose wall time is the median (lower middle for an even count)."""
    ordered = sorted(runs, key=lambda r: r["wall_s"])
    return ordered[(len(ordered) - 1) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpus", nargs="?", help="directory of .jsonl files (searched recursively)")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts (tasks = workers)")
    parser.add_argument("--rounds", type=int, default=1, help="runs per worker count; the median is reported")
    parser.add_argument("--writer-compression", default="gzip",
                        help="JsonlWriter compression: gzip (datatrove's default) or none")
    parser.add_argument("--no-attribution", action="store_true", help="skip the untimed per-document drop run")
    # internal: one timed run in a fresh interpreter
    parser.add_argument("--one-run", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--input-dir", help=argparse.SUPPRESS)
    parser.add_argument("--tasks", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--run-dir", help=argparse.SUPPRESS)
    parser.add_argument("--exclusions", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer_compression == "none":
        args.writer_compression = ""

    in_venv()
    if args.one_run:
        one_run(args)
        return
    if not args.corpus:
        parser.error("corpus directory required")
    worker_counts = [int(w) for w in args.workers.split(",")]

    # runs of an earlier invocation (other worker counts or rounds) must not be mistaken for this one's
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    log(f"dealing {args.corpus} into {worker_counts} files under {WORK}")
    totals = prepare_inputs(args.corpus, worker_counts)
    text_mb = totals["text_bytes"] / 1e6
    log(f"{totals['docs']} docs, {text_mb:.1f} text MB, {totals['file_bytes'] / 1e6:.1f} file MB")

    results = []
    for workers in worker_counts:
        runs = []
        for r in range(args.rounds):
            run_dir = os.path.join(WORK, f"run-w{workers}-r{r}")
            raw = spawn(os.path.join(WORK, f"input-{workers}"), workers, run_dir, args.writer_compression)
            stages = stage_figures(raw["stats"])
            check_chain(stages)
            if stages["read_jsonl"]["docs_out"] != totals["docs"]:
                raise RuntimeError(f"read {stages['read_jsonl']['docs_out']} of {totals['docs']} documents")
            mb_s = text_mb / raw["wall_s"]
            runs.append({
                "workers": workers,
                "round": r,
                "wall_s": round(raw["wall_s"], 3),
                "mb_per_s": round(mb_s, 4),
                "mb_per_s_per_core": round(mb_s / workers, 4),
                "file_mb_per_s": round(totals["file_bytes"] / 1e6 / raw["wall_s"], 4),
                "cpu_s": round(raw["cpu_s"], 2),
                # text MB per CPU second of the process tree: per-core speed that other load on the machine
                # distorts less than wall time does
                "mb_per_cpu_s": round(text_mb / raw["cpu_s"], 4),
                "cpu_busy_cores": round(raw["cpu_s"] / raw["wall_s"], 2),
                "top_process_cpu_s": [round(t, 1) for t in raw["top_process_cpu_s"]],
                "machine_busy_cores": round(raw["machine_busy_cores"], 2),
                "docs_out": stages["write_jsonl"]["docs_in"],
                "stages": stages,
            })
            log(f"workers={workers} round={r}: {raw['wall_s']:.1f} s, {mb_s / workers:.3f} text MB/s per core, "
                f"{raw['cpu_s'] / raw['wall_s']:.2f} cores busy ({raw['machine_busy_cores']:.2f} machine-wide), "
                f"{stages['write_jsonl']['docs_in']} docs kept")
        best = dict(median_run(runs))
        best["rounds_wall_s"] = [r["wall_s"] for r in runs]
        best["median_wall_s"] = round(statistics.median(best["rounds_wall_s"]), 3)
        del best["round"]
        results.append(best)

    summary = {
        "tool": "datatrove",
        "version": DATATROVE_VERSION,
        "mb": "10^6 bytes of the UTF-8 text field of the input documents",
        "input_bytes": totals["text_bytes"],
        "input_file_bytes": totals["file_bytes"],
        "docs": totals["docs"],
        "docs_by_source": totals["docs_by_source"],
        "writer_compression": args.writer_compression or "none",
        "not_covered": {"language_id": "LanguageFilter needs fastText lid.176.bin, downloaded at run time "
                                       "from outside PyPI; not reachable here"},
        "runs": results,
    }
    if not args.no_attribution:
        workers = max(worker_counts)
        run_dir = os.path.join(WORK, "attribution")
        log(f"untimed run with exclusion writers ({workers} workers) for per-source drops")
        raw = spawn(os.path.join(WORK, f"input-{workers}"), workers, run_dir, args.writer_compression, True)
        by_source, tsv = attribute_drops(os.path.join(run_dir, "excluded"))
        stages = stage_figures(raw["stats"])
        for name in FILTERS:
            counted = sum(s.get(name, 0) for s in by_source.values())
            if counted != stages[name]["dropped"]:
                raise RuntimeError(f"{name}: {counted} excluded documents written, {stages[name]['dropped']} dropped")
        summary["dropped_by_source"] = by_source
        summary["kept_by_source"] = {
            src: n - sum(by_source.get(src, {}).values()) for src, n in totals["docs_by_source"].items()}
        summary["dropped_docs_tsv"] = os.path.relpath(tsv, ROOT)

    for run in results:
        log(f"\nworkers={run['workers']}: wall {run['wall_s']} s (rounds {run['rounds_wall_s']}), "
            f"{run['mb_per_s']} text MB/s, {run['mb_per_s_per_core']} per core, {run['mb_per_cpu_s']} per CPU s, "
            f"{run['cpu_busy_cores']} cores busy "
            f"({run['machine_busy_cores']} machine-wide)")
        for name, st in run["stages"].items():
            extra = f", dropped {st['dropped']}" if "dropped" in st else ""
            docs = f"in {st['docs_in']}" if "docs_in" in st else f"out {st['docs_out']}"
            log(f"  {name:18s} {st['s']:9.2f} s  {docs}{extra}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
