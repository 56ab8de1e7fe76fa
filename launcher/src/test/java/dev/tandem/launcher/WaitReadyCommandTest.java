package dev.tandem.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@code tandem wait-ready} against a stand-in health endpoint on loopback: its exit status and what it says. */
class WaitReadyCommandTest {

    private record Run(int exitCode, String out, String err, long millis) {
    }

    private static Run run(Map<String, String> env, String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        String[] argv = new String[args.length + 1];
        argv[0] = "wait-ready";
        System.arraycopy(args, 0, argv, 1, args.length);
        long start = System.nanoTime();
        int code = Main.commandLine(env, new PrintWriter(out, true), new PrintWriter(err, true)).execute(argv);
        return new Run(code, out.toString(), err.toString(), (System.nanoTime() - start) / 1_000_000);
    }

    /** A health endpoint that answers 503 starting {@code notReady} times, then 200 ready. */
    private static HttpServer health(int notReady, AtomicInteger asked) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/healthz/ready", exchange -> {
            boolean ready = asked.incrementAndGet() > notReady;
            byte[] body = (ready ? "ready\n" : "starting\n").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(ready ? 200 : 503, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void exitsZeroOnceTheHealthEndpointOfTandemHealthPortAnswers200() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        HttpServer server = health(3, asked);
        try {
            Run run = run(Map.of("TANDEM_HEALTH_PORT", Integer.toString(server.getAddress().getPort())), "--timeout", "10s");

            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(asked).hasValue(4);
            assertThat(run.out()).matches("ready after \\d+ ms\\n");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void exitsOneAfterTheTimeoutSayingWhatItAskedAndWhatCameBack() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        HttpServer server = health(Integer.MAX_VALUE, asked);
        try {
            int port = server.getAddress().getPort();
            Run run = run(Map.of("TANDEM_HEALTH_PORT", Integer.toString(port)), "--timeout", "500ms");

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.millis()).isBetween(450L, 5_000L);
            assertThat(run.err()).isEqualTo("tandem wait-ready: the sidecar was not ready within 500 ms: GET http://127.0.0.1:"
                    + port + "/healthz/ready: 503 starting\n");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void withNothingListeningTheReasonIsTheRefusedConnection() throws Exception {
        int port = freePort();

        Run run = run(Map.of("TANDEM_HEALTH_PORT", Integer.toString(port)), "--timeout", "300ms");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("http://127.0.0.1:" + port + "/healthz/ready: Connection refused");
    }

    @Test
    void aBadPortOrTimeoutIsBadInput() {
        Run badPort = run(Map.of("TANDEM_HEALTH_PORT", "health"), "--timeout", "1s");
        assertThat(badPort.exitCode()).isEqualTo(2);
        assertThat(badPort.err()).contains("TANDEM_HEALTH_PORT=\"health\"");

        Run badTimeout = run(Map.of(), "--timeout", "soon");
        assertThat(badTimeout.exitCode()).isEqualTo(2);
        assertThat(badTimeout.err()).contains("--timeout").contains("soon");
    }
}
