package ekt.cli;

import ekt.records.Json;
import ekt.records.DataException;
import ekt.records.Jsonl;
import ekt.exec.AnswerChecker;
import ekt.exec.ExecConfig;
import ekt.exec.ExecRecords;
import ekt.exec.ExecRecord;
import ekt.exec.ExecResult;
import ekt.exec.ExecStatus;
import ekt.exec.ExecutorPool;
import ekt.exec.Program;
import ekt.pipeline.Prompts;
import ekt.util.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code ekt exec}: runs every program of a JSONL file in the sandbox and writes one result line
 * per program, in completion order, flushed as soon as it is known (a crash loses nothing
 * written; {@code --resume} then skips what is done). Malformed input lines are reported on stderr
 * with file and line number and skipped; the exit status is then 2 (0 when all lines ran).
 */
@Command(name = "exec", description = "Execute programs in the sandbox and check their answers.")
final class ExecCommand implements Callable<Integer> {
    @Option(names = "--in", required = true, description = "programs: JSONL {id, sample, program|text, answer?}")
    Path in;
    @Option(names = "--out", required = true, description = "results: JSONL {id, sample, status, value, type, repr, correct, error}")
    Path out;
    @Option(names = "--resume", description = "append to --out, skipping programs whose (id, sample) it already has")
    boolean resume;
    @Option(names = "--overwrite", description = "replace an existing --out")
    boolean overwrite;
    @Option(names = "--workers", description = "worker processes (default: cores)")
    Integer workers;
    @Option(names = "--timeout-ms", defaultValue = "1000", description = "CPU time per program (default: ${DEFAULT-VALUE})")
    long timeoutMs;
    @Option(names = "--wall-timeout-ms", description = "wall-clock backstop per program (default: 3 x timeout + 1000)")
    Long wallTimeoutMs;
    @Option(names = "--memory-mb", defaultValue = "512", description = "address-space limit per child (default: ${DEFAULT-VALUE})")
    int memoryMb;
    @Option(names = "--checker", defaultValue = "paper",
            description = "paper (a float within 1%%, as ekt run) or strict (equal after rounding to 1e-6) (default: ${DEFAULT-VALUE})")
    String checker;
    @Option(names = "--truncate", defaultValue = "none",
            description = "none, or paper: drop <|endoftext|> and cut after the first 'answer' line, as ekt run does to completions (default: ${DEFAULT-VALUE})")
    String truncate;
    @Option(names = "--answer-var", defaultValue = "answer", description = "variable holding the answer (default: ${DEFAULT-VALUE})")
    String answerVar;
    @Option(names = "--worker-batch", description = "programs per round-trip to a worker (default: ${DEFAULT-VALUE})")
    int batchSize = 64;  // no defaultValue: see Renamed

    @Option(names = "--batch-size", hidden = true)
    void oldBatchSize(int value) {
        Renamed.warn("--batch-size", "--worker-batch");
        batchSize = value;
    }
    @Option(names = "--programs-per-fork", defaultValue = "1000",
            description = "programs one warm child may run; 1 = a fresh process per program (default: ${DEFAULT-VALUE})")
    int programsPerFork;
    @Option(names = "--output-limit", defaultValue = "0", description = "printed characters kept per result (default: ${DEFAULT-VALUE})")
    int outputLimit;
    @Option(names = "--python", description = "interpreter (default: /usr/bin/python3)")
    Path python;

    private final Map<ExecStatus, Long> counts = new EnumMap<>(ExecStatus.class);
    private boolean paperTruncation;
    private long correct;
    private Progress progress;

    @Override
    public Integer call() throws IOException {
        ExecConfig config = config();
        OutputFile.check(out, resume, overwrite, "--in", in);
        long total = countLines(in);
        if (resume && Files.exists(out)) dropTornLine(out);
        Set<String> finished = resume && Files.exists(out) ? finishedKeys(out) : Set.of();
        PrintStream err = System.err;
        long[] skipped = {0, 0};   // malformed lines, already finished programs
        try (ExecutorPool pool = ExecutorPool.start(config);
             BufferedWriter writer = Files.newBufferedWriter(out, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                     StandardOpenOption.WRITE, resume ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            pool.protections().forEach((layer, how) -> err.println("ekt exec: sandbox " + layer + ": " + how));
            progress = new Progress("exec", Math.max(0, total - finished.size()), "programs", null);
            try (Progress p = progress; ExecutorPool.Session session = pool.session(r -> write(writer, r))) {
                Jsonl.forEach(in, e -> {
                    skipped[0]++;
                    p.log("ekt exec: skipped " + e.getMessage());
                }, line -> {
                    try {
                        Program program = truncated(ExecRecords.program(in, line));
                        if (finished.contains(key(program.id(), program.sample()))) skipped[1]++;
                        else session.submit(program);
                    } catch (DataException e) {
                        skipped[0]++;
                        p.log("ekt exec: skipped " + e.getMessage());
                    }
                });
            }
        }
        if (skipped[1] > 0) err.println("ekt exec: " + skipped[1] + " programs already had results in " + out);
        if (skipped[0] > 0) err.println("ekt exec: " + skipped[0] + " malformed input lines skipped");
        return skipped[0] > 0 ? 2 : 0;
    }

    private Program truncated(Program p) {
        return paperTruncation ? new Program(p.id(), p.sample(), Prompts.zeroShot().truncate(p.code()), p.answer()) : p;
    }

    private ExecConfig config() {
        paperTruncation = switch (truncate.toLowerCase(java.util.Locale.ROOT)) {
            case "none" -> false;
            case "paper" -> true;
            default -> throw new IllegalArgumentException("--truncate must be none or paper, got " + truncate);
        };
        AnswerChecker c = switch (checker.toLowerCase(java.util.Locale.ROOT)) {
            case "strict" -> AnswerChecker.STRICT;
            case "paper" -> AnswerChecker.PAPER;
            default -> throw new IllegalArgumentException("--checker must be strict or paper, got " + checker);
        };
        ExecConfig config = ExecConfig.defaults().withTimeoutMs(timeoutMs).withMemoryMb(memoryMb).withChecker(c)
                .withAnswerVariable(answerVar).withBatchSize(batchSize).withProgramsPerFork(programsPerFork)
                .withOutputLimit(outputLimit);
        if (workers != null) config = config.withWorkers(workers);
        if (wallTimeoutMs != null) config = config.withWallTimeoutMs(wallTimeoutMs);
        if (python != null) config = config.withPython(python);
        return config;
    }

    /** Called by the pool, never concurrently: one flushed line per result. */
    private void write(BufferedWriter writer, ExecResult r) {
        try {
            writer.write(ExecRecords.CODEC.line(new ExecRecord(r, null)));
            writer.newLine();
            writer.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
        counts.merge(r.status(), 1L, Long::sum);
        if (r.isCorrect()) correct++;
        progress.detail("correct " + correct + " (" + counts.entrySet().stream()
                .map(e -> e.getKey().jsonName() + " " + e.getValue()).collect(Collectors.joining(", ")) + ")");
        progress.advance(1);
    }

    private static long countLines(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new DataException(file, "file not found", null);
        long lines = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream s = Files.newInputStream(file)) {
            for (int n; (n = s.read(buf)) > 0; ) for (int i = 0; i < n; i++) if (buf[i] == '\n') lines++;
        }
        return lines;
    }

    /** (id, sample) of every result line already in {@code file}. */
    private static Set<String> finishedKeys(Path file) {
        Set<String> keys = new HashSet<>();
        Jsonl.forEach(file, e -> System.err.println("ekt exec: ignoring unreadable result " + e.getMessage()), line -> keys.add(key(line.value().path("id").asText(), line.value().path("sample").asInt())));
        return keys;
    }

    /** A process killed mid-write leaves a torn last line: cut it off, it is rerun. */
    private static void dropTornLine(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer block = ByteBuffer.allocate(1 << 16);
            long end = channel.size();
            while (end > 0) {
                long from = Math.max(0, end - block.capacity());
                block.clear().limit((int) (end - from));
                while (block.hasRemaining()) if (channel.read(block, from + block.position()) < 0) throw new IOException("file shrank: " + file);
                for (int i = block.limit() - 1; i >= 0; i--) {
                    if (block.get(i) == '\n') {
                        channel.truncate(from + i + 1);
                        return;
                    }
                }
                end = from;
            }
            channel.truncate(0);
        }
    }

    private static String key(String id, int sample) {
        return id + '\u0000' + sample;
    }
}
