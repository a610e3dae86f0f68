package ekt.exec;

import java.util.Objects;

/**
 * A program to execute: sample {@code sample} of problem {@code id}.
 *
 * @param answer the problem's label, or null when there is none to check against
 */
public record Program(String id, int sample, String code, Double answer) {
    public Program {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(code, "code");
    }

    public static Program of(String id, int sample, String code) {
        return new Program(id, sample, code, null);
    }
}
