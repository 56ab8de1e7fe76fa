package dev.tandem.core.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.core.admin.HttpEndpoints.Answer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The endpoints' server on an embedded channel: the exact response to each request line. */
class HttpEndpointsTest {

    private final List<String> seen = new ArrayList<>();
    private final AtomicBoolean quit = new AtomicBoolean();

    private final HttpEndpoints endpoints = HttpEndpoints.builder()
            .get("/ready", () -> Answer.ok("LIVE"))
            .get("/config_dump", () -> Answer.json("{}"))
            .get("/logging", request -> Answer.ok("levels " + request.parameters()))
            .post("/logging", request -> {
                seen.add("level=" + request.parameter("level") + " paths=" + request.parameter("paths"));
                return Answer.ok("changed");
            })
            .post("/drain_listeners", request -> Answer.ok(request.has("graceful") ? "graceful" : "now"))
            .post("/quitquitquit", request -> Answer.ok("OK").then(() -> quit.set(true)))
            .build();

    private String call(String request) {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpServerCodec(), new HttpObjectAggregator(8192), endpoints);
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
        var out = new StringBuilder();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) o;
            out.append(buf.toString(StandardCharsets.UTF_8));
            buf.release();
        }
        if (request.contains("Connection: close")) {
            assertThat(channel.isOpen()).as("closed after answering a request that asked for it").isFalse();
        }
        channel.finishAndReleaseAll();
        return out.toString();
    }

    private static String get(String uri) {
        return "GET " + uri + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }

    private static String post(String uri) {
        return "POST " + uri + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n";
    }

    @Test
    void aPathAnswersWithItsBodyAndContentType() {
        assertThat(call(get("/ready"))).isEqualTo("HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=utf-8\r\n"
                + "content-length: 5\r\n\r\nLIVE\n");
        assertThat(call(get("/config_dump"))).contains("content-type: application/json\r\n").endsWith("\r\n\r\n{}\n");
    }

    @Test
    void anUnknownPathIs404AndNamesThePathsThereAre() {
        assertThat(call(get("/nope"))).startsWith("HTTP/1.1 404 Not Found\r\n")
                .endsWith("no such endpoint; try one of [/config_dump, /drain_listeners, /logging, /quitquitquit, /ready]\n");
    }

    @Test
    void anEndpointThatChangesTheProxyRefusesGetWith405AsEnvoyDoes() {
        String answer = call(get("/quitquitquit"));

        assertThat(answer).startsWith("HTTP/1.1 405 Method Not Allowed\r\n").contains("allow: POST\r\n")
                .endsWith("Method GET not allowed, POST required.\n");
        assertThat(quit).isFalse();
    }

    @Test
    void aReadingEndpointRefusesOtherMethodsWith405NamingWhatItAnswers() {
        assertThat(call(post("/ready"))).startsWith("HTTP/1.1 405 Method Not Allowed\r\n").contains("allow: GET\r\n")
                .endsWith("Method POST not allowed; /ready answers GET.\n");
        assertThat(call("DELETE /logging HTTP/1.1\r\nHost: localhost\r\n\r\n")).startsWith("HTTP/1.1 405 ")
                .contains("allow: GET, POST\r\n");
    }

    @Test
    void onePathMayAnswerGetAndPostEachWithItsOwnEndpoint() {
        assertThat(call(get("/logging"))).endsWith("levels {}\n");
        assertThat(call(post("/logging?level=debug"))).endsWith("changed\n");
        assertThat(seen).containsExactly("level=debug paths=null");
    }

    @Test
    void theQueryReachesTheEndpointDecodedAndABareNameCounts() {
        call(post("/logging?paths=dev.tandem.core.http:debug,io.netty:warn&x=%20y"));
        assertThat(seen).containsExactly("level=null paths=dev.tandem.core.http:debug,io.netty:warn");
        assertThat(call(get("/logging?a=1&a=2&b"))).endsWith("levels {a=[1, 2], b=[]}\n");
        assertThat(call(post("/drain_listeners?graceful"))).endsWith("graceful\n");
        assertThat(call(post("/drain_listeners"))).endsWith("now\n");
    }

    @Test
    void anActionAfterTheAnswerRunsOnceTheAnswerIsWritten() {
        assertThat(call(post("/quitquitquit"))).startsWith("HTTP/1.1 200 OK\r\n").endsWith("OK\n");
        assertThat(quit).isTrue();
    }

    @Test
    void keepAliveUnlessTheClientSaysClose() {
        assertThat(call("GET /ready HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
                .contains("connection: close\r\n");
        assertThat(call(get("/ready"))).doesNotContain("connection:");
    }

    @Test
    void aPathAndMethodCanBeGivenOnlyOnce() {
        assertThatThrownBy(() -> HttpEndpoints.builder().post("/x", r -> Answer.ok("")).post("/x", r -> Answer.ok("")))
                .hasMessage("POST /x is already an endpoint");
    }

    @Test
    void aMalformedRequestIs400AndTheConnectionCloses() {
        assertThat(call("GET /ready HTTP/1.1\r\nHost: localhost\r\nContent-Length: x\r\n\r\n"))
                .startsWith("HTTP/1.1 400 Bad Request\r\n").contains("connection: close");
    }

    @Test
    void anAnswerMayCarryItsOwnStatus() {
        HttpEndpoints failing = HttpEndpoints.builder()
                .get("/ready", () -> Answer.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "DRAINING")).build();
        EmbeddedChannel channel = new EmbeddedChannel(new HttpServerCodec(), new HttpObjectAggregator(8192), failing);
        channel.writeInbound(Unpooled.copiedBuffer(get("/ready"), StandardCharsets.US_ASCII));
        ByteBuf out = channel.readOutbound();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("HTTP/1.1 503 Service Unavailable\r\n").endsWith("DRAINING\n");
        out.release();
        channel.finishAndReleaseAll();
    }
}
