package dev.tandem.core.config;

/** A value that was refused: where it came from (a variable or a flag), the value as given, and why. */
public record ConfigError(String origin, String value, String reason) {

    @Override
    public String toString() {
        return origin + "=\"" + value + "\": " + reason;
    }
}
