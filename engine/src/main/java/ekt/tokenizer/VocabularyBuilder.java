package ekt.tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Collects a vocabulary, merges and added tokens from files and checks them as they come, so that each
 * problem is reported against the file and entry that caused it.
 */
final class VocabularyBuilder {
    private final Map<String, Integer> ids = new HashMap<>();
    private final Map<Integer, String> tokens = new HashMap<>();
    private final Set<Long> mergedPairs = new HashSet<>();
    private final List<int[]> merges = new ArrayList<>();
    private final List<AddedTokens.Token> added = new ArrayList<>();

    /** A vocabulary entry: {@code token} in the byte-level alphabet, with its id. */
    void token(String token, int id, Path file, String entry) {
        if (id < 0) throw TokenizerException.inFile(file, entry, "negative id " + id);
        if (ids.containsKey(token)) throw TokenizerException.inFile(file, entry, "token '" + token + "' appears twice");
        String previous = tokens.putIfAbsent(id, token);
        if (previous != null) throw TokenizerException.inFile(file, entry, "id " + id + " already names '" + previous + "'");
        ids.put(token, id);
    }

    /** The next merge in rank order: {@code left} and {@code right} join into the token spelled left + right. */
    void merge(String left, String right, Path file, String entry) {
        int leftId = idOf(left, file, entry);
        int rightId = idOf(right, file, entry);
        Integer result = ids.get(left + right);
        if (result == null) throw TokenizerException.inFile(file, entry, "merged token '" + left + right + "' is not in the vocabulary");
        if (!mergedPairs.add(spread((long) leftId << 32 | rightId))) {
            throw TokenizerException.inFile(file, entry, "duplicate merge '" + left + " " + right + "'");
        }
        merges.add(new int[] {leftId, rightId, result});
    }

    /** A token matched verbatim in text; it may repeat a vocabulary entry or add a new id. */
    void added(String content, int id, boolean special, Path file, String entry) {
        if (content.isEmpty()) throw TokenizerException.inFile(file, entry, "empty content");
        if (id < 0) throw TokenizerException.inFile(file, entry, "negative id " + id);
        String existing = tokens.get(id);
        if (existing == null) {
            token(content, id, file, entry);
        } else if (!existing.equals(content)) {
            throw TokenizerException.inFile(file, entry, "id " + id + " is '" + existing + "' in the vocabulary, not '" + content + "'");
        }
        added.add(new AddedTokens.Token(id, content, special));
    }

    OptionalInt id(String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Checks what needs the whole file (byte alphabet, end-of-text token) and builds the tokenizer. */
    ByteLevelBpe build(boolean splitPieces, Path file) {
        for (int b = 0; b < 256; b++) {
            String symbol = String.valueOf(ByteLevelAlphabet.charOf(b));
            if (!ids.containsKey(symbol)) {
                throw TokenizerException.inFile(file, "vocabulary",
                        String.format("no token '%s' for byte 0x%02X: not a byte-level BPE vocabulary", symbol, b));
            }
        }
        boolean hasEos = added.stream().anyMatch(t -> t.special() && t.content().equals(Tokenizer.END_OF_TEXT));
        if (!hasEos) throw TokenizerException.inFile(file, "special tokens", "no special token " + Tokenizer.END_OF_TEXT);
        int size = tokens.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        String[] byId = new String[size];
        tokens.forEach((id, token) -> byId[id] = token);
        int[] lefts = merges.stream().mapToInt(m -> m[0]).toArray();
        int[] rights = merges.stream().mapToInt(m -> m[1]).toArray();
        int[] results = merges.stream().mapToInt(m -> m[2]).toArray();
        return new ByteLevelBpe(byId, new MergeTable(lefts, rights, results), added, splitPieces);
    }

    /**
     * A bijection (MurmurHash3's finalizer) so that Long.hashCode, which XORs the two ids, does not put
     * thousands of pairs into the same HashSet bucket.
     */
    private static long spread(long pair) {
        pair = (pair ^ (pair >>> 33)) * 0xFF51AFD7ED558CCDL;
        pair = (pair ^ (pair >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return pair ^ (pair >>> 33);
    }

    private int idOf(String symbol, Path file, String entry) {
        Integer id = ids.get(symbol);
        if (id == null) throw TokenizerException.inFile(file, entry, "symbol '" + symbol + "' is not in the vocabulary");
        return id;
    }
}
