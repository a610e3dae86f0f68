package ekt.core;

/** Why a sample ended; {@link #json()} is the name in sample records. */
public enum Finish {
    /** max_new_tokens or the model's context reached. */
    LENGTH,
    /** the end-of-sequence token was drawn (it is the sample's last token, not part of its text). */
    EOS,
    /** a stop sequence or stop string matched (its tokens/text are kept). */
    STOP;

    /** @return the lower-case name used in sample records and the API ({@code length}, {@code eos}, {@code stop}) */
    public String json() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * @param name a name as {@link #json()} writes it (any case)
     * @return the constant
     * @throws IllegalArgumentException if the name is none of them
     */
    public static Finish fromJson(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }

    static Finish fromCode(int code) {
        return values()[code];
    }
}
