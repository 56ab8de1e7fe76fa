package dev.tandem.launcher.inject;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * A multi-document YAML stream, split into its documents at the document markers ({@code ---}, {@code ...} at the
 * start of a line, which YAML forbids inside any scalar), each parsed into a tree that keeps its fields in order. A
 * document that is written back unchanged keeps its exact text; a changed one is written anew from its tree, keeping
 * the comments that lead it (Helm's {@code # Source:} lines) and losing those inside it.
 */
final class YamlStream {

    /**
     * One document of the stream: its index (from 1), the line it starts on, its text, and its tree (null when the
     * document is empty or only comments).
     */
    record Document(int index, int firstLine, String text, JsonNode tree) {

        /**
         * The document as text again: its own text when {@code changed} is null, else the new tree as YAML between
         * the document's leading marker and comments and its end marker, if it had them.
         */
        String write(JsonNode changed) {
            if (changed == null) {
                return text;
            }
            List<String> lines = lines(text);
            boolean ended = !lines.isEmpty() && isMarker(lines.get(lines.size() - 1), "...");
            return header() + YamlStream.write(changed) + (ended ? lines.get(lines.size() - 1) : "");
        }

        /** The marker and comments before the first content line, kept when the document is written anew. */
        private String header() {
            var header = new StringBuilder();
            for (String line : lines(text)) {
                String s = line.strip();
                if (isMarker(line, "---")) {
                    header.append(s.length() == 3 || s.substring(3).strip().startsWith("#") ? line : "---\n");
                } else if (s.isEmpty() || s.startsWith("#") || s.startsWith("%")) {
                    header.append(line);
                } else {
                    break;
                }
            }
            if (!header.isEmpty() && header.charAt(header.length() - 1) != '\n') {
                header.append('\n');
            }
            return header.toString();
        }

        /** How messages name this document: its index and the line its content starts on. */
        String where() {
            return "document " + index + " (line " + (firstLine + lines(header()).size()) + ")";
        }
    }

    private static final YAMLFactory FACTORY = YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .stringQuotingChecker(new Yaml11Quoting())
            .build();

    /** Decimals keep their digits (1.10 stays 1.10) and a key given twice is an error, as it is for kubectl. */
    private static final YAMLMapper MAPPER = YAMLMapper.builder(FACTORY)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
            .build();

    private YamlStream() {
    }

    /** Splits and parses every document; the first that does not parse stops it, named with its line. */
    static List<Document> read(String stream) throws ManifestException {
        List<Document> documents = new ArrayList<>();
        int line = 1;
        for (String text : split(stream)) {
            documents.add(parse(documents.size() + 1, line, text));
            line += lines(text).size();
        }
        return documents;
    }

    /** A tree as YAML, block style, sequences at their key's indentation as kubectl writes them. */
    static String write(JsonNode tree) {
        try {
            return MAPPER.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One YAML document, such as a values file; an empty one is an empty object. */
    static JsonNode readOne(String text, String name) throws ManifestException {
        List<Document> documents = read(text);
        if (documents.stream().filter(d -> d.tree() != null).count() > 1) {
            throw new ManifestException(name + ": holds more than one YAML document");
        }
        return documents.stream().map(Document::tree).filter(t -> t != null).findFirst()
                .orElse(MAPPER.createObjectNode());
    }

    private static Document parse(int index, int firstLine, String text) throws ManifestException {
        try {
            // Jackson reads an alias as the anchor's name, a silent change of meaning: refuse aliases instead.
            try (YAMLParser parser = (YAMLParser) MAPPER.createParser(text)) {
                while (parser.nextToken() != null) {
                    if (parser.isCurrentAlias()) {
                        throw new ManifestException(where(index, firstLine, parser.currentTokenLocation())
                                + ": YAML aliases (*" + parser.getText() + ") are not supported; write the value out");
                    }
                }
            }
            boolean empty = lines(text).stream().allMatch(line -> isMarker(line, "---") || isMarker(line, "...")
                    || line.isBlank() || line.strip().startsWith("#") || line.strip().startsWith("%"));
            return new Document(index, firstLine, text, empty ? null : MAPPER.readTree(text));
        } catch (JsonProcessingException e) {
            throw new ManifestException(where(index, firstLine, e.getLocation()) + ": " + reason(e, firstLine), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SnakeYAML's problem, with the line of the construct it was reading counted from the stream's start. */
    private static String reason(JsonProcessingException e, int firstLine) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof MarkedYAMLException marked && marked.getProblem() != null) {
                String context = marked.getContext() == null || marked.getContextMark() == null ? ""
                        : " (" + marked.getContext() + " from line " + (firstLine + marked.getContextMark().getLine()) + ")";
                return marked.getProblem() + context;
            }
        }
        return e.getOriginalMessage();
    }

    private static String where(int index, int firstLine, JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "document " + index + " (line " + firstLine + ")";
        }
        return "document " + index + " (line " + (firstLine + location.getLineNr() - 1) + ", column "
                + location.getColumnNr() + ")";
    }

    /**
     * The documents' texts, which put together again are the stream. A marker starts a document; comments and
     * directives before the first marker belong to the document that follows them.
     */
    static List<String> split(String stream) {
        List<String> documents = new ArrayList<>();
        var current = new StringBuilder();
        boolean hasMarker = false;
        boolean hasContent = false;
        for (String line : lines(stream)) {
            if (isMarker(line, "---")) {
                if (hasMarker || hasContent) {
                    documents.add(current.toString());
                    current.setLength(0);
                }
                current.append(line);
                hasMarker = true;
                hasContent = false;
            } else if (isMarker(line, "...")) {
                current.append(line);
                documents.add(current.toString());
                current.setLength(0);
                hasMarker = false;
                hasContent = false;
            } else {
                current.append(line);
                String s = line.strip();
                hasContent |= !s.isEmpty() && !s.startsWith("#") && !s.startsWith("%");
            }
        }
        if (!current.isEmpty()) {
            documents.add(current.toString());
        }
        return documents;
    }

    private static boolean isMarker(String line, String marker) {
        return line.startsWith(marker)
                && (line.length() == 3 || " \t\r\n".indexOf(line.charAt(3)) >= 0);
    }

    /** The lines of a text, each with its line break. */
    private static List<String> lines(String text) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                lines.add(text.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < text.length()) {
            lines.add(text.substring(start));
        }
        return lines;
    }

    /**
     * Quotes, besides what Jackson quotes, every string that a YAML 1.1 reader such as kubectl's would take for
     * something else if it were written plain: a number in any base or with underscores, a sexagesimal, a
     * timestamp, an infinity or NaN.
     */
    private static final class Yaml11Quoting extends StringQuotingChecker.Default {

        private static final long serialVersionUID = 1L;

        private static final Pattern NOT_A_STRING_IN_YAML_11 = Pattern.compile(
                "[-+]?(0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(:[0-5]?[0-9])*)"   // integers
                        + "|[-+]?([0-9][0-9_]*)?\\.[0-9_]*([eE][-+]?[0-9]+)?"            // decimals
                        + "|[-+]?[0-9][0-9_]*(\\.[0-9_]*)?[eE][-+]?[0-9]+"                 // exponents
                        + "|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)"
                        + "|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?");                   // timestamps

        @Override
        public boolean needToQuoteName(String name) {
            return super.needToQuoteName(name) || NOT_A_STRING_IN_YAML_11.matcher(name).matches();
        }

        @Override
        public boolean needToQuoteValue(String value) {
            return super.needToQuoteValue(value) || NOT_A_STRING_IN_YAML_11.matcher(value).matches();
        }
    }
}
