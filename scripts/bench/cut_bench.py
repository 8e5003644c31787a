#!/usr/bin/env python3
"""Final-cut benchmark (issue 12): cutting 20 clips of 8 s at 720p, side by side with one
hand-written ffmpeg concat-filter command doing the same normalisation on the same files, and a
re-run with nothing changed (no ffmpeg process at all).

Usage: cut_bench.py VEO_BIN WORK ROUNDS

The clips are provider-like: 1280x720, 24 fps, H.264 with 48 kHz stereo AAC (the emulator serves
this one file for every job, --serve-file), so the cut decodes and encodes sound as well as picture.
"""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

veo, work, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
CLIPS, SECONDS, FPS = 20, 8, 24
env = dict(os.environ, VEO_API_KEY="bench", CI="true")


def sh(args, **kw):
    return subprocess.run(args, check=True, **kw)


def make_clip(path):
    sh(["ffmpeg", "-nostdin", "-v", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate={FPS}:duration={SECONDS}",
        "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={SECONDS}",
        "-ac", "2", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k",
        "-shortest", "-movflags", "+faststart", path])


def start_emulator(clip):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen([veo, "emulator", "--port", str(port), "--render-seconds", "0.2", "--serve-file", clip],
                            stdout=open(os.path.join(work, "emulator.log"), "w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/_emulator/faults").read()
            return proc, base
        except OSError:
            time.sleep(0.05)
    sys.exit("the emulator did not start; see " + os.path.join(work, "emulator.log"))


def write_manifest(path):
    shots = "\n".join(f"  - {{id: s{i:02d}, prompt: shot {i}}}" for i in range(1, CLIPS + 1))
    clips = ", ".join(f"s{i:02d}" for i in range(1, CLIPS + 1))
    with open(path, "w") as f:
        f.write(f"version: 1\nname: cut-bench\ndefaults: {{seconds: {SECONDS}, size: 1280x720}}\nshots:\n{shots}\n"
                f"cuts:\n  - id: reel\n    fps: {FPS}\n    clips: [{clips}]\n")


def run(manifest, base, out, path_env=None):
    e = dict(env)
    if path_env:
        e["PATH"] = path_env
    t = time.perf_counter()
    with open(os.path.join(work, "run.log"), "a") as log:
        rc = subprocess.run([veo, "run", manifest, "--base-url", base, "--out", out, "--poll-interval", "0.1"],
                            stdout=log, stderr=subprocess.STDOUT, env=e).returncode
    wall = time.perf_counter() - t
    if rc != 0:
        sys.exit(f"veo-pipeline run exited {rc}; see {work}/run.log")
    return wall, json.load(open(os.path.join(out, "report.json")))


def hand_written(out, clips):
    """What a user would write: each clip scaled to fit and padded, square pixels, 24 fps, yuv420p,
    sound at 48 kHz stereo, joined by the concat filter; the same encoder settings as the tool."""
    args = ["ffmpeg", "-nostdin", "-v", "error", "-y"]
    for c in clips:
        args += ["-i", c]
    chains, joins = [], ""
    for i in range(len(clips)):
        chains.append(f"[{i}:v]scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2,"
                      f"setsar=1,fps={FPS},format=yuv420p,setpts=PTS-STARTPTS[v{i}]")
        chains.append(f"[{i}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,asetpts=PTS-STARTPTS[a{i}]")
        joins += f"[v{i}][a{i}]"
    chains.append(f"{joins}concat=n={len(clips)}:v=1:a=1[v][a]")
    args += ["-filter_complex", ";".join(chains), "-map", "[v]", "-map", "[a]",
             "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
             "-c:a", "aac", "-b:a", "192k", "-ar", "48000", "-ac", "2", "-movflags", "+faststart", "-f", "mp4", out]
    t = time.perf_counter()
    sh(args)
    return time.perf_counter() - t


def counting_path():
    """A PATH whose ffmpeg and ffprobe log every call to a file, then run the real ones."""
    bin_dir = os.path.join(work, "counting-bin")
    os.makedirs(bin_dir, exist_ok=True)
    log = os.path.join(work, "media-calls.log")
    for tool in ["ffmpeg", "ffprobe"]:
        real = shutil.which(tool)
        with open(os.path.join(bin_dir, tool), "w") as f:
            f.write(f"#!/bin/sh\necho {tool} >> '{log}'\nexec '{real}' \"$@\"\n")
        os.chmod(os.path.join(bin_dir, tool), 0o755)
    return bin_dir + ":" + os.environ.get("PATH", ""), log


def main():
    clip = os.path.join(work, "provider-like.mp4")
    make_clip(clip)
    manifest = os.path.join(work, "cut.yaml")
    write_manifest(manifest)
    out = os.path.join(work, "out")
    emulator, base = start_emulator(clip)
    try:
        wall, report = run(manifest, base, out)  # renders the 20 clips, then the cut
        clips = [os.path.join(out, j["output"]["path"]) for j in report["jobs"]]
        print(f"first run (20 clips rendered by the emulator, then the cut): {wall:.2f} s")
        ours, theirs = [], []
        for _ in range(rounds):
            # The tool: the same run with every clip cached and the cut forgotten, so only the cut is made.
            shutil.rmtree(os.path.join(out, "cuts"), ignore_errors=True)
            shutil.rmtree(os.path.join(out, "cache", "cuts"), ignore_errors=True)
            wall, report = run(manifest, base, out)
            cut = report["cuts"][0]
            assert cut["status"] == "succeeded" and not cut["cached"], cut
            ours.append(wall)
            theirs.append(hand_written(os.path.join(work, "hand.mp4"), clips))
        print(f"cut duration {cut['output']['duration']:.3f} s (planned {cut['planned_seconds']} s), {cut['output']['bytes'] / 1e6:.1f} MB")
        o, h = statistics.median(ours), statistics.median(theirs)
        print(f"(1) veo-pipeline run (whole process, clips cached, cut encoded): median {o:.2f} s, best {min(ours):.2f} s")
        print(f"    hand-written ffmpeg concat-filter command:                  median {h:.2f} s, best {min(theirs):.2f} s")
        print(f"    ratio {o / h:.3f} x   target <= 1.2: {'MET' if o / h <= 1.2 else 'MISSED'}")
        path, log = counting_path()
        if os.path.exists(log):
            os.remove(log)
        wall, report = run(manifest, base, out, path_env=path)
        calls = open(log).read().split() if os.path.exists(log) else []
        cut = report["cuts"][0]
        print(f"(2) re-run with nothing changed: {wall:.2f} s, cut cached={cut['cached']}, "
              f"ffmpeg/ffprobe processes: {len(calls)}   target 0: {'MET' if cut['cached'] and not calls else 'MISSED'}")
    finally:
        emulator.terminate()
        emulator.wait()


main()
