package ekt.tokenizer;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Texts that exercise every branch of GPT-2's pre-tokenization and byte handling. */
final class ReferenceTexts {
    /** Where JavaScript's \s (gpt-tokenizer) and Unicode White_Space (tiktoken, Hugging Face) disagree. */
    static final String NEXT_LINE = "\u0085";
    static final String BYTE_ORDER_MARK = "\uFEFF";

    static final List<String> HANDPICKED = List.of(
            "", " ", "  ", "Hello world", "Hello world ", "Hello world  ", "Hello  world", "   three leading",
            "trailing\n", "trailing\n\n", "a\tb", "\t\tindented", "line1\nline2\r\nline3\r", "x \n y", "  \n\n  ", "\n",
            "\u000B\u000C", "x\u001Cy \u001F z",
            "it's", "don't", "we're", "they've", "I'm", "we'll", "he'd", "IT'S", "We'Ll", "she'S", "'s", "''s",
            "rock'n'roll", " 's", "x's's", "'", "'ll'll", "'re'", "!'s", "a 've b",
            "0", "1234567890", "3.14159", "1,000,000", "\u0663\u0664\u0665", "\u00BD + \u00B2 = \u216B", "\u2460\u2461",
            "def f(x):\n    return x ** 2\n", "for (int i = 0; i < n; i++) {\n\tsum += a[i];\n}", "x=>x*2;//comment",
            "<div class=\"a\">&amp;</div>", "SELECT * FROM t WHERE id='1';", "#### 72", "<<48/2=24>>24 clips",
            "na\u00EFve caf\u00E9", "e\u0301\u0301", "\u0301start", "\u03A9\u2248\u00E7\u221A\u222B", "\u4E2D\u6587\u5B57\u7B26\u548C\u65E5\u672C\u8A9E",
            "\uD55C\uAD6D\uC5B4 \uD14D\uC2A4\uD2B8", "\u0645\u0631\u062D\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645", "\u05E9\u05DC\u05D5\u05DD",
            "\u041F\u0440\u0438\u0432\u0435\u0442, \u043C\u0438\u0440!", "\u1E9E \u00DF", "\u01C5 title", "\uD835\uDC00\uD835\uDC01 math",
            "\uD83D\uDE00", "\uD83D\uDE00\uD83D\uDE00\uD83D\uDE00", "\uD83D\uDC4D\uD83C\uDFFD", "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67",
            "\uD83C\uDDFA\uD83C\uDDF8\uD83C\uDDEB\uD83C\uDDF7", "\u2764\uFE0F", "I \u2764\uFE0F \uD83C\uDF55!",
            "\u00A0nbsp", "a\u00A0\u00A0b", "\u3000ideographic", "a\u2028b\u2029c", "a\u200Bb", "a\u2060b", "a \u180Eb",
            "a " + NEXT_LINE + "b", "x" + NEXT_LINE + NEXT_LINE + "y", "a " + BYTE_ORDER_MARK + "b", BYTE_ORDER_MARK + "BOM",
            "<|endoftext|>", "a<|endoftext|>b", "<|endoftext|><|endoftext|>", " <|endoftext|> ", "<|endoftext", "endoftext|>", "<|pad|>",
            "a\uD800b", "\uDFFF", "x\uDC00\uD800y", "\uD83D", "\uD83D\uDE00\uD83D", " \uD800!",
            " ".repeat(300), "a".repeat(1000), "ab".repeat(500) + "!", "\n".repeat(50) + "x",
            "QmFzZTY0IGVuY29kZWQgdGV4dCB3aXRoIG5vIHNwYWNlcyBhdCBhbGw/K2Jhc2U2NA==".repeat(20));

    private static final String[] FRAGMENTS = {
            "a", "Z", "word", " the", "Hello", "x", "0", "42", "3.5", "!", ".", ",", "?", "-", "_", "(", ")", "{", "}", "[", "]",
            "\"", "'", "`", "#", "$", "%", "&", "*", "+", "=", "@", "^", "|", "~", "/", "\\", "<", ">", ":", ";",
            "'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "'x",
            " ", "  ", "\t", "\n", "\r\n", "\u00A0", "\u3000", "\u2028", NEXT_LINE, BYTE_ORDER_MARK, "\u200B", "\u000B",
            "\u00E9", "\u00DF", "\u03A9", "\u044F", "\u4E2D\u6587", "\u65E5\u672C", "\uD55C", "\u0627", "\u05E2", "\u00F1",
            "e\u0301", "\u0308", "\u0663", "\u216B", "\u00BD", "\u00B2", "\u2460",
            "\uD83D\uDE00", "\uD83D\uDC4D\uD83C\uDFFD", "\u200D", "\uD83C\uDDFA\uD83C\uDDF8", "\u2764\uFE0F",
            "\uD800", "\uDFFF", "<|endoftext|>", "<|", "|>",
    };

    private ReferenceTexts() {
    }

    /** {@code count} random concatenations of 1 to 12 fragments, the same for a given seed. */
    static List<String> fuzz(long seed, int count) {
        Random random = new Random(seed);
        List<String> texts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder text = new StringBuilder();
            for (int parts = 1 + random.nextInt(12); parts > 0; parts--) text.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
            texts.add(text.toString());
        }
        return texts;
    }

    /** The questions and answers of GSM8k (train, then test), or an empty list when the shared data is absent. */
    static List<String> gsm8k() throws IOException {
        Path dir = Path.of(System.getProperty("ekt.shared.dir", "../../shared"), "data", "gsm8k");
        List<String> texts = new ArrayList<>();
        for (String split : List.of("train.jsonl", "test.jsonl")) {
            Path file = dir.resolve(split);
            if (!Files.isRegularFile(file)) return List.of();
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank()) continue;
                JsonNode example = Json.MAPPER.readTree(line);
                texts.add(example.get("question").asText());
                texts.add(example.get("answer").asText());
            }
        }
        return texts;
    }
}
