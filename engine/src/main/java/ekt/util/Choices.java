package ekt.util;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Enum values as users write them in options and configs ("no-padding" names NO_PADDING). */
public final class Choices {
    private Choices() {
    }

    /** How users write {@code value} ("no-padding" for NO_PADDING): what {@link #parse} reads back. */
    public static String name(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The constant {@code value} names; an unknown one fails naming {@code what} and the choices. */
    public static <E extends Enum<E>> E parse(String what, String value, Class<E> type) {
        List<String> names = Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList();
        int i = value == null ? -1 : names.indexOf(value.trim().toLowerCase(Locale.ROOT).replace('_', '-'));
        if (i < 0) throw new IllegalArgumentException(what + ": unknown value '" + value + "' (one of " + String.join(", ", names) + ")");
        return type.getEnumConstants()[i];
    }
}
