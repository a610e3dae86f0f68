package ekt.cli;

import ekt.tokenizer.ByteLevelBpe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TokenizerCommandTest {
    @TempDir
    Path model;

    @Test
    void encodesAndDecodesWithTheModelsTokenizer() {
        ByteLevelBpe.smallVocabulary().save(model);
        assertEquals("[104,195,169]", run("tokenize", "--model", model.toString(), "h\u00E9"));
        assertEquals("[97,256]", run("tokenize", "--model", model.toString(), "--allow-special", "a<|endoftext|>"));
        assertEquals("a<|endoftext|>", run("tokenize", "--model", model.toString(), "--decode", "97,256"));
        assertEquals("a", run("tokenize", "--model", model.toString(), "--decode", "97,256", "--skip-special"));
    }

    private static String run(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run(args));
        } finally {
            System.setOut(original);
        }
        return out.toString(StandardCharsets.UTF_8).strip();
    }
}
