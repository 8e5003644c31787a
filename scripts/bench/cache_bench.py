#!/usr/bin/env python3
"""Measurements of scripts/bench-cache.sh (issue 14: the shared cache). Usage:
  cache_bench.py VEO_BIN WORK_DIR CLIP JOBS CONCURRENCY ROUNDS

Starts its own servers on loopback: the emulator serving CLIP for every job (--serve-file), moto in
server mode (signatures checked) for S3, and, when Debian's nginx is installed, nginx with WebDAV
for the HTTP layout. Then:
  1. warm: `veo-pipeline run` of JOBS jobs with --cache s3://… writes records, claims and the clip;
     every job got the same served file, so the cache holds one object: each record is then given
     its own object (CLIP plus a 'free' box naming the job: a valid MP4 of its own sha256), as
     JOBS different renders would. The same records and objects go to nginx's folder.
  2. restore: in turns, ROUNDS times: curl fetching the JOBS objects (`curl --parallel
     --parallel-max CONCURRENCY`, SigV4 with --aws-sigv4 for S3, plain GETs for nginx), and
     `veo-pipeline run --concurrency CONCURRENCY --cache …` into a fresh folder, timed from start
     until report.json exists (every clip restored and journaled); target: throughput >= 0.5 x
     curl's. The process is then stopped: what follows report.json is the contact sheet, whose
     2 ffmpeg stills per new clip take minutes for JOBS new clips and are not the cache's work.
  3. no-op: `veo-pipeline run --cache` again in the first restored folder, with the stills a
     complete first run would have left (copied from the warm folder: every clip shows CLIP's
     frames); whole process, target < 2 s. And `plan --cache` in an empty folder (reads every
     record from the cache).
  4. miss: one new job added to the manifest, run in the restored folder through a counting proxy
     in front of the cache: every request the cache received, in order, beside the create request
     the emulator received; target: the cache adds at most one round trip before the job's create.
"""
import concurrent.futures
import hashlib
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
import urllib.request

veo, work, clip = sys.argv[1], sys.argv[2], sys.argv[3]
JOBS, CONC, ROUNDS = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
here = os.path.dirname(os.path.abspath(__file__))
BUCKET, PREFIX = "veo-bench", "clips"
EMPTY_SHA = hashlib.sha256(b"").hexdigest()
base_env = dict(os.environ, VEO_API_KEY="bench", CI="true")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc=None, what="server"):
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            if proc is not None and proc.poll() is not None:
                sys.exit(f"{what} exited {proc.returncode}")
            time.sleep(0.05)
    sys.exit(f"{what} did not start on port {port}")


def load():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def stamp(value):
    """An emulator record timestamp as seconds since 1970 (Foundation's default is since 2001)."""
    if isinstance(value, (int, float)):
        return value + 978307200 if value < 1e9 else value
    from datetime import datetime
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


class Emulator:
    def __init__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [veo, "emulator", "--port", str(self.port), "--render-seconds", "0.2", "--serve-file", clip,
             "--storage", os.path.join(work, "emulator")],
            stdout=open(os.path.join(work, "emulator.log"), "w"), stderr=subprocess.STDOUT)
        wait_port(self.port, self.proc, "the emulator")

    def call(self, path, method="GET"):
        req = urllib.request.Request(self.base + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(req) as r:
            return json.loads(r.read() or b"null")

    def record(self):
        return self.call("/_emulator/record")["requests"]

    def reset(self):
        self.call("/_emulator/reset", "POST")

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


MOTO_SETUP = """
import json, sys, boto3
endpoint, bucket = sys.argv[1], sys.argv[2]
kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam = boto3.client("iam", **kw)
iam.create_user(UserName="cache")
key = iam.create_access_key(UserName="cache")["AccessKey"]
policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
iam.put_user_policy(UserName="cache", PolicyName="s3", PolicyDocument=json.dumps(policy))
boto3.client("s3", **kw).create_bucket(Bucket=bucket)
print(key["AccessKeyId"], key["SecretAccessKey"])
"""


class Moto:
    """moto in server mode; the first 4 requests (user, key, policy, bucket) pass unsigned, then
    every request must be signed with the generated key (as in the tests)."""

    def __init__(self):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = os.path.join(work, "moto.log")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            env=dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="4"), stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        wait_port(self.port, self.proc, "moto")
        out = subprocess.run([sys.executable, "-c", MOTO_SETUP, self.endpoint, BUCKET], capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit("moto setup failed: " + out.stderr[-2000:])
        self.key, self.secret = out.stdout.split()
        import boto3
        from botocore.config import Config
        self.s3 = boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id=self.key,
                               aws_secret_access_key=self.secret, config=Config(max_pool_connections=16))

    url = f"s3://{BUCKET}/{PREFIX}"

    def env(self, endpoint=None):
        return {"AWS_ACCESS_KEY_ID": self.key, "AWS_SECRET_ACCESS_KEY": self.secret, "AWS_REGION": "us-east-1",
                "AWS_ENDPOINT_URL": endpoint or self.endpoint}

    def object_url(self, path):
        return f"{self.endpoint}/{BUCKET}/{PREFIX}/{path}"

    def log_size(self):
        return os.path.getsize(self.log)

    def requests_since(self, offset):
        """(method, path, status) of each request moto logged after `offset` bytes of its log."""
        with open(self.log, "rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
        return re.findall(r'"(GET|PUT|HEAD|DELETE|POST) (\S+) HTTP/[\d.]+" (\d+)', text)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {d}/tmp;
    server {{
        listen 127.0.0.1:{port};
        root {d}/data;
        client_max_body_size 0;
        location / {{
            dav_methods PUT DELETE;
            create_full_put_path on;
        }}
    }}
}}
"""


class Nginx:
    def __init__(self, binary):
        self.dir = os.path.join(work, "nginx")
        for sub in ("data/cache", "tmp"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        self.port = free_port()
        conf = os.path.join(self.dir, "nginx.conf")
        open(conf, "w").write(NGINX_CONF.format(d=self.dir, port=self.port))
        self.proc = subprocess.Popen([binary, "-p", self.dir, "-e", os.path.join(self.dir, "error.log"), "-c", conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_port(self.port, self.proc, "nginx")
        self.root = os.path.join(self.dir, "data", "cache")
        self.url = f"http://127.0.0.1:{self.port}/cache"

    def object_url(self, path):
        return f"{self.url}/{path}"

    def stop(self):
        self.proc.send_signal(signal.SIGQUIT)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class CountingProxy:
    """Forwards every request to a cache server unchanged (Host header included, so signatures
    still hold) and notes each one: start, end, method, path, status."""

    def __init__(self, upstream_port):
        self.port = free_port()
        self.entries = []
        lock = threading.Lock()
        entries = self.entries

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def forward(self):
                start = time.time()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
                upstream.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
                answer = upstream.getresponse()
                data = answer.read()
                upstream.close()
                self.send_response_only(answer.status, answer.reason)
                skip = {"transfer-encoding", "connection", "content-length", "keep-alive"}
                for name, value in answer.getheaders():
                    if name.lower() not in skip:
                        self.send_header(name, value)
                self.send_header("Content-Length", answer.getheader("Content-Length") if self.command == "HEAD" else str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                with lock:
                    entries.append((start, time.time(), self.command, self.path, answer.status))

            do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


def veo_run(manifest, out, cache_url, cache_env, log, until_report=False, extra=()):
    """Runs veo-pipeline; returns (seconds until report.json exists, seconds until exit or None).
    With until_report, the process (and the ffmpeg stills it started) is stopped once
    report.json exists."""
    report = os.path.join(out, "report.json")
    cmd = [veo, "run", manifest, "--base-url", emulator.base, "--out", out, "--concurrency", str(CONC),
           "--poll-interval", "0.05", "--cache", cache_url, *extra]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT, env=dict(base_env, **cache_env),
                            start_new_session=True)
    to_report = None
    while proc.poll() is None:
        if to_report is None and os.path.exists(report):
            to_report = time.perf_counter() - start
            if until_report:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return to_report, None
        time.sleep(0.002)
    whole = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stdout.write(open(log).read()[-3000:])
        sys.exit(f"veo-pipeline run exited {proc.returncode} (log {log})")
    return (to_report if to_report is not None else whole), whole


def timed(cmd, log, env=None):
    start = time.perf_counter()
    rc = subprocess.run(cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT, env=env or base_env).returncode
    wall = time.perf_counter() - start
    if rc not in (0, 2):
        sys.stdout.write(open(log).read()[-3000:])
        sys.exit(f"{' '.join(cmd[:2])} exited {rc} (log {log})")
    return wall


def free_box(text):
    """A top-level MP4 'free' box: players skip it, so CLIP plus this box is still CLIP."""
    payload = text.encode()
    return struct.pack(">I4s", 8 + len(payload), b"free") + payload


def diversify(moto, nginx):
    """Gives each record its own object (see the module text); returns [(object path, bytes)]."""
    base = open(clip, "rb").read()
    keys = []
    # moto checks a signature against the decoded query: a "/" in the listed prefix fails it.
    for page in moto.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=PREFIX):
        keys += [o["Key"] for o in page.get("Contents", []) if o["Key"].startswith(f"{PREFIX}/ac/")]

    def one(key):
        record = json.loads(moto.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
        data = base + free_box("veo-bench " + key.rsplit("/", 1)[1])
        sha = hashlib.sha256(data).hexdigest()
        record["sha256"], record["bytes"] = sha, len(data)
        text = json.dumps(record, sort_keys=True, separators=(",", ":")).encode()
        moto.s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/cas/{sha}", Body=data, ContentType="video/mp4")
        moto.s3.put_object(Bucket=BUCKET, Key=key, Body=text, ContentType="application/json")
        if nginx:
            for path, content in ((f"cas/{sha}", data), ("ac/" + key.rsplit("/", 1)[1], text)):
                full = os.path.join(nginx.root, path)
                os.makedirs(os.path.dirname(full), exist_ok=True)
                open(full, "wb").write(content)
        return f"cas/{sha}", len(data)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, keys))


def curl_fetch(objects, url_of, auth, into):
    """curl --parallel fetching every object into `into` (a new folder); returns (seconds, bytes)."""
    os.makedirs(into)
    config = os.path.join(work, "curl.cfg")
    with open(config, "w") as f:
        for path, _ in objects:
            f.write(f'url = "{url_of(path)}"\noutput = "{into}/{path.split("/")[1]}"\n')
    cmd = ["curl", "-sS", "--fail", "--no-progress-meter", "--parallel", "--parallel-max", str(CONC), *auth, "-K", config]
    start = time.perf_counter()
    rc = subprocess.run(cmd).returncode
    wall = time.perf_counter() - start
    if rc != 0:
        sys.exit(f"curl exited {rc}")
    got = sum(os.path.getsize(os.path.join(into, n)) for n in os.listdir(into))
    return wall, got


def check_restore(out, objects):
    report = json.load(open(os.path.join(out, "report.json")))
    cached = report["summary"].get("cached")
    clips = [j["output"] for j in report["jobs"] if j.get("output")]
    restored = sum(o["bytes"] for o in clips)
    wanted = {p.split("/")[1] for p, _ in objects}
    if cached != JOBS or {o["sha256"] for o in clips} != wanted:
        sys.exit(f"{out}: {cached} cached of {JOBS}, or not the cache's objects")
    return restored


def restore_section(name, cache_url, cache_env, objects, url_of, auth, counter=None):
    total = sum(b for _, b in objects)
    print(f"== {name}: restore {JOBS} clips ({total / 2**20:.1f} MiB, {total // JOBS} bytes each) into a fresh folder, "
          f"in turns with curl; concurrency {CONC}")
    curl_times, veo_times, first = [], [], None
    for r in range(1, ROUNDS + 1):
        c_wall, c_bytes = curl_fetch(objects, url_of, auth, os.path.join(work, f"{name}-curl-{r}"))
        if c_bytes != total:
            sys.exit(f"curl fetched {c_bytes} bytes, not {total}")
        out = os.path.join(work, f"{name}-fresh-{r}")
        before = len(emulator.record())
        offset = counter[0]() if counter else None
        to_report, _ = veo_run(manifest, out, cache_url, cache_env, os.path.join(work, f"{name}-restore-{r}.log"), until_report=True)
        if len(emulator.record()) != before:
            sys.exit("the restore sent requests to the video API")
        check_restore(out, objects)
        curl_times.append(c_wall)
        veo_times.append(to_report)
        # Every folder stays until the end: ext4 makes new files slowly for minutes after many
        # were deleted (it skips recently freed inodes), which would slow the next round.
        first = first or out
        print(f"   round {r} (load {load()}): curl {c_wall:.3f} s ({total / c_wall / 2**20:.1f} MiB/s); "
              f"veo-pipeline {to_report:.3f} s to report.json ({total / to_report / 2**20:.1f} MiB/s); "
              f"ratio {c_wall / to_report:.3f}" + (f"; {len(counter[1](offset))} requests reached moto" if counter else ""))
    c, v = statistics.median(curl_times), statistics.median(veo_times)
    ratio = statistics.median(cw / vw for cw, vw in zip(curl_times, veo_times))
    print(f"   medians: curl {c:.3f} s, veo-pipeline {v:.3f} s; median of the rounds' ratios: veo-pipeline at "
          f"{ratio:.3f} x curl's throughput; target >= 0.5: {'MET' if ratio >= 0.5 else 'MISSED'}")
    return first


def copy_stills(out):
    """The contact sheet's stills of the restored clips, as a complete first run would have left
    them: every clip shows the frames of CLIP, so the warm folder's two stills of CLIP serve."""
    base = hashlib.sha256(open(clip, "rb").read()).hexdigest()
    warm = os.path.join(work, "warm", "thumbs")
    os.makedirs(os.path.join(out, "thumbs"), exist_ok=True)
    report = json.load(open(os.path.join(out, "report.json")))
    for job in report["jobs"]:
        for kind in ("poster", "strip"):
            shutil.copyfile(os.path.join(warm, f"{base}.{kind}.jpg"), os.path.join(out, "thumbs", f"{job['output']['sha256']}.{kind}.jpg"))


def noop_section(name, out, cache_url, cache_env, counter):
    copy_stills(out)
    times, counts = [], []
    for r in range(3):
        offset = counter[0]() if counter else None
        _, whole = veo_run(manifest, out, cache_url, cache_env, os.path.join(work, f"{name}-noop-{r}.log"))
        times.append(whole)
        if counter:
            counts.append(len(counter[1](offset)))
    med = statistics.median(times)
    seen = f"; requests to the cache per run: {counts}" if counts else ""
    print(f"   no-op run in the restored folder (load {load()}): {', '.join(f'{t:.3f}' for t in times)} s, "
          f"median {med:.3f} s{seen}; target < 2 s: {'MET' if med < 2 else 'MISSED'}")
    times, counts = [], []
    for r in range(3):
        empty = os.path.join(work, f"{name}-plan-{r}")
        offset = counter[0]() if counter else None
        times.append(timed([veo, "plan", manifest, "--base-url", emulator.base, "--out", empty, "--cache", cache_url,
                            "--detailed-exitcode"], os.path.join(work, f"{name}-plan-{r}.log"), dict(base_env, **cache_env)))
        if counter:
            counts.append(len(counter[1](offset)))
    seen = f"; requests to the cache per run: {counts}" if counts else ""
    print(f"   plan --cache in an empty folder, {JOBS} records read: {', '.join(f'{t:.3f}' for t in times)} s, "
          f"median {statistics.median(times):.3f} s{seen}")


def miss_section(name, out, upstream_port, cache_url_of, cache_env_of):
    proxy = CountingProxy(upstream_port)
    try:
        missing = os.path.join(work, f"{name}-miss.yaml")
        text = open(manifest).read().rstrip("\n")
        open(missing, "w").write(text + f"\n  - id: miss-{name}\n    prompt: a job no cache holds, for {name}\n")
        before = len(emulator.record())
        veo_run(missing, out, cache_url_of(proxy.port), cache_env_of(proxy.port), os.path.join(work, f"{name}-miss.log"))
        creates = [r for r in emulator.record()[before:] if r["kind"] == "create"]
        if len(creates) != 1:
            sys.exit(f"expected one create request, got {len(creates)}")
        created = stamp(creates[0]["timestamp"])
        entries = sorted(proxy.entries)
        t0 = entries[0][0] if entries else created
        print(f"   one job missing from the cache ({name}): {len(entries)} requests reached the cache in that run:")
        for start, end, method, path, status in entries:
            where = "before" if end <= created else "after"
            print(f"     {start - t0:7.3f}-{end - t0:7.3f} s  {method:6} {status}  {shorten(path)}  ({where} the create request)")
        print(f"     create request at {created - t0:7.3f} s")
        startup = ("list-type", "/ac/" + "0" * 64)  # the check of the cache, once per run
        job_before = [e for e in entries if e[1] <= created and not any(m in e[3] for m in startup)]
        rounds = sequential_rounds(job_before)
        print(f"   the job's requests before its create: {len(job_before)}, in {rounds} sequential round trip(s) "
              f"(the check of the cache at start-up is once per run); target <= 1: {'MET' if rounds <= 1 else 'MISSED'}")
    finally:
        proxy.stop()


def shorten(path):
    path = path.split("?")[0] + ("?…" if "?" in path else "")
    return re.sub(r"([0-9a-f]{12})[0-9a-f]{52}", r"\1…", path)


def sequential_rounds(entries):
    """How many round trips one after another: requests overlapping in time count as one."""
    rounds, end = 0, None
    for start, finish, *_ in sorted(entries):
        if end is None or start >= end:
            rounds += 1
            end = finish
        else:
            end = max(end, finish)
    return rounds


def main():
    global emulator, manifest
    print(f"== servers: emulator (serving {os.path.getsize(clip)} bytes for every job), moto {moto_version()}"
          + (", nginx" if shutil.which("nginx") or os.path.exists("/usr/sbin/nginx") else ", no nginx"))
    emulator = Emulator()
    moto = Moto()
    nginx_bin = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    nginx = Nginx(nginx_bin) if nginx_bin else None
    try:
        manifest = os.path.join(work, "jobs.yaml")
        subprocess.run([sys.executable, os.path.join(here, "gen_manifest.py"), "flat", manifest, str(JOBS), "4", "1280x720"], check=True)
        warm = timed([veo, "run", manifest, "--base-url", emulator.base, "--out", os.path.join(work, "warm"), "--concurrency",
                      str(CONC), "--poll-interval", "0.05", "--cache", moto.url], os.path.join(work, "warm.log"), dict(base_env, **moto.env()))
        print(f"== warm: {JOBS} jobs rendered and shared in {warm:.1f} s (load {load()})")
        start = time.perf_counter()
        objects = diversify(moto, nginx)
        print(f"== {len(objects)} records given their own objects in {time.perf_counter() - start:.1f} s")
        if len(objects) != JOBS:
            sys.exit(f"the warm run left {len(objects)} records, not {JOBS}")
        sigv4 = ["--aws-sigv4", "aws:amz:us-east-1:s3", "--user", f"{moto.key}:{moto.secret}", "-H", f"x-amz-content-sha256: {EMPTY_SHA}"]
        counter = (moto.log_size, moto.requests_since)
        out = restore_section("s3", moto.url, moto.env(), objects, moto.object_url, sigv4, counter)
        noop_section("s3", out, moto.url, moto.env(), counter)
        miss_section("s3", out, moto.port, lambda p: moto.url, lambda p: moto.env(f"http://127.0.0.1:{p}"))
        if nginx:
            out = restore_section("http", nginx.url, {}, objects, nginx.object_url, [])
            noop_section("http", out, nginx.url, {}, None)
            miss_section("http", out, nginx.port, lambda p: f"http://127.0.0.1:{p}/cache", lambda p: {})
    finally:
        emulator.stop()
        moto.stop()
        if nginx:
            nginx.stop()


def moto_version():
    try:
        import moto
        return moto.__version__
    except ImportError:
        sys.exit("needs python packages moto[server] and boto3")


if __name__ == "__main__":
    main()
