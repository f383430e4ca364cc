#!/usr/bin/env python3
"""The measurements of scripts/bench.sh, and the report. Run through bench.sh, which builds
proxylint, installs the peers into a virtual environment and passes their paths here.

Every command runs once under `/usr/bin/time -f ... timeout CAP` (the probe: peak RSS, exit
status, and whether it finished at all), then, if it finished in reasonable time, again
several times under hyperfine (`-N`, no shell; or, without hyperfine, in a loop of our own
that times each process with a monotonic clock and reads user/system time from wait4).
Results go to stdout as Markdown, to SCRATCH/results.json, and into BENCHMARKS.md between
the results markers.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
START_MARK = "<!-- bench.sh results: start (everything down to the end marker is rewritten) -->"
END_MARK = "<!-- bench.sh results: end -->"

# Time spent on repeated runs of one command, and the bounds on their count.
BUDGET_S = 30.0
MIN_RUNS, MAX_RUNS = 3, 30
# A probe slower than this is not repeated: its single run is the result.
REPEAT_LIMIT_S = 60.0


def log(msg):
    sys.stderr.write(f"[bench] {msg}\n")
    sys.stderr.flush()


def sh(cmd, cwd=None):
    """Output of a short informational command, or '?' when it fails."""
    try:
        out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=60)
        text = (out.stdout or out.stderr).strip()
        return text if text else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def tree_bytes(path):
    if os.path.isfile(path):
        return os.path.getsize(path), 1
    total = files = 0
    for dirpath, _, names in os.walk(path):
        for name in names:
            total += os.path.getsize(os.path.join(dirpath, name))
            files += 1
    return total, files


def list_files(path, out):
    found = []
    for dirpath, _, names in os.walk(path):
        for name in names:
            found.append(os.path.join(dirpath, name))
    found.sort()
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(found) + "\n")
    return out


class Bench:
    def __init__(self, args):
        self.args = args
        self.cap = args.timeout
        self.logs = os.path.join(args.scratch, "logs")
        os.makedirs(self.logs, exist_ok=True)
        self.results = []

    def probe(self, name, cmd, cwd):
        """One run under GNU time and timeout: wall, user, sys, peak RSS, exit status."""
        stats = os.path.join(self.logs, f"{name}.time")
        err = os.path.join(self.logs, f"{name}.stderr")
        full = ["/usr/bin/time", "-f", "%e %U %S %M %x", "-o", stats,
                "timeout", "--kill-after=10", str(self.cap)] + cmd
        with open(err, "wb") as e:
            subprocess.run(full, cwd=cwd, stdout=subprocess.DEVNULL, stderr=e, check=False)
        with open(stats, encoding="utf-8") as f:
            last = f.read().strip().splitlines()[-1].split()
        wall, user, system, rss_kb, rc = float(last[0]), float(last[1]), float(last[2]), int(last[3]), int(last[4])
        return {"wall": wall, "user": user, "sys": system, "rss_kb": rss_kb, "rc": rc}

    def repeat_hyperfine(self, name, cmd, cwd, runs, warmup):
        out = os.path.join(self.logs, f"{name}.hyperfine.json")
        full = [self.args.hyperfine, "-N", "-i", "--style", "basic", "--warmup", str(warmup),
                "--runs", str(runs), "--export-json", out, "--command-name", name, shlex.join(cmd)]
        with open(os.path.join(self.logs, f"{name}.hyperfine.txt"), "wb") as log_file:
            subprocess.run(full, cwd=cwd, stdout=log_file, stderr=subprocess.STDOUT, check=True)
        with open(out, encoding="utf-8") as f:
            r = json.load(f)["results"][0]
        return {"mean": r["mean"], "stddev": r.get("stddev") or 0.0, "median": r["median"],
                "min": r["min"], "max": r["max"], "user": r["user"], "sys": r["system"],
                "runs": len(r["times"]), "exit_codes": sorted(set(r.get("exit_codes") or []))}

    def repeat_loop(self, cmd, cwd, runs, warmup):
        times, users, systems, codes = [], [], [], set()
        for i in range(warmup + runs):
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            elapsed = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            if i >= warmup:
                times.append(elapsed)
                users.append(usage.ru_utime)
                systems.append(usage.ru_stime)
                codes.add(proc.returncode)
        return {"mean": statistics.fmean(times), "stddev": statistics.stdev(times) if len(times) > 1 else 0.0,
                "median": statistics.median(times), "min": min(times), "max": max(times),
                "user": statistics.fmean(users), "sys": statistics.fmean(systems),
                "runs": len(times), "exit_codes": sorted(codes)}

    def measure(self, group, tool, cmd, cwd, input_bytes, note="", runs=None, warmup=None):
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{group}__{tool}")
        log(f"{group} / {tool}: {shlex.join(cmd)[:160]}")
        p = self.probe(name, cmd, cwd)
        r = {"group": group, "tool": tool, "note": note, "cmd": shlex.join(cmd), "cwd": cwd,
             "bytes": input_bytes, "rss_kb": p["rss_kb"], "rc": p["rc"], "probe_wall": p["wall"]}
        if p["rc"] in (124, 137):
            r.update(status="dnf", mean=None, runs=1)
            log(f"  did not finish in {self.cap} s (peak RSS so far {p['rss_kb'] / 1024:.0f} MiB)")
        elif p["rc"] > 128:
            r.update(status="failed", mean=None, runs=1)
            log(f"  FAILED: killed by signal {p['rc'] - 128}; see {self.logs}/{name}.stderr")
        else:
            r["status"] = "ok"
            if p["wall"] > REPEAT_LIMIT_S and runs is None:
                r.update(mean=p["wall"], stddev=None, median=p["wall"], min=p["wall"], max=p["wall"],
                         user=p["user"], sys=p["sys"], runs=1, exit_codes=[p["rc"]])
            else:
                if runs is None:
                    runs = max(MIN_RUNS, min(MAX_RUNS, int(BUDGET_S / max(p["wall"], 0.001))))
                if warmup is None:
                    warmup = 1 if p["wall"] < 5 else 0
                if self.args.hyperfine:
                    r.update(self.repeat_hyperfine(name, cmd, cwd, runs, warmup))
                else:
                    r.update(self.repeat_loop(cmd, cwd, runs, warmup))
            sd = f" ± {r['stddev']:.3f}" if r.get("stddev") is not None else ""
            log(f"  {r['mean']:.3f} s{sd} ({r['runs']} runs), peak RSS {p['rss_kb'] / 1024:.1f} MiB, exit {p['rc']}")
        self.results.append(r)
        return r

    def parse_only(self, label, paths, cwd, repeat):
        log(f"parse only / {label}")
        stats = os.path.join(self.logs, "parse_only.time")
        out = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", stats, self.args.parse_only, "--repeat", str(repeat)] + paths,
                             cwd=cwd, capture_output=True, text=True, check=True)
        r = json.loads(out.stdout)
        r["label"] = label
        with open(stats, encoding="utf-8") as f:
            r["rss_kb"] = int(f.read().split()[-1])
        log(f"  best {r['best_mb_per_s']} MB/s, median {r['median_mb_per_s']} MB/s")
        return r


def generate(args, inputs, sizes, tree_files):
    gen = [sys.executable, os.path.join(HERE, "gen_nginx.py")]
    if os.path.isdir(inputs):
        subprocess.run(["rm", "-rf", inputs], check=True)
    os.makedirs(inputs)
    for label, size in sizes:
        subprocess.run(gen + ["multi", os.path.join(inputs, f"multi-{label}"), str(size)], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(gen + ["single", os.path.join(inputs, f"single-{label}", "nginx.conf"), str(size)], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(gen + ["tree", os.path.join(inputs, "tree"), str(tree_files)], check=True, stdout=subprocess.DEVNULL)


def fmt_s(v):
    if v is None:
        return "–"
    if v < 0.1:
        return f"{v * 1000:.1f} ms"
    return f"{v:.2f} s" if v < 100 else f"{v:.0f} s"


def fmt_mb(b):
    return f"{b / 1e6:.2f} MB" if b < 1e7 else f"{b / 1e6:.0f} MB"


def fmt_x(v):
    return f"{v:.1f}×" if v < 100 else f"{v:.0f}×"


def row_time(r, cap):
    if r["status"] == "dnf":
        return f"did not finish in {cap} s"
    if r["status"] == "failed":
        return f"failed (signal {r['rc'] - 128})"
    sd = f" ± {fmt_s(r['stddev'])}" if r.get("stddev") else ""
    return f"{fmt_s(r['mean'])}{sd}"


def report(args, bench, parses, meta, sizes, tree_files):
    R = {(r["group"], r["tool"]): r for r in bench.results}
    cap = bench.cap
    out = []
    w = out.append
    end_load = " ".join(open("/proc/loadavg").read().split()[:3])
    w(f"Measured {meta['date']} on {meta['machine']}. Load average (1, 5, 15 min) when the run started: "
      f"{meta['load']}; when it ended: {end_load}. On a shared machine other work competes for the 2 cores.")
    w("")
    w(f"Produced by: `{meta['command']}` (scratch directory `{args.scratch}`, time cap {cap} s per command).")
    w("")
    w("Versions: " + "; ".join(f"{k}: {v}" for k, v in meta["versions"].items()) + ".")
    w("")

    # --- targets
    def mean(g, t):
        r = R.get((g, t))
        return r["mean"] if r and r["status"] == "ok" else None

    targets = []
    pcorp = next((p for p in parses if p["label"] == "shared corpus, 945 nginx files"), None)
    big = [p for p in parses if p["label"].startswith("single file")]
    worst = min([p for p in ([pcorp] if pcorp else []) + big], key=lambda p: p["median_mb_per_s"])
    best_case = max([p for p in ([pcorp] if pcorp else []) + big], key=lambda p: p["median_mb_per_s"])
    met = worst["median_mb_per_s"] >= 300
    targets.append(("nginx parsing ≥ 300 MB/s on one core",
                    f"{worst['median_mb_per_s']:.0f} MB/s ({worst['label']}) to {best_case['median_mb_per_s']:.0f} MB/s ({best_case['label']}), median round",
                    "met" if met else f"**missed**: {300 / worst['median_mb_per_s']:.1f}× too slow at worst, {300 / best_case['median_mb_per_s']:.1f}× at best"))
    pl = mean("shared corpus", "proxylint")
    for peer, goal in (("gixy", 50), ("crossplane", 20)):
        r = R.get(("shared corpus", peer))
        if pl is None or r is None:
            targets.append((f"shared corpus ≥ {goal}× faster than {peer}", "not measured", "–"))
            continue
        if r["status"] == "ok":
            speed = r["mean"] / pl
            verdict = "met" if speed >= goal else f"**missed**: {goal / speed:.1f}× short (needs {fmt_s(r['mean'] / goal)} per run, takes {fmt_s(pl)})"
            targets.append((f"whole check of the shared corpus ≥ {goal}× faster than {PEER_NAMES[peer]}", f"{fmt_x(speed)} ({fmt_s(pl)} vs {fmt_s(r['mean'])})", verdict))
        else:
            targets.append((f"whole check of the shared corpus ≥ {goal}× faster than {PEER_NAMES[peer]}", f"{peer} did not finish", "met (peer did not finish)"))
    big_label = sizes[-1][0]
    for variant in ("single", "multi"):
        r = R.get((f"{big_label} {variant}", "proxylint"))
        if r:
            ratio = r["rss_kb"] * 1024 / r["bytes"]
            lower = " (at least: it did not finish)" if r["status"] != "ok" else ""
            verdict = "met" if ratio < 3 and r["status"] == "ok" else (f"**missed**: {ratio / 3:.1f}× over" if ratio >= 3 else "not measured: did not finish")
            targets.append((f"peak memory < 3× input on the {big_label} config ({'one file' if variant == 'single' else 'main + conf.d/*.conf'})",
                            f"{r['rss_kb'] / 1024:.0f} MiB for {fmt_mb(r['bytes'])} = {ratio:.1f}× input{lower}", verdict))
    r = R.get(("typical file", "proxylint"))
    if r and r["status"] == "ok":
        cpu = r["user"] + r["sys"]
        verdict = "met" if r["mean"] < 0.005 else f"**missed**: {r['mean'] / 0.005:.1f}× over"
        targets.append(("a single typical file < 5 ms per process",
                         f"{fmt_s(r['mean'])} wall (median {fmt_s(r['median'])}), {fmt_s(cpu)} user+sys, {r['runs']} runs", verdict))
    w("### Targets")
    w("")
    w("| target | measured | verdict |")
    w("|---|---|---|")
    for t in targets:
        w(f"| {t[0]} | {t[1]} | {t[2]} |")
    w("")

    # --- whole-process table
    w("### Whole process, side by side")
    w("")
    w("Wall time is hyperfine's mean ± standard deviation over the runs (a single run where a command took over a minute); "
      "peak RSS is `/usr/bin/time -f %M` of a separate run. MB/s is input bytes / mean wall time. "
      "Exit 1 is normal for a linter that found something.")
    w("")
    w("| input | tool | wall time | runs | user+sys | MB/s | peak RSS | RSS / input | exit |")
    w("|---|---|---|---|---|---|---|---|---|")
    for r in bench.results:
        if r["group"] == "typical file":
            continue
        cpu = fmt_s(r["user"] + r["sys"]) if r["status"] == "ok" else "–"
        mbps = f"{r['bytes'] / 1e6 / r['mean']:.1f}" if r["status"] == "ok" and r["mean"] else "–"
        w(f"| {r['group']} ({fmt_mb(r['bytes'])}) | {TOOL_NAMES.get(r['tool'], r['tool'])} | {row_time(r, cap)} | {r['runs']} | {cpu} | {mbps} | "
          f"{r['rss_kb'] / 1024:.1f} MiB | {r['rss_kb'] * 1024 / r['bytes']:.2f}× | {r['rc']} |")
    w("")

    # --- ratios
    w("### proxylint / peer")
    w("")
    w("Time ratio below 1 means proxylint is faster; the speed-up is its inverse.")
    w("")
    w("| input | peer | time proxylint / peer | speed-up | memory proxylint / peer |")
    w("|---|---|---|---|---|")
    for r in bench.results:
        if r["tool"] not in PEER_NAMES:
            continue
        p = R.get((r["group"], "proxylint"))
        if not p or p["status"] != "ok":
            continue
        mem = f"{p['rss_kb'] / r['rss_kb']:.2f}"
        if r["status"] == "ok":
            w(f"| {r['group']} | {TOOL_NAMES.get(r['tool'], r['tool'])} | {p['mean'] / r['mean']:.3f} | {fmt_x(r['mean'] / p['mean'])} | {mem} |")
        else:
            w(f"| {r['group']} | {TOOL_NAMES.get(r['tool'], r['tool'])} | < {p['mean'] / cap:.4f} | > {fmt_x(cap / p['mean'])} (peer did not finish) | {mem} (peer's RSS when stopped) |")
    w("")

    # --- growth
    w("### Growth with input size (proxylint check)")
    w("")
    labels = [l for l, _ in sizes]
    w("| layout | " + " | ".join(labels) + " | " + " | ".join(f"{a}→{b}" for a, b in zip(labels, labels[1:])) + " |")
    w("|---|" + "---|" * (len(labels) * 2 - 1))
    for variant, title in (("multi", "main + conf.d/*.conf"), ("single", "one file")):
        cells, ts, bs = [], [], []
        for l in labels:
            r = R.get((f"{l} {variant}", "proxylint"))
            ts.append(r["mean"] if r and r["status"] == "ok" else None)
            bs.append(r["bytes"] if r else None)
            cells.append(row_time(r, cap) if r else "–")
        growth = []
        for a, b, ba, bb in zip(ts, ts[1:], bs, bs[1:]):
            if a and b:
                growth.append(f"{b / a:.1f}× time for {bb / ba:.1f}× input")
            elif a and ba and bb:
                growth.append(f"> {cap / a:.0f}× time for {bb / ba:.1f}× input")
            else:
                growth.append("–")
        w(f"| {title} | " + " | ".join(cells) + " | " + " | ".join(growth) + " |")
    w("")
    w("Linear growth is as many times the time as times the input; more means something in the pipeline "
      "is worse than linear (at the small end, process start-up makes growth look better than it is).")
    w("")

    # --- parse only
    w("### The nginx parser alone (one thread, in memory)")
    w("")
    w("`target/release/examples/parse_only`: files read into memory first, then parsed with "
      "`proxylint_syntax::nginx::parse`, several rounds; MB = 10^6 bytes. Each tree is dropped after its file, so the "
      "process's peak RSS is about the input plus the largest file's tree: for one large file, "
      "(RSS − input) / input is what the syntax tree costs per byte.")
    w("")
    w("| input | files | bytes | rounds | best round | median round | peak RSS | (RSS − input) / input |")
    w("|---|---|---|---|---|---|---|---|")
    for p in parses:
        # Only one large file says it: below 10 MB the process's own few MiB drown the tree,
        # and over many files the peak is one file's tree.
        big_one = p["bytes"] >= 1e7 and p["files"] == 1
        tree_cost = f"{(p['rss_kb'] * 1024 - p['bytes']) / p['bytes']:.1f}×" if big_one else "–"
        w(f"| {p['label']} | {p['files']} | {fmt_mb(p['bytes'])} | {p['rounds']} | {p['best_mb_per_s']:.1f} MB/s | "
          f"{p['median_mb_per_s']:.1f} MB/s | {p['rss_kb'] / 1024:.0f} MiB | {tree_cost} |")
    w("")

    # --- floor
    w("### Against the cost of reading the bytes")
    w("")
    w("| input | proxylint | `find … -type f -exec cat {} +` | proxylint / cat |")
    w("|---|---|---|---|")
    for g in [f"{big_label} multi", f"{big_label} single", "tree"]:
        p, c = R.get((g, "proxylint")), R.get((g, "cat"))
        if p and c:
            ratio = f"{p['mean'] / c['mean']:.0f}×" if p["status"] == "ok" and c["status"] == "ok" else "–"
            w(f"| {g} ({fmt_mb(p['bytes'])}) | {row_time(p, cap)} | {row_time(c, cap)} | {ratio} |")
    w("")

    # --- typical
    r = R.get(("typical file", "proxylint"))
    if r and r["status"] == "ok":
        w("### A single typical file")
        w("")
        w(f"`corpus/signing-service/recommended.conf` ({r['bytes']} bytes), {r['runs']} processes: mean {fmt_s(r['mean'])}, "
          f"median {fmt_s(r['median'])}, min {fmt_s(r['min'])}, max {fmt_s(r['max'])}; user+sys {fmt_s(r['user'] + r['sys'])}; "
          f"peak RSS {r['rss_kb'] / 1024:.1f} MiB.")
        w("")

    # --- inputs and commands
    w("### Inputs and commands")
    w("")
    w(f"Inputs were generated by `scripts/bench/gen_nginx.py` under `{args.scratch}/inputs`: "
      f"`multi-SIZE/` is `nginx.conf` including `conf.d/*.conf` (50 servers a file), `single-SIZE/nginx.conf` the same servers in one file, "
      f"`tree/` {tree_files} files of one server each in folders of 1,000. The shared corpus row gives proxylint the whole "
      f"`../shared/corpus` (all dialects; it walks it and picks the nginx files), and the peers the 945 nginx files listed in "
      f"`crossplane-verdicts.tsv` (its bytes are the ones shown).")
    w("")
    for r in bench.results:
        w(f"- {r['group']} / {r['tool']} (in `{r['cwd']}`): `{r['cmd'] if len(r['cmd']) < 300 else r['cmd'][:280] + ' …'}`")
    w("")
    return "\n".join(out)


PEER_NAMES = {"gixy": "Gixy-Next", "crossplane": "crossplane's parse alone"}
TOOL_NAMES = {"proxylint": "proxylint check", "gixy": "gixy (Gixy-Next)", "crossplane": "crossplane.parse (driver)", "cat": "cat"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scratch", required=True)
    ap.add_argument("--venv", required=True)
    ap.add_argument("--proxylint", required=True)
    ap.add_argument("--parse-only", required=True)
    ap.add_argument("--hyperfine", default="")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--command", required=True)
    ap.add_argument("--write", default="")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()

    corpus = os.path.abspath(os.path.join(ROOT, "..", "shared", "corpus"))
    nginx_dir = os.path.join(corpus, "nginx")
    verdicts = os.path.join(nginx_dir, "crossplane-verdicts.tsv")
    if not os.path.isfile(verdicts):
        sys.exit(f"bench: the shared corpus is missing at {corpus}")

    if args.quick:
        sizes, tree_files = [("100kB", 100_000), ("1MB", 1_000_000), ("2MB", 2_000_000)], 2_000
    else:
        sizes, tree_files = [("1MB", 1_000_000), ("10MB", 10_000_000), ("100MB", 100_000_000)], 100_000
    inputs = os.path.join(args.scratch, "inputs")
    log(f"generating inputs under {inputs}")
    generate(args, inputs, sizes, tree_files)

    gixy = os.path.join(args.venv, "bin", "gixy")
    python = os.path.join(args.venv, "bin", "python")
    driver = os.path.join(HERE, "crossplane_parse.py")
    pl = [args.proxylint, "check", "--no-config", "--format", "concise"]

    def machine():
        model = re.search(r"Model name:\s*(.+)", sh(["lscpu"]))
        mem = re.search(r"MemTotal:\s*(\d+)", open("/proc/meminfo").read())
        return (f"{model.group(1).strip() if model else '?'}, {sh(['nproc'])} cores (nproc), "
                f"{int(mem.group(1)) / 1024 / 1024:.0f} GiB, {platform.system()} {platform.release()}")

    git_rev = sh(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT)
    dirty = sh(["git", "diff", "HEAD", "--name-only"], cwd=ROOT)
    dirty = "" if dirty == "?" else ", ".join(dirty.split())
    binary = sh(["sha256sum", args.proxylint]).split()[0][:12]
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "load": open("/proc/loadavg").read().split()[:3],
        "command": args.command,
        "versions": {
            "proxylint": f"{sh([args.proxylint, '--version']).split()[-1]} (git {git_rev}"
                         + (f" with uncommitted changes to {dirty}" if dirty else "")
                         + f"; release profile; binary sha256 {binary}…)",
            "rustc": sh(["rustc", "--version"]).split(" ", 1)[-1],
            "Gixy-Next": sh([gixy, "--version"]).split()[-1],
            "crossplane": sh([python, "-c", "import crossplane; print(crossplane.__version__)"]),
            "Python": sh([python, "--version"]).split()[-1],
            "hyperfine": sh([args.hyperfine, "--version"]).split()[-1] if args.hyperfine else "not installed (own loop)",
            "/usr/bin/time": sh(["/usr/bin/time", "--version"]).splitlines()[0]
            + f" ({sh(['dpkg-query', '-W', '-f', '${Version}', 'time'])} Debian package)",
            "cat": sh(["cat", "--version"]).splitlines()[0],
            "find": sh(["find", "--version"]).splitlines()[0],
        },
    }
    meta["load"] = " ".join(meta["load"])

    bench = Bench(args)
    parses = []

    # 1. The shared corpus.
    with open(verdicts, encoding="utf-8") as f:
        corpus_files = [line.split("\t")[0] for line in f.read().splitlines()[1:] if line.strip()]
    corpus_bytes = sum(os.path.getsize(os.path.join(nginx_dir, p)) for p in corpus_files)
    corpus_list = os.path.join(args.scratch, "corpus-nginx.list")
    with open(corpus_list, "w", encoding="utf-8") as f:
        f.write("\n".join(corpus_files) + "\n")
    g = "shared corpus"
    bench.measure(g, "proxylint", pl + [corpus], ROOT, corpus_bytes)
    bench.measure(g, "gixy", [gixy, "-f", "text"] + corpus_files, nginx_dir, corpus_bytes)
    bench.measure(g, "crossplane", [python, driver, "@" + corpus_list], nginx_dir, corpus_bytes)

    # 2. Synthetic configurations: peers on all but the largest size.
    for n, (label, _) in enumerate(sizes):
        multi = os.path.join(inputs, f"multi-{label}")
        single = os.path.join(inputs, f"single-{label}", "nginx.conf")
        mbytes, _ = tree_bytes(multi)
        sbytes, _ = tree_bytes(single)
        bench.measure(f"{label} multi", "proxylint", pl + [multi], inputs, mbytes)
        if n < len(sizes) - 1:
            bench.measure(f"{label} multi", "gixy", [gixy, "-f", "text", os.path.join(multi, "nginx.conf")], multi, mbytes)
            lst = list_files(multi, os.path.join(args.scratch, f"multi-{label}.list"))
            bench.measure(f"{label} multi", "crossplane", [python, driver, "@" + lst], multi, mbytes)
        else:
            bench.measure(f"{label} multi", "cat", ["find", multi, "-type", "f", "-exec", "cat", "{}", "+"], inputs, mbytes)
        bench.measure(f"{label} single", "proxylint", pl + [single], inputs, sbytes)
        if n == len(sizes) - 1:
            bench.measure(f"{label} single", "cat", ["find", os.path.dirname(single), "-type", "f", "-exec", "cat", "{}", "+"], inputs, sbytes)

    # 3. Many small files.
    tree = os.path.join(inputs, "tree")
    tbytes, _ = tree_bytes(tree)
    bench.measure("tree", "proxylint", pl + [tree], inputs, tbytes, note=f"{tree_files} files")
    bench.measure("tree", "cat", ["find", tree, "-type", "f", "-exec", "cat", "{}", "+"], inputs, tbytes)

    # 4. One typical file, many processes.
    typical = os.path.join(ROOT, "corpus", "signing-service", "recommended.conf")
    bench.measure("typical file", "proxylint", pl + [typical], ROOT, os.path.getsize(typical),
                  runs=50 if args.quick else 300, warmup=20)

    # 5. The parser alone.
    parses.append(bench.parse_only("shared corpus, 945 nginx files", corpus_files, nginx_dir, 20))
    for label, _ in sizes:
        parses.append(bench.parse_only(f"single file {label}", [os.path.join(inputs, f"single-{label}", "nginx.conf")], inputs,
                                       3 if label == sizes[-1][0] else 5))
    parses.append(bench.parse_only(f"multi {sizes[1][0]} (main + conf.d)", [os.path.join(inputs, f"multi-{sizes[1][0]}")], inputs, 5))

    text = report(args, bench, parses, meta, sizes, tree_files)
    with open(os.path.join(args.scratch, "results.json"), "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "results": bench.results, "parse_only": parses}, f, indent=1)
    print(text)
    if args.write:
        write_benchmarks(args.write, text)
        log(f"results written to {args.write}")


def write_benchmarks(path, text):
    block = f"{START_MARK}\n\n{text}\n{END_MARK}\n"
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            old = f.read()
        if START_MARK in old and END_MARK in old:
            before = old[: old.index(START_MARK)]
            after = old[old.index(END_MARK) + len(END_MARK):].lstrip("\n")
            new = before + block + ("\n" + after if after else "")
        else:
            new = old.rstrip("\n") + "\n\n## Results\n\n" + block
    else:
        new = "# Benchmarks\n\nWritten by `scripts/bench.sh`.\n\n## Results\n\n" + block
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)


if __name__ == "__main__":
    main()
