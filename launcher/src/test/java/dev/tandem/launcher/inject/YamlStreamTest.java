package dev.tandem.launcher.inject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Splitting a stream into its documents, and writing a tree back so that a YAML 1.1 reader gets the same values. */
class YamlStreamTest {

    @Test
    void theDocumentsTogetherAreTheStreamByteForByte() {
        String stream = "# leading comment\r\n%YAML 1.1\r\n---\r\na: 1\r\n--- # second\nb: 2\n...\n# after the end\n---\nc: 3";

        List<String> documents = YamlStream.split(stream);

        assertThat(documents).containsExactly("# leading comment\r\n%YAML 1.1\r\n---\r\na: 1\r\n",
                "--- # second\nb: 2\n...\n", "# after the end\n---\nc: 3");
        assertThat(String.join("", documents)).isEqualTo(stream);
    }

    @Test
    void aMarkerIsOnlyAMarkerAtTheStartOfALineAndFollowedByABlank() throws ManifestException {
        String stream = "a: |\n  ---\n  text\nb: ---x\n----\n";

        assertThat(YamlStream.split(stream)).hasSize(1);
    }

    @Test
    void aDocumentReportsTheLineItsContentStartsOn() throws ManifestException {
        List<YamlStream.Document> documents = YamlStream.read("a: 1\n---\n# Source: x\nb: 2\n---\n\nc: 3\n");

        assertThat(documents).extracting(YamlStream.Document::where)
                .containsExactly("document 1 (line 1)", "document 2 (line 4)", "document 3 (line 7)");
    }

    @Test
    void aChangedDocumentKeepsItsMarkerAndLeadingCommentsAndLosesTheRest() throws ManifestException {
        YamlStream.Document document = YamlStream.read("---\n# Source: chart/x.yaml\na: 1 # inline\n...\n").get(0);
        ObjectNode changed = ((ObjectNode) document.tree()).put("b", 2);

        assertThat(document.write(changed)).isEqualTo("---\n# Source: chart/x.yaml\na: 1\nb: 2\n...\n");
        assertThat(document.write(null)).isEqualTo(document.text());
    }

    @Test
    void anEmptyOrCommentOnlyDocumentHasNoTree() throws ManifestException {
        assertThat(YamlStream.read("---\n# nothing\n---\n")).extracting(YamlStream.Document::tree).containsOnlyNulls();
    }

    @Test
    void anAliasIsRefusedWithItsLineRatherThanReadAsTheAnchorsName() {
        assertThatThrownBy(() -> YamlStream.read("a: 1\n---\nx: &v {p: 1}\ny: *v\n"))
                .isInstanceOf(ManifestException.class)
                .hasMessage("document 2 (line 4, column 4): YAML aliases (*v) are not supported; write the value out");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0644", "0o644", "0x1F", "0b101", "1_000", "12:30", "190:20:30", "1e3", "1.", ".5", "+1",
            "-.inf", ".NaN", "2024-05-01", "2024-05-01T10:00:00Z", "2024-5-1 10:00", "yes", "No", "on", "OFF", "y",
            "n", "true", "null", "~", "", "*", "&a", "!tag", "- x", "a: b", "#x", "@x", "`x", "%x", " lead", "trail ",
            "line\nbreak", "{x}", "[x]", "x,y", "'", "\""})
    void aStringThatAYaml11ReaderWouldTakeForSomethingElseIsQuoted(String value) throws ManifestException {
        ObjectNode tree = JsonNodeFactory.instance.objectNode().put("v", value);

        String yaml = YamlStream.write(tree);
        JsonNode read = YamlStream.read(yaml).get(0).tree();

        assertThat(read.get("v").isTextual()).as(yaml).isTrue();
        assertThat(read.get("v").asText()).isEqualTo(value);
        if (!value.contains("\n")) {
            assertThat(yaml).as("quoted").matches("(?s)v: ['\"].*");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"100m", "128Mi", "registry.example/app:1.2", "10.0.0.0/8", "metadata.name",
            "REDIRECT", "http://x:8080/"})
    void anOrdinaryStringIsWrittenPlain(String value) {
        assertThat(YamlStream.write(JsonNodeFactory.instance.objectNode().put("v", value))).isEqualTo("v: " + value + "\n");
    }
}
