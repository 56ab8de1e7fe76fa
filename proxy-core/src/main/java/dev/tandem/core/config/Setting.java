package dev.tandem.core.config;

import java.util.Locale;

/**
 * One {@code TANDEM_*} environment variable: its name, its default and what it means. Commands that take flags
 * derive the flag from the name, so a setting is spelled the same way everywhere.
 */
public record Setting(String name, String defaultValue, String description) {

    private static final String PREFIX = "TANDEM_";

    public Setting {
        if (!name.startsWith(PREFIX)) {
            throw new IllegalArgumentException("setting names start with " + PREFIX + ": " + name);
        }
    }

    /** {@code TANDEM_INBOUND_PORTS} becomes {@code --inbound-ports}. */
    public String flag() {
        return "--" + name.substring(PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
