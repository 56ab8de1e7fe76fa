package dev.tandem.core.traffic;

import java.util.List;

/** A configuration file that was refused, with every reason, each naming the document and the field. */
public final class TrafficConfigException extends Exception {

    private final List<String> errors;

    public TrafficConfigException(String file, List<String> errors) {
        super("invalid traffic configuration " + file + ":\n  " + String.join("\n  ", errors));
        this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
        return errors;
    }
}
