package ekt.pipeline;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.core.ProcessGroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/**
 * One run: {@code manifest.json} (config, versions, seeds, per-stage status and counts) plus one
 * folder per stage. Re-opening a run with the same config resumes it; a different config is
 * refused, so results of two configurations never mix.
 */
public final class RunDirectory {
    /** Where a stage stands, as the manifest records it ({@code "status"}, lower case). */
    public enum Status {
        /** Not started: the manifest has no status for the stage. */
        PENDING,
        /** Started and not finished, or interrupted: a resumed run continues it. */
        RUNNING,
        /** Finished; a resumed run skips it. */
        DONE
    }

    private final Path root;
    private final ObjectNode manifest;

    private RunDirectory(Path root, ObjectNode manifest) {
        this.root = root;
        this.manifest = manifest;
    }

    /**
     * Opens the run in {@code root}, creating the folder and its manifest if it has none.
     *
     * @param config   the run's identity: a run that exists must have been created with an equal config
     * @param versions software versions recorded in a new manifest (an existing one keeps its own)
     * @throws IllegalStateException if {@code root} holds a run created with a different config
     * @throws UncheckedIOException  if the manifest cannot be read or written
     */
    public static RunDirectory open(Path root, JsonNode config, Map<String, String> versions) {
        Path file = root.resolve("manifest.json");
        try {
            config = Json.MAPPER.readTree(Json.line(config));  // number types as a re-read manifest has them (3L reads back as 3)
            Files.createDirectories(root);
            if (Files.isRegularFile(file)) {
                ObjectNode existing = (ObjectNode) Json.MAPPER.readTree(Files.readString(file));
                if (!existing.path("config").equals(config))
                    throw new IllegalStateException("run directory " + root + " was created with a different config;"
                            + " use a new directory (config in " + file + ")");
                return new RunDirectory(root, existing);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        ObjectNode m = Json.object();
        m.set("config", config);
        ObjectNode v = m.putObject("versions");
        versions.forEach(v::put);
        m.put("created", Instant.now().toString());
        m.putObject("stages");
        RunDirectory run = new RunDirectory(root, m);
        run.save();
        return run;
    }

    /** The run's folder. */
    public Path root() {
        return root;
    }

    /** The config the run was created with, as the manifest holds it (do not modify). */
    public JsonNode config() {
        return manifest.get("config");
    }

    /** The folder of a stage's outputs, {@code root/stage} (not created here). */
    public Path stageDir(String stage) {
        return root.resolve(stage);
    }

    /** The stage's status; {@link Status#PENDING} for a stage the manifest does not know. */
    public synchronized Status status(String stage) {
        JsonNode s = manifest.path("stages").path(stage).path("status");
        return s.isMissingNode() ? Status.PENDING : Status.valueOf(s.asText().toUpperCase());
    }

    /** Marks the stage running and saves the manifest; the first start time is kept when a stage is resumed. */
    public synchronized void started(String stage) {
        ObjectNode s = stageNode(stage);
        if (!s.has("started")) s.put("started", Instant.now().toString());
        s.put("status", "running");
        save();
    }

    /** Records progress counts without changing the status (e.g. parts done so far). */
    public synchronized void progress(String stage, Map<String, ? extends Number> counts) {
        ObjectNode c = stageNode(stage).putObject("counts");
        counts.forEach((k, n) -> {
            if (n.doubleValue() == Math.rint(n.doubleValue())) c.put(k, n.longValue());  // not a ?: (it would widen to double)
            else c.put(k, n.doubleValue());
        });
        save();
    }

    /** Marks the stage done with its final counts (replacing earlier ones) and end time, and saves the manifest. */
    public synchronized void done(String stage, Map<String, ? extends Number> counts) {
        progress(stage, counts);
        ObjectNode s = stageNode(stage);
        s.put("status", "done");
        s.put("finished", Instant.now().toString());
        save();
    }

    /** Records the counts of one written part, so the stage's totals never re-read it. */
    public synchronized void partDone(String stage, int part, Map<String, Long> counts) {
        ObjectNode s = stageNode(stage);
        ObjectNode all = s.has("part_counts") ? (ObjectNode) s.get("part_counts") : s.putObject("part_counts");
        ObjectNode c = all.putObject(Integer.toString(part));
        counts.forEach(c::put);
        save();
    }

    /**
     * Sums the counts of parts 0 .. parts-1 as {@link #partDone} recorded them. A part without a
     * record (written by another rank of a data-parallel job, whose manifest rank 0 does not see,
     * or by a process killed between writing it and recording it) is counted by {@code count}.
     */
    public synchronized Map<String, Long> sumParts(String stage, int parts, java.util.function.IntFunction<Map<String, Long>> count) {
        Map<String, Long> sum = new java.util.LinkedHashMap<>();
        JsonNode recorded = manifest.path("stages").path(stage).path("part_counts");
        for (int i = 0; i < parts; i++) {
            JsonNode r = recorded.get(Integer.toString(i));
            Map<String, Long> c = new java.util.LinkedHashMap<>();
            if (r != null) r.fields().forEachRemaining(e -> c.put(e.getKey(), e.getValue().asLong()));
            else c.putAll(count.apply(i));
            c.forEach((k, v) -> sum.merge(k, v, Long::sum));
        }
        return sum;
    }

    /** Every stage's status, start and end times and counts, in the order they started. */
    public synchronized JsonNode stages() {
        return manifest.get("stages").deepCopy();
    }

    /** The counts last recorded for the stage; a missing node (never null) when it has none. */
    public synchronized JsonNode counts(String stage) {
        return manifest.path("stages").path(stage).path("counts");
    }

    private ObjectNode stageNode(String stage) {
        ObjectNode stages = (ObjectNode) manifest.get("stages");
        return stages.has(stage) ? (ObjectNode) stages.get(stage) : stages.putObject(stage);
    }

    /** Data parallel, every rank keeps the same manifest in memory; rank 0 writes it. */
    private void save() {
        if (!ProcessGroup.current().isLeader()) return;
        try {
            AtomicFiles.write(root.resolve("manifest.json"), Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(manifest));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
