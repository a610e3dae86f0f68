package ekt.exec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Executes untrusted Python programs in a pool of sandboxed worker processes (see docs/sandbox.md
 * for what the sandbox enforces). Every program gets a result, whatever it does; an
 * {@link ExecException} means the machinery itself failed.
 *
 * <pre>{@code
 * try (ExecutorPool pool = ExecutorPool.start(ExecConfig.defaults())) {
 *     List<ExecResult> results = pool.run(programs);             // input order
 *     try (ExecutorPool.Session s = pool.session(sink)) {        // completion order
 *         for (Program p : more) s.submit(p);
 *     }
 * }
 * }</pre>
 * One session (or run) at a time; concurrent callers wait. {@link #close()} kills every process.
 */
public final class ExecutorPool implements AutoCloseable {
    private final ExecConfig config;
    private final SandboxFiles files;
    private final WorkerSlot[] slots;
    private final ExecutorService threads;
    private final ScheduledExecutorService watchdog;
    private final Semaphore sessionPermit = new Semaphore(1);

    private ExecutorPool(ExecConfig config) {
        this.config = config;
        this.files = SandboxFiles.create();
        this.slots = new WorkerSlot[config.workers()];
        for (int i = 0; i < slots.length; i++) slots[i] = new WorkerSlot(i);
        this.threads = Executors.newFixedThreadPool(slots.length, daemon("ekt-exec-worker"));
        this.watchdog = Executors.newSingleThreadScheduledExecutor(daemon("ekt-exec-watchdog"));
    }

    /** Starts the workers (in parallel) and waits until each has passed its sandbox probe. */
    public static ExecutorPool start(ExecConfig config) {
        ExecutorPool pool = new ExecutorPool(config);
        try {
            List<Future<?>> started = new ArrayList<>();
            for (WorkerSlot slot : pool.slots) started.add(pool.threads.submit(slot::ensureStarted));
            for (Future<?> f : started) await(f);
            pool.watchdog.scheduleWithFixedDelay(pool::killStalledWorkers, 1, 1, TimeUnit.SECONDS);
            return pool;
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /** @return the settings the pool runs with */
    public ExecConfig config() {
        return config;
    }

    /** What the sandbox enforces on this machine (layer → description), as the first worker found it. */
    public Map<String, String> protections() {
        return slots[0].protections();
    }

    /** The worker script; every process of the pool has it on its command line (children are forks). */
    java.nio.file.Path workerScript() {
        return files.workerScript();
    }

    /** Executes all programs; the results are in the order of {@code programs}. */
    public List<ExecResult> run(List<Program> programs) {
        ExecResult[] results = new ExecResult[programs.size()];
        try (Session s = new Session((seq, r) -> results[(int) seq] = r)) {
            programs.forEach(s::submit);
        }
        return Arrays.asList(results);
    }

    /**
     * Opens a session that delivers each result to {@code sink} as soon as it is known: in
     * completion order, which keeps submission order within a batch but not across batches
     * (workers run batches in parallel). The sink is never called concurrently; an exception it
     * throws fails the session. Closing the session waits for every submitted program.
     */
    public Session session(Consumer<ExecResult> sink) {
        return new Session((seq, r) -> sink.accept(r));
    }

    interface IndexedSink {
        void accept(long sequence, ExecResult result);
    }

    /** Programs go in with {@link #submit}; results come out through the sink. */
    public final class Session implements AutoCloseable {
        private final BatchQueue queue;
        private final List<Future<?>> drains = new ArrayList<>();
        private List<BatchQueue.Task> batch = new ArrayList<>();
        private long submitted;
        private boolean closed;

        private Session(IndexedSink sink) {
            try {
                sessionPermit.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ExecException("interrupted while waiting for the pool", e);
            }
            queue = new BatchQueue(slots.length);
            IndexedSink serialized = (seq, r) -> {
                synchronized (this) {
                    sink.accept(seq, r);
                }
            };
            for (WorkerSlot slot : slots) drains.add(threads.submit(() -> queue.drain(slot, serialized, config.checker())));
        }

        /** Queues a program; blocks while every worker is busy and a batch is waiting for each. */
        public void submit(Program program) {
            if (closed) throw new IllegalStateException("session is closed");
            batch.add(new BatchQueue.Task(submitted++, program));
            if (batch.size() == config.batchSize()) {
                queue.put(batch);
                batch = new ArrayList<>();
            }
        }

        /**
         * Runs what is still queued and waits for every result. After a worker or sink failure it
         * stops the other workers after their current batch and rethrows the failure.
         */
        @Override
        public void close() {
            if (closed) return;
            closed = true;
            RuntimeException error = null;
            try {
                if (!batch.isEmpty()) queue.put(batch);
                queue.finish();
            } catch (RuntimeException e) {
                error = e;
                queue.cancel();
            }
            for (Future<?> d : drains) {
                try {
                    await(d);
                } catch (RuntimeException e) {
                    if (error == null) error = e;
                    queue.cancel();
                }
            }
            sessionPermit.release();
            if (error != null) throw error;
        }
    }

    private void killStalledWorkers() {
        long now = System.nanoTime();
        for (WorkerSlot slot : slots) slot.killIfStalled(now);
    }

    /** Kills every worker process and removes the sandbox directory. */
    @Override
    public void close() {
        watchdog.shutdownNow();
        for (WorkerSlot slot : slots) slot.close();
        threads.shutdownNow();
        files.close();
    }

    /** Worker management for one slot: starts, restarts, and drives one WorkerProcess. */
    final class WorkerSlot {
        private final int index;
        private int generation;
        private volatile WorkerProcess worker;

        WorkerSlot(int index) {
            this.index = index;
        }

        void ensureStarted() {
            if (worker == null) worker = WorkerProcess.start(config, files, "w" + index + "-" + generation++);
        }

        Map<String, String> protections() {
            return worker.protections();
        }

        /**
         * Runs a batch in the warm child, then re-runs each program whose outcome an earlier
         * program in the same process could have forged (see {@link #needsRecheck}) in a process
         * of its own; only that second outcome is reported. Results that need no re-check are
         * reported at once, re-checked ones at the end of the batch.
         */
        void execute(List<BatchQueue.Task> tasks, IndexedSink sink, AnswerChecker checker) {
            List<BatchQueue.Task> recheck = new ArrayList<>();
            execute(tasks, false, (task, outcome) -> {
                ExecResult result = outcome.toResult(task.program(), checker);
                if (needsRecheck(outcome, result)) recheck.add(task);
                else sink.accept(task.sequence(), result);
            });
            if (!recheck.isEmpty())
                execute(recheck, true, (task, outcome) -> sink.accept(task.sequence(), outcome.toResult(task.program(), checker)));
        }

        /**
         * A verdict that matters (judged correct) or an abnormal end (timeout, memory, killed),
         * reached in a process where other programs ran before: they could have patched the
         * interpreter to fake it (docs/sandbox.md, threat model).
         */
        private boolean needsRecheck(Outcome outcome, ExecResult result) {
            return !outcome.fresh() && (result.isCorrect() || result.status() == ExecStatus.TIMEOUT
                    || result.status() == ExecStatus.MEMORY || result.status() == ExecStatus.KILLED);
        }

        /**
         * Runs tasks to the end whatever happens to the worker: if it dies, the program it was
         * running is reported KILLED, a new worker is started and the rest continues. If the
         * sink fails, the worker still owes results of this request, so it is discarded.
         */
        private void execute(List<BatchQueue.Task> tasks, boolean fresh, BiConsumer<BatchQueue.Task, Outcome> sink) {
            int done = 0;
            while (done < tasks.size()) {
                ensureStarted();
                List<BatchQueue.Task> rest = tasks.subList(done, tasks.size());
                try {
                    worker.run(rest.stream().map(t -> t.program().code()).toList(), fresh,
                            (outcome, i) -> sink.accept(rest.get(i), outcome));
                    done = tasks.size();
                } catch (RuntimeException | Error e) {
                    discardWorker();
                    throw e;
                } catch (WorkerProcess.DiedException e) {
                    discardWorker();
                    sink.accept(rest.get(e.completed()), Outcome.killed("worker process died: " + e.getMessage()));
                    done += e.completed() + 1;
                }
            }
        }

        private void discardWorker() {
            worker.kill();
            worker = null;
        }

        void killIfStalled(long now) {
            WorkerProcess w = worker;
            if (w != null) w.killIfStalled(now);
        }

        void close() {
            WorkerProcess w = worker;
            worker = null;
            if (w != null) w.close();
        }
    }

    private static void await(Future<?> future) {
        try {
            future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new ExecException(e.getCause().getMessage(), e.getCause());
        }
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
