package ekt.exec;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a worker reports for one program, before id and label are attached.
 *
 * @param fresh the program ran first in its process (the supervisor says so, not the program):
 *              no other program can have influenced this outcome
 */
record Outcome(ExecStatus status, AnswerValue value, String error, String output, boolean fresh) {

    static Outcome killed(String reason) {
        return new Outcome(ExecStatus.KILLED, null, reason, null, false);
    }

    /** Parses a worker result line: {@code s} status, answer fields, {@code e} error, {@code o} output, {@code f} fresh. */
    static Outcome fromWire(JsonNode result) {
        ExecStatus status = ExecStatus.fromJson(result.path("s").asText());
        return new Outcome(status, status == ExecStatus.OK ? AnswerValue.fromWire(result) : null,
                text(result, "e"), text(result, "o"), result.path("f").asInt(0) == 1);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    ExecResult toResult(Program program, AnswerChecker checker) {
        Boolean correct = program.answer() == null ? null : checker.isCorrect(value, program.answer());
        return new ExecResult(program.id(), program.sample(), status, value, correct, error, output);
    }
}
