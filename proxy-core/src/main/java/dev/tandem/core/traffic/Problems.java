package dev.tandem.core.traffic;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What was wrong with a configuration file, and what in it Tandem does not implement. Errors refuse the whole file;
 * unimplemented fields are named together in one warning and otherwise ignored, and fields implemented in part in
 * another.
 */
final class Problems {

    private final List<String> errors = new ArrayList<>();
    private final Set<String> unimplemented = new LinkedHashSet<>();
    private final Set<String> implementedInPart = new LinkedHashSet<>();

    void error(String where, String reason) {
        errors.add(where + ": " + reason);
    }

    void unimplemented(String where) {
        unimplemented.add(where);
    }

    void implementedInPart(String where) {
        implementedInPart.add(where);
    }

    List<String> implementedInPart() {
        return List.copyOf(implementedInPart);
    }

    List<String> errors() {
        return errors;
    }

    List<String> unimplemented() {
        return List.copyOf(unimplemented);
    }
}
