"""Runs `swift test` so that it can only pass or fail, never hang.

    test_supervisor.py [--deadline 40m] [--suite-deadline 15m] [--exit-grace 30s]
                       --events FILE --logs DIR -- COMMAND...

COMMAND runs in a process group of its own, with this process as the child subreaper of
everything it starts (a fixture that double-forks is still found). Swift Testing's event stream
(FILE, written by `swift test --experimental-event-stream-output FILE`) tells which tests run.

It ends the run, prints what was running and the tails of those tests' fixture logs (DIR, one
folder per test holding a TEST file with the test's id), kills every process the run started and
exits non-zero when:
- the run passes its deadline, or one suite runs longer than the suite deadline;
- the test binary has exited but COMMAND is still running after the exit grace (a process that
  holds its output pipe keeps `swift test` waiting for ever).
When COMMAND exits, any process it left is listed and killed, and the run fails: a fixture that
outlives its test is a bug of the test tooling.
"""

import argparse
import ctypes
import json
import os
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def duration(text):
    """'90s', '15m', '1h' or a bare number of minutes, in seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    if text and text[-1] in units:
        return float(text[:-1]) * units[text[-1]]
    return float(text) * 60


def say(message):
    print(f"test-supervisor: {message}", file=sys.stderr, flush=True)


def processes():
    """{pid: (ppid, state, command line)} of every process on the machine."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read().decode(errors="replace")
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        found[int(entry)] = (int(fields[1]), fields[0], command)
    return found


def descendants(root):
    """Living (not zombie) descendants of `root`: pid -> command line."""
    table = processes()
    children = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, stack = {}, list(children.get(root, []))
    while stack:
        pid = stack.pop()
        ppid, state, command = table[pid]
        if state != "Z":
            found[pid] = command
        stack.extend(children.get(pid, []))
    return found


def reap():
    """Collects exited orphans (this process is their subreaper)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_all(spare=None):
    """SIGKILL every descendant (and its process group) except `spare`; waits until none is left.
    Returns the command lines of what was running."""
    left = {}
    for _ in range(50):
        living = {pid: command for pid, command in descendants(os.getpid()).items() if pid != spare}
        if not living:
            break
        left.update(living)
        for pid in living:
            for target in (lambda: os.killpg(os.getpgid(pid), signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
                try:
                    target()
                except (ProcessLookupError, PermissionError):
                    pass
        time.sleep(0.1)
        reap()
    return left


class EventStream:
    """Follows Swift Testing's JSON event stream (version 0): which tests and suites run."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = b""
        self.names = {}
        self.suites = set()
        self.running = {}
        self.run_ended = False

    def poll(self):
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                data = handle.read()
        except OSError:
            return
        self.offset += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            payload = record.get("payload", {})
            if record.get("kind") == "test":
                self.names[payload.get("id")] = payload.get("displayName") or payload.get("name")
                if payload.get("kind") == "suite":
                    self.suites.add(payload.get("id"))
            elif record.get("kind") == "event":
                kind, test = payload.get("kind"), payload.get("testID")
                if kind == "testStarted":
                    self.running[test] = time.monotonic()
                elif kind in ("testEnded", "testSkipped"):
                    self.running.pop(test, None)
                elif kind == "runEnded":
                    self.run_ended = True

    def describe(self, test):
        return f"{self.names.get(test) or test} [{test}]"


def log_tails(logs, tests, lines=30):
    """The tails of the fixture logs of `tests` (by test id), or of the newest logs if none match."""
    folders = []
    try:
        for folder in os.listdir(logs):
            try:
                with open(os.path.join(logs, folder, "TEST"), encoding="utf-8", errors="replace") as handle:
                    test_id = handle.read().strip()
            except OSError:
                continue
            if any(test_id == test or test.startswith(test_id) or test_id.startswith(test) for test in tests):
                folders.append(os.path.join(logs, folder))
    except OSError:
        return
    files = [os.path.join(folder, name) for folder in folders for name in os.listdir(folder) if name.endswith(".log")]
    if not files:
        try:
            candidates = [os.path.join(root, name) for root, _, names in os.walk(logs) for name in names if name.endswith(".log")]
        except OSError:
            candidates = []
        files = sorted(candidates, key=os.path.getmtime)[-4:]
    for path in files:
        try:
            with open(path, "rb") as handle:
                text = handle.read().decode(errors="replace").splitlines()[-lines:]
        except OSError:
            continue
        say(f"--- tail of {path}")
        for line in text:
            print(f"    {line}", file=sys.stderr)
    sys.stderr.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deadline", type=duration, default=duration("40m"))
    parser.add_argument("--suite-deadline", type=duration, default=duration("15m"))
    parser.add_argument("--exit-grace", type=duration, default=duration("30s"))
    parser.add_argument("--events", required=True)
    parser.add_argument("--logs", required=True)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    command = options.command[1:] if options.command[:1] == ["--"] else options.command
    if not command:
        parser.error("no command")

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        say("cannot become the child subreaper; orphaned fixtures would escape")
    started = time.monotonic()
    child = subprocess.Popen(command, start_new_session=True)
    stream = EventStream(options.events)
    binary_seen = binary_gone_at = None
    failure = None

    def stop_run(reason):
        stream.poll()
        say(f"{reason} after {time.monotonic() - started:.0f} s; stopping the run")
        now = time.monotonic()
        for test, since in sorted(stream.running.items(), key=lambda item: item[1]):
            say(f"  still running: {stream.describe(test)} for {now - since:.0f} s")
        log_tails(options.logs, [test for test in stream.running if test not in stream.suites])
        left = kill_all(spare=child.pid)
        for pid, text in sorted(left.items()):
            say(f"  killed {pid}: {text[:200]}")
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    while True:
        try:
            status = child.wait(timeout=1)
            break
        except subprocess.TimeoutExpired:
            pass
        reap()
        stream.poll()
        now = time.monotonic()
        if now - started > options.deadline:
            failure = f"the run passed its deadline ({options.deadline:.0f} s)"
        for test, since in stream.running.items():
            if test in stream.suites and now - since > options.suite_deadline:
                failure = f"suite {stream.describe(test)} passed the suite deadline ({options.suite_deadline:.0f} s)"
        # The binary is gone once Swift Testing reported the end of its run, or once a binary
        # seen running is no longer there (a crash reports nothing).
        living = descendants(child.pid)
        binaries = [pid for pid, text in living.items() if ".xctest" in text or "PackageTests" in text]
        if binaries and not stream.run_ended:
            binary_seen, binary_gone_at = True, None
        elif (binary_seen or stream.run_ended) and binary_gone_at is None:
            binary_gone_at = now
        if binary_gone_at is not None and now - binary_gone_at > options.exit_grace:
            failure = "the test binary exited but swift test did not end (a leftover process holds its output)"
        if failure:
            stop_run(failure)
            child.wait()
            reap()
            return 124

    reap()
    time.sleep(0.5)
    left = kill_all()
    if left:
        for pid, text in sorted(left.items()):
            say(f"left running by the tests, killed: {pid}: {text[:200]}")
        say("processes outlived the run: failing it")
        return status or 1
    return status


if __name__ == "__main__":
    sys.exit(main())
