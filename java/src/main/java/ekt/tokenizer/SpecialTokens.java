package ekt.tokenizer;

/** Whether encoding turns special-token text such as {@code <|endoftext|>} into the special token. */
public enum SpecialTokens {
    /** Special-token text is ordinary text (tiktoken's {@code disallowed_special=()}): safe for user input. */
    AS_TEXT,
    /** Special-token text becomes the special token (tiktoken's {@code allowed_special="all"}). */
    ALLOWED
}
