#!/usr/bin/env python3
"""What a user would script instead of veo-pipeline: the same manifest's jobs, driven with the
`openai` Python SDK's videos API and asyncio, for scripts/bench-run.sh.

  bench_openai_sdk.py MANIFEST OUT_DIR BASE_URL [--concurrency 32] [--poll-interval 0.2]

BASE_URL is the server root plus /v1 (the SDK appends /videos to it). Reads the manifest with
PyYAML (only the features the benchmark manifest uses: defaults, vars, shots with prompt,
first_frame {shot, frame} and after). Each job, once its upstream job is done, takes a slot of an
asyncio.Semaphore(concurrency), then: for a first_frame, extracts that frame of the upstream clip
with ffmpeg (as the pipeline does) and uploads it as input_reference; videos.create; sleeps
poll-interval and videos.retrieve until completed; videos.download_content to OUT_DIR/<id>.mp4.
No ffprobe verification, no hashing, no journal or report (the pipeline does all of these).
Prints: BENCH sdk_seconds=<from first job start to last download> jobs=<n> failed=<n>
"""
import argparse
import asyncio
import os
import re
import sys
import time
import warnings

import yaml
from openai import AsyncOpenAI


# openai 3.x warns on every videos call that the hosted API is being retired; irrelevant here.
warnings.filterwarnings("ignore", category=DeprecationWarning)


def load_jobs(path):
    doc = yaml.load(open(path), Loader=yaml.CSafeLoader)
    defaults = doc.get("defaults", {})
    env = doc.get("vars", {})
    jobs = {}
    for shot in doc["shots"]:
        prompt = re.sub(r"\$\{(\w+)\}", lambda m: str(env[m.group(1)]), shot["prompt"])
        deps = list(shot.get("after", []))
        frame = shot.get("first_frame")
        if frame:
            deps.append(frame["shot"])
        jobs[shot["id"]] = {
            "id": shot["id"], "prompt": prompt, "deps": deps, "first_frame": frame,
            "model": shot.get("model", defaults.get("model")),
            "seconds": str(shot.get("seconds", defaults.get("seconds", 6))),
            "size": shot.get("size", defaults.get("size", "1280x720")),
        }
    return jobs


async def extract_frame(clip, which, png):
    # The same ffmpeg arguments as the pipeline (Sources/VeoCore/Execution/MediaTools.swift).
    args = ["ffmpeg", "-nostdin", "-v", "error", "-y"]
    if which == "last":
        args += ["-sseof", "-0.5", "-i", clip, "-vf", "reverse", "-frames:v", "1", png]
    else:
        args += ["-i", clip, "-frames:v", "1", png]
    p = await asyncio.create_subprocess_exec(*args)
    if await p.wait() != 0:
        raise RuntimeError(f"ffmpeg could not extract the {which} frame of {clip}")


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("out")
    ap.add_argument("base_url")
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--poll-interval", type=float, default=0.2)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    jobs = load_jobs(a.manifest)
    client = AsyncOpenAI(base_url=a.base_url, api_key=os.environ.get("VEO_API_KEY", "bench"),
                         max_retries=2)
    sem = asyncio.Semaphore(a.concurrency)
    done = {jid: asyncio.Event() for jid in jobs}
    failed = []

    async def run(job):
        for d in job["deps"]:
            await done[d].wait()
        if any(d in failed for d in job["deps"]):
            failed.append(job["id"])
            done[job["id"]].set()
            return
        try:
            async with sem:
                kwargs = dict(model=job["model"], prompt=job["prompt"], seconds=job["seconds"],
                              size=job["size"])
                if job["first_frame"]:
                    ff = job["first_frame"]
                    png = os.path.join(a.out, f"{job['id']}.first.png")
                    await extract_frame(os.path.join(a.out, f"{ff['shot']}.mp4"), ff["frame"], png)
                    kwargs["input_reference"] = (os.path.basename(png), open(png, "rb").read(), "image/png")
                video = await client.videos.create(**kwargs)
                while video.status not in ("completed", "failed"):
                    await asyncio.sleep(a.poll_interval)
                    video = await client.videos.retrieve(video.id)
                if video.status != "completed":
                    raise RuntimeError(f"{job['id']}: {video.status} {video.error}")
                content = await client.videos.download_content(video.id)
                content.write_to_file(os.path.join(a.out, f"{job['id']}.mp4"))
        except Exception as e:  # report, keep the others going (as the pipeline does)
            print(f"job {job['id']} failed: {e}", file=sys.stderr)
            failed.append(job["id"])
        finally:
            done[job["id"]].set()

    t = time.perf_counter()
    await asyncio.gather(*(run(j) for j in jobs.values()))
    elapsed = time.perf_counter() - t
    await client.close()
    print(f"BENCH sdk_seconds={elapsed:.3f} jobs={len(jobs)} failed={len(failed)}")


if __name__ == "__main__":
    asyncio.run(main())
