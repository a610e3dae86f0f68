"""Runs programs inside a confined child (forked from the supervisor, see worker.py).

Each program gets a fresh globals dict with a fresh copy of the builtins. Programs that
run in the same child share the interpreter, so after every program the child checks the
interpreter state a program could have changed for the ones after it (module contents,
sys.modules, sys.path, environment, recursion limit, decimal context, trace hooks, files
in the private directory); on any change it finishes that program's result and exits, and
the supervisor forks a fresh child for the rest. See docs/sandbox.md for what this does
and does not guarantee.

Importing this module (in the supervisor, before any fork) preloads the modules GSM8k
programs use and snapshots the pristine state the checks compare against.
"""
import builtins
import decimal
import gc
import io
import json
import math
import os
import random
import sys
import time

import confine

PRELOADED = ("bisect", "calendar", "cmath", "collections", "copy", "datetime", "decimal", "fractions",
             "functools", "heapq", "itertools", "math", "numbers", "operator", "random", "re",
             "statistics", "string", "time")
for _name in PRELOADED:
    __import__(_name)

MAX_TEXT = 1000        # characters kept of an error message
MAX_REPR = 200         # characters kept of a non-numeric answer's repr
MAX_INT_BITS = 4000    # larger ints are reported by size only (str() of them is quadratic)

_PRISTINE_BUILTINS = dict(vars(builtins))
_RANDOM = random._inst   # the generator behind random.random(), random.randint(), ...
_real_import = builtins.__import__
_snapshots = {}        # module name -> shallow copy of its dict before any program touched it
_ABSENT = object()


def _snapshot(module):
    name = getattr(module, "__name__", None)
    if isinstance(name, str) and name not in _snapshots:
        _snapshots[name] = dict(vars(module))


for _module in list(sys.modules.values()):
    _snapshot(_module)
_ORIGINAL_STREAMS = (sys.stdout, sys.stderr)


def _settings():
    """Interpreter-wide settings a program can change with one call."""
    ctx = decimal.getcontext()
    return (sys.getrecursionlimit(), sys.gettrace(), sys.getprofile(), gc.isenabled(), gc.get_threshold(),
            sys.getswitchinterval(), sys.get_int_max_str_digits(), os.getcwd(),
            dict(os.environ._data),   # the bytes mapping behind os.environ: copied without decoding
            tuple(sys.path), tuple(sys.meta_path), tuple(sys.path_hooks),
            ctx.prec, ctx.rounding, ctx.Emin, ctx.Emax, ctx.capitals, ctx.clamp, tuple(ctx.traps.values()))


class Baseline:
    """What the child looked like before its first program: settings, sys.modules, and the
    state of `random`, which every program starts from, as in a fresh child."""

    def __init__(self):
        self.settings = _settings()
        self.modules = dict(sys.modules)
        self.random_state = _RANDOM.getstate()
        _snapshots["sys"] = dict(vars(sys))   # the child replaced sys.stdin after the supervisor's snapshot


class CappedOutput(io.TextIOBase):
    """Stands in for sys.stdout and sys.stderr: keeps the first `limit` characters, counts
    and drops the rest, so a program printing gigabytes costs time but no memory."""

    def __init__(self, limit):
        super().__init__()
        self.limit, self.parts, self.kept = limit, [], 0

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not " + type(text).__name__)
        room = self.limit - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        return len(text)

    def writable(self):
        return True

    def text(self):
        return "".join(self.parts)


def _clean(text, limit):
    """Bounded, valid UTF-8 text (lone surrogates from odd reprs would break JSON readers)."""
    return text[:limit].encode("utf-8", "backslashreplace").decode("utf-8")


def _describe(exc):
    try:
        message = str(exc)
    except BaseException:   # a hostile __str__
        message = "<unprintable>"
    return _clean("%s: %s" % (type(exc).__name__, message) if message else type(exc).__name__, MAX_TEXT)


def encode_answer(value):
    """Keeps the Python type: the paper's checker accepts floats only."""
    fields = {"t": _clean(type(value).__name__, MAX_REPR)}
    if isinstance(value, bool):
        fields.update(k="bool", r="True" if value else "False")
    elif isinstance(value, int):
        number = int.__int__(value)   # the plain int behind a subclass, without its overrides
        if number.bit_length() > MAX_INT_BITS:
            fields.update(k="int", r="<int with %d bits>" % number.bit_length())
        else:
            fields.update(k="int", v=number)
    elif isinstance(value, float):
        number = float.__float__(value)
        fields.update(k="float", **({"v": number} if math.isfinite(number) else {"r": repr(number)}))
    else:
        try:
            text = repr(value)
        except BaseException as e:
            text = "<repr failed: %s>" % _describe(e)
        fields.update(k="other", r=_clean(text, MAX_REPR))
    return fields


def _changed(module):
    snap = _snapshots.get(getattr(module, "__name__", None))
    if snap is None:
        return False
    current = vars(module)
    return len(current) != len(snap) or any(current.get(k, _ABSENT) is not v for k, v in snap.items())


def _contamination(touched, baseline):
    """Why this interpreter must not run another program, or None."""
    if _settings() != baseline.settings:
        return "interpreter settings changed"
    if os.listdir("."):
        return "files left in the private directory"
    if any(sys.modules.get(name) is not module for name, module in baseline.modules.items()):
        return "sys.modules entry replaced"
    for module in [builtins, sys] + touched:
        if _changed(module):
            return "module %s modified" % module.__name__
    return None


def _builtins_for(touched):
    def recording_import(name, globals=None, locals=None, fromlist=(), level=0):
        module = _real_import(name, globals, locals, fromlist, level)
        imported = [module, sys.modules.get(name)] + [getattr(module, f, None) for f in fromlist or ()]
        for m in imported:
            if type(m) is type(sys):
                _snapshot(m)       # first sight in this child: still as the import left it
                touched.append(m)
        return module

    fresh = dict(_PRISTINE_BUILTINS)
    fresh["__import__"] = recording_import
    return fresh


def run_program(source, answer_name, output_limit, baseline):
    """One program: its result fields, and the reason to retire this child (or None)."""
    touched = []
    scope = {"__name__": "__main__", "__builtins__": _builtins_for(touched)}
    output = CappedOutput(output_limit)
    _RANDOM.setstate(baseline.random_state)
    sys.stdout = sys.stderr = output
    try:
        exec(compile(source, "<program>", "exec", dont_inherit=True), scope)
        result = {"s": "ok", **encode_answer(scope[answer_name])} if answer_name in scope else {"s": "no_answer"}
        retire = None
    except MemoryError:
        result, retire = {"s": "memory", "e": "MemoryError"}, "memory exhausted"
    except BaseException as e:   # SystemExit and KeyboardInterrupt too: they end the program, not us
        result = {"s": "error", "e": _describe(e)}
        retire = None if isinstance(e, Exception) else "program raised " + type(e).__name__
    finally:
        sys.stdout, sys.stderr = _ORIGINAL_STREAMS
    scope.clear()   # finalizers run now, still accounted to this program
    if output_limit:
        result["o"] = _clean(output.text(), output_limit)
    return result, retire or _contamination(touched, baseline)


def _send(fd, message):
    data = (json.dumps(message, separators=(",", ":")) + "\n").encode()
    while data:
        data = data[os.write(fd, data):]


def _requests(fd):
    """Batches sent by the supervisor: (index of the first program, sources), until EOF."""
    with os.fdopen(fd, "rb") as stream:
        for line in stream:
            request = json.loads(line)
            yield request["first"], request["programs"]


def serve(request_fd, result_fd, workdir, policy):
    """Child main: confine, then run the batches the supervisor sends until one program
    contaminates the interpreter or the supervisor closes the pipe. Never returns."""
    code, fd = 70, confine.RESULT_FD
    try:
        confine.adopt_fds(policy["supervisor_pid"], result_fd, request_fd)
        try:
            confine.apply(policy, workdir)
        except BaseException as e:
            _send(fd, {"fatal": "sandbox setup failed: " + _describe(e)})
            return
        sys.stdin = io.StringIO("")
        baseline = Baseline()
        _send(fd, {"ready": time.process_time()})
        for first, programs in _requests(confine.REQUEST_FD):
            for index, source in enumerate(programs, start=first):
                try:
                    result, retire = run_program(source, policy["answer_name"], policy["output_limit"], baseline)
                except MemoryError:   # while encoding or checking, after the program itself
                    result, retire = {"s": "memory", "e": "MemoryError"}, "memory exhausted"
                result.update(i=index, cpu=time.process_time())
                _send(fd, result)
                if retire:
                    _send(fd, {"bye": retire})
                    return
            _send(fd, {"idle": time.process_time()})
        code = 0
    finally:
        os._exit(code)
