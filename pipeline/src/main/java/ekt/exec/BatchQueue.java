package ekt.exec;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hands batches from one session's producer to the worker threads (one drain per worker), with
 * back-pressure, and carries the first failure of any drain back to the producer.
 */
final class BatchQueue {
    /** A submitted program and its submission number. */
    record Task(long sequence, Program program) {
    }

    private static final long POLL_MS = 100;
    private final BlockingQueue<List<Task>> queue;
    private final int drains;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean cancelled;

    BatchQueue(int drains) {
        this.queue = new ArrayBlockingQueue<>(drains);
        this.drains = drains;
    }

    /** Blocks until a drain has room; throws the first drain failure instead of waiting forever. */
    void put(List<Task> batch) {
        try {
            while (!queue.offer(batch, POLL_MS, TimeUnit.MILLISECONDS)) throwIfFailed();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecException("interrupted while queueing programs", e);
        }
        throwIfFailed();
    }

    /** No more batches: each drain stops when it takes an end marker (an empty batch). */
    void finish() {
        for (int i = 0; i < drains; i++) put(List.of());
    }

    /** Drains stop after their current batch. */
    void cancel() {
        cancelled = true;
    }

    /** A worker thread's loop: runs batches on its slot until the end marker or cancellation. */
    void drain(ExecutorPool.WorkerSlot slot, ExecutorPool.IndexedSink sink, AnswerChecker checker) {
        try {
            while (!cancelled) {
                List<Task> batch = queue.poll(POLL_MS, TimeUnit.MILLISECONDS);
                if (batch == null) continue;
                if (batch.isEmpty()) return;
                slot.execute(batch, sink, checker);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure.compareAndSet(null, e);
        } catch (RuntimeException | Error e) {
            failure.compareAndSet(null, e);
            throw e;
        }
    }

    private void throwIfFailed() {
        Throwable t = failure.get();
        if (t != null) throw new ExecException("execution failed: " + t.getMessage(), t);
    }
}
