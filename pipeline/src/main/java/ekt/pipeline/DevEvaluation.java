package ekt.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.records.Fields;
import ekt.records.RecordCodec;

/**
 * One dev-set evaluation of a student during training, a line of {@code STAGE/dev_eval.jsonl}.
 *
 * @param epoch       the epoch the step falls in (0-based)
 * @param step        the optimizer step the weights are from
 * @param checkpoint  the name the evaluation's programs are kept under ({@code step-N})
 * @param greedyPass1 solved / problems
 * @param solved      dev problems whose greedy program was correct
 * @param problems    dev problems evaluated
 */
public record DevEvaluation(int epoch, long step, String checkpoint, double greedyPass1, int solved, int problems) {
    /** The one reader and writer of dev evaluations. */
    public static final RecordCodec<DevEvaluation> CODEC = new RecordCodec<>() {
        @Override
        public void write(DevEvaluation d, ObjectNode o) {
            o.put("epoch", d.epoch).put("step", d.step).put("checkpoint", d.checkpoint).put("greedy_pass1", d.greedyPass1)
                    .put("solved", d.solved).put("problems", d.problems);
        }

        @Override
        public DevEvaluation read(Fields in) {
            return new DevEvaluation(in.integer("epoch"), in.integer("step"), in.text("checkpoint"), in.numberOrNaN("greedy_pass1"),
                    in.integer("solved"), in.integer("problems"));
        }
    };
}
