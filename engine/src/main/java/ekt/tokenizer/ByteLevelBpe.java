package ekt.tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * GPT-2's byte-level BPE, shared by GPT-2, GPT-Neo and GPT-J: UTF-8 bytes spelled in a printable
 * alphabet, split into pieces by GPT-2's pattern, each piece merged by rank. Encodes and decodes as
 * Hugging Face tokenizers and tiktoken do. Also serves ekt's small-vocabulary models: bytes with no
 * merges, see {@link #smallVocabulary()}.
 */
public final class ByteLevelBpe implements Tokenizer {
    private final String[] tokens;
    private final byte[][] tokenBytes;
    private final Map<String, Integer> ids;
    private final int[] byteTokens = new int[256];
    private final MergeTable merges;
    private final AddedTokens added;
    private final boolean[] special;
    private final Map<String, Integer> specialIds;
    private final boolean splitPieces;
    private final int eosId;
    private final PieceCache cache = new PieceCache();

    /**
     * Callers have validated: every byte's alphabet character is a token, {@link #END_OF_TEXT} is a special
     * token, merges and added tokens name existing ids.
     *
     * @param tokens      vocabulary spelling by id, null for unused ids
     * @param splitPieces whether to split text with GPT-2's pattern (tokenizer.json's {@code use_regex})
     */
    ByteLevelBpe(String[] tokens, MergeTable merges, List<AddedTokens.Token> addedTokens, boolean splitPieces) {
        this.tokens = tokens.clone();
        this.merges = merges;
        this.added = new AddedTokens(addedTokens);
        this.splitPieces = splitPieces;
        this.tokenBytes = new byte[tokens.length][];
        Map<String, Integer> byToken = new HashMap<>(tokens.length * 2);
        for (int id = 0; id < tokens.length; id++) {
            if (tokens[id] == null) continue;
            tokenBytes[id] = ByteLevelAlphabet.decode(tokens[id]);
            byToken.put(tokens[id], id);
        }
        this.ids = Collections.unmodifiableMap(byToken);
        for (int b = 0; b < 256; b++) byteTokens[b] = ids.get(String.valueOf(ByteLevelAlphabet.charOf(b)));
        this.special = new boolean[tokens.length];
        Map<String, Integer> specials = new LinkedHashMap<>();
        for (AddedTokens.Token t : addedTokens) {
            if (!t.special()) continue;
            special[t.id()] = true;
            specials.put(t.content(), t.id());
        }
        this.specialIds = Collections.unmodifiableMap(specials);
        this.eosId = specials.get(END_OF_TEXT);
    }

    /** Reads a Hugging Face tokenizer.json. */
    public static ByteLevelBpe fromTokenizerJson(Path file) {
        return TokenizerJson.read(file);
    }

    /** Reads GPT-2's original pair of files (vocab.json, also named encoder.json; merges.txt or vocab.bpe). */
    public static ByteLevelBpe fromVocabAndMerges(Path vocabJson, Path mergesTxt) {
        return VocabAndMergesFiles.read(vocabJson, mergesTxt);
    }

    /**
     * ekt's tokenizer for tiny models: the 256 bytes (id = byte value) with no merges, then
     * {@link #END_OF_TEXT} (256) and {@link #PAD} (257). Any Unicode text round-trips.
     */
    public static ByteLevelBpe smallVocabulary() {
        String[] tokens = new String[258];
        for (int b = 0; b < 256; b++) tokens[b] = String.valueOf(ByteLevelAlphabet.charOf(b));
        tokens[256] = END_OF_TEXT;
        tokens[257] = PAD;
        List<AddedTokens.Token> specials = List.of(new AddedTokens.Token(256, END_OF_TEXT, true), new AddedTokens.Token(257, PAD, true));
        return new ByteLevelBpe(tokens, new MergeTable(new int[0], new int[0], new int[0]), specials, true);
    }

    @Override
    public int[] encode(String text, SpecialTokens specials) {
        PieceEncoder encoder = new PieceEncoder(byteTokens, merges, cache, text.length());
        boolean specialsAllowed = specials == SpecialTokens.ALLOWED;
        int at = 0;
        if (added.matchesAny(specialsAllowed)) {
            AddedTokens.Scan scan = added.scan(text, specialsAllowed);
            while (scan.find(at)) {
                encoder.encodeSegment(text, at, scan.start(), splitPieces);
                encoder.add(scan.token().id());
                at = scan.start() + scan.token().content().length();
            }
        }
        encoder.encodeSegment(text, at, text.length(), splitPieces);
        return encoder.result();
    }

    @Override
    public String decode(int[] ids) {
        return decode(ids, false);
    }

    @Override
    public String decodeSkippingSpecials(int[] ids) {
        return decode(ids, true);
    }

    private String decode(int[] ids, boolean skipSpecials) {
        int length = 0;
        for (int id : ids) length += bytesOf(id).length;
        byte[] bytes = new byte[length];
        int at = 0;
        for (int id : ids) {
            if (skipSpecials && special[id]) continue;
            byte[] b = tokenBytes[id];
            System.arraycopy(b, 0, bytes, at, b.length);
            at += b.length;
        }
        return Utf8.decode(bytes, at);
    }

    @Override
    public StreamingDecoder streamingDecoder(boolean skipSpecials) {
        return new StreamingDecoder(id -> skipSpecials && isSpecial(id) ? null : bytesOf(id));
    }

    @Override
    public byte[] tokenBytes(int id) {
        return bytesOf(id).clone();
    }

    private byte[] bytesOf(int id) {
        if (id < 0 || id >= tokenBytes.length || tokenBytes[id] == null) {
            throw new IllegalArgumentException("token id " + id + " is not in the vocabulary (size " + vocabSize() + ")");
        }
        return tokenBytes[id];
    }

    @Override
    public int vocabSize() {
        return tokens.length;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    @Override
    public OptionalInt tokenId(String token) {
        Integer id = ids.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public String token(int id) {
        bytesOf(id);
        return tokens[id];
    }

    @Override
    public boolean isSpecial(int id) {
        bytesOf(id);
        return special[id];
    }

    @Override
    public Map<String, Integer> specialTokenIds() {
        return specialIds;
    }

    @Override
    public void save(Path modelDir) {
        TokenizerJson.write(this, modelDir.resolve(TOKENIZER_JSON));
        SpecialTokensFiles.write(this, modelDir);
    }

    /** Vocabulary spellings by id (null for unused ids), for writing files. */
    List<String> tokens() {
        List<String> list = new ArrayList<>(tokens.length);
        Collections.addAll(list, tokens);
        return Collections.unmodifiableList(list);
    }

    MergeTable merges() {
        return merges;
    }

    List<AddedTokens.Token> addedTokens() {
        return added.all();
    }

    boolean splitsPieces() {
        return splitPieces;
    }
}
