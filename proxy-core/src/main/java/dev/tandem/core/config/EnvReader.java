package dev.tandem.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Reads settings through a lookup function (the process environment, a test's map, or flags layered over the
 * environment) and collects every refused value, so that a configuration is either wholly valid or reported whole.
 */
public final class EnvReader {

    /** Turns a raw string into a typed value, or throws {@link IllegalArgumentException} whose message says why not. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(String raw);
    }

    private final Function<String, String> lookup;
    private final Function<Setting, String> origin;
    private final List<ConfigError> errors = new ArrayList<>();

    private EnvReader(Function<String, String> lookup, Function<Setting, String> origin) {
        this.lookup = lookup;
        this.origin = origin;
    }

    /** Values named by their variable in error messages. */
    public static EnvReader of(Function<String, String> lookup) {
        return new EnvReader(lookup, Setting::name);
    }

    public static EnvReader of(Map<String, String> values) {
        return of(values::get);
    }

    /** Values named by {@code origin} in error messages, for callers that merge flags and variables. */
    public static EnvReader of(Function<String, String> lookup, Function<Setting, String> origin) {
        return new EnvReader(lookup, origin);
    }

    /** The setting's value, or its default when unset; surrounding blanks are dropped. */
    public String raw(Setting setting) {
        String value = lookup.apply(setting.name());
        return value == null ? setting.defaultValue() : value.strip();
    }

    /** The parsed value, or null after recording why it was refused; call {@link #throwIfInvalid()} before use. */
    public <T> T read(Setting setting, Parser<T> parser) {
        String value = raw(setting);
        try {
            return Objects.requireNonNull(parser.parse(value));
        } catch (IllegalArgumentException e) {
            errors.add(new ConfigError(origin.apply(setting), value, e.getMessage()));
            return null;
        }
    }

    /** Records a refusal that concerns more than one value, such as two settings naming the same port. */
    public void refuse(Setting setting, String reason) {
        errors.add(new ConfigError(origin.apply(setting), raw(setting), reason));
    }

    public void throwIfInvalid() throws ConfigException {
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
    }
}
