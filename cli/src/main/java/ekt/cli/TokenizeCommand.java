package ekt.cli;

import ekt.tokenizer.Tokenizer;
import ekt.tokenizer.Tokenizer.SpecialTokens;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code ekt tokenize}: encode text to ids or decode ids to text with a model directory's tokenizer. */
@Command(name = "tokenize", description = "Encode TEXT to a JSON array of token ids, or --decode ids to text.")
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model directory with tokenizer.json or vocab.json + merges.txt")
    Path model;
    @Option(names = "--allow-special", description = "turn special-token text such as <|endoftext|> into special tokens")
    boolean allowSpecial;
    @Option(names = "--decode", paramLabel = "IDS", description = "comma-separated ids to decode instead of encoding")
    String decode;
    @Option(names = "--skip-special", description = "with --decode: leave special tokens out")
    boolean skipSpecial;
    @Parameters(arity = "0..1", paramLabel = "TEXT", description = "text to encode")
    String text;

    @Override
    public Integer call() {
        Tokenizer tokenizer = Tokenizer.load(model);
        if (decode != null) {
            int[] ids = Arrays.stream(ModelCommand.parseIds(decode)).mapToInt(Math::toIntExact).toArray();
            System.out.println(skipSpecial ? tokenizer.decodeSkippingSpecials(ids) : tokenizer.decode(ids));
        } else if (text != null) {
            int[] ids = tokenizer.encode(text, allowSpecial ? SpecialTokens.ALLOWED : SpecialTokens.AS_TEXT);
            System.out.println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(",", "[", "]")));
        } else {
            throw new IllegalArgumentException("give TEXT to encode or --decode IDS");
        }
        return 0;
    }
}
