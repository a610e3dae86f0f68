package ekt.serve;

import java.nio.charset.StandardCharsets;

/**
 * How tokens are named in logprobs: their text (a token that is part of a UTF-8 character reads
 * as U+FFFD), or with vLLM's {@code return_tokens_as_token_ids} "token_id:ID", which names every
 * token exactly.
 */
record TokenNames(byte[][] tokenTable, boolean asIds) {
    String of(int id) {
        return asIds ? "token_id:" + id : new String(tokenTable[id], StandardCharsets.UTF_8);
    }
}
