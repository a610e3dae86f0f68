package ekt.core;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The process's data-parallel group (libtorch c10d: Gloo on CPU, NCCL on CUDA), created in the
 * core from the launcher's environment (torchrun or Slurm) or explicit options. Like
 * torch.distributed's default group there is one per process, {@link #current()}: while it is
 * open, every {@link NativeTrainer} step runs data parallel over it, and the pipeline splits its
 * sampling and execution stages by part across the ranks. A single-process run never creates
 * one; {@code current()} is then the world of one, whose barrier returns at once.
 */
public final class ProcessGroup implements AutoCloseable {
    private static final ProcessGroup SINGLE = new ProcessGroup(0, 1, 0, false);
    private static volatile ProcessGroup current = SINGLE;

    private final int rank, worldSize, localRank;
    private boolean open;

    private ProcessGroup(int rank, int worldSize, int localRank, boolean open) {
        this.rank = rank;
        this.worldSize = worldSize;
        this.localRank = localRank;
        this.open = open;
    }

    /** The open group, or the world of one. */
    public static ProcessGroup current() {
        return current;
    }

    /**
     * Joins the job the environment describes ({@code RANK}, {@code WORLD_SIZE}, ... as torchrun
     * sets them, or Slurm's), or returns the world of one when it describes a single process.
     */
    public static ProcessGroup fromEnvironment() {
        return join("{}");
    }

    /**
     * Joins with explicit options over the environment: {@code rank}, {@code world_size},
     * {@code local_rank}, {@code master_addr}, {@code master_port}, {@code backend} (gloo, nccl),
     * {@code timeout_s}. Returns the world of one when the world size is 1.
     */
    public static synchronized ProcessGroup join(String optionsJson) {
        var resolved = DistNative.ekt_dist_resolve(optionsJson);
        if (resolved == null || resolved.isNull()) throw Native.error("distributed options");
        JsonNode o = parse(Native.string(resolved));
        if (o.get("world_size").asInt() == 1) return SINGLE;
        if (current.open) throw new IllegalStateException("this process is already rank " + current.rank + " of a group");
        Native.check(DistNative.ekt_dist_init(optionsJson), "joining the distributed job");
        current = new ProcessGroup(o.get("rank").asInt(), o.get("world_size").asInt(), o.get("local_rank").asInt(), true);
        return current;
    }

    /** @return this process's rank, 0 .. worldSize - 1 */
    public int rank() {
        return rank;
    }

    /** @return the number of processes in the job (1 without a group) */
    public int worldSize() {
        return worldSize;
    }

    /** The rank's index on its node ({@code LOCAL_RANK}): its GPU is {@code cuda:localRank}. */
    public int localRank() {
        return localRank;
    }

    /** The device of this rank for a requested one: plain {@code cuda} becomes {@code cuda:localRank} in a multi-rank job. */
    public String device(String requested) {
        return worldSize > 1 && "cuda".equals(requested) ? "cuda:" + localRank : requested;
    }

    /** Rank 0 writes what every rank would write the same (manifest, checkpoints, report). */
    public boolean isLeader() {
        return rank == 0;
    }

    /** Whether this rank does unit {@code index} of work split by index: index mod world size. */
    public boolean owns(int index) {
        return index % worldSize == rank;
    }

    /** Waits until every rank reached {@code stage}; fails naming ranks that died or hung past the timeout. */
    public void barrier(String stage) {
        if (open) Native.check(DistNative.ekt_dist_barrier(stage), "barrier '" + stage + "'");
    }

    /** Fails on every rank unless all ranks pass the same {@code value} (a config, a data fingerprint). */
    public void checkSame(String what, String value) {
        if (open) Native.check(DistNative.ekt_dist_check_same(what, value), "comparing " + what + " across ranks");
    }

    /** JSON: the group's options and the time spent in gradient all-reduces ({@code reduce_seconds}, {@code reduces}). */
    public JsonNode info() {
        if (!open) return Json.MAPPER.createObjectNode().put("rank", 0).put("world_size", 1);
        var p = DistNative.ekt_dist_info();
        if (p == null || p.isNull()) throw Native.error("distributed info");
        return parse(Native.string(p));
    }

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void close() {
        if (!open) return;
        open = false;
        DistNative.ekt_dist_shutdown();
        current = SINGLE;
    }
}
