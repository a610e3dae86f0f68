package ekt.exec;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nothing of a run outlives it: a run killed with SIGKILL leaves only its (empty) directory, which
 * the next pool to start removes; directories of live runs stay.
 */
class ExecLeftoversTest {
    private static final Path TMP = Path.of(System.getProperty("java.io.tmpdir"));

    @Test
    void aRunKilledWithSigkillLeavesNothingTheNextStartDoesNotRemove() throws Exception {
        Path in = Files.createTempFile("ekt-leftovers", ".jsonl");
        Path out = Path.of(in + ".out");
        Files.writeString(in, "{\"id\": \"slow\", \"program\": \"open('junk', 'wb').write(b'x' * 4096)\\n"
                + "import time\\ntime.sleep(60)\"}\n");
        ExecHostileTest.HostTraces before = ExecHostileTest.HostTraces.now();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process run = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath,
                "ekt.cli.Main", "exec", "--in", in.toString(), "--out", out.toString(), "--workers", "1",
                "--wall-timeout-ms", "60000").redirectErrorStream(true).start();
        Path script;
        try {
            script = awaitWorkerScript(run);
            Thread.sleep(500);   // the program is running now: its file exists in the scratch space
        } finally {
            run.destroyForcibly();   // SIGKILL: no shutdown hook, no close()
            run.waitFor(30, TimeUnit.SECONDS);
        }
        Path root = script.getParent().getParent();
        // The supervisor sees its input end and takes its child and scratch space with it.
        assertEquals(List.of(), ExecHostileTest.processesRunningAfter(script, 10_000), "processes outlived the run");
        assertTrue(Files.isDirectory(root), "the killed run left its directory");
        try (ExecutorPool pool = ExecutorPool.start(ExecConfig.defaults().withWorkers(1))) {
            assertFalse(Files.exists(root), "the next start removes the directory of the killed run");
        }
        ExecHostileTest.HostTraces.now().assertSameAs(before, script);
        Files.deleteIfExists(in);
        Files.deleteIfExists(out);
    }

    @Test
    void staleDirectoriesGoLiveOnesStay() throws Exception {
        Path stale = Files.createTempDirectory(TMP, SandboxFiles.PREFIX);
        Files.createFile(stale.resolve(SandboxFiles.LOCK));
        Path locked = Files.createDirectory(stale.resolve("w0-0"));
        Files.writeString(locked.resolve("junk"), "x");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        Path old = Files.createTempDirectory(TMP, SandboxFiles.PREFIX);   // an older version's: no lock file
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minusSeconds(3600)));
        Path young = Files.createTempDirectory(TMP, SandboxFiles.PREFIX);  // a starting owner's: no lock file yet
        Path live = Files.createTempDirectory(TMP, SandboxFiles.PREFIX);
        Path liveLock = live.resolve(SandboxFiles.LOCK);
        Process owner = new ProcessBuilder("python3", "-c", "import fcntl, sys, time\nf = open(sys.argv[1], 'w')\n"
                + "fcntl.lockf(f, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(60)", liveLock.toString()).start();
        try {
            assertEquals("locked", new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8)).readLine());
            try (ExecutorPool pool = ExecutorPool.start(ExecConfig.defaults().withWorkers(1))) {
                assertFalse(Files.exists(stale), "a directory whose owner died stays");
                assertFalse(Files.exists(old), "an old lockless directory stays");
                assertTrue(Files.exists(young), "a young lockless directory was removed");
                assertTrue(Files.exists(liveLock), "the directory of a live owner was removed");
            }
        } finally {
            owner.destroyForcibly();
            owner.waitFor();
            for (Path p : List.of(young, liveLock, live)) Files.deleteIfExists(p);
        }
    }

    /** The worker script of the child JVM's pool, found on its supervisors' command line. */
    private static Path awaitWorkerScript(Process run) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            for (ProcessHandle p : run.descendants().toList()) {
                List<String> args = List.of(p.info().arguments().orElse(new String[0]));
                for (String a : args) if (a.endsWith("/py/worker.py") && a.contains(SandboxFiles.PREFIX)) return Path.of(a);
            }
            if (!run.isAlive()) throw new IOException("the exec run ended early: " + new String(run.getInputStream().readAllBytes()));
            Thread.sleep(100);
        }
        throw new IOException("no worker of the exec run appeared within 60 s");
    }
}
