package ekt.sample;

import ekt.core.Finish;
import ekt.core.Model;
import ekt.core.SamplingOptions;
import ekt.core.StopString;
import ekt.testing.Reference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stop rules and text through {@link Generation}, checked by re-deriving every cut in Java. */
class GenerationTest {
    static final int EOS = 8, STOP_TOKEN = 7, MAX_NEW = 60;
    static final String START = "\nanswer", END = "\n";
    @TempDir
    static Path dir;
    static Path ckpt;

    @BeforeAll
    static void makeModel() {
        ckpt = Reference.make(dir.resolve("m"), "gpt2", "--layers", "2", "--hidden", "32", "--heads", "4", "--seed", "2",
                "--scale", "0.15");
    }

    @Test
    void stopsCutExactlyAtTheFirstCompletedRule() {
        SamplingOptions o = SamplingOptions.builder().n(40).temperature(1.3).maxNewTokens(MAX_NEW).seed(3)
                .eosTokenId(EOS).stopTokens(List.of(new int[]{STOP_TOKEN})).stopStrings(List.of(StopString.line("answer")))
                .maxBatch(16).build();
        PieceCodec codec = new PieceCodec();
        List<SamplePrompt> prompts = List.of(SamplePrompt.ofText("p0", "x\nq"), SamplePrompt.ofTokens("p1", new int[]{3}));
        List<SampleRecord> records = run(o, codec, prompts);
        assertEquals(80, records.size());
        int[] byFinish = new int[3];
        int textStops = 0;
        for (SampleRecord r : records) {
            byFinish[r.finish().ordinal()]++;
            int[] t = r.tokens();
            int last = t[t.length - 1];
            String before = codec.decode(Arrays.copyOf(t, t.length - 1));  // text before the last token
            // No rule may have fired before the last token.
            assertFalse(contains(t, t.length - 1, EOS) || contains(t, t.length - 1, STOP_TOKEN) || matchEnd(before) >= 0,
                    "a rule fired before the end: " + r.toJson());
            switch (r.finish()) {
                case EOS -> {
                    assertEquals(EOS, last);
                    assertEquals(before, r.text());
                }
                case STOP -> {
                    String full = codec.decode(t);
                    if (last == STOP_TOKEN && matchEnd(full) < 0) {
                        assertEquals(full, r.text());
                    } else {
                        textStops++;
                        assertEquals(full.substring(0, matchEnd(full)), r.text(), "cut right after the answer line");
                    }
                }
                case LENGTH -> {
                    assertEquals(MAX_NEW, t.length);
                    assertEquals(codec.decode(t), r.text());
                    assertTrue(matchEnd(r.text()) < 0 && last != EOS && last != STOP_TOKEN);
                }
            }
            double sum = 0;
            for (float l : r.logprobs()) sum += l;
            assertEquals(sum, r.logprob(), 1e-3);
        }
        assertTrue(textStops >= 3 && byFinish[Finish.EOS.ordinal()] >= 3 && byFinish[Finish.LENGTH.ordinal()] >= 1,
                "the test needs every kind of finish: " + Arrays.toString(byFinish) + ", text stops " + textStops);
        // Checking the rules every 7 decode steps instead of every step (a GPU's default is 8) cuts the same
        // samples; CUDA graphs, asked for too, are ignored on the CPU and replay the same steps on a GPU.
        List<SampleRecord> checkedEvery7 = run(o.toBuilder().stepsPerSync(7).cudaGraphs(true).build(), codec, prompts);
        for (int i = 0; i < records.size(); i++) {
            assertArrayEquals(records.get(i).tokens(), checkedEvery7.get(i).tokens());
            assertEquals(records.get(i).finish(), checkedEvery7.get(i).finish());
            assertEquals(records.get(i).text(), checkedEvery7.get(i).text());
        }
    }

    /** End of the paper's match (first "\n" after the first "\nanswer"), or -1. */
    static int matchEnd(String text) {
        int start = text.indexOf(START);
        if (start < 0) return -1;
        int end = text.indexOf(END, start + START.length());
        return end < 0 ? -1 : end + END.length();
    }

    static boolean contains(int[] tokens, int upTo, int token) {
        for (int i = 0; i < upTo; i++) if (tokens[i] == token) return true;
        return false;
    }

    @Test
    void recordsComeInPromptOrderAndTextPromptsEqualTheirTokens() {
        SamplingOptions o = SamplingOptions.builder().n(3).maxNewTokens(8).seed(1).maxBatch(2).build();
        PieceCodec codec = new PieceCodec();
        List<SamplePrompt> prompts = List.of(SamplePrompt.ofText("a", "answerb\nq"), SamplePrompt.ofTokens("b", new int[]{5, 6}),
                SamplePrompt.ofTokens("c", new int[]{4}));
        List<SampleRecord> records = run(o, codec, prompts);
        List<String> order = new ArrayList<>();
        for (SampleRecord r : records) order.add(r.id() + r.sample());
        assertEquals(List.of("a0", "a1", "a2", "b0", "b1", "b2", "c0", "c1", "c2"), order);
        // The text prompt's samples equal those of its encoding under the same id.
        List<SampleRecord> same = run(o, codec, List.of(SamplePrompt.ofTokens("a", codec.encode("answerb\nq"))));
        for (int s = 0; s < 3; s++) assertArrayEquals(records.get(s).tokens(), same.get(s).tokens());
        // Without a codec: token prompts only, no text.
        List<SampleRecord> bare = run(o, null, List.of(SamplePrompt.ofTokens("b", new int[]{5, 6})));
        assertNull(bare.get(0).text());
        assertArrayEquals(records.get(3).tokens(), bare.get(0).tokens());
        assertThrows(IllegalArgumentException.class, () -> run(o, null, List.of(SamplePrompt.ofText("a", "x"))));
        assertThrows(IllegalArgumentException.class,
                () -> run(o, codec, List.of(SamplePrompt.ofText("a", "x"), SamplePrompt.ofText("a", "y"))));
    }

    @Test
    void idsPastTheCodecsVocabularyStandForNoText() {
        // A model with more embedding rows than its tokenizer has tokens (GPT-J: 50400 over GPT-2's 50257) may
        // sample the others: they add no text, as in Hugging Face's decode, instead of failing the run.
        int known = 90;  // of the reference model's 97 ids
        PieceCodec pieces = new PieceCodec();
        TextCodec fewer = new TextCodec() {
            @Override
            public int[] encode(String text) {
                return pieces.encode(text);
            }

            @Override
            public String decode(int[] tokens) {
                return pieces.decode(tokens);
            }

            @Override
            public int vocabSize() {
                return known;
            }
        };
        SamplingOptions o = SamplingOptions.builder().n(40).temperature(2.0).maxNewTokens(30).seed(5).eosTokenId(-1).build();
        int past = 0;
        for (SampleRecord r : run(o, fewer, List.of(SamplePrompt.ofTokens("p", new int[]{3})))) {
            StringBuilder text = new StringBuilder();
            for (int t : r.tokens()) {
                if (t < known) text.append(PieceCodec.piece(t));
                else past++;
            }
            assertEquals(text.toString(), r.text());
        }
        assertTrue(past > 0, "the test needs sampled ids past the codec's vocabulary");
    }

    static List<SampleRecord> run(SamplingOptions o, TextCodec codec, List<SamplePrompt> prompts) {
        List<SampleRecord> out = new ArrayList<>();
        try (Model m = Model.load(ckpt)) {
            new Generation(m, o, codec, true).run(prompts, out::add, p -> { });
        }
        return out;
    }
}
