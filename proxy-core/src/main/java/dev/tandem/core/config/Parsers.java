package dev.tandem.core.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Parsers for the value types settings share; each failure message says what was expected. */
public final class Parsers {

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    private Parsers() {
    }

    /** A non-negative integer up to {@code max}. */
    public static EnvReader.Parser<Integer> integer(int min, int max) {
        return raw -> {
            if (raw.isEmpty() || raw.length() > 10 || !raw.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("not a number (" + min + "-" + max + ")");
            }
            long value = Long.parseLong(raw);
            if (value < min || value > max) {
                throw new IllegalArgumentException(value + " is out of range " + min + "-" + max);
            }
            return (int) value;
        };
    }

    /** A uid or gid. */
    public static int id(String raw) {
        return integer(0, Integer.MAX_VALUE).parse(raw);
    }

    /** {@code 250ms}, {@code 5s}, {@code 2m} or {@code 1h}. */
    public static Duration duration(String raw) {
        Matcher m = DURATION.matcher(raw.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration (a whole number followed by ms, s, m or h, e.g. 5s)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** One of an enum's constants, in any case. */
    public static <E extends Enum<E>> EnvReader.Parser<E> oneOf(Class<E> type) {
        return raw -> {
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(raw)) {
                    return e;
                }
            }
            throw new IllegalArgumentException("not one of " + Arrays.stream(type.getEnumConstants())
                    .map(e -> e.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
        };
    }
}
