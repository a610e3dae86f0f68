package ekt.exec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Results, value types, checking and delivery of ordinary programs. */
class ExecPoolTest {
    private static ExecutorPool pool;

    @BeforeAll
    static void start() {
        pool = ExecutorPool.start(ExecConfig.defaults().withWorkers(2).withBatchSize(4).withOutputLimit(20));
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    private static ExecResult run(String code) {
        return pool.run(List.of(Program.of("t", 0, code))).get(0);
    }

    @Test
    void valuesKeepTheirPythonType() {
        AnswerValue f = run("answer = 144 / 2").value();
        assertEquals(new AnswerValue(AnswerValue.Kind.FLOAT, "float", 72.0, null), f);
        assertEquals(AnswerValue.ofInt(72), run("answer = 144 // 2").value());
        assertEquals(new AnswerValue(AnswerValue.Kind.INT, "int", new BigInteger("10").pow(30), null), run("answer = 10**30").value());
        assertEquals(new AnswerValue(AnswerValue.Kind.BOOL, "bool", null, "True"), run("answer = 3 > 2").value());
        assertEquals(new AnswerValue(AnswerValue.Kind.OTHER, "str", null, "'72'"), run("answer = '72'").value());
        assertEquals(AnswerValue.ofFloat(Double.NaN), run("answer = float('nan')").value());
        AnswerValue sub = run("class Money(float):\n    def __float__(self): return 0.0\nanswer = Money(7.5)").value();
        assertEquals(new AnswerValue(AnswerValue.Kind.FLOAT, "Money", 7.5, null), sub);
        AnswerValue huge = run("answer = 2**5000").value();
        assertEquals(AnswerValue.Kind.INT, huge.kind());
        assertNull(huge.number());
        assertEquals("<int with 5001 bits>", huge.repr());
    }

    @Test
    void statusesOfOrdinaryFailures() {
        assertEquals(ExecStatus.NO_ANSWER, run("result = 5").status());
        ExecResult zero = run("answer = 1 / 0");
        assertEquals(ExecStatus.ERROR, zero.status());
        assertEquals("ZeroDivisionError: division by zero", zero.error());
        assertNull(zero.value());
        assertTrue(run("answer = (").error().startsWith("SyntaxError"));
        assertTrue(run("import sys\nanswer = 1\nsys.exit(0)").error().startsWith("SystemExit"));
        assertEquals(ExecStatus.ERROR, run("answer = input()").status());
    }

    @Test
    void outputIsCappedAndProgramsDoNotShareState() {
        assertEquals("hello\n", run("print('hello')\nanswer = 1").output());
        assertEquals("x".repeat(20), run("print('x' * 10**6)").output());
        // Every program starts from a fresh namespace, builtins and interpreter state,
        // whatever the one before it did; these run in one batch, so in one warm child.
        List<ExecResult> r = pool.run(List.of(
                Program.of("a", 0, "secret = 41\nimport builtins\nbuiltins.len = lambda x: 99\nimport math\nmath.pi = 3"),
                Program.of("b", 0, "answer = len([1, 2]) + math.floor(0.5) if 'math' in dir() else len([1, 2])"),
                Program.of("c", 0, "import math\nanswer = math.pi"),
                Program.of("d", 0, "answer = secret")));
        assertEquals(AnswerValue.ofInt(2), r.get(1).value());
        assertEquals(AnswerValue.ofFloat(Math.PI), r.get(2).value());
        assertEquals(ExecStatus.ERROR, r.get(3).status());
        assertEquals("NameError: name 'secret' is not defined", r.get(3).error());
    }

    @Test
    void filesLiveOnlyForTheirProgram() {
        List<ExecResult> r = pool.run(List.of(
                Program.of("w", 0, "open('notes.txt', 'w').write('hi')\nanswer = open('notes.txt').read()"),
                Program.of("r", 0, "import os\nanswer = len(os.listdir('.'))")));
        assertEquals("'hi'", r.get(0).value().repr());
        assertEquals(AnswerValue.ofInt(0), r.get(1).value());
    }

    @Test
    void runKeepsInputOrderAndChecksLabels() {
        List<Program> programs = new ArrayList<>();
        for (int i = 0; i < 50; i++) programs.add(new Program("p" + i, i % 3, "answer = " + i + " * 2.0", (double) 2 * i + (i % 2)));
        List<ExecResult> results = pool.run(programs);
        for (int i = 0; i < 50; i++) {
            assertEquals("p" + i, results.get(i).id());
            assertEquals(i % 3, results.get(i).sample());
            assertEquals(AnswerValue.ofFloat(2.0 * i), results.get(i).value());
            assertEquals(i % 2 == 0, results.get(i).correct(), "label check of p" + i);
        }
        assertNull(run("answer = 1").correct());
    }

    @Test
    void sessionStreamsEveryResultOnce() {
        List<String> seen = new ArrayList<>();
        try (ExecutorPool.Session s = pool.session(r -> seen.add(r.id() + "=" + r.value().number()))) {
            for (int i = 0; i < 30; i++) s.submit(Program.of("s" + i, 0, "answer = " + i));
        }
        assertEquals(IntStream.range(0, 30).mapToObj(i -> "s" + i + "=" + i).sorted().toList(),
                seen.stream().sorted().toList());
    }

    @Test
    void aFailingSinkFailsItsSessionButNotThePool() {
        ExecException e = assertThrows(ExecException.class, () -> {
            try (ExecutorPool.Session s = pool.session(r -> {
                throw new IllegalStateException("disk full");
            })) {
                for (int i = 0; i < 20; i++) s.submit(Program.of("x", i, "answer = 1"));
            }
        });
        assertTrue(e.getMessage().contains("disk full"), e.getMessage());
        assertEquals(AnswerValue.ofInt(5), run("answer = 5").value());
    }

    @Test
    void answerVariableIsConfigurable() {
        try (ExecutorPool p = ExecutorPool.start(ExecConfig.defaults().withWorkers(1).withAnswerVariable("result"))) {
            List<ExecResult> r = p.run(List.of(Program.of("a", 0, "result = 3"), Program.of("b", 0, "answer = 3")));
            assertEquals(AnswerValue.ofInt(3), r.get(0).value());
            assertEquals(ExecStatus.NO_ANSWER, r.get(1).status());
        }
    }

    @Test
    void reportsItsProtections() {
        var p = pool.protections();
        for (String layer : List.of("environment", "namespaces", "identity", "filesystem", "system calls", "limits", "time", "isolation", "scratch"))
            assertTrue(p.containsKey(layer), "missing layer " + layer + " in " + p);
        assertFalse(p.get("environment").contains("EKT_TEST_SECRET"));
    }
}
