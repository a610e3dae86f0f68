package ekt.exec;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

import static ekt.exec.AnswerChecker.PAPER;
import static ekt.exec.AnswerChecker.STRICT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExecCheckerTest {
    private static final AnswerValue TRUE = new AnswerValue(AnswerValue.Kind.BOOL, "bool", null, "True");
    private static final AnswerValue TEXT = new AnswerValue(AnswerValue.Kind.OTHER, "str", null, "'72'");

    @Test
    void paperRuleAcceptsFloatsWithinOnePercentOnly() {
        assertTrue(PAPER.isCorrect(AnswerValue.ofFloat(72.0), 72));
        assertTrue(PAPER.isCorrect(AnswerValue.ofFloat(72.5), 72), "0.7% off");
        assertFalse(PAPER.isCorrect(AnswerValue.ofFloat(73.0), 72), "1.4% off");
        assertFalse(PAPER.isCorrect(AnswerValue.ofInt(72), 72), "ints count as wrong");
        assertTrue(PAPER.isCorrect(new AnswerValue(AnswerValue.Kind.FLOAT, "float64", 72.0, null), 72), "float subclasses count");
        assertFalse(PAPER.isCorrect(TRUE, 1));
        assertFalse(PAPER.isCorrect(null, 72));
        assertFalse(PAPER.isCorrect(AnswerValue.ofFloat(Double.NaN), 72));
        assertFalse(PAPER.isCorrect(AnswerValue.ofFloat(Double.POSITIVE_INFINITY), 72));
    }

    @Test
    void paperRuleUsesAnAbsoluteToleranceForLabelsBelowOneHundredThousandth() {
        assertTrue(PAPER.isCorrect(AnswerValue.ofFloat(-5.0), -5));
        assertTrue(PAPER.isCorrect(AnswerValue.ofFloat(-5.00000001), -5));
        assertFalse(PAPER.isCorrect(AnswerValue.ofFloat(-5.000001), -5));
        assertFalse(PAPER.isCorrect(AnswerValue.ofFloat(-5.05), -5), "1% relative would accept this");
        assertTrue(PAPER.isCorrect(AnswerValue.ofFloat(0.0), 0));
        assertFalse(PAPER.isCorrect(AnswerValue.ofFloat(1e-6), 0));
    }

    @Test
    void strictRuleAcceptsIntsAndFloatsEqualToSixDecimals() {
        assertTrue(STRICT.isCorrect(AnswerValue.ofInt(72), 72));
        assertTrue(STRICT.isCorrect(AnswerValue.ofFloat(72.0), 72));
        assertTrue(STRICT.isCorrect(AnswerValue.ofFloat(72.0000004), 72));
        assertTrue(STRICT.isCorrect(AnswerValue.ofFloat(71.9999999999), 72));
        assertFalse(STRICT.isCorrect(AnswerValue.ofFloat(72.000001), 72));
        assertFalse(STRICT.isCorrect(AnswerValue.ofFloat(72.5), 72));
        assertFalse(STRICT.isCorrect(AnswerValue.ofInt(71), 72));
        assertTrue(STRICT.isCorrect(AnswerValue.ofInt(-47), -47));
        assertTrue(STRICT.isCorrect(new AnswerValue(AnswerValue.Kind.INT, "int", BigInteger.TWO.pow(70), null), Math.pow(2, 70)));
        assertFalse(STRICT.isCorrect(new AnswerValue(AnswerValue.Kind.INT, "int", null, "<int with 5001 bits>"), 72));
        assertFalse(STRICT.isCorrect(TRUE, 1));
        assertFalse(STRICT.isCorrect(TEXT, 72));
        assertFalse(STRICT.isCorrect(AnswerValue.ofFloat(Double.NaN), 72));
        assertFalse(STRICT.isCorrect(null, 72));
    }

    @Test
    void paperRuleMatchesThePapersPythonExpressionBitForBit() {
        double[] labels = {72, 0, -5, -47, 1, 1234, 100000, 3};
        double[] offsets = {0, 1e-9, 1e-7, 9.9e-8, 1e-5, 0.004, 0.0099, 0.01, 0.0101, 0.5, -0.0099, -1e-7, -0.72};
        List<Program> programs = new ArrayList<>();
        List<Boolean> java = new ArrayList<>();
        for (double label : labels) {
            for (double offset : offsets) {
                double ans = label + offset * Math.max(Math.abs(label), 1);
                long l = (long) label;
                programs.add(Program.of("p", programs.size(), "ans = float.fromhex('" + Double.toHexString(ans) + "')\nlabel = " + l
                        + "\nanswer = isinstance(ans, float) and abs(ans - label) / max(label, 1e-5) < 0.01"));
                java.add(PAPER.isCorrect(AnswerValue.ofFloat(ans), l));
            }
        }
        try (ExecutorPool pool = ExecutorPool.start(ExecConfig.defaults().withWorkers(1))) {
            List<Boolean> python = pool.run(programs).stream().map(r -> r.value().repr().equals("True")).toList();
            assertEquals(python, java);
            assertTrue(python.contains(true) && python.contains(false));
        }
    }
}
