package ekt.sample;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.core.Finish;
import ekt.records.Fields;
import ekt.records.RecordCodec;

/**
 * One sampled completion, the project's one sample record, as {@code ekt sample} and the
 * pipeline's sample stages write it: {@code {"id", "sample", "text", "tokens", "finish",
 * "logprob", "logprobs"?}}.
 *
 * @param id       the prompt's id
 * @param sample   0 .. n-1 within the prompt
 * @param text     the completion's text; null when sampled without a tokenizer
 * @param tokens   the generated token ids; empty where the completer does not know them (HTTP, replay)
 * @param finish   why the sample ended
 * @param logprob  the sum of {@code logprobs}: the raw model's log-softmax (temperature 1, unfiltered)
 *                 of each token; NaN (written as null) where the completer does not know it
 * @param logprobs per token, or null when not requested (then the field is left out)
 */
public record SampleRecord(String id, int sample, String text, int[] tokens, Finish finish, double logprob,
                           float[] logprobs) {
    /** A completion known only by its text (an HTTP server's or a replayed one). */
    public static SampleRecord ofText(String id, int sample, String text, Finish finish, double logprob) {
        return new SampleRecord(id, sample, text, new int[0], finish, logprob, null);
    }

    /** The record as one JSONL line. */
    public String toJson() {
        return CODEC.line(this);
    }

    /** The one reader and writer of sample records. */
    public static final RecordCodec<SampleRecord> CODEC = new RecordCodec<>() {
        @Override
        public void write(SampleRecord r, ObjectNode o) {
            o.put("id", r.id).put("sample", r.sample);
            if (r.text == null) o.putNull("text"); else o.put("text", r.text);
            ArrayNode t = o.putArray("tokens");
            for (int x : r.tokens) t.add(x);
            o.put("finish", r.finish.json());
            if (Double.isFinite(r.logprob)) o.put("logprob", r.logprob); else o.putNull("logprob");
            if (r.logprobs != null) {
                ArrayNode l = o.putArray("logprobs");
                for (float x : r.logprobs) l.add(x);
            }
        }

        @Override
        public SampleRecord read(Fields in) {
            String finish = in.text("finish");
            Finish f;
            try {
                f = Finish.fromJson(finish);
            } catch (IllegalArgumentException e) {
                throw in.error("field 'finish' must be stop, eos or length, not '" + finish + "'");
            }
            return new SampleRecord(in.text("id"), in.integer("sample"), in.textOrNull("text"), in.integers("tokens"), f,
                    in.numberOrNaN("logprob"), in.floatsOrNull("logprobs"));
        }
    };
}
