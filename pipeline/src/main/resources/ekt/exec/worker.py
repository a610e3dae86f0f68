"""Supervisor of one ekt exec worker, started and fed by ekt.exec.WorkerProcess (Java).

It never runs untrusted code itself. It forks a confined child (child.py, confine.py) that
stays warm across batches, feeds it programs, relays its results, and enforces the
per-program CPU limit from outside, by reading the child's CPU time in /proc, which a program
cannot interfere with, plus a wall-clock backstop; a child that overruns is SIGKILLed. A
child that fails, changes shared interpreter state or has served programs_per_fork programs
is replaced by a fresh fork.

Protocol (JSON, one object per line):
  in:  first line the configuration (see WorkerProcess.java), then {"programs": [source, ...]},
       with "fresh": true when every program must run in a child of its own (re-checks)
  out: {"hello": {...}} once, then per program, in order, {"i": index in batch, "s": status,
       "k"/"t"/"v"/"r": answer kind, type, value, repr, "e": error, "o": output, "cpu": s,
       "f": 1 when it was the first program of its child, i.e. nothing else had run in that
       process, so no other program can have influenced its result; set by this supervisor};
       {"fatal": message} before exiting when the sandbox itself fails.
"""
import gc
import json
import os
import pwd
import resource
import select
import shutil
import signal
import sys
import time

import confine  # found next to this script: sys.path[0]
import child    # preloads the modules programs use, before any fork

# Children must not import from a directory they might be able to write to.
_HERE = os.path.dirname(os.path.realpath(__file__))
sys.path[:] = [p for p in sys.path if os.path.realpath(p) != _HERE]

MAX_LINE = 1 << 20
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class SandboxError(Exception):
    pass


class Supervisor:
    def __init__(self, config):
        self.config = config
        self.cpu_limit = config["cpu_limit_ms"] / 1000.0
        self.wall_limit = config["wall_limit_ms"] / 1000.0
        self.per_fork = config["programs_per_fork"]
        self.root = config["workdir"]
        self.children = 0
        self.child = None
        self.policy = None
        self.scratch = False   # whether self.root is our own tmpfs, which vanishes with our namespace
        self.parent = os.getppid()

    def start(self):
        """Process group, namespaces and scratch file system, policy for children; then one probe child."""
        os.setsid()   # our own process group: shutdown() can kill everything in it
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        protections = {"environment": "scrubbed by the pool; children see only " + ", ".join(sorted(os.environ))}
        try:
            protections["namespaces"] = confine.unshare_namespaces()
            self.scratch = True
        except OSError as e:
            protections["namespaces"] = ("fallback, no namespaces (%s): seccomp refuses socket() and IPC calls, "
                                         "Landlock TCP rules" % e)
        drop_to = None
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            drop_to = (nobody.pw_uid, nobody.pw_gid)
            protections["identity"] = "running as root: children drop to uid %d (nobody)" % nobody.pw_uid
        else:
            protections["identity"] = "not root: children keep uid %d" % os.getuid()
        abi = confine.probe_landlock()
        roots = sorted({os.path.realpath(p) for p in ["/usr", sys.prefix, sys.exec_prefix, sys.base_prefix]
                        + sys.path if p and os.path.isdir(p)})
        protections["filesystem"] = (
            "Landlock ABI %d: read-only %s, read-write only the private directory" % (abi, ", ".join(roots))
            if abi else "fallback, no Landlock: file permissions of the child's uid only")
        no_seccomp = confine.probe_seccomp()
        protections["system calls"] = (
            "fallback, no seccomp (%s): RLIMIT_NPROC=0 stops new processes" % no_seccomp if no_seccomp else
            "seccomp: %d calls refused with EPERM (process creation and exec, sockets, ptrace, namespaces, "
            "mounts, limit, identity and session changes, prctl, bpf, perf, io_uring, keyrings); "
            "signals only to itself" % len(confine.DENIED_SYSCALLS))
        protections["limits"] = ("RLIMIT_AS %d MiB, RLIMIT_FSIZE %d MiB, RLIMIT_NOFILE 64, RLIMIT_NPROC 0, "
                                 "RLIMIT_CORE 0, RLIMIT_CPU backstop"
                                 % (self.config["memory_mb"], self.config["file_size_mb"]))
        protections["time"] = ("%d ms CPU per program (supervisor reads /proc), %d ms wall-clock backstop"
                               % (self.config["cpu_limit_ms"], self.config["wall_limit_ms"]))
        protections["isolation"] = (
            "one forked child per program" if self.per_fork == 1 else
            "fresh globals per program; a warm forked child serves up to %d programs and is replaced "
            "after any failure or change to shared interpreter state; correct and abnormal results "
            "are re-checked in a child of their own" % self.per_fork)
        self.policy = {"supervisor_pid": os.getpid(), "cpu_limit_s": self.cpu_limit,
                       "memory_mb": self.config["memory_mb"], "file_size_mb": self.config["file_size_mb"],
                       "drop_to": drop_to, "landlock_abi": abi, "read_roots": roots, "seccomp": not no_seccomp,
                       "answer_name": self.config["answer_name"], "output_limit": self.config["output_limit"],
                       "programs_per_fork": self.per_fork}
        os.mkdir(self.root, 0o711)
        if self.scratch:
            confine.mount_scratch(self.root, self.config["file_size_mb"])
        protections["scratch"] = (
            "private tmpfs of %d MiB, gone with the worker" % self.config["file_size_mb"] if self.scratch else
            "fallback, no tmpfs: private directories on the host file system, RLIMIT_FSIZE per file only")
        gc.freeze()   # fewer copy-on-write page faults in children: the collector leaves these objects alone
        probe = _Collector()
        self.run_batch(["%s = 6 * 7" % self.config["answer_name"]], probe)
        if probe.results != [{"s": "ok", "k": "int", "t": "int", "v": 42}]:
            raise SandboxError("probe program failed in the sandbox: %s" % probe.results)
        return {"python": sys.version.split()[0], "pid": os.getpid(), "protections": protections}

    def run_batch(self, programs, out, fresh=False):
        if fresh:   # each in a child of its own; a warm child waits, idle, for the next batch
            for index in range(len(programs)):
                self._fork_child(budget=1).run(programs, index, out)
            return
        index = 0
        while index < len(programs):
            if self.child is None:
                self.child = self._fork_child()
            index = self.child.run(programs, index, out)
            if not self.child.alive:
                self.child = None

    def _fork_child(self, budget=None):
        self.children += 1
        workdir = os.path.join(self.root, "c%d" % self.children)
        os.mkdir(workdir, 0o700)
        if self.policy["drop_to"]:
            os.chown(workdir, *self.policy["drop_to"])
        request_read, request_write = os.pipe()
        result_read, result_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            child.serve(request_read, result_write, workdir, self.policy)   # never returns
        os.close(request_read)
        os.close(result_write)
        return _Child(self, pid, request_write, result_read, workdir, budget or self.per_fork)

    def shutdown(self):
        try:
            if self.child is not None:
                self.child.end()
            if os.path.isdir(self.root) and not self.scratch:   # the pool removes the empty mount point
                _remove_tree(self.root)
        finally:
            # Children die with us (parent-death signal); the group kill also sweeps up anything
            # a child could have left behind if a kernel lacked both seccomp and RLIMIT_NPROC.
            # Only once setsid() made the group ours: before that it is the JVM's.
            if os.getpgrp() == os.getpid():
                os.killpg(os.getpgrp(), signal.SIGKILL)


class _Child:
    """One confined child: feeds it programs, relays its results, enforces the limits,
    and decides how it ended. It serves batch after batch until it retires itself (a
    program changed shared state), fails, or has served programs_per_fork programs."""

    def __init__(self, supervisor, pid, request_fd, result_fd, workdir, budget):
        self.sup, self.pid, self.request_fd, self.result_fd, self.workdir = \
            supervisor, pid, request_fd, result_fd, workdir
        self.pidfd = os.pidfd_open(pid)
        self.alive, self.ready, self.budget, self.served = True, False, budget, 0
        self.cpu_mark = 0.0
        self.pending = b""

    def run(self, programs, first, out):
        """Runs programs[first:] (within the budget) and returns the next index to run."""
        stop = min(len(programs), first + self.budget)
        self.index, self.stop, self.out = first, stop, out
        self.idle = self.bye = False
        self.verdict = None   # (status, message) when the supervisor ends the child
        self.wall_mark = time.monotonic()
        try:
            _write_all(self.request_fd, _line({"first": first, "programs": programs[first:stop]}))
        except BrokenPipeError:
            pass   # died while idle; the relay below reads EOF and reports it
        self._relay()
        self.budget -= self.index - first
        if self.verdict or not self.idle or self.budget <= 0:
            self.end()
        return self.index

    def _relay(self):
        wait = self.sup.cpu_limit
        while self.verdict is None and not self.idle:
            wall_left = self.wall_mark + self.sup.wall_limit - time.monotonic()
            readable, _, _ = select.select([self.result_fd], [], [], max(0.0, min(wait, wall_left)))
            if readable:
                data = os.read(self.result_fd, 1 << 16)
                if not data:
                    return
                *lines, self.pending = (self.pending + data).split(b"\n")
                for line in lines:
                    if self.verdict is None:
                        self._accept(line)
                self.out.flush()
                if len(self.pending) > MAX_LINE:
                    self.verdict = ("killed", "protocol violation: result line too long")
                wait = self.sup.cpu_limit
                continue
            if os.getppid() != self.sup.parent:
                # The JVM is gone (SIGKILL): give up now, not after a program that may sleep for long.
                raise SandboxError("the pool process died")
            used = _cpu_seconds(self.pid) - self.cpu_mark
            if used >= self.sup.cpu_limit:
                self.verdict = ("timeout", "CPU time limit of %d ms exceeded" % self.sup.config["cpu_limit_ms"])
            elif time.monotonic() - self.wall_mark >= self.sup.wall_limit:
                self.verdict = ("timeout", "wall-clock limit of %d ms exceeded" % self.sup.config["wall_limit_ms"])
            wait = max(0.005, self.sup.cpu_limit - used)

    def _accept(self, line):
        try:
            msg = json.loads(line)
        except ValueError:
            msg = None
        if not isinstance(msg, dict):
            self.verdict = ("killed", "protocol violation: unreadable result line")
        elif "fatal" in msg and not self.ready:
            self.verdict = ("killed", str(msg["fatal"]))
        elif "ready" in msg and not self.ready:
            self.ready, self.cpu_mark, self.wall_mark = True, float(msg["ready"]), time.monotonic()
        elif self.ready and msg.get("i") == self.index and self.index < self.stop:
            self._report(msg)
            self.cpu_mark, self.wall_mark = float(msg.get("cpu", self.cpu_mark)), time.monotonic()
        elif self.ready and self.index == self.stop and "idle" in msg:
            self.idle, self.cpu_mark = True, float(msg["idle"])
        elif self.ready and "bye" in msg:
            self.bye = True
        else:
            self.verdict = ("killed", "protocol violation: unexpected result line")

    def end(self):
        """Reaps the child, reports the program it was running, if any, and removes its
        directory. A child the supervisor condemned, or an idle one, is killed at once;
        otherwise it has half a second to exit by itself, so that its own exit status
        explains its end (a program may also fake 'bye' and keep running)."""
        self.alive = False
        if self.verdict or self.idle or not select.select([self.pidfd], [], [], 0.5)[0]:
            os.kill(self.pid, signal.SIGKILL)
        status = os.waitpid(self.pid, 0)[1]
        for fd in (self.pidfd, self.request_fd, self.result_fd):
            os.close(fd)
        _remove_tree(self.workdir)
        if not self.ready:
            raise SandboxError("child ended before its sandbox was ready: " + (self.verdict or _death(status))[1])
        outcome = self.verdict or (None if self.bye else _death(status))
        if outcome and self.index < self.stop:
            self._report({"i": self.index, "s": outcome[0], "e": outcome[1]})
            self.out.flush()

    def _report(self, result):
        """Passes on the result of the current program, marked by us (whatever the child
        wrote) as untouchable by other programs when nothing had run in this child before."""
        result.pop("f", None)
        if self.served == 0:
            result["f"] = 1
        self.out.write(_line(result))
        self.index += 1
        self.served += 1


def _write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


class _Collector:
    """Stands in for stdout while probing: keeps the parsed results."""

    def __init__(self):
        self.results = []

    def write(self, raw):
        result = json.loads(raw)
        for transport_only in ("i", "cpu", "o", "f"):
            result.pop(transport_only, None)
        self.results.append(result)

    def flush(self):
        pass


def _death(status):
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return "timeout", "CPU time backstop (RLIMIT_CPU) reached"
        return "killed", "killed by " + signal.Signals(sig).name
    return "killed", "exited with status %d before finishing" % os.WEXITSTATUS(status)


def _cpu_seconds(pid):
    with open("/proc/%d/stat" % pid, "rb") as f:
        stat = f.read()
    fields = stat[stat.rindex(b")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS   # utime + stime


def _remove_tree(path):
    """Removes a directory a program wrote into, even one it chmod-ed to 000."""
    try:
        shutil.rmtree(path)
    except OSError:
        os.chmod(path, 0o700)
        for parent, dirs, _ in os.walk(path):
            for name in dirs:
                full = os.path.join(parent, name)
                if not os.path.islink(full):
                    os.chmod(full, 0o700)
        shutil.rmtree(path)


def _line(obj):
    return (json.dumps(obj, separators=(",", ":")) + "\n").encode()


def main():
    out = sys.stdout.buffer
    supervisor = Supervisor(json.loads(sys.stdin.buffer.readline()))
    try:
        out.write(_line({"hello": supervisor.start()}))
        out.flush()
        for line in sys.stdin.buffer:
            request = json.loads(line)
            supervisor.run_batch(request["programs"], out, fresh=request.get("fresh", False))
            out.flush()
    except Exception as e:
        out.write(_line({"fatal": "%s: %s" % (type(e).__name__, e)}))
        out.flush()
        raise
    finally:
        supervisor.shutdown()


if __name__ == "__main__":
    main()
