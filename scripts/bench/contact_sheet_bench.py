#!/usr/bin/env python3
"""Benchmark of the contact sheet for a large run (issue 11): N jobs with their thumbnails
already made. Times (1) `veo-pipeline report OUT` writing index.html, the whole process, and
(2) the page becoming interactive in headless Chromium (navigation start to DOMContentLoaded with
the page's script run), from file://. Prints medians over ROUNDS and whether the targets hold.

usage: contact_sheet_bench.py BINARY [JOBS] [ROUNDS]
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def make_run(folder, jobs):
    """A report of `jobs` succeeded jobs, one clip each, with posters and strips in thumbs/."""
    os.makedirs(folder + "/clips")
    os.makedirs(folder + "/thumbs")
    clip = folder + "/clips/template.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=0x3366cc:s=320x180:r=8:d=4", "-pix_fmt", "yuv420p",
                    "-c:v", "libx264", "-preset", "ultrafast", clip], check=True)
    poster = folder + "/thumbs/template.jpg"
    subprocess.run(["ffmpeg", "-v", "error", "-i", clip, "-frames:v", "1", poster], check=True)
    entries = []
    for i in range(jobs):
        sha = f"{i:064x}"
        os.link(clip, f"{folder}/clips/shot-{i}.mp4")
        for kind in ("poster", "strip"):
            os.link(poster, f"{folder}/thumbs/{sha}.{kind}.jpg")
        entries.append({
            "id": f"shot-{i}", "shot": f"shot-{i}", "variant": None, "take": 1, "line": i + 8, "column": 5,
            "status": "succeeded", "cached": i % 3 == 0, "cache_key": sha, "video_id": f"video_{i}",
            "request": {"model": "veo-3.1-fast-generate-preview", "prompt": f"A lion, take {i}, cinematic", "seconds": 4,
                        "size": "1280x720", "inputs": []},
            "output": {"path": f"clips/shot-{i}.mp4", "bytes": os.path.getsize(clip), "sha256": sha, "width": 320, "height": 180,
                       "duration": 4.0},
            "attempts": 1, "timings": {"submitted_at": None, "completed_at": None, "render_seconds": 90.0},
            "error": None, "skipped_because": None})
    report = {"schema_version": 1, "tool": {"name": "veo-pipeline", "version": "bench"},
              "manifest": {"path": "bench.yaml", "sha256": "0" * 64, "name": "bench"},
              "started_at": "2026-11-30T00:00:00Z", "finished_at": "2026-11-30T01:00:00Z", "status": "succeeded",
              "base_url": None, "emulated": True, "emulator": {"render_seconds": 1, "state_directory": ".emulator"},
              "summary": {"total": jobs, "succeeded": jobs, "failed": 0, "skipped": 0, "cached": sum(1 for e in entries if e["cached"])},
              "jobs": entries}
    with open(folder + "/report.json", "w") as f:
        json.dump(report, f)


def time_report(binary, folder, rounds):
    times = []
    for _ in range(rounds):
        start = time.monotonic()
        subprocess.run([binary, "report", folder], check=True, stdout=subprocess.DEVNULL)
        times.append(time.monotonic() - start)
    return statistics.median(times), min(times)


def time_browser(page, rounds):
    from playwright.sync_api import sync_playwright
    times = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"), args=["--no-sandbox"])
        for _ in range(rounds):
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.goto("file://" + page, wait_until="domcontentloaded")
            ms = tab.evaluate("() => performance.timing.domContentLoadedEventEnd - performance.timing.navigationStart")
            times.append(ms / 1000)
            tab.close()
        browser.close()
    return statistics.median(times), min(times)


def main():
    binary = os.path.abspath(sys.argv[1])
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    folder = tempfile.mkdtemp(prefix="veo-bench-sheet-")
    try:
        make_run(folder, jobs)
        subprocess.run([binary, "report", folder], check=True, stdout=subprocess.DEVNULL)  # warm-up
        size = os.path.getsize(folder + "/index.html")
        write_median, write_best = time_report(binary, folder, rounds)
        load_median, load_best = time_browser(folder + "/index.html", rounds)
        print(f"jobs: {jobs}, page: {size / 1e6:.2f} MB, rounds: {rounds}")
        print(f"(1) veo-pipeline report (whole process, thumbnails already made): median {write_median:.3f} s, best {write_best:.3f} s"
              f"   target < 0.5 s: {'MET' if write_median < 0.5 else 'MISSED'}")
        print(f"(2) Chromium, navigation to interactive (DOMContentLoaded, script run): median {load_median:.3f} s, best {load_best:.3f} s"
              f"   target < 2 s: {'MET' if load_median < 2 else 'MISSED'}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
