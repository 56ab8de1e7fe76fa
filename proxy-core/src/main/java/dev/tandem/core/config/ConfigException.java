package dev.tandem.core.config;

import java.util.List;
import java.util.stream.Collectors;

/** Every refused value of one configuration, reported together so that one run shows all of them. */
public final class ConfigException extends Exception {

    private final List<ConfigError> errors;

    public ConfigException(List<ConfigError> errors) {
        super(errors.stream().map(ConfigError::toString).collect(Collectors.joining("\n  ", "invalid configuration:\n  ", "")));
        this.errors = List.copyOf(errors);
    }

    public ConfigException(ConfigError error) {
        this(List.of(error));
    }

    public List<ConfigError> errors() {
        return errors;
    }
}
