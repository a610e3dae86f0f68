package ekt.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import ekt.records.Jsonl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A stage's output as numbered parts, {@code part-00000.jsonl}, ... Each part covers one unit of
 * work (a chunk of problems) and appears only when complete (written to a temporary name, then
 * renamed). A killed stage therefore loses at most the unit in flight; re-running it skips every
 * part that exists.
 */
public final class Parts {
    private final Path dir;

    public Parts(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            try (Stream<Path> s = Files.list(dir)) {  // leftovers of a killed run
                for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir, e);
        }
    }

    public Path dir() {
        return dir;
    }

    public Path path(int part) {
        return dir.resolve(String.format("part-%05d.jsonl", part));
    }

    public boolean isDone(int part) {
        return Files.isRegularFile(path(part));
    }

    public void write(int part, List<? extends JsonNode> records) {
        AtomicFiles.writeJsonl(path(part), records);
    }

    /** Records of the completed parts, in part order. */
    public List<JsonNode> readAll() {
        List<JsonNode> out = new ArrayList<>();
        for (Path p : files())
            for (Jsonl.Line line : Jsonl.readStrict(p)) out.add(line.value());
        return out;
    }

    /** Records of one completed part. */
    public List<JsonNode> readPart(int part) {
        List<JsonNode> out = new ArrayList<>();
        for (Jsonl.Line line : Jsonl.readStrict(path(part))) out.add(line.value());
        return out;
    }

    /** The completed part files, in order. */
    public List<Path> files() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().matches("part-\\d{5}\\.jsonl")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    public int countDone(int parts) {
        int n = 0;
        for (int i = 0; i < parts; i++) if (isDone(i)) n++;
        return n;
    }
}
