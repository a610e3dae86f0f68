package ekt.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Learns a small byte-level BPE vocabulary from a corpus, the way GPT-2's was learned: split text
 * with GPT-2's pre-tokenizer, start from the 256 bytes, and repeatedly merge the most frequent
 * adjacent pair inside the pieces (ties: the pair whose ids are smallest, left id first). The
 * demo's tiny models train on these, since byte-level sequences would be four times longer.
 *
 * <p>Ids: bytes 0-255 (id = byte value), {@link Tokenizer#END_OF_TEXT} 256, {@link Tokenizer#PAD}
 * 257, then one id per new token in merge order.
 */
public final class BpeTrainer {
    private static final int FIRST_MERGED_ID = 258;

    private BpeTrainer() {
    }

    /** At most {@code merges} merges; stops early when no pair occurs twice. */
    public static ByteLevelBpe train(List<String> corpus, int merges) {
        if (merges < 0) throw new IllegalArgumentException("merges must be >= 0, got " + merges);
        List<String> tokens = new ArrayList<>(ByteLevelBpe.smallVocabulary().tokens());
        Map<String, Integer> ids = new HashMap<>();
        for (int id = 0; id < tokens.size(); id++) ids.put(tokens.get(id), id);
        List<Word> words = words(corpus);
        int[] lefts = new int[merges], rights = new int[merges], results = new int[merges];
        int done = 0;
        while (done < merges) {
            long best = mostFrequentPair(words);
            if (best < 0) break;
            int left = (int) (best >>> 32), right = (int) best;
            String spelled = tokens.get(left) + tokens.get(right);
            Integer result = ids.get(spelled);
            if (result == null) {
                result = tokens.size();
                tokens.add(spelled);
                ids.put(spelled, result);
            }
            lefts[done] = left;
            rights[done] = right;
            results[done] = result;
            done++;
            for (Word w : words) w.merge(left, right, result);
        }
        List<AddedTokens.Token> specials = List.of(new AddedTokens.Token(256, Tokenizer.END_OF_TEXT, true),
                new AddedTokens.Token(257, Tokenizer.PAD, true));
        return new ByteLevelBpe(tokens.toArray(String[]::new), new MergeTable(java.util.Arrays.copyOf(lefts, done),
                java.util.Arrays.copyOf(rights, done), java.util.Arrays.copyOf(results, done)), specials, true);
    }

    /** The distinct pre-tokenizer pieces of the corpus as byte ids, with their counts. */
    private static List<Word> words(List<String> corpus) {
        Map<String, int[]> counts = new LinkedHashMap<>();
        for (String text : corpus) {
            for (int at = 0; at < text.length(); ) {
                int end = PreTokenizer.pieceEnd(text, at, text.length());
                counts.computeIfAbsent(text.substring(at, end), k -> new int[1])[0]++;
                at = end;
            }
        }
        List<Word> words = new ArrayList<>(counts.size());
        counts.forEach((piece, n) -> {
            byte[] bytes = piece.getBytes(StandardCharsets.UTF_8);
            int[] symbols = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) symbols[i] = bytes[i] & 0xff;
            words.add(new Word(symbols, n[0]));
        });
        return words;
    }

    /** (left << 32 | right) of the most frequent pair, or -1 when no pair occurs twice. */
    private static long mostFrequentPair(List<Word> words) {
        Map<Long, long[]> counts = new HashMap<>();
        for (Word w : words)
            for (int i = 0; i + 1 < w.length; i++)
                counts.computeIfAbsent((long) w.symbols[i] << 32 | w.symbols[i + 1], k -> new long[1])[0] += w.count;
        long best = -1, bestCount = 1;
        for (Map.Entry<Long, long[]> e : counts.entrySet()) {
            long n = e.getValue()[0];
            if (n > bestCount || (n == bestCount && best >= 0 && e.getKey() < best)) {
                best = e.getKey();
                bestCount = n;
            }
        }
        return best;
    }

    /** A distinct piece as its current symbols. */
    private static final class Word {
        final int[] symbols;
        final int count;
        int length;

        Word(int[] symbols, int count) {
            this.symbols = symbols;
            this.count = count;
            this.length = symbols.length;
        }

        /** Replaces every non-overlapping (left, right), scanning left to right. */
        void merge(int left, int right, int result) {
            int out = 0;
            for (int i = 0; i < length; i++) {
                if (i + 1 < length && symbols[i] == left && symbols[i + 1] == right) {
                    symbols[out++] = result;
                    i++;
                } else {
                    symbols[out++] = symbols[i];
                }
            }
            length = out;
        }
    }
}
