package ekt.cli;

/**
 * Option spellings renamed so that one name means one thing across commands (--batch was decode
 * rows in sample and a micro-batch in train), and options that lost their meaning (serve's --threads:
 * requests are batched together now).
 * The old spelling still works for this release, hidden from --help, with a warning on stderr.
 * The new option keeps its default in the field's initialiser, not in {@code defaultValue}:
 * picocli applies a {@code defaultValue} after parsing, over what the old spelling's setter set.
 */
final class Renamed {
    private Renamed() {
    }

    static void warn(String old, String replacement) {
        System.err.println("ekt: warning: " + old + " is deprecated and will be removed in the next release; use " + replacement);
    }

    static void obsolete(String old, String why) {
        System.err.println("ekt: warning: " + old + " is deprecated, ignored and will be removed in the next release: " + why);
    }
}
