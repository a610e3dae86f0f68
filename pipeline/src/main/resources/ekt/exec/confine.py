"""Irreversible confinement of the child process that runs untrusted programs.

The supervisor (worker.py) decides once, at start-up, which layers this kernel and user
offer (probe_*); every child then applies all of them in apply() before it runs a single
program. A layer that was announced but fails in a child is a fatal error, never a silent
downgrade. Every system call result is checked: ctypes calls go through _check().
"""
import ctypes
import fcntl
import os
import platform
import resource
import signal
import struct

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x8, 0x4000, 0x40000


def _check(ret, what):
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, "%s: %s" % (what, os.strerror(err)))
    return ret


# ---------------------------------------------------------------- namespaces and scratch space

def unshare_namespaces():
    """Moves the calling process (the supervisor, before any child exists) into new, empty
    network, IPC and mount namespaces: only a down loopback device, so no connection can
    leave; System V and POSIX message queue objects that no other process on the host sees
    and that vanish with the last process of the namespace; mounts of its own (the scratch
    file system). Root can do it directly; other users need a user namespace around it."""
    spaces = CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWNS
    if _libc.unshare(spaces) == 0:
        return "own empty network, IPC and mount namespaces"
    if os.geteuid() == 0:
        _check(-1, "unshare(CLONE_NEWNET|CLONE_NEWIPC|CLONE_NEWNS)")
    uid, gid = os.getuid(), os.getgid()
    _check(_libc.unshare(CLONE_NEWUSER | spaces), "unshare(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWIPC|CLONE_NEWNS)")
    # Map our own ids to themselves so files keep their owner; setgroups must be denied
    # before an unprivileged process may write gid_map.
    for path, text in (("/proc/self/setgroups", "deny"), ("/proc/self/uid_map", "%d %d 1" % (uid, uid)),
                       ("/proc/self/gid_map", "%d %d 1" % (gid, gid))):
        with open(path, "w") as f:
            f.write(text)
    return "own empty network, IPC and mount namespaces (inside a user namespace)"


def mount_scratch(path, size_mb):
    """Mounts a size-limited tmpfs on `path`, visible only in our mount namespace: the
    children's private directories live in it, so programs together can never write more
    than size_mb to it, and whatever they leave vanishes with the namespace, even when the
    supervisor is SIGKILLed. Mounts are made private first, so none leaks to the host."""
    _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount(/, MS_REC|MS_PRIVATE)")
    options = ("size=%dm,nr_inodes=4096,mode=0711" % size_mb).encode()
    _check(_libc.mount(b"ekt-scratch", path.encode(), b"tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, options),
           "mount(tmpfs on %s)" % path)


# ---------------------------------------------------------------- Landlock (filesystem, TCP, signals)

_LL_CREATE, _LL_ADD_RULE, _LL_RESTRICT = 444, 445, 446   # same numbers on every architecture
_LL_FS_EXECUTE, _LL_FS_WRITE_FILE, _LL_FS_READ_FILE, _LL_FS_READ_DIR = 1, 2, 4, 8
_LL_FS_ALL_V1 = (1 << 13) - 1
_LL_FS_REFER, _LL_FS_TRUNCATE, _LL_FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_LL_NET_ALL = 3     # bind and connect TCP
_LL_SCOPE_ALL = 3   # abstract unix sockets and signals to processes outside the sandbox


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def probe_landlock():
    """The Landlock ABI version, or 0 when the kernel has none (or it is disabled)."""
    abi = _libc.syscall(_LL_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(abi, 0)


def _landlock(abi, workdir, read_roots):
    fs = _LL_FS_ALL_V1 | (_LL_FS_REFER if abi >= 2 else 0) | (_LL_FS_TRUNCATE if abi >= 3 else 0) \
        | (_LL_FS_IOCTL_DEV if abi >= 5 else 0)
    attr = _RulesetAttr(fs, _LL_NET_ALL if abi >= 4 else 0, _LL_SCOPE_ALL if abi >= 6 else 0)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = _check(_libc.syscall(_LL_CREATE, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0)),
                     "landlock_create_ruleset")
    try:
        read_dir = _LL_FS_READ_FILE | _LL_FS_READ_DIR | _LL_FS_EXECUTE
        null_dev = _LL_FS_READ_FILE | _LL_FS_WRITE_FILE | (_LL_FS_TRUNCATE if abi >= 3 else 0)
        rules = [(root, read_dir) for root in read_roots] + [(workdir, fs), ("/dev/null", null_dev)]
        for path, allowed in rules:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = _PathBeneath(allowed, fd)
                _check(_libc.syscall(_LL_ADD_RULE, ruleset, 1, ctypes.byref(rule), ctypes.c_uint32(0)),
                       "landlock_add_rule(%s)" % path)
            finally:
                os.close(fd)
        _check(_libc.syscall(_LL_RESTRICT, ruleset, ctypes.c_uint32(0)), "landlock_restrict_self")
    finally:
        os.close(ruleset)


# ---------------------------------------------------------------- seccomp (x86_64 system call filter)

_AUDIT_ARCH_X86_64 = 0xC000003E
_RET_KILL_PROCESS, _RET_ERRNO, _RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
_LD_ABS, _JEQ, _JGE, _RET = 0x20, 0x15, 0x35, 0x06
# Refused with EPERM. Process creation and exec (fork bombs, subprocess, threads),
# sockets, debugging other processes, namespaces and mounts, resource-limit and identity
# changes (a child must not lift its own limits), session changes (it must stay in the
# supervisor's process group), prctl (it must not drop its parent-death signal), System V
# IPC and POSIX message queues (objects that outlive a process and could carry data from
# one program to another), and the kernel interfaces with the worst exploit record.
DENIED_SYSCALLS = {
    "fork": 57, "vfork": 58, "clone": 56, "clone3": 435, "execve": 59, "execveat": 322,
    "socket": 41, "socketpair": 53, "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311,
    "pidfd_open": 434, "pidfd_send_signal": 424, "pidfd_getfd": 438, "kcmp": 312,
    "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
    "setrlimit": 160, "prlimit64": 302, "setuid": 105, "setgid": 106, "setreuid": 113, "setregid": 114,
    "setresuid": 117, "setresgid": 119, "setgroups": 116, "setfsuid": 122, "setfsgid": 123,
    "capset": 126, "setsid": 112, "setpgid": 109, "prctl": 157, "personality": 135,
    "bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "io_uring_setup": 425,
    "io_uring_enter": 426, "io_uring_register": 427, "keyctl": 250, "add_key": 248, "request_key": 249,
    "shmget": 29, "shmat": 30, "shmctl": 31, "shmdt": 67, "semget": 64, "semop": 65, "semctl": 66,
    "semtimedop": 220, "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71, "mq_open": 240,
    "mq_unlink": 241, "mq_timedsend": 242, "mq_timedreceive": 243, "mq_notify": 244, "mq_getsetattr": 245,
}
# Allowed only when the first argument (the target process) is the child itself.
SELF_ONLY_SYSCALLS = {"kill": 62, "tkill": 200, "tgkill": 234, "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297}


def probe_seccomp():
    """Why seccomp cannot be used here, or None when it can."""
    if platform.machine() != "x86_64":
        return "system call numbers are only defined for x86_64, this is " + platform.machine()
    try:
        with open("/proc/self/status") as f:
            if "Seccomp:" not in f.read():
                return "kernel built without seccomp"
    except OSError as e:
        return "cannot read /proc/self/status: %s" % e
    return None


def _seccomp_program(self_pid):
    denied = sorted(DENIED_SYSCALLS.values())
    self_only = sorted(SELF_ONLY_SYSCALLS.values())
    body = [(_LD_ABS, 0, 0, 4), (_JEQ, 1, 0, _AUDIT_ARCH_X86_64), (_RET, 0, 0, _RET_KILL_PROCESS),
            (_LD_ABS, 0, 0, 0)]
    # Layout after the loads: one test per number, then ALLOW, the self check, DENY.
    tests = [(_JGE, 0x40000000)] + [(_JEQ, nr) for nr in denied] + [(_JEQ, nr) for nr in self_only]
    allow_at = len(body) + len(tests)
    self_check_at, deny_at = allow_at + 1, allow_at + 4
    for pos, (op, k) in enumerate(tests, start=len(body)):
        target = self_check_at if pos >= allow_at - len(self_only) else deny_at
        body.append((op, target - pos - 1, 0, k))
    body += [(_RET, 0, 0, _RET_ALLOW),
             (_LD_ABS, 0, 0, 16),                 # low 32 bits of args[0]; pid_t is an int
             (_JEQ, 0, 1, self_pid),
             (_RET, 0, 0, _RET_ALLOW),
             (_RET, 0, 0, _RET_ERRNO | 1)]        # EPERM
    if max(jt for _, jt, _, _ in body) > 255:
        raise OSError(0, "seccomp program too long for 8-bit jumps")
    return b"".join(struct.pack("HBBI", code, jt, jf, k) for code, jt, jf, k in body), len(body)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _seccomp():
    code, count = _seccomp_program(os.getpid())
    buf = ctypes.create_string_buffer(code, len(code))
    prog = _SockFprog(count, ctypes.addressof(buf))
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0), "seccomp filter")


# ---------------------------------------------------------------- the whole sequence

RESULT_FD, REQUEST_FD = 3, 4


def adopt_fds(supervisor_pid, result_fd, request_fd):
    """First step in a new child: die with the supervisor, and keep only /dev/null as
    stdio, results on RESULT_FD and requests on REQUEST_FD."""
    _check(_libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)")
    if os.getppid() != supervisor_pid:
        os._exit(1)   # the supervisor died between fork and prctl; nobody would read us
    # Park the pipes above the fixed numbers first, so no dup2 below overwrites one of them.
    result_fd, request_fd = (fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (result_fd, request_fd))
    null = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.dup2(result_fd, RESULT_FD)
    os.dup2(request_fd, REQUEST_FD)
    os.closerange(REQUEST_FD + 1, 1 << 20)


def apply(policy, workdir):
    """Confines the calling child. Order matters: identity and limits first (they need
    privileges), then no_new_privs, Landlock and seccomp (which forbid what came before)."""
    os.chdir(workdir)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # oversized writes fail with EFBIG instead of killing
    mib = 1 << 20
    # The supervisor stops a program at its CPU limit; this only bounds a child whose
    # supervisor is stalled (blocked writing to a JVM that stopped reading).
    cpu_backstop = int(policy["programs_per_fork"] * policy["cpu_limit_s"]) + 2
    for limit, value in ((resource.RLIMIT_AS, policy["memory_mb"] * mib),
                         (resource.RLIMIT_FSIZE, policy["file_size_mb"] * mib),
                         (resource.RLIMIT_NOFILE, 64), (resource.RLIMIT_CORE, 0),
                         (resource.RLIMIT_CPU, cpu_backstop)):
        resource.setrlimit(limit, (value, value))
    if policy["drop_to"]:
        uid, gid = policy["drop_to"]
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
        if os.getresuid() != (uid, uid, uid):
            raise OSError(0, "uid drop did not take effect")
    # Counts processes of the (now unprivileged) real uid; root would be exempt.
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")
    if policy["landlock_abi"]:
        _landlock(policy["landlock_abi"], workdir, policy["read_roots"])
    if policy["seccomp"]:
        _seccomp()
