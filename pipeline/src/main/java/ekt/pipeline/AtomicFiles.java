package ekt.pipeline;

import ekt.records.Json;
import ekt.records.RecordCodec;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * Write-then-rename so a killed process never leaves a half-written file under the final name.
 * The temporary name carries the process id, so ranks of a data-parallel job that write the
 * same derived file (a selection, a report) never write into one temporary file.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes {@code contents} as UTF-8, atomically; see {@link #write(Path, byte[])}. */
    public static void write(Path target, String contents) {
        write(target, contents.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Replaces {@code target} with {@code contents}: writes and syncs a temporary sibling, then
     * renames it over the target. Creates missing parent directories.
     *
     * @throws UncheckedIOException if the file cannot be written or moved (the target is then unchanged)
     */
    public static void write(Path target, byte[] contents) {
        Path tmp = target.resolveSibling(target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(contents);
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }

    /** JSONL: one compact JSON object per line, written atomically. */
    public static void writeJsonl(Path target, List<? extends JsonNode> records) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode r : records) sb.append(Json.line(r)).append('\n');
        write(target, sb.toString());
    }

    /** Records through their codec, one JSONL line each, written atomically. */
    public static <T> void writeRecords(Path target, RecordCodec<T> codec, List<T> records) {
        write(target, codec.lines(records));
    }

    /** Renames a fully written directory into place (a leftover target of a killed run is replaced). */
    public static void moveDirectory(Path source, Path target) {
        try {
            if (Files.exists(target)) deleteTree(target);
            Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + source + " to " + target, e);
        }
    }

    /** Deletes a directory tree (or a file) if it exists. */
    public static void deleteTree(Path root) {
        if (!Files.exists(root)) return;
        try (java.util.stream.Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
