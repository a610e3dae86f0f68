package ekt.pipeline;

import ekt.records.RecordCodec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A stage's output as numbered parts, {@code part-00000.jsonl}, ... of one record type. Each part
 * covers one unit of work (a chunk of problems) and appears only when complete (written to a
 * temporary name, then renamed). A killed stage therefore loses at most the unit in flight;
 * re-running it skips every part that exists. Records are read strictly through the type's codec:
 * a missing, mistyped or unknown field is an error naming the part file and line.
 *
 * @param <T> the record type
 */
public final class Parts<T> {
    private final Path dir;
    private final RecordCodec<T> codec;

    /** The parts in {@code dir} (created if absent; leftovers of a killed writer are removed). */
    public Parts(Path dir, RecordCodec<T> codec) {
        this.dir = dir;
        this.codec = codec;
        try {
            Files.createDirectories(dir);
            try (Stream<Path> s = Files.list(dir)) {  // leftovers of a killed run
                for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir, e);
        }
    }

    /** The directory holding the parts. */
    public Path dir() {
        return dir;
    }

    /** The file of part {@code part}, whether or not it exists yet. */
    public Path path(int part) {
        return dir.resolve(String.format("part-%05d.jsonl", part));
    }

    /** Whether part {@code part} was completed. */
    public boolean isDone(int part) {
        return Files.isRegularFile(path(part));
    }

    /** Writes part {@code part} atomically. */
    public void write(int part, List<T> records) {
        AtomicFiles.writeRecords(path(part), codec, records);
    }

    /** Records of the completed parts, in part order. */
    public List<T> readAll() {
        List<T> out = new ArrayList<>();
        for (Path p : files()) out.addAll(codec.readAll(p));
        return out;
    }

    /** Records of one completed part. */
    public List<T> readPart(int part) {
        return codec.readAll(path(part));
    }

    /** The completed part files, in order. */
    public List<Path> files() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("part-\\d{5}\\.jsonl")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** How many of parts 0 .. parts-1 are completed. */
    public int countDone(int parts) {
        int n = 0;
        for (int i = 0; i < parts; i++) if (isDone(i)) n++;
        return n;
    }
}
