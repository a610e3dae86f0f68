package ekt.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The CLI ({@code ekt.cli.Main}) in child JVMs, as the ranks of one data-parallel job on
 * 127.0.0.1 with the variables torchrun sets, or as a single process. Each process writes its
 * output to {@code logs/TAG-rankR.log}.
 */
public final class Ranks {
    private Ranks() {
    }

    /** A job of {@code processes} ranks; {@code env} adds variables (EKT_DIST_TIMEOUT, ...). */
    public record Job(List<Process> processes, List<Path> logs) {
        /** Waits for every rank; returns the exit codes. Fails (killing the ranks) past {@code seconds}. */
        public List<Integer> await(long seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            List<Integer> codes = new ArrayList<>();
            for (Process p : processes) {
                if (!p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    processes.forEach(Process::destroyForcibly);
                    throw new AssertionError("ranks still running after " + seconds + " s:\n" + logsText());
                }
                codes.add(p.exitValue());
            }
            return codes;
        }

        /** Waits for every rank and fails with their logs unless all exited with 0. */
        public void succeed(long seconds) throws Exception {
            List<Integer> codes = await(seconds);
            if (codes.stream().anyMatch(c -> c != 0)) throw new AssertionError("exit codes " + codes + ":\n" + logsText());
        }

        public String log(int rank) throws IOException {
            return Files.readString(logs.get(rank));
        }

        public String logsText() throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int r = 0; r < logs.size(); r++) sb.append("--- rank ").append(r).append('\n').append(log(r));
            return sb.toString();
        }
    }

    /** {@code ekt args} as ranks 0..n-1 (n = 1: a plain single process, no variables set). One core thread each. */
    public static Job start(int n, Path logDir, String tag, Map<String, String> env, String... args) throws IOException {
        Files.createDirectories(logDir);
        int port = freePort();
        List<Process> processes = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        for (int rank = 0; rank < n; rank++) {
            Path log = logDir.resolve(tag + "-rank" + rank + ".log");
            ProcessBuilder pb = new ProcessBuilder(cli(args)).redirectErrorStream(true).redirectOutput(log.toFile());
            Map<String, String> e = pb.environment();
            environment(e);
            if (n > 1) {
                e.put("RANK", String.valueOf(rank));
                e.put("LOCAL_RANK", String.valueOf(rank));
                e.put("WORLD_SIZE", String.valueOf(n));
                e.put("MASTER_ADDR", "127.0.0.1");
                e.put("MASTER_PORT", String.valueOf(port));
            }
            e.putAll(env);
            processes.add(pb.start());
            logs.add(log);
        }
        return new Job(processes, logs);
    }

    /** A rank's environment, also for ranks a launcher starts: one core thread each, OpenBLAS kernels the CPU has. */
    public static void environment(Map<String, String> e) {
        e.put("EKT_THREADS", "1");
        if (!avx512()) e.remove("OPENBLAS_CORETYPE");  // scripts/env.sh's rule: SkylakeX kernels only where the CPU has them
    }

    /** The command line of {@code ekt args} in a JVM with this test JVM's class path. */
    public static List<String> cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "ekt.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static boolean avx512() {
        try {
            return Files.readString(Path.of("/proc/cpuinfo")).contains("avx512f");
        } catch (IOException e) {
            return false;
        }
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
