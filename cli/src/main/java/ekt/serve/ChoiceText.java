package ekt.serve;

import ekt.core.Finish;
import ekt.core.TokenEvent;
import ekt.tokenizer.StreamingDecoder;

import java.util.ArrayList;
import java.util.List;

/**
 * One choice's tokens turned into OpenAI text and per-token logprobs. Streamed and whole answers
 * are built from the same pieces: text is released only where it can no longer change (a
 * character whose bytes are incomplete waits; near the end, as much as a stop string could still
 * start there waits), and a token is released once its text has been, so the concatenated
 * stream equals the whole answer. The stop string and everything after it are left out of the
 * text; the end-of-sequence token is left out of text and logprobs.
 */
final class ChoiceText {
    /** Tokens [from, to) and the text released with them. */
    record Delta(String text, int from, int to) {
    }

    private final List<String> stops;
    private final int holdBack;
    private final StreamingDecoder decoder;
    private final StringBuilder text = new StringBuilder();
    final List<TokenEvent> tokens = new ArrayList<>();
    final List<Integer> offsets = new ArrayList<>();  // chars of text before each token
    private int generated;
    private Finish finish;
    private int finalLength = -1;
    private int stopAt = Integer.MAX_VALUE;  // where the first stop string starts in the text, if it does
    private int releasedChars, releasedTokens;

    ChoiceText(byte[][] tokenTable, List<String> stops) {
        this.stops = stops;
        this.holdBack = stops.stream().mapToInt(String::length).max().orElse(1) - 1;
        this.decoder = StreamingDecoder.of(tokenTable);  // as the engine sees the text when it matches stops
    }

    void add(TokenEvent e) {
        generated++;
        if (e.finish() != Finish.EOS) {
            offsets.add(text.length());
            tokens.add(e);
            int before = text.length();
            text.append(decoder.next(e.token()));
            findStop(before);
        }
        if (e.finish() != null) {
            finish = e.finish();
            int before = text.length();
            text.append(decoder.finish());
            findStop(before);
            finalLength = Math.min(text.length(), stopAt);
        }
    }

    /** Looks for a stop string ending in the text added after {@code before} chars. */
    private void findStop(int before) {
        for (String s : stops) {
            int at = text.indexOf(s, Math.max(0, before - s.length() + 1));
            if (at >= 0) stopAt = Math.min(stopAt, at);
        }
    }

    boolean done() {
        return finish != null;
    }

    /** Generated tokens, the end-of-sequence token included (usage counts it). */
    int generated() {
        return generated;
    }

    /** "stop" (end of sequence or a stop string) or "length". */
    String finishReason() {
        return finish == Finish.LENGTH && stopAt == Integer.MAX_VALUE ? "length" : "stop";
    }

    /** The whole text; once done. */
    String text() {
        return text.substring(0, finalLength);
    }

    /** Sum of the logprobs of every generated token (ranks best_of candidates). */
    double cumulativeLogprob() {
        double sum = 0;
        for (TokenEvent e : tokens) sum += e.logprob();
        return sum;
    }

    /** What can be released now that was not before (everything left, once done). */
    Delta release() {
        int upTo;
        if (done()) upTo = finalLength;
        else {
            upTo = Math.max(releasedChars, Math.min(stopAt, text.length() - holdBack));
            if (upTo > releasedChars && Character.isHighSurrogate(text.charAt(upTo - 1))) upTo--;
        }
        String delta = text.substring(releasedChars, upTo);
        releasedChars = upTo;
        int from = releasedTokens;
        while (releasedTokens < tokens.size() && released(releasedTokens)) releasedTokens++;
        return new Delta(delta, from, releasedTokens);
    }

    private boolean released(int i) {
        if (done()) return offsets.get(i) < finalLength;
        int end = i + 1 < offsets.size() ? offsets.get(i + 1) : text.length();
        return offsets.get(i) < releasedChars && end <= releasedChars;
    }
}
