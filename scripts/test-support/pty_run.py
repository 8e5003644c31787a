#!/usr/bin/env python3
"""Runs a command on a pseudo-terminal (as a person at a terminal would), answers a prompt, and
prints JSON {"code": exit status, "output": everything shown}. For the end-to-end tests of the
confirmation prompt.

usage: pty_run.py PROMPT ANSWER TIMEOUT -- COMMAND...   (ANSWER "" means: never answer)
"""
import json
import os
import pty
import select
import sys
import time


def main():
    prompt, answer, timeout = sys.argv[1], sys.argv[2], float(sys.argv[3])
    command = sys.argv[sys.argv.index("--") + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    output, answered, deadline = b"", False, time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        if not answered and answer and prompt.encode() in output:
            os.write(fd, (answer + "\n").encode())
            answered = True
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    json.dump({"code": code, "output": output.decode("utf-8", "replace"), "answered": answered}, sys.stdout)


if __name__ == "__main__":
    main()
