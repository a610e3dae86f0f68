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

        List<Program> programs = new ArrayList<>();
        cases.forEach((name, c) -> programs.add(Program.of(name, 0, c.code())));
        for (int i = 0; i < 20; i++) programs.add(new Program("sane", i, "answer = " + i + " * 1.5", 1.5 * i));

        ExecConfig config = ExecConfig.defaults().withWorkers(2).withBatchSize(4).withTimeoutMs(500).withOutputLimit(100);
        List<ExecResult> results;
        Path script;
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
    }

    @Test
    void aWorkerKilledMidBatchIsReplacedAndOnlyItsCurrentProgramIsLost() throws IOException {
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
            assertEquals(List.of(ExecStatus.OK, ExecStatus.KILLED, ExecStatus.OK), results.stream().map(ExecResult::status).toList());
            assertTrue(results.get(1).error().startsWith("worker process died"), results.get(1).error());
            assertEquals(AnswerValue.ofInt(3), results.get(2).value());
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
