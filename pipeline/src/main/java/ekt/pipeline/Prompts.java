package ekt.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The paper's prompting and truncation (paper.md §2, §4, §5), configurable for other tasks.
 * The question becomes a Python comment; the model continues with a program whose last line
 * assigns {@code answer}.
 *
 * @param fewShotPrefix the teacher's few-shot block, put before {@code "# " + question} as it is ("" for zero-shot)
 * @param truncation    a completion is cut after the end of this pattern's first match (see {@link #truncate})
 * @param eosText       the end-of-text marker removed from completions before truncation ("" for none)
 */
public record Prompts(String fewShotPrefix, Pattern truncation, String eosText) {
    /** {@code \nanswer.*?\n}, with '.' excluding only '\n' as in Python (UNIX_LINES). */
    public static final Pattern PAPER_TRUNCATION = Pattern.compile("\nanswer.*?\n", Pattern.UNIX_LINES);
    /** GPT-2's end-of-text token as text; the EOS marker of {@link #paper} and {@link #zeroShot}. */
    public static final String GPT2_EOS = "<|endoftext|>";

    /** The paper's configuration with the few-shot prompt read byte for byte from {@code promptFile}. */
    public static Prompts paper(Path promptFile) {
        try {
            return new Prompts(new String(Files.readAllBytes(promptFile), StandardCharsets.UTF_8), PAPER_TRUNCATION, GPT2_EOS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read few-shot prompt " + promptFile, e);
        }
    }

    /** Zero-shot only (students), paper truncation. */
    public static Prompts zeroShot() {
        return new Prompts("", PAPER_TRUNCATION, GPT2_EOS);
    }

    /** {@code "# " + question}: the student's prompt, and the first line of every training text. */
    public static String question(String question) {
        return "# " + question;
    }

    /** Few-shot teacher input: prefix + "# " + question, with no trailing newline. */
    public String teacherPrompt(String question) {
        return fewShotPrefix + question(question);
    }

    /**
     * Removes every EOS marker, then keeps everything up to the end of the first match of
     * {@code truncation} (with the paper's pattern: up to and including the newline that ends the
     * first line starting with "answer"); without a match the whole completion is kept.
     */
    public String truncate(String completion) {
        String body = eosText.isEmpty() ? completion : completion.replace(eosText, "");
        Matcher m = truncation.matcher(body);
        return m.find() ? body.substring(0, m.end()) : body;
    }

    /** The fine-tuning text of one selected program: {@code "# " + question + "\n" + program}. */
    public static String trainingText(String question, String program) {
        return question(question) + "\n" + program;
    }
}
