package dev.tandem.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.tandem.core.admin.HttpEndpoints.Answer;
import dev.tandem.core.admin.HttpEndpoints.Request;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Admin /logging against this JVM's Logback: what it lists, what it changes, and what it refuses. */
class LoggingEndpointTest {

    private Map<String, String> before;

    @BeforeEach
    void remember() {
        before = Logging.levels();
    }

    @AfterEach
    void restore() {
        Logging.levels().keySet().forEach(name -> Logging.setLevel(name, before.containsKey(name)
                ? Level.toLevel(before.get(name)) : null));
    }

    private static Answer get(String uri) {
        return LoggingEndpoint.list(Request.of(HttpMethod.GET, uri));
    }

    private static Answer post(String uri) {
        return LoggingEndpoint.change(Request.of(HttpMethod.POST, uri));
    }

    @Test
    void getListsTheRootFirstThenEachLoggerWithALevelOfItsOwn() {
        Logging.setLevel(Logging.ROOT, Level.INFO);

        Answer answer = get("/logging");

        assertThat(answer.status()).isEqualTo(HttpResponseStatus.OK);
        assertThat(answer.body()).startsWith("active loggers:\n  root: info\n").contains("\n  io.netty: ");
    }

    @Test
    void levelChangesTheRootLoggerAtOnce() {
        Logging.setLevel(Logging.ROOT, Level.INFO);
        org.slf4j.Logger someClass = LoggerFactory.getLogger("dev.tandem.core.http.Http1ServerHandler");
        assertThat(someClass.isDebugEnabled()).isFalse();

        Answer answer = post("/logging?level=debug");

        assertThat(answer.status()).isEqualTo(HttpResponseStatus.OK);
        assertThat(answer.body()).startsWith("active loggers:\n  root: debug\n");
        assertThat(someClass.isDebugEnabled()).isTrue();
        assertThat(LoggerFactory.getLogger("io.netty.channel.Foo").isDebugEnabled())
                .as("a logger with a level of its own keeps it").isFalse();
    }

    @Test
    void pathsAndLoggerNamesSetNamedLoggersAsEnvoysDo() {
        Answer answer = post("/logging?paths=dev.tandem.core.http:trace,dev.tandem.core.tcp:WARNING&dev.tandem.core.relay=error");

        assertThat(answer.status()).isEqualTo(HttpResponseStatus.OK);
        assertThat(Logging.levels()).containsEntry("dev.tandem.core.http", "trace")
                .containsEntry("dev.tandem.core.tcp", "warn").containsEntry("dev.tandem.core.relay", "error");
        assertThat(answer.body()).contains("\n  dev.tandem.core.http: trace");
    }

    @Test
    void aBadLevelIs400NamingItAndNothingChanges() {
        Logging.setLevel(Logging.ROOT, Level.INFO);

        Answer answer = post("/logging?dev.tandem.core.http=debug&level=loud");

        assertThat(answer.status()).isEqualTo(HttpResponseStatus.BAD_REQUEST);
        assertThat(answer.body()).contains("unknown level \"loud\" for root").endsWith("nothing was changed");
        assertThat(Logging.levels()).containsEntry("root", "info").doesNotContainKey("dev.tandem.core.http");
    }

    @Test
    void aBadLoggerNameOrPathIs400() {
        assertThat(post("/logging?paths=dev.tandem:debug,nolevel").body()).contains("paths: \"nolevel\" is not logger:level");
        assertThat(post("/logging?a%20b=debug").body()).contains("\"a b\" is not a logger name");
    }

    @Test
    void getWithAChangeIsRefusedForItNeedsPost() {
        Logging.setLevel(Logging.ROOT, Level.INFO);

        Answer answer = get("/logging?level=debug");

        assertThat(answer.status()).isEqualTo(HttpResponseStatus.METHOD_NOT_ALLOWED);
        assertThat(Logging.levels()).containsEntry("root", "info");
    }

    @Test
    void postWithNothingToChangeLists() {
        assertThat(post("/logging").body()).startsWith("active loggers:\n  root: ");
    }
}
