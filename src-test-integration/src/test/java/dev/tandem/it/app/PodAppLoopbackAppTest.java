package dev.tandem.it.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pod application's servers and clients against each other on loopback, in this JVM, without root or
 * namespaces: every command as the scenario tests send it, every reply in the format they parse.
 */
class PodAppLoopbackAppTest {

    private static final long BIG = 64L * 1024 * 1024;

    private static final PodApp app = new PodApp();
    private static int http1;
    private static int h2;
    private static int grpc;
    private static int ws;
    private static int tls;
    private static int banner;
    private static int closed;

    @BeforeAll
    static void startServers() throws IOException {
        http1 = start("http1-server");
        h2 = start("h2-server");
        grpc = start("grpc-server");
        ws = start("ws-server");
        tls = start("tls-server");
        banner = start("banner-server");
        closed = freePort();
    }

    @AfterAll
    static void stopServers() {
        app.closeServers();
    }

    @Test
    void http1KeepsOneConnectionAliveAndCountsWhatItServed() {
        Map<String, String> before = fields(ok("http1-stats " + http1));
        assertThat(ok("http1-keepalive 127.0.0.1 " + http1 + " 5 /peer")).isEqualTo("statuses=200,200,200,200,200 connections=1");
        assertThat(ok("http1-keepalive ::1 " + http1 + " 3 /close")).isEqualTo("statuses=200,200,200 connections=3");
        assertThat(ok("http1-keepalive 127.0.0.1 " + http1 + " 2 /missing")).isEqualTo("statuses=404,404 connections=1");
        Map<String, String> after = fields(ok("http1-stats " + http1));
        assertThat(count(after, "connections") - count(before, "connections")).isEqualTo(5);
        assertThat(count(after, "requests") - count(before, "requests")).isEqualTo(10);
    }

    @Test
    void http1PeerLineNamesThePeerAndTheHeadersItGot() {
        String response = raw("GET /peer HTTP/1.1\r\nHost: x\r\nx-request-id: r-1\r\nTE: trailers\r\n"
                + "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nx-test-marker: m-peer\r\n\r\n");
        assertThat(response).startsWith("HTTP/1.1 200 OK\r\n")
                .contains("peer=127.0.0.1 request-id=r-1 traceparent=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
                        + " tracestate=none b3=none connection=none te=trailers keep-alive=none version=HTTP/1.1\n");
        assertThat(ok("http1-markers " + http1)).contains("m-peer");
        assertThat(ok("http10 127.0.0.1 " + http1 + " /peer"))
                .startsWith("status=200 version=HTTP/1.1 closed=true body=peer=127.0.0.1 ")
                .endsWith("version=HTTP/1.0");
    }

    @Test
    void http1EchoesChunkedBodiesWithTrailersAndAnswersExpectContinue() {
        String chunked = raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        assertThat(chunked).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("transfer-encoding: chunked")
                .contains("hello").contains(" world")
                // SHA-256 of "hello world"
                .contains("x-body-sha256: b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9\r\n")
                .contains("x-request-bytes: 11\r\n");
        String expect = raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello");
        assertThat(expect).startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")
                .containsIgnoringCase("content-length: 5\r\n").endsWith("\r\n\r\nhello");
        assertThat(raw("GET /delay?ms=100 HTTP/1.1\r\nHost: x\r\n\r\n")).endsWith("slept\n");
    }

    @Test
    void http1StreamsLargeBodiesBothWays() {
        for (String mode : new String[] {"chunked", "length", "expect"}) {
            Map<String, String> upload = fields(ok("upload 127.0.0.1 " + http1 + " " + BIG + " " + mode));
            assertThat(upload).containsEntry("status", "200").containsEntry("sent", String.valueOf(BIG))
                    .containsEntry("received", String.valueOf(BIG)).containsEntry("echoed", "true")
                    .containsEntry("got100", String.valueOf(mode.equals("expect"))).containsKey("ms");
        }
        assertThat(fields(ok("download ::1 " + http1 + " " + BIG))).containsEntry("status", "200")
                .containsEntry("received", String.valueOf(BIG)).containsEntry("intact", "true");
        String bytes = raw("GET /bytes?n=10 HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(bytes).containsIgnoringCase("transfer-encoding: chunked").contains("\r\nx-body-sha256: ");
    }

    @Test
    void h2ServesStreamsResetsAndGoaway() {
        assertThat(ok("h2-get 127.0.0.1 " + h2 + " /peer")).startsWith("status=200 reset=none goaway=false body=peer=127.0.0.1 ")
                .endsWith(" version=HTTP/2");
        assertThat(ok("h2-get ::1 " + h2 + " /peer")).contains(" body=peer=::1 ");
        assertThat(ok("h2-get ::1 " + h2 + " /reset")).isEqualTo("status=200 reset=ENHANCE_YOUR_CALM goaway=false body=");
        assertThat(ok("h2-get 127.0.0.1 " + h2 + " /goaway")).isEqualTo("status=200 reset=none goaway=true body=goaway");
        assertThat(ok("h2-get 127.0.0.1 " + h2 + " /missing")).startsWith("status=404 reset=none goaway=false");
    }

    @Test
    void h2MultiplexesABurstOnOneConnectionAndStreamsAnUpload() {
        Map<String, String> before = fields(ok("h2-stats " + h2));
        assertThat(fields(ok("h2-burst 127.0.0.1 " + h2 + " 50 /delay?ms=1000"))).containsEntry("ok", "50")
                .containsEntry("total", "50");
        Map<String, String> after = fields(ok("h2-stats " + h2));
        assertThat(count(after, "connections") - count(before, "connections")).isEqualTo(1);
        assertThat(count(after, "streams") - count(before, "streams")).isEqualTo(50);
        assertThat(count(after, "max-concurrent")).isEqualTo(50);
        assertThat(fields(ok("h2-upload ::1 " + h2 + " " + BIG))).containsEntry("status", "200")
                .containsEntry("echoed", "true").containsEntry("trailers", String.valueOf(BIG));
    }

    @Test
    void grpcUnaryStreamingAndFailure() {
        assertThat(ok("grpc-unary 127.0.0.1 " + grpc + " hello")).isEqualTo("status=OK reply=hello");
        assertThat(ok("grpc-stream ::1 " + grpc + " 5")).isEqualTo("status=OK messages=5 last=message-5");
        assertThat(ok("grpc-fail 127.0.0.1 " + grpc + " oops"))
                .isEqualTo("status=INVALID_ARGUMENT description=bad_input:_oops detail=details");
    }

    @Test
    void webSocketTlsAndBanner() {
        assertThat(ok("ws-echo 127.0.0.1 " + ws + " 5")).isEqualTo("echoed=6 of=6");
        assertThat(ok("tls-echo ::1 " + tls + " api.example.test"))
                .matches("handshake=true echo=true protocol=TLSv1\\.[23]");
        assertThat(ok("tls-sni " + tls)).isEqualTo("api.example.test");
        assertThat(ok("banner 127.0.0.1 " + banner)).matches("banner=220_banner_" + banner + " ms=\\d+ reply=250_HELO_x");
    }

    @Test
    void clientsReportAFailedCallAsAnOutcome() {
        String target = " 127.0.0.1 " + closed;
        assertThat(ok("upload" + target + " 10 chunked")).startsWith("status=none sent=0 received=0 echoed=false got100=false ms=")
                .contains(" error=");
        assertThat(ok("download" + target + " 10")).startsWith("status=none received=0 intact=false ms=");
        assertThat(ok("h2-get" + target + " /peer")).startsWith("status=none reset=none goaway=false body= error=");
        assertThat(ok("h2-burst" + target + " 3 /peer")).startsWith("ok=0 total=3 ms=");
        assertThat(ok("http1-keepalive" + target + " 2 /peer")).startsWith("statuses= connections=0 error=");
        assertThat(ok("grpc-unary" + target + " x")).startsWith("status=UNAVAILABLE reply=none");
        assertThat(ok("ws-echo" + target + " 1")).startsWith("echoed=0 of=2 error=");
        assertThat(ok("tls-echo" + target + " x")).startsWith("handshake=false echo=false protocol=none error=");
        assertThat(ok("raw" + target + " " + base64("GET / HTTP/1.1\r\n\r\n"))).isEmpty();
        assertThat(app.reply("http1-stats " + closed)).startsWith("err ");
    }

    private static String raw(String request) {
        String reply = ok("raw 127.0.0.1 " + http1 + " " + base64(request) + " 2000");
        return new String(Base64.getDecoder().decode(reply), StandardCharsets.ISO_8859_1);
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The reply to a command, which must be "ok", without the "ok " prefix. */
    private static String ok(String command) {
        String reply = app.reply(command);
        assertThat(reply).as(command).startsWith("ok").doesNotContain("\n");
        return reply.length() > 3 ? reply.substring(3) : "";
    }

    private static Map<String, String> fields(String reply) {
        Map<String, String> fields = new HashMap<>();
        for (String word : reply.split(" ")) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                fields.put(word.substring(0, eq), word.substring(eq + 1));
            }
        }
        return fields;
    }

    private static int count(Map<String, String> fields, String name) {
        return Integer.parseInt(fields.get(name));
    }

    private static int start(String server) throws IOException {
        int port = freePort();
        assertThat(app.reply(server + " " + port)).isEqualTo("ok");
        return port;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
