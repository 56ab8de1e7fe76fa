package dev.tandem.core.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Parsers for the value types settings share; each failure message says what was expected. */
public final class Parsers {

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern PRINTABLE = Pattern.compile("[\\x21-\\x7e]*");

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

    /** A DNS label as Kubernetes names namespaces: lower case letters, digits and '-', at most 63. */
    public static String dnsLabel(String raw) {
        if (!DNS_LABEL.matcher(raw).matches()) {
            throw new IllegalArgumentException("not a DNS label (lower case letters, digits and '-', at most 63)");
        }
        return raw;
    }

    /** A DNS name: labels joined by dots, at most 253 characters. */
    public static String dnsName(String raw) {
        if (raw.length() > 253 || !Arrays.stream(raw.split("\\.", -1)).allMatch(l -> DNS_LABEL.matcher(l).matches())) {
            throw new IllegalArgumentException("not a DNS name (dot-separated labels of lower case letters, digits and '-')");
        }
        return raw;
    }

    /** Free text without blanks or control characters, possibly empty: names, labels. */
    public static String text(String raw) {
        if (!PRINTABLE.matcher(raw).matches()) {
            throw new IllegalArgumentException("must not contain spaces or control characters");
        }
        return raw;
    }

    /** A path to a readable regular file, or empty for none. */
    public static Optional<Path> optionalFile(String raw) {
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        Path path = Path.of(raw);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("no such file");
        }
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException("not readable");
        }
        return Optional.of(path);
    }

    /** true or false, in any case. */
    public static Boolean bool(String raw) {
        if (raw.equalsIgnoreCase("true")) {
            return Boolean.TRUE;
        }
        if (raw.equalsIgnoreCase("false")) {
            return Boolean.FALSE;
        }
        throw new IllegalArgumentException("not true or false");
    }
}
