package ekt.exec;

import ekt.records.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ObjIntConsumer;

/**
 * One worker: a Python supervisor process (worker.py) that forks confined children to run the
 * programs. It is started with a scrubbed environment, talks JSON lines over its stdin/stdout and
 * writes diagnostics to a log file. Not thread-safe: one pool thread drives it.
 */
final class WorkerProcess implements AutoCloseable {
    /** The only environment a worker and its programs see: no secrets of the JVM leak through. */
    static final Map<String, String> ENVIRONMENT = Map.of(
            "PATH", "/usr/bin:/bin", "LANG", "C.UTF-8", "PYTHONHASHSEED", "0",
            "PYTHONDONTWRITEBYTECODE", "1", "OPENBLAS_NUM_THREADS", "1", "OMP_NUM_THREADS", "1");
    private static final long STARTUP_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** Beyond the supervisor's own wall-clock backstop, before the pool declares it hung. */
    private static final long STALL_GRACE_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Process process;
    private final Writer stdin;
    private final BufferedReader stdout;
    private final Path log;
    private final long stallNanos;
    private final Map<String, String> protections = new LinkedHashMap<>();
    private volatile long stallDeadline = Long.MAX_VALUE;   // System.nanoTime(); MAX while idle

    private WorkerProcess(Process process, Path log, long stallNanos) {
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.log = log;
        this.stallNanos = stallNanos;
    }

    /** Starts a worker and waits for its probe program to pass; throws ExecException otherwise. */
    static WorkerProcess start(ExecConfig config, SandboxFiles files, String name) {
        ProcessBuilder pb = new ProcessBuilder(config.python().toString(), "-s", files.workerScript().toString())
                .redirectError(files.logFile(name).toFile());
        pb.environment().clear();
        pb.environment().putAll(ENVIRONMENT);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new ExecException("cannot start " + config.python() + ": " + e.getMessage(), e);
        }
        WorkerProcess worker = new WorkerProcess(process, files.logFile(name),
                TimeUnit.MILLISECONDS.toNanos(config.wallTimeoutMs()) + STALL_GRACE_NANOS);
        try {
            worker.handshake(config, files.workerDirectory(name));
            return worker;
        } catch (IOException | RuntimeException e) {
            worker.kill();
            throw new ExecException("worker failed to start: " + e.getMessage() + worker.logTail(), e);
        }
    }

    private void handshake(ExecConfig config, Path workdir) throws IOException {
        ObjectNode c = Json.object();
        c.put("workdir", workdir.toString());
        c.put("cpu_limit_ms", config.timeoutMs());
        c.put("wall_limit_ms", config.wallTimeoutMs());
        c.put("memory_mb", config.memoryMb());
        c.put("file_size_mb", config.fileSizeMb());
        c.put("output_limit", config.outputLimit());
        c.put("answer_name", config.answerVariable());
        c.put("programs_per_fork", config.programsPerFork());
        send(c);
        JsonNode hello = receive(STARTUP_NANOS).get("hello");
        if (hello == null) throw new IOException("expected a hello message from the worker");
        hello.path("protections").fields().forEachRemaining(e -> protections.put(e.getKey(), e.getValue().asText()));
    }

    /** What the sandbox enforces on this machine, as the worker found it: layer → description. */
    Map<String, String> protections() {
        return protections;
    }

    /**
     * Runs the programs, reporting each outcome with its index in {@code codes}, in order.
     * Exceptions thrown by {@code onResult} propagate unchanged.
     *
     * @param fresh run every program in a process of its own (slow; for re-checks) rather than in
     *              the warm child
     * @throws DiedException when the worker process fails; the outcomes reported so far stand
     */
    void run(List<String> codes, boolean fresh, ObjIntConsumer<Outcome> onResult) throws DiedException {
        ObjectNode request = Json.object();
        codes.forEach(request.putArray("programs")::add);
        if (fresh) request.put("fresh", true);
        try {
            send(request);
        } catch (IOException e) {
            throw new DiedException(0, e.getMessage() + logTail(), e);
        }
        for (int done = 0; done < codes.size(); done++) onResult.accept(next(done), done);
    }

    private Outcome next(int index) throws DiedException {
        try {
            JsonNode result = receive(stallNanos);
            if (result.path("i").asInt(-1) != index)
                throw new IOException("protocol error: expected result " + index + ", got " + Json.line(result));
            return Outcome.fromWire(result);
        } catch (IOException | RuntimeException e) {
            throw new DiedException(index, e.getMessage() + logTail(), e);
        }
    }

    private void send(JsonNode message) throws IOException {
        stdin.write(Json.line(message));
        stdin.write('\n');
        stdin.flush();
    }

    private JsonNode receive(long timeoutNanos) throws IOException {
        stallDeadline = System.nanoTime() + timeoutNanos;
        String line;
        try {
            line = stdout.readLine();
        } finally {
            stallDeadline = Long.MAX_VALUE;
        }
        if (line == null) throw new IOException("worker process ended (" + exitDescription() + ")");
        JsonNode message;
        try {
            message = Json.MAPPER.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IOException("unreadable worker output: " + line);
        }
        if (message.has("fatal")) throw new IOException("sandbox failure: " + message.get("fatal").asText());
        return message;
    }

    /** Called by the pool's watchdog: kills a worker that has been silent for too long. */
    void killIfStalled(long now) {
        if (now - stallDeadline > 0) kill();
    }

    private String exitDescription() {
        try {
            return process.waitFor(2, TimeUnit.SECONDS) ? "exit code " + process.exitValue() : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while waiting for it";
        }
    }

    private String logTail() {
        try {
            String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8).strip() : "";
            return text.isEmpty() ? "" : "\nworker log " + log + ":\n" + text.substring(Math.max(0, text.length() - 2000));
        } catch (IOException e) {
            return "\n(cannot read worker log " + log + ": " + e.getMessage() + ")";
        }
    }

    /** Kills the supervisor and every process below it, and waits until they are gone. */
    void kill() {
        List<ProcessHandle> below = process.descendants().toList();
        process.destroyForcibly();
        awaitExit();
        killAndAwait(below);
    }

    /**
     * Asks the supervisor to shut down (it kills its children and removes its directory); kills
     * it if it does not, and kills anything that was below it in either case.
     */
    @Override
    public void close() {
        List<ProcessHandle> below = process.descendants().toList();
        try {
            stdin.close();
        } catch (IOException e) {
            // The pipe is already broken: the process is gone or going; kill() below settles it.
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
        killAndAwait(below);
    }

    /**
     * SIGKILLs processes (the JDK checks start times, so no reused pid is hit) and waits until
     * they have exited: a killed process with a large address space takes a moment to go.
     */
    private static void killAndAwait(List<ProcessHandle> processes) {
        processes.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : processes) {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new ExecException("process " + p.pid() + " survived SIGKILL for 10 s", e);
            }
        }
    }

    /** The worker process failed mid-batch; the first {@link #completed()} programs have results. */
    static final class DiedException extends Exception {
        private final int completed;

        DiedException(int completed, String message, Throwable cause) {
            super(message, cause);
            this.completed = completed;
        }

        int completed() {
            return completed;
        }
    }

    private void awaitExit() {
        boolean interrupted = false;
        while (true) {
            try {
                process.waitFor();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
