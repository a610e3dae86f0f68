package ekt.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The hand-written scanner against the GPT-2 pattern run by java.util.regex. */
class TokenizerPreTokenizerTest {
    /** With UNICODE_CHARACTER_CLASS, \s is Unicode White_Space, as in tiktoken and Hugging Face. */
    private static final Pattern GPT2 = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    @Test
    void splitsAsTheRegex() {
        List<String> texts = new ArrayList<>(ReferenceTexts.HANDPICKED);
        texts.addAll(ReferenceTexts.fuzz(5, 5000));
        for (String text : texts) assertEquals(regexPieces(text), scannerPieces(text), text);
    }

    @Test
    void examples() {
        assertEquals(List.of("Hello", ",", " world", "'s", "  ", " end", " \n"), scannerPieces("Hello, world's   end \n"));
        assertEquals(List.of("I", "'ll", " don", "'t", " '", "S"), scannerPieces("I'll don't 'S"));
    }

    private static List<String> regexPieces(String text) {
        List<String> pieces = new ArrayList<>();
        Matcher m = GPT2.matcher(text);
        while (m.find()) pieces.add(m.group());
        return pieces;
    }

    private static List<String> scannerPieces(String text) {
        List<String> pieces = new ArrayList<>();
        for (int at = 0; at < text.length(); ) {
            int end = PreTokenizer.pieceEnd(text, at, text.length());
            pieces.add(text.substring(at, end));
            at = end;
        }
        return pieces;
    }
}
