#!/usr/bin/env python3
"""Paired runs for scripts/bench-validate.sh (its third argument, PAIRS). Usage:
  validate_pairs.py VEO_BIN SCAN_BIN MANIFEST PAIRS
Runs `veo-pipeline validate MANIFEST` and the bare libyaml scan back to back, PAIRS times (after one
warm-up run of each), and reports the distribution of the per-pair ratio validate / scan: each
ratio compares two runs made a few milliseconds apart, so a slower minute of the machine falls on
both. validate uses both cores and the scan one, so when the VM's second vCPU is busy elsewhere
validate slows and the scan does not: the upper percentiles show how often that happens."""
import os
import statistics
import subprocess
import sys
import time

veo, scan, manifest, pairs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


def run(cmd):
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd!r} failed")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


validate_cmd, scan_cmd = [veo, "validate", manifest], [scan, manifest, "1"]
run(validate_cmd)
run(scan_cmd)
ratios, validate_walls, scan_walls, validate_cpus = [], [], [], []
for _ in range(pairs):
    v, cpu = run(validate_cmd)
    s, _ = run(scan_cmd)
    ratios.append(v / s)
    validate_walls.append(v)
    scan_walls.append(s)
    validate_cpus.append(cpu)


def pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


print(f"\n{pairs} pairs (validate, then the scan, back to back):")
print(f"  validate  median {statistics.median(validate_walls) * 1e3:6.1f} ms   p10 {pct(validate_walls, .1) * 1e3:6.1f}"
      f"   p90 {pct(validate_walls, .9) * 1e3:6.1f}   cpu median {statistics.median(validate_cpus) * 1e3:6.1f} ms")
print(f"  scan      median {statistics.median(scan_walls) * 1e3:6.1f} ms   p10 {pct(scan_walls, .1) * 1e3:6.1f}"
      f"   p90 {pct(scan_walls, .9) * 1e3:6.1f}")
over = sum(r > 2 for r in ratios)
print(f"  ratio validate / scan per pair: median {statistics.median(ratios):.2f}   p10 {pct(ratios, .1):.2f}"
      f"   p90 {pct(ratios, .9):.2f}   max {max(ratios):.2f}   pairs over 2: {over} of {pairs}")
print(f"  target <= 2 in the median pair: {'MET' if statistics.median(ratios) <= 2 else 'MISSED'}")
