package dev.tandem.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** TANDEM_LOG_FORMAT=json: each event one line of JSON with Istio-style fields. */
class JsonLogEncoderTest {

    private final LoggerContext context = new LoggerContext();
    private final JsonLogEncoder encoder = new JsonLogEncoder();

    private String encode(Level level, String message, Throwable thrown, Object... arguments) {
        var event = new LoggingEvent("fqcn", context.getLogger("dev.tandem.core.http.Http1ServerHandler"), level,
                message, thrown, arguments);
        event.setTimeStamp(1_700_000_000_123L);
        event.setThreadName("tandem-worker-1");
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }

    @Test
    void anEventIsOneLineOfJsonWithTimeLevelLoggerThreadAndMessage() throws Exception {
        String line = encode(Level.INFO, "listening on {} with \"{}\"", null, "0.0.0.0:15001", "quotes\nand a newline");

        assertThat(line).endsWith("}\n").hasLineCount(1);
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("time").asText()).isEqualTo("2023-11-14T22:13:20.123Z");
        assertThat(json.path("level").asText()).isEqualTo("INFO");
        assertThat(json.path("logger").asText()).isEqualTo("dev.tandem.core.http.Http1ServerHandler");
        assertThat(json.path("thread").asText()).isEqualTo("tandem-worker-1");
        assertThat(json.path("message").asText()).isEqualTo("listening on 0.0.0.0:15001 with \"quotes\nand a newline\"");
        assertThat(json.has("exception")).isFalse();
    }

    @Test
    void anExceptionComesWithItsStackTraceInOneField() throws Exception {
        String line = encode(Level.ERROR, "cannot start", new IllegalStateException("port taken"));

        assertThat(line).hasLineCount(1);
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("level").asText()).isEqualTo("ERROR");
        assertThat(json.path("exception").asText()).startsWith("java.lang.IllegalStateException: port taken")
                .contains("at dev.tandem.launcher.JsonLogEncoderTest");
    }

    @Test
    void thereIsNoHeaderOrFooter() {
        assertThat(encoder.headerBytes()).isEmpty();
        assertThat(encoder.footerBytes()).isEmpty();
    }
}
