package dev.tandem.launcher.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The RFC 6902 patch the webhook answers with: one {@code add} for each field of the pod's {@code metadata} and
 * {@code spec} that injection changed or created ({@code add} replaces a member that exists), the field's whole new
 * value. Injection never removes a field, so no other operation is needed.
 */
final class JsonPatch {

    private static final List<String> SECTIONS = List.of("metadata", "spec");

    private JsonPatch() {
    }

    static ArrayNode between(ObjectNode before, ObjectNode after) {
        ArrayNode patch = JsonNodeFactory.instance.arrayNode();
        for (String section : SECTIONS) {
            JsonNode was = before.path(section);
            JsonNode is = after.path(section);
            if (!was.isObject()) {
                if (!is.isMissingNode()) {
                    add(patch, "/" + section, is);
                }
                continue;
            }
            is.properties().forEach(field -> {
                if (!field.getValue().equals(was.path(field.getKey()))) {
                    add(patch, "/" + section + "/" + escape(field.getKey()), field.getValue());
                }
            });
        }
        return patch;
    }

    private static void add(ArrayNode patch, String path, JsonNode value) {
        patch.addObject().put("op", "add").put("path", path).set("value", value);
    }

    /** A JSON Pointer reference token: ~ and / escaped (RFC 6901). */
    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }
}
