package ekt.sample;

import java.util.ArrayList;
import java.util.List;

/**
 * A test tokenizer over the 97-token vocabulary of the reference models: newlines, "answer",
 * letters and a two-byte character, so random models write lines and answer lines often.
 * Encoding takes the longest matching piece (lowest id on ties).
 */
final class PieceCodec implements TextCodec {
    static final int VOCAB = 97;

    static String piece(int t) {
        if (t % 12 == 0) return "\n";
        if (t % 12 == 1) return "answer";
        if (t == 95) return "é";
        return String.valueOf((char) ('a' + t % 26));
    }

    @Override
    public int[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        for (int at = 0; at < text.length(); ) {
            int best = -1;
            for (int t = 0; t < VOCAB; t++)
                if (text.startsWith(piece(t), at) && (best < 0 || piece(t).length() > piece(best).length())) best = t;
            if (best < 0) throw new IllegalArgumentException("cannot encode '" + text.charAt(at) + "'");
            out.add(best);
            at += piece(best).length();
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String decode(int[] tokens) {
        StringBuilder b = new StringBuilder();
        for (int t : tokens) b.append(piece(t));
        return b.toString();
    }
}
