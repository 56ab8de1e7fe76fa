package dev.tandem.core.traffic;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One object of a resource as it is read, knowing its place in the document (spec.http[0].route[1]), so that every
 * complaint names the field. Each accessor records the field as read; {@link #finish()} then names every other field,
 * as an error when Istio has no such field, or as unimplemented when Istio has it and Tandem does not.
 */
final class Node {

    /** Two-letter units first: with "m" before "ms", 250ms would read as 250m followed by a stray "s". */
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ms|us|µs|ns|h|m|s)");

    private final JsonNode json;
    private final String path;
    private final String document;
    private final Problems problems;
    private final Set<String> read = new HashSet<>();
    private final Set<String> unimplemented = new HashSet<>();

    Node(JsonNode json, String path, String document, Problems problems) {
        this.json = json;
        this.path = path;
        this.document = document;
        this.problems = problems;
    }

    String path() {
        return path;
    }

    void error(String field, String reason) {
        problems.error(document + ": " + at(field), reason);
    }

    private String at(String field) {
        if (field.isEmpty()) {
            return path;
        }
        return path.isEmpty() ? field : path + "." + field;
    }

    private JsonNode field(String name) {
        read.add(name);
        JsonNode value = json.get(name);
        return value == null || value.isNull() ? null : value;
    }

    boolean has(String name) {
        return json.has(name) && !json.get(name).isNull();
    }

    /** A field that is allowed and deliberately not used (Kubernetes' metadata, a resource's status). */
    void skip(String name) {
        read.add(name);
    }

    String text(String name) {
        JsonNode value = field(name);
        if (value == null) {
            return null;
        }
        if (!value.isValueNode()) {
            error(name, "must be a string");
            return null;
        }
        return value.asText();
    }

    String requiredText(String name) {
        String value = text(name);
        if (value == null || value.isBlank()) {
            error(name, "is required");
            return null;
        }
        return value;
    }

    Integer integer(String name, long min, long max) {
        JsonNode value = field(name);
        if (value == null) {
            return null;
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber() && !(value.isTextual() && value.asText().matches("-?\\d+"))) {
            error(name, "must be a whole number");
            return null;
        }
        long n = value.asLong();
        if (n < min || n > max) {
            error(name, n + " is out of range " + min + "-" + max);
            return null;
        }
        return (int) n;
    }

    boolean bool(String name) {
        JsonNode value = field(name);
        if (value == null) {
            return false;
        }
        if (!value.isBoolean()) {
            error(name, "must be true or false");
            return false;
        }
        return value.asBoolean();
    }

    /** A duration as Istio writes it: 10s, 0.5s, 250ms, 3m, 1h30m. */
    Duration duration(String name) {
        String raw = text(name);
        if (raw == null) {
            return null;
        }
        Duration total = Duration.ZERO;
        Matcher m = DURATION_PART.matcher(raw);
        int end = 0;
        while (m.find() && m.start() == end) {
            double amount = Double.parseDouble(m.group(1));
            long nanos = switch (m.group(2)) {
                case "h" -> 3_600_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "s" -> 1_000_000_000L;
                case "ms" -> 1_000_000L;
                case "us", "µs" -> 1_000L;
                default -> 1L;
            };
            total = total.plusNanos(Math.round(amount * nanos));
            end = m.end();
        }
        if (end == 0 || end != raw.length()) {
            error(name, "\"" + raw + "\" is not a duration (e.g. 10s, 0.5s, 250ms, 3m)");
            return null;
        }
        return total;
    }

    /** Istio's Percent: {@code {value: 12.5}}, 0 to 100. */
    Double percent(String name) {
        Node percent = object(name);
        if (percent == null) {
            return null;
        }
        JsonNode value = percent.field("value");
        percent.finish();
        if (value == null || !value.isNumber() || value.asDouble() < 0 || value.asDouble() > 100) {
            error(name + ".value", "must be a number from 0 to 100");
            return null;
        }
        return value.asDouble();
    }

    Node object(String name) {
        JsonNode value = field(name);
        if (value == null) {
            return null;
        }
        if (!value.isObject()) {
            error(name, "must be an object");
            return null;
        }
        return new Node(value, at(name), document, problems);
    }

    List<Node> objects(String name) {
        JsonNode value = field(name);
        List<Node> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (!value.isArray()) {
            error(name, "must be a list");
            return out;
        }
        for (int i = 0; i < value.size(); i++) {
            if (!value.get(i).isObject()) {
                error(name + "[" + i + "]", "must be an object");
            } else {
                out.add(new Node(value.get(i), at(name) + "[" + i + "]", document, problems));
            }
        }
        return out;
    }

    List<String> texts(String name) {
        JsonNode value = field(name);
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (!value.isArray()) {
            error(name, "must be a list of strings");
            return out;
        }
        for (int i = 0; i < value.size(); i++) {
            if (!value.get(i).isValueNode()) {
                error(name + "[" + i + "]", "must be a string");
            } else {
                out.add(value.get(i).asText());
            }
        }
        return out;
    }

    Map<String, String> textMap(String name) {
        JsonNode value = field(name);
        Map<String, String> out = new LinkedHashMap<>();
        if (value == null) {
            return out;
        }
        if (!value.isObject()) {
            error(name, "must be a map of strings");
            return out;
        }
        value.fields().forEachRemaining(e -> {
            if (!e.getValue().isValueNode()) {
                error(name + "." + e.getKey(), "must be a string");
            } else {
                out.put(e.getKey(), e.getValue().asText());
            }
        });
        return out;
    }

    /** A map whose values are objects, each read by {@code reader}. */
    <T> Map<String, T> objectMap(String name, Function<Node, T> reader) {
        JsonNode value = field(name);
        Map<String, T> out = new LinkedHashMap<>();
        if (value == null) {
            return out;
        }
        if (!value.isObject()) {
            error(name, "must be a map");
            return out;
        }
        value.fields().forEachRemaining(e -> {
            if (!e.getValue().isObject()) {
                error(name + "." + e.getKey(), "must be an object");
            } else {
                out.put(e.getKey(), reader.apply(new Node(e.getValue(), at(name) + "." + e.getKey(), document, problems)));
            }
        });
        return out;
    }

    /** Fields Istio has that Tandem does not implement: named in the load warning when present. */
    void unimplemented(String... names) {
        unimplemented.addAll(List.of(names));
    }

    /** A field read and implemented only in part: named, with what is left out, in the load warning. */
    void implementedInPart(String name, String leftOut) {
        problems.implementedInPart(document + ": " + at(name) + " " + leftOut);
    }

    /** Names every field that was not read: an error unless Istio has it and Tandem merely does not implement it. */
    void finish() {
        json.fieldNames().forEachRemaining(name -> {
            if (read.contains(name)) {
                return;
            }
            if (unimplemented.contains(name)) {
                problems.unimplemented(document + ": " + at(name));
            } else {
                error(name, "no such field");
            }
        });
    }
}
