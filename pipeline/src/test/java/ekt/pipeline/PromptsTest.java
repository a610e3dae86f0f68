package ekt.pipeline;

import ekt.testing.SharedData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PromptsTest {
    final Prompts zero = Prompts.zeroShot();

    @Test
    void truncatesAfterTheFirstAnswerLineLikePythonsRegex() {
        assertEquals(" \nn0 = 4.0\nanswer = n0 * 2.0\n", zero.truncate(" \nn0 = 4.0\nanswer = n0 * 2.0\n\n# next question\nn0 = 1"));
        // no newline after the answer line: the unterminated tail is kept whole
        assertEquals("\nn0 = 1.0\nanswer = t0", zero.truncate("\nn0 = 1.0\nanswer = t0"));
        // "answer" must start a line
        assertEquals("\nx = 1 # answer = 3\nanswers = 2\n", zero.truncate("\nx = 1 # answer = 3\nanswers = 2\n"));
        // EOS markers are deleted before the regex runs
        assertEquals("\nanswer = 1\n", zero.truncate("\nans<|endoftext|>wer = 1\nmore"));
        // '.' stops only at \n, as in Python: \r and \u2028 are part of the line
        assertEquals("\nanswer = 1\r\u2028x\n", zero.truncate("\nanswer = 1\r\u2028x\ny"));
    }

    @Test
    void teacherPromptIsTheFileByteForBytePlusTheQuestionWithoutNewline() throws IOException {
        Path file = SharedData.require("data/ekt-paper/gsm8k_prompt.txt");
        Prompts paper = Prompts.paper(file);
        String p = paper.teacherPrompt("How many?");
        assertEquals(new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.UTF_8) + "# How many?", p);
        assertEquals(1005, Files.size(file));
        assertEquals("# Q\n \nanswer = 1.0\n", Prompts.trainingText("Q", " \nanswer = 1.0\n"));
    }
}
