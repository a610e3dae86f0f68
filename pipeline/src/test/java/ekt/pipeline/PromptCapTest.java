package ekt.pipeline;

import ekt.sample.TextCodec;
import ekt.testing.SharedData;
import ekt.tokenizer.BpeTrainer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The teacher's prompt cap keeps the question and cuts the few-shot block from the left, as HF's truncation_side='left'. */
class PromptCapTest {
    private static final String QUESTION = "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. "
            + "How many clips did Natalia sell altogether in April and May?";

    @Test
    void keepsTheQuestionAndTheLastTokensOfTheFewShotBlock() throws Exception {
        Prompts paper = Prompts.paper(SharedData.require("data/ekt-paper/gsm8k_prompt.txt"));
        String prompt = paper.teacherPrompt(QUESTION);
        TextCodec codec = TextCodec.of(BpeTrainer.train(List.of(paper.fewShotPrefix(), QUESTION), 200));
        int[] ids = codec.encode(prompt);
        int questionTokens = codec.encode(Prompts.question(QUESTION)).length;
        int cap = questionTokens + 40;
        assertTrue(ids.length > cap, "the prompt (" + ids.length + " tokens) is longer than the cap");

        String cut = new PromptCap(codec, cap).apply(prompt);
        assertTrue(prompt.endsWith(cut), "an exact suffix of the prompt");
        assertTrue(cut.endsWith(Prompts.question(QUESTION)), "the question is kept whole");
        assertTrue(cut.length() > Prompts.question(QUESTION).length(), "some of the few-shot block is kept");
        assertTrue(!cut.startsWith(paper.fewShotPrefix().substring(0, 20)), "the few-shot block lost its start");
        // the kept text is exactly the last `cap` tokens, as tokenizer(prompt, max_length=cap, truncation_side='left') keeps them
        byte[] kept = cut.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int bytes = 0;
        for (int id : Arrays.copyOfRange(ids, ids.length - cap, ids.length)) bytes += codec.tokenBytes(id).length;
        assertEquals(bytes, kept.length);

        assertSame(prompt, new PromptCap(codec, ids.length).apply(prompt), "a prompt within the cap is unchanged");
        assertSame(prompt, new PromptCap(codec, 0).apply(prompt), "0 is no cap");
        List<String> prompts = List.of(prompt, Prompts.question(QUESTION), prompt);
        assertEquals(2, new PromptCap(codec, cap).countTruncated(prompts, p -> p));
        assertEquals(0, new PromptCap(codec, 0).countTruncated(prompts, p -> p));
    }
}
