package ekt.exec;

import java.util.Objects;

/**
 * A program to execute: sample {@code sample} of problem {@code id}.
 *
 * @param id     the problem's id
 * @param sample the sample's index within the problem
 * @param code   the Python source
 * @param answer the problem's label, or null when there is none to check against
 */
public record Program(String id, int sample, String code, Double answer) {
    /** @throws NullPointerException if id or code is null */
    public Program {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(code, "code");
    }

    /** @return a program without a label: it is run, not checked */
    public static Program of(String id, int sample, String code) {
        return new Program(id, sample, code, null);
    }
}
