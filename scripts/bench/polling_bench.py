#!/usr/bin/env python3
"""Measurements of scripts/bench-polling.sh (issue 16). Usage:
  polling_bench.py VEO_BIN WORK_DIR CLIP
CLIP is a 1280x720, 4 s MP4 every emulator serves (--serve-file: no emulator renders with ffmpeg,
so the emulator takes almost no CPU from the client). Starts its own emulators (one per section,
each with its own render time and a job store read afterwards for exact completion times), prints
each section's figures and whether each target is met.

With BENCH_QUIET_LOAD=L (scripts/bench-polling.sh sets 1.5 unless told otherwise; 0 turns it off),
every timed run first waits, up to BENCH_QUIET_WAIT seconds (default 600), until the 1-minute load
average is below L; every figure is printed with the load average before and after its run."""
import collections
import glob
import json
import shutil
import math
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

veo, work, clip = sys.argv[1], sys.argv[2], sys.argv[3]
here = os.path.dirname(os.path.abspath(__file__))
env = dict(os.environ, VEO_API_KEY="bench", CI="true")
quiet_load = float(os.environ.get("BENCH_QUIET_LOAD", "0") or 0)
quiet_wait = float(os.environ.get("BENCH_QUIET_WAIT", "600"))


def load():
    return float(open("/proc/loadavg").read().split()[0])


def settle():
    """Waits (up to quiet_wait s) for the 1-minute load average to drop below quiet_load; returns
    the load average then, as text for the figures."""
    waited = 0.0
    while quiet_load > 0 and load() >= quiet_load and waited < quiet_wait:
        time.sleep(5)
        waited += 5
    note = f"load {load():.2f}"
    if quiet_load > 0 and load() >= quiet_load:
        note += f" (NOT quiet: still >= {quiet_load:g} after {waited:.0f} s)"
    elif waited:
        note += f" (after {waited:.0f} s waiting for < {quiet_load:g})"
    return note


class Emulator:
    def __init__(self, name, render, jitter=0.0):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.base = f"http://127.0.0.1:{self.port}"
        self.store = os.path.join(work, f"store-{name}")
        self.proc = subprocess.Popen(
            [veo, "emulator", "--port", str(self.port), "--render-seconds", str(render), "--render-jitter", str(jitter),
             "--serve-file", clip, "--storage", self.store],
            stdout=open(os.path.join(work, f"emulator-{name}.log"), "w"), stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                self.get("/_emulator/faults")
                break
            except OSError:
                time.sleep(0.05)

    def get(self, path, method="GET"):
        req = urllib.request.Request(self.base + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read() or b"null")

    def reset(self):
        self.get("/_emulator/reset", "POST")

    def record(self):
        return self.get("/_emulator/record")["requests"]

    def completions(self):
        """video id -> when the job completed (seconds since 1970), from the job store."""
        out = {}
        for path in glob.glob(os.path.join(self.store, "**", "*.json"), recursive=True):
            try:
                job = json.load(open(path))
            except (OSError, ValueError):
                continue
            if isinstance(job, dict) and job.get("id") and job.get("created_at") is not None:
                out[job["id"]] = job.get("completed_at") or job["created_at"] + job["render_seconds"]
        return out

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def stamp(value):
    """A record timestamp as seconds since 1970 (Foundation's default is since 2001)."""
    if isinstance(value, (int, float)):
        return value + 978307200 if value < 1e9 else value
    from datetime import datetime
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def kinds(reqs, jobs):
    c = collections.Counter(r["kind"] for r in reqs)
    total = sum(c.values())
    return total / jobs, ", ".join(f"{k} {v / jobs:.2f}" for k, v in sorted(c.items())), c


def delays(reqs, emulator):
    """Seconds from each job's completion to the first request of its clip (/content or the file)."""
    done = emulator.completions()
    first = {}
    for r in reqs:
        vid = r.get("videoID") or r.get("video_id")
        if r["kind"] in ("content", "file") and vid:
            t = stamp(r["timestamp"])
            first[vid] = min(first.get(vid, t), t)
    d = [first[v] - done[v] for v in first if v in done]
    return sum(d) / len(d) if d else float("nan"), len(d)


def gen(*args):
    subprocess.run(["python3", os.path.join(here, "gen_manifest.py"), *map(str, args)], check=True)


class Timed:
    """One timed process: its wall time, the load average before and after, and when it started
    and ended (seconds since 1970, to set against the emulator's record)."""

    def __init__(self, cmd, log):
        self.before = settle()
        self.start = time.time()
        t = time.perf_counter()
        with open(log, "w") as f:
            self.rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=env).returncode
        self.wall = time.perf_counter() - t
        self.end = time.time()
        self.after = f"load {load():.2f}"

    def loads(self):
        return f"[{self.before} before, {self.after} after]"

    def phases(self, reqs):
        """Process start to its first request, and its last request to the process end."""
        stamps = [stamp(r["timestamp"]) for r in reqs]
        if not stamps:
            return ""
        return (f"first request {min(stamps) - self.start:.3f} s after the start, process end "
                f"{self.end - max(stamps):.3f} s after the last request")


def run(manifest, base, concurrency, poll, name, *extra):
    out = os.path.join(work, f"out-{name}")
    timed = Timed([veo, "run", manifest, "--base-url", base, "--concurrency", str(concurrency),
                   "--poll-interval", str(poll), "--out", out, *extra], os.path.join(work, f"run-{name}.log"))
    if timed.rc != 0:
        sys.exit(f"veo-pipeline run {name} exited {timed.rc}; see {work}/run-{name}.log")
    return timed, json.load(open(os.path.join(out, "report.json")))


def chain_manifest(path, chains, depth, independent):
    lines = ["version: 1", "name: bench-chains", "defaults:", "  model: veo-3.1-fast-generate-preview",
             "  seconds: 4", "  size: 1280x720", "shots:"]
    for i in range(independent):
        lines += [f"  - id: solo-{i:03d}", f"    prompt: an independent shot number {i}"]
    for c in range(chains):
        for k in range(depth):
            lines += [f"  - id: c{c:02d}-{k}", f"    prompt: chain {c} link {k}"]
            if k:
                lines.append(f"    after: [c{c:02d}-{k - 1}]")
    open(path, "w").write("\n".join(lines) + "\n")


def fixed_interval_poller(base, jobs, floor, concurrency):
    """The baseline: each job created, polled every `floor` seconds until completed, then
    downloaded from /content (redirect followed). Threads, standard library only."""
    sem = threading.Semaphore(concurrency)
    headers = {"Authorization": "Bearer bench", "Content-Type": "application/json"}

    def one(i):
        with sem:
            body = json.dumps({"model": "veo-3.1-fast-generate-preview", "prompt": f"baseline shot {i}",
                               "seconds": "4", "size": "1280x720"}).encode()
            req = urllib.request.Request(base + "/v1/videos", data=body, headers=headers, method="POST")
            vid = json.load(urllib.request.urlopen(req))["id"]
            while True:
                time.sleep(floor)
                video = json.load(urllib.request.urlopen(urllib.request.Request(base + "/v1/videos/" + vid, headers=headers)))
                if video["status"] == "completed":
                    break
            with urllib.request.urlopen(urllib.request.Request(base + f"/v1/videos/{vid}/content", headers=headers)) as r:
                open(os.path.join(work, f"baseline-{vid}.mp4"), "wb").write(r.read())

    threads = [threading.Thread(target=one, args=(i,)) for i in range(jobs)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - t


def section1():
    jobs, conc, render, poll = 200, 32, 1.0, 0.2
    print(f"== 1. {jobs} jobs as 50 chains of 4, concurrency {conc}, render {render:g} s, --poll-interval {poll:g}")
    emu = Emulator("s1", render)
    try:
        path = os.path.join(work, "chains.yaml")
        chain_manifest(path, 50, 4, 0)
        bound = max(4 * render, jobs * render / conc)
        print(f"   bound max(critical path 4 s, work {jobs} s / {conc}) = {bound:.3f} s; 1 s jobs fill whole rounds: "
              f"ceil({jobs}/{conc}) = {math.ceil(jobs / conc)} s at best")
        walls = {}
        for planning in ("learned", "plain"):
            emu.reset()
            timed, rep = run(path, emu.base, conc, poll, f"s1-{planning}", "--poll-planning", planning)
            reqs = emu.record()
            rpj, detail, _ = kinds(reqs, jobs)
            walls[planning] = (timed.wall, rpj)
            label = "veo-pipeline" if planning == "learned" else "veo-pipeline --poll-planning plain (the reference)"
            print(f"   {label}: makespan {timed.wall:.3f} s ({timed.wall / bound:.3f} x the bound); {rpj:.2f} requests per job "
                  f"({detail}) {timed.loads()}")
            print(f"     {timed.phases(reqs)}; report summary requests: {rep['summary'].get('requests')}")
        wall, rpj = walls["learned"]
        print(f"   requests per job (veo-pipeline) {rpj:.2f}; target <= 4: {'MET' if rpj <= 4 else 'MISSED'}")
        try:
            import openai  # noqa: F401
        except ImportError:
            print("   openai SDK script: NOT RUN (python package openai not installed: bash scripts/install-deps.sh --bench); "
                  "makespan ratio target <= 0.90 x not measured")
            return
        emu.reset()
        sdk = Timed(["python3", os.path.join(here, "bench_openai_sdk.py"), path, os.path.join(work, "out-sdk"),
                     emu.base + "/v1", "--concurrency", str(conc), "--poll-interval", str(poll)], os.path.join(work, "run-sdk.log"))
        if sdk.rc != 0:
            sys.exit(f"the SDK script exited {sdk.rc}; see {work}/run-sdk.log")
        reqs = emu.record()
        srpj, sdetail, _ = kinds(reqs, jobs)
        print(f"   openai SDK script: makespan {sdk.wall:.3f} s ({sdk.wall / bound:.3f} x the bound); {srpj:.2f} requests per job "
              f"({sdetail}) {sdk.loads()}")
        print(f"     {sdk.phases(reqs)}")
        print(f"   makespan ratio veo-pipeline / SDK = {wall / sdk.wall:.3f}; target <= 0.90: {'MET' if wall / sdk.wall <= 0.90 else 'MISSED'}")
    finally:
        emu.stop()


def section2(rounds=3):
    scale, jobs = 30.0, 48
    render, jitter, floor = 90 / scale, 25 / scale, 8 / scale
    print(f"== 2. realistic pacing / {scale:g}: renders {render:.3f} ± {jitter:.3f} s, poll floor {floor:.3f} s, "
          f"{jobs} independent jobs, all in flight, run-wide pace 50/s x {scale:g}; {rounds} rounds, each side in turn "
          f"(one round's mean delay moves by 0.02-0.04 s from run to run on either side)")
    emu = Emulator("s2", render, jitter)
    ours, theirs = [], []
    try:
        path = os.path.join(work, "flat.yaml")
        gen("flat", path, jobs, 4, "1280x720")
        for r in range(1, rounds + 1):
            emu.reset()
            shutil.rmtree(os.path.join(work, "out-s2"), ignore_errors=True)
            # Everything is 30 times faster here, so the run-wide pace is too: 50 a second x 30. At the
            # default 50 a second, 48 jobs polled every 0.267 s would wait for a pace that 48 jobs
            # polled every 8 s (at most 6 a second) never meet.
            timed, rep = run(path, emu.base, jobs, round(floor, 3), "s2", "--polls-per-second", str(50 * scale))
            reqs = emu.record()
            polls = sum(1 for r_ in reqs if r_["kind"] == "poll") / jobs
            delay, n = delays(reqs, emu)
            emu.reset()
            base_load = settle()
            base_wall = fixed_interval_poller(emu.base, jobs, floor, jobs)
            breqs = emu.record()
            bpolls = sum(1 for r_ in breqs if r_["kind"] == "poll") / jobs
            bdelay, bn = delays(breqs, emu)
            ours.append((polls, delay))
            theirs.append((bpolls, bdelay))
            print(f"   round {r}: veo-pipeline {polls:5.2f} polls per job, mean completion->download {delay:.3f} s ({n} jobs), "
                  f"makespan {timed.wall:.2f} s {timed.loads()}")
            print(f"            fixed interval at the floor {bpolls:5.2f} polls per job, mean completion->download {bdelay:.3f} s "
                  f"({bn} jobs), makespan {base_wall:.2f} s [{base_load} before, load {load():.2f} after]")
        med = lambda xs: sorted(xs)[len(xs) // 2]
        polls, delay = med([p for p, _ in ours]), med([d for _, d in ours])
        bpolls, bdelay = med([p for p, _ in theirs]), med([d for _, d in theirs])
        fewer = 1 - polls / bpolls
        print(f"   medians: veo-pipeline {polls:.2f} polls per job, delay {delay:.3f} s; fixed interval {bpolls:.2f}, {bdelay:.3f} s")
        print(f"   polls {fewer * 100:.0f} % fewer (target >= 50 %: {'MET' if fewer >= 0.5 else 'MISSED'}); "
              f"delay {'shorter' if delay < bdelay else 'NOT shorter'} ({delay:.3f} vs {bdelay:.3f} s): "
              f"{'MET' if delay < bdelay else 'MISSED'}; rounds where it was shorter: "
              f"{sum(1 for (_, d), (_, b) in zip(ours, theirs) if d < b)} of {rounds}")
        print("   (delays are x30 in real time: " f"{delay * scale:.1f} s vs {bdelay * scale:.1f} s)")
    finally:
        emu.stop()


def section3():
    conc, render = 8, 1.0
    print(f"== 3. one chain of 8 plus 64 independent jobs, concurrency {conc}, render {render:g} s, --poll-interval 0.2")
    emu = Emulator("s3", render)
    try:
        path = os.path.join(work, "chain8.yaml")
        chain_manifest(path, 1, 8, 64)
        timed, rep = run(path, emu.base, conc, 0.2, "s3")
        reqs = emu.record()
        rpj, detail, _ = kinds(reqs, 72)
        bound = max(8 * render, 72 * render / conc)
        print(f"   makespan {timed.wall:.3f} s = {timed.wall / bound:.3f} x max(critical path 8 s, work 72 s / {conc} = 9 s); "
              f"target <= 1.05: {'MET' if timed.wall / bound <= 1.05 else 'MISSED'} {timed.loads()}")
        print(f"     {timed.phases(reqs)}; {rpj:.2f} requests per job ({detail})")
    finally:
        emu.stop()


def section4():
    conc, render = 32, 1.0
    print(f"== 4. 500 jobs, DAG depth 4 (125 per level, after: edges), concurrency {conc}, render {render:g} s, --poll-interval 0.2")
    emu = Emulator("s4", render)
    try:
        path = os.path.join(work, "dag.yaml")
        gen("dag", path, 4, 125, 4, "1280x720", "after")
        timed, rep = run(path, emu.base, conc, 0.2, "s4")
        reqs = emu.record()
        rpj, detail, _ = kinds(reqs, 500)
        bound = max(4 * render, 500 * render / conc)
        print(f"   makespan {timed.wall:.3f} s = {timed.wall / bound:.3f} x the bound {bound:.3f} s; target <= 1.10: "
              f"{'MET' if timed.wall / bound <= 1.10 else 'MISSED'}; {rpj:.2f} requests per job ({detail}) {timed.loads()}")
        print(f"     {timed.phases(reqs)}; 1 s jobs fill whole rounds: ceil(500/{conc}) = {math.ceil(500 / conc)} s at best "
              f"= {math.ceil(500 / conc) / bound:.3f} x the bound")
    finally:
        emu.stop()


wanted = sys.argv[4:] or ["1", "2", "3", "4"]
for s in wanted:
    {"1": section1, "2": section2, "3": section3, "4": section4}[s]()
    print(f"   load average now {open('/proc/loadavg').read().split()[0]}")
