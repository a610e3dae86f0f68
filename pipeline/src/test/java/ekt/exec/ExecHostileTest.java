package ekt.exec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Model-written code is untrusted: every hostile program must be contained with the right result
 * class, the pool must keep serving correct results afterwards, and after close() no process of
 * the pool may survive.
 */
class ExecHostileTest {
    private static final String SECRET = "EKT_TEST_SECRET";

    private record Case(String code, Set<ExecStatus> expected) {
    }

    private static Case expect(ExecStatus status, String code) {
        return new Case(code, Set.of(status));
    }

    @Test
    void everyHostileProgramIsContained(@TempDir Path outside) throws IOException {
        Path victim = Files.writeString(outside.resolve("victim.txt"), "keep me");
        Path escape = outside.resolve("escape.txt");
        long jvm = ProcessHandle.current().pid();
        Map<String, Case> cases = new LinkedHashMap<>();
        cases.put("fork bomb", expect(ExecStatus.ERROR, "import os\nwhile True:\n    os.fork()"));
        cases.put("subprocess", expect(ExecStatus.ERROR, "import subprocess\nsubprocess.run(['touch', '" + escape + "'])"));
        cases.put("thread", expect(ExecStatus.ERROR, "import threading\nthreading.Thread(target=print).start()"));
        cases.put("python loop", expect(ExecStatus.TIMEOUT, "while True:\n    pass"));
        cases.put("C loop: sum", expect(ExecStatus.TIMEOUT, "answer = sum(range(10**12))"));
        cases.put("C loop: pow", expect(ExecStatus.TIMEOUT, "answer = pow(10**10, 10**10)"));
        cases.put("C loop: regex", expect(ExecStatus.TIMEOUT, "import re\nanswer = re.match(r'(a+)+$', 'a' * 64 + 'b')"));
        cases.put("sleep", expect(ExecStatus.TIMEOUT, "import time\ntime.sleep(1000)"));
        cases.put("ignore signals", expect(ExecStatus.TIMEOUT, "import signal\nfor s in (signal.SIGTERM, signal.SIGINT, "
                + "signal.SIGXCPU, signal.SIGVTALRM):\n    signal.signal(s, signal.SIG_IGN)\nwhile True:\n    pass"));
        cases.put("block signals", expect(ExecStatus.TIMEOUT, "import signal\nsignal.pthread_sigmask(signal.SIG_BLOCK, "
                + "{signal.SIGTERM, signal.SIGXCPU})\nwhile True:\n    pass"));
        cases.put("10 GB bytearray", expect(ExecStatus.MEMORY, "x = bytearray(10 * 2**30)"));
        cases.put("10 GB list", expect(ExecStatus.MEMORY, "x = [0] * (10 * 2**30 // 8)"));
        cases.put("1 GB string print", expect(ExecStatus.MEMORY, "print('x' * 2**30)"));
        cases.put("write outside", expect(ExecStatus.ERROR, "open('" + escape + "', 'w').write('x')"));
        cases.put("delete outside", expect(ExecStatus.ERROR, "import os\nos.remove('" + victim + "')"));
        cases.put("huge file", expect(ExecStatus.ERROR, "open('big', 'wb').write(b'x' * (64 << 20))"));
        cases.put("socket", expect(ExecStatus.ERROR, "import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=1)"));
        cases.put("read /etc/shadow", expect(ExecStatus.ERROR, "answer = open('/etc/shadow').read()"));
        cases.put("JVM environment", expect(ExecStatus.ERROR, "answer = open('/proc/" + jvm + "/environ').read()"));
        cases.put("scan /proc", expect(ExecStatus.ERROR, "import os\nanswer = [open('/proc/%s/environ' % p).read() "
                + "for p in os.listdir('/proc') if p.isdigit()]"));
        cases.put("own environment", expect(ExecStatus.OK, "import os\nanswer = repr(dict(os.environ))"));
        cases.put("kill parent", expect(ExecStatus.ERROR, "import os\nos.kill(os.getppid(), 9)"));
        cases.put("kill JVM", expect(ExecStatus.ERROR, "import os\nos.kill(" + jvm + ", 9)"));
        cases.put("kill everything", expect(ExecStatus.ERROR, "import os\nos.kill(-1, 9)"));
        cases.put("raise limits", expect(ExecStatus.ERROR, "import resource\nresource.setrlimit(resource.RLIMIT_AS, (-1, -1))"));
        cases.put("os._exit", expect(ExecStatus.KILLED, "import os\nos._exit(0)"));
        cases.put("kill self", expect(ExecStatus.KILLED, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"));
        cases.put("C stack overflow", expect(ExecStatus.KILLED,
                "import sys\nsys.setrecursionlimit(10**6)\ndef f(n):\n    return list(map(f, [n + 1]))\nf(0)"));
        cases.put("forge a result", expect(ExecStatus.KILLED, "import os\nos.write(3, b'{\"i\": 99}\\n')"));
        cases.put("print 1 GB", expect(ExecStatus.OK, "import sys\nc = 'x' * (1 << 20)\nfor _ in range(1024):\n"
                + "    sys.stdout.write(c)\nanswer = 1"));
        cases.put("SysV shared memory", expect(ExecStatus.ERROR, SHM_WRITER));
        cases.put("SysV message queue", expect(ExecStatus.ERROR, LIBC + "check(libc.msgget(0x454b54, 0o1666), 'msgget')"));
        cases.put("SysV semaphore", expect(ExecStatus.ERROR, LIBC + "check(libc.semget(0x454b54, 1, 0o1666), 'semget')"));
        cases.put("POSIX message queue", expect(ExecStatus.ERROR, LIBC + "import os\n"
                + "check(libc.mq_open(b'/ekt-hostile', os.O_CREAT | os.O_RDWR, 0o666, None), 'mq_open')"));
        cases.put("POSIX shared memory", expect(ExecStatus.ERROR, "open('/dev/shm/ekt-hostile', 'w').write('42')"));
        cases.put("flood /tmp", expect(ExecStatus.ERROR, "open('/tmp/ekt-hostile-flood', 'wb').write(b'x' * (8 << 20))"));
        cases.put("flood scratch", expect(ExecStatus.ERROR, "for i in range(100):\n"
                + "    open('f%d' % i, 'wb').write(b'x' * (8 << 20))"));
        cases.put("flood inodes", expect(ExecStatus.ERROR, "for i in range(100000):\n    open('f%d' % i, 'w').close()"));

        List<Program> programs = new ArrayList<>();
        cases.forEach((name, c) -> programs.add(Program.of(name, 0, c.code())));
        for (int i = 0; i < 20; i++) programs.add(new Program("sane", i, "answer = " + i + " * 1.5", 1.5 * i));

        ExecConfig config = ExecConfig.defaults().withWorkers(2).withBatchSize(4).withTimeoutMs(500).withOutputLimit(100);
        List<ExecResult> results;
        Path script;
        HostTraces before = HostTraces.now();
        try (ExecutorPool pool = ExecutorPool.start(config)) {
            script = pool.workerScript();
            assertFalse(processesRunning(script).isEmpty(), "the process scan must see the live pool");
            results = pool.run(programs);
            // The pool is still healthy afterwards.
            List<ExecResult> after = pool.run(List.of(new Program("after", 0, "answer = 2 ** 0.5 * 2 ** 0.5", 2.0)));
            assertTrue(after.get(0).isCorrect(), after.toString());
        }
        List<String> problems = new ArrayList<>();
        for (ExecResult r : results) {
            if (r.id().equals("sane")) {
                if (!r.isCorrect()) problems.add("sane program " + r.sample() + " after hostile ones: " + r);
                continue;
            }
            Case c = cases.get(r.id());
            if (!c.expected().contains(r.status())) problems.add(r.id() + ": expected " + c.expected() + ", got " + r);
        }
        assertEquals(List.of(), problems);
        assertEquals("keep me", Files.readString(victim));
        assertFalse(Files.exists(escape), "a program wrote outside its directory");
        String env = results.stream().filter(r -> r.id().equals("own environment")).findFirst().orElseThrow().value().repr();
        assertFalse(env.contains(SECRET), env);
        assertTrue(results.stream().filter(r -> r.id().equals("print 1 GB")).findFirst().orElseThrow().output().length() <= 100);
        assertEquals(List.of(), processesRunning(script), "processes survived close()");
        HostTraces.now().assertSameAs(before, script);
        for (String flood : List.of("flood scratch", "flood inodes")) {
            String error = results.stream().filter(r -> r.id().equals(flood)).findFirst().orElseThrow().error();
            assertTrue(error.contains("No space left on device") || error.contains("File too large"), flood + ": " + error);
        }
    }

    /** A program in one ekt run leaves data in System V shared memory for a program of a later run. */
    @Test
    void noIpcObjectCarriesDataToALaterProgramOrRun() throws IOException {
        HostTraces before = HostTraces.now();
        for (int perFork : new int[] {1000, 1}) {
            ExecConfig config = ExecConfig.defaults().withWorkers(1).withProgramsPerFork(perFork);
            Path script;
            try (ExecutorPool first = ExecutorPool.start(config)) {
                script = first.workerScript();
                List<ExecResult> r = first.run(List.of(new Program("writer", 0, SHM_WRITER, 42.0),
                        new Program("reader", 0, SHM_READER, 42.0), new Program("honest", 0, "answer = 6 * 7.0", 42.0)));
                assertEquals(List.of(ExecStatus.ERROR, ExecStatus.ERROR, ExecStatus.OK), r.stream().map(ExecResult::status).toList(), r.toString());
                assertTrue(r.get(2).isCorrect());
            }
            try (ExecutorPool later = ExecutorPool.start(config)) {
                ExecResult reader = later.run(List.of(new Program("reader", 0, SHM_READER, 42.0))).get(0);
                assertEquals(ExecStatus.ERROR, reader.status(), reader.toString());
            }
            HostTraces.now().assertSameAs(before, script);
        }
    }

    @Test
    void aWorkerKilledMidBatchIsReplacedAndItsCurrentProgramRunsAgain() throws IOException {
        Path script;
        try (ExecutorPool pool = ExecutorPool.start(ExecConfig.defaults().withWorkers(1).withBatchSize(8))) {
            script = pool.workerScript();
            List<ExecResult> results = new ArrayList<>();
            Path running = script;
            try (ExecutorPool.Session s = pool.session(r -> {
                results.add(r);
                if (r.sample() == 0) {   // the worker is now running sample 1: kill its supervisor
                    ProcessHandle.current().children().filter(p -> p.info().commandLine().orElse("").contains(running.toString()))
                            .forEach(ProcessHandle::destroyForcibly);
                }
            })) {
                s.submit(Program.of("p", 0, "answer = 1"));
                s.submit(Program.of("p", 1, "import time\ntime.sleep(3)\nanswer = 2"));
                s.submit(Program.of("p", 2, "answer = 3"));
            }
            // The program the dead worker was running ended abnormally in a warm child, so it is run
            // again in a process of its own, after the rest of its batch: nothing is lost.
            assertEquals(List.of("p/0 1 (int)", "p/2 3 (int)", "p/1 2 (int)"),
                    results.stream().map(r -> r.id() + "/" + r.sample() + " " + r.value()).toList());
            assertEquals(1, pool.run(List.of(Program.of("q", 0, "answer = 1"))).size());
        }
        // The supervisor this test killed left its child to the parent-death signal, which the
        // pool cannot wait for: the child is no longer below any process it knows.
        assertEquals(List.of(), processesRunningAfter(script, 5000), "processes survived close()");
    }

    @Test
    void secretIsInTheJvmEnvironment() {
        // Guards the test above: the secret it looks for must really be there to be leaked.
        assumeTrue(System.getenv(SECRET) != null, SECRET + " is set by the Maven surefire configuration");
        try (ExecutorPool pool = ExecutorPool.start(ExecConfig.defaults().withWorkers(1))) {
            ExecResult r = pool.run(List.of(Program.of("env", 0,
                    "import os\nanswer = os.environ.get('" + SECRET + "', 'absent')"))).get(0);
            assertEquals("'absent'", r.value().repr());
        }
    }

    private static final String LIBC = "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            + "def check(r, what):\n    if r < 0:\n        raise OSError(ctypes.get_errno(), what)\n    return r\n";
    /** Attaches (creating it) a System V segment with a fixed key; its first double is the answer. */
    private static final String SHM_ATTACH = LIBC + "libc.shmat.restype = ctypes.c_void_p\n"
            + "def attach(flags):\n    p = libc.shmat(check(libc.shmget(0x454b54, 4096, flags), 'shmget'), None, 0)\n"
            + "    if p in (None, 2**64 - 1):\n        raise OSError(ctypes.get_errno(), 'shmat')\n"
            + "    return ctypes.c_double.from_address(p)\n";
    private static final String SHM_WRITER = SHM_ATTACH + "attach(0o1666).value = 42.0\nanswer = 1.0";
    private static final String SHM_READER = SHM_ATTACH + "answer = attach(0o666).value";

    /**
     * What a run could leave on the host: System V IPC objects (the kernel's tables, as ipcs shows
     * them) and entries in the temporary directory. Other jobs share the machine, so /tmp is
     * compared only for what this pool or its programs could have made: its own directory and
     * anything owned by the uid the children run as.
     */
    record HostTraces(List<String> ipc, Set<String> tmp) {
        static HostTraces now() throws IOException {
            List<String> ipc = new ArrayList<>();
            for (String table : List.of("shm", "msg", "sem")) ipc.addAll(Files.readAllLines(Path.of("/proc/sysvipc", table)));
            Set<String> tmp = new java.util.TreeSet<>();
            try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
                entries.forEach(p -> tmp.add(p.getFileName().toString()));
            }
            return new HostTraces(ipc, tmp);
        }

        void assertSameAs(HostTraces before, Path workerScript) throws IOException {
            assertEquals(before.ipc, ipc, "System V IPC objects left on the host");
            Path poolRoot = workerScript.getParent().getParent();
            assertFalse(Files.exists(poolRoot), "the pool's directory survived close(): " + poolRoot);
            List<String> left = new ArrayList<>();
            for (String name : tmp) {
                Path p = Path.of(System.getProperty("java.io.tmpdir"), name);
                if (!before.tmp.contains(name) && Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                        && Files.getOwner(p, java.nio.file.LinkOption.NOFOLLOW_LINKS).getName().equals(childUser())) left.add(name);
            }
            assertEquals(List.of(), left, "left in the temporary directory by programs");
            assertFalse(Files.exists(Path.of("/dev/shm/ekt-hostile")));
            assertFalse(Files.exists(Path.of("/tmp/ekt-hostile-flood")));
        }

        private static String childUser() {
            return "root".equals(System.getProperty("user.name")) ? "nobody" : System.getProperty("user.name");
        }
    }

    /** The processes of {@link #processesRunning} still there after waiting up to {@code millis}. */
    static List<String> processesRunningAfter(Path script, long millis) throws IOException {
        long deadline = System.currentTimeMillis() + millis;
        List<String> running = processesRunning(script);
        while (!running.isEmpty() && System.currentTimeMillis() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            running = processesRunning(script);
        }
        return running;
    }

    /** Every live process whose command line names this pool's worker script (supervisors and children). */
    static List<String> processesRunning(Path script) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
                    if (cmdline.contains(script.toString())) found.add(p.getFileName() + ": " + cmdline);
                } catch (IOException e) {
                    // The process ended while we looked: it is not running.
                }
            }
        }
        return found;
    }
}
