#!/usr/bin/env python3
"""Timing harness of scripts/bench-validate.sh (see there). Usage:
  validate_bench.py VEO_BIN SCAN_BIN MANIFEST [REPEAT]
Every measurement is repeated REPEAT times (default 5), the three processes in turns; the table
shows median and best.
Process wall time: perf_counter around fork/exec/wait of the whole process (stdout to /dev/null).
CPU: user+sys of that process from wait4(). Peak RSS: one extra run under /usr/bin/time -v."""
import os
import re
import statistics
import subprocess
import sys
import time

veo, scan, manifest = sys.argv[1], sys.argv[2], sys.argv[3]
repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 5

PY_LOAD = "import yaml,sys; yaml.load(open(sys.argv[1]), Loader=yaml.CSafeLoader)"
PY_INPROC = r"""
import sys, time, yaml
best = []
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    with open(sys.argv[1]) as f:
        d = yaml.load(f, Loader=yaml.CSafeLoader)
    best.append(time.perf_counter() - t)
    del d
print(" ".join(f"{x:.6f}" for x in best))
"""


def run_process(cmd, expect_rc=0):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    rc = os.waitstatus_to_exitcode(status)
    if rc != expect_rc:
        sys.exit(f"{cmd!r} exited {rc}: {p.stderr.read().decode()[:2000]}")
    p.stderr.close()
    return wall, ru.ru_utime + ru.ru_stime


def interleaved(cmds):
    """Runs the commands in turns (round 1: a, b, c; round 2: a, b, c; ...), after one warm-up
    run of each, so that a slower or faster minute of the machine falls on all of them alike and
    the ratios compare runs made side by side. Returns (walls, cpus) per command."""
    for cmd in cmds:
        run_process(cmd)  # warm-up (page cache, loader)
    results = [([], []) for _ in cmds]
    for _ in range(repeat):
        for cmd, (walls, cpus) in zip(cmds, results):
            w, c = run_process(cmd)
            walls.append(w)
            cpus.append(c)
    return results


def peak_rss_kib(cmd):
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True, check=True)
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))


validate_cmd = [veo, "validate", manifest]
pyload_cmd = ["python3", "-c", PY_LOAD, manifest]
scan_cmd = [scan, manifest, "1"]

out = subprocess.run(validate_cmd, capture_output=True, text=True)
print(f"validate says: {out.stdout.strip()} (exit {out.returncode})")
if out.returncode != 0:
    sys.exit(out.stderr[:4000])

print(f"timing {repeat} rounds of validate, CSafeLoader and scan, in turns (after one warm-up run each)...",
      flush=True)
(v_wall, v_cpu), (p_wall, p_cpu), (s_wall, s_cpu) = interleaved([validate_cmd, pyload_cmd, scan_cmd])
py_in = [float(x) for x in subprocess.run(["python3", "-c", PY_INPROC, manifest, str(repeat)],
                                          capture_output=True, text=True, check=True).stdout.split()]
scan_out = subprocess.run([scan, manifest, str(repeat)], capture_output=True, text=True, check=True).stdout
s_in = float(re.search(r"inprocess_seconds=([0-9.]+)", scan_out).group(1))
events = int(re.search(r"events=(\d+)", scan_out).group(1))
rss = {name: peak_rss_kib(cmd) for name, cmd in
       [("validate", validate_cmd), ("csafeloader", pyload_cmd), ("scan", scan_cmd)]}

med, best = statistics.median, min
size = os.path.getsize(manifest)
print()
print(f"manifest: {manifest} ({size / 1e6:.2f} MB, {events} libyaml events)")
print(f"{'measurement':58} {'median s':>9} {'best s':>9} {'cpu s':>7} {'peak RSS':>10}")
rows = [
    ("(1) veo-pipeline validate: whole process (parse+check+plan)", v_wall, v_cpu, rss["validate"]),
    ("(2a) PyYAML CSafeLoader yaml.load: in-process, load only", py_in, None, None),
    ("(2b) python3 -c 'yaml.load(CSafeLoader)': whole process", p_wall, p_cpu, rss["csafeloader"]),
    ("(3a) bare libyaml event scan: in-process (best only)", [s_in], None, None),
    ("(3b) bare libyaml event scan: whole process", s_wall, s_cpu, rss["scan"]),
]
for name, walls, cpus, r in rows:
    cpu = f"{med(cpus):7.3f}" if cpus else f"{'-':>7}"
    rs = f"{r / 1024:7.1f} MiB" if r else f"{'-':>10}"
    m = f"{med(walls):9.3f}" if len(walls) > 1 else f"{'-':>9}"
    print(f"{name:58} {m} {best(walls):9.3f} {cpu} {rs}")

v = med(v_wall)
r_py_strict = v / med(py_in)
r_py_proc = v / med(p_wall)
r_scan_proc = v / med(s_wall)
r_scan_in = best(v_wall) / s_in
print()
print("ratios (medians; validate is always its whole process, startup included):")
print(f"  validate / CSafeLoader in-process load   = {r_py_strict:6.3f}   target <= 0.5: "
      f"{'MET' if r_py_strict <= 0.5 else 'MISSED'}  (strict: Python startup and import not counted)")
print(f"  validate / CSafeLoader whole process     = {r_py_proc:6.3f}   (process vs process)")
print(f"  validate / bare scan whole process       = {r_scan_proc:6.3f}   target <= 2: "
      f"{'MET' if r_scan_proc <= 2 else 'MISSED'}  (process vs process)")
print(f"  validate best / bare scan in-process best = {r_scan_in:6.3f}   (stricter: scan without exec/startup)")
print(f"  CPU: validate {med(v_cpu):.3f} s vs CSafeLoader process {med(p_cpu):.3f} s "
      f"vs scan process {med(s_cpu):.3f} s")
print(f"  peak RSS: validate {rss['validate'] / 1024:.1f} MiB, CSafeLoader process "
      f"{rss['csafeloader'] / 1024:.1f} MiB, scan {rss['scan'] / 1024:.1f} MiB")
