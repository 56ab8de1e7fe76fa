package dev.tandem.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tandem.core.config.ConfigException;
import dev.tandem.core.config.ProxyConfig;
import dev.tandem.core.connect.TcpConnector;
import dev.tandem.core.telemetry.Telemetry;
import dev.tandem.core.lifecycle.Listeners;
import dev.tandem.core.origdst.FixedDestination;
import dev.tandem.core.transport.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** HTTP/1.1 through the outbound listener on loopback, against real servers: what client and server each see. */
class HttpOutboundTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final Transport transport = Transport.epoll(1);
    private final Listeners listeners = new Listeners(transport);
    private final List<AutoCloseable> servers = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws Exception {
        listeners.close();
        transport.close();
        for (AutoCloseable server : servers) {
            server.close();
        }
    }

    private InetSocketAddress outboundTo(int port, Map<String, String> settings) throws IOException, ConfigException {
        int listen = OutboundInitializerTest.freePort();
        var env = new HashMap<>(settings);
        env.put("TANDEM_OUTBOUND_PORT", Integer.toString(listen));
        ProxyConfig config = ProxyConfig.from(env::get);
        listeners.bind(OutboundInitializer.LISTENER, new InetSocketAddress(LOOPBACK, listen), Listeners.Kind.TRAFFIC,
                new OutboundInitializer(config, new FixedDestination(new InetSocketAddress(LOOPBACK, port)),
                        new TcpConnector(transport, config.connectTimeout()), Telemetry.create(config)));
        return new InetSocketAddress(LOOPBACK, listen);
    }

    /** A JDK HTTP server that echoes the request headers it got, one per line, and notes each client port it saw. */
    private HttpServer headerEcho(Set<Integer> clientPorts) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(LOOPBACK, 0), 50);
        server.createContext("/", exchange -> {
            clientPorts.add(exchange.getRemoteAddress().getPort());
            var body = new StringBuilder();
            exchange.getRequestHeaders().forEach((name, values) ->
                    body.append(name.toLowerCase()).append(": ").append(String.join(",", values)).append('\n'));
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        servers.add(() -> server.stop(0));
        return server;
    }

    private static HttpResponse<String> get(HttpClient client, InetSocketAddress proxy, String path,
            String... headers) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.getPort() + path));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void keepAliveRequestsFromManyClientsShareFewUpstreamConnections() throws Exception {
        Set<Integer> upstreamConnections = ConcurrentHashMap.newKeySet();
        HttpServer server = headerEcho(upstreamConnections);
        InetSocketAddress proxy = outboundTo(server.getAddress().getPort(), Map.of());

        for (int clientConnection = 0; clientConnection < 4; clientConnection++) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int i = 0; i < 10; i++) {
                assertThat(get(client, proxy, "/r" + i).statusCode()).isEqualTo(200);
            }
        }

        assertThat(upstreamConnections).hasSizeLessThan(4);
    }

    @Test
    void aRequestIdIsAddedWhenAbsentKeptWhenPresentAndTraceHeadersPassUnchanged() throws Exception {
        HttpServer server = headerEcho(ConcurrentHashMap.newKeySet());
        InetSocketAddress proxy = outboundTo(server.getAddress().getPort(), Map.of());
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        String fresh = get(client, proxy, "/").body();
        String kept = get(client, proxy, "/", "x-request-id", "req-42",
                "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                "tracestate", "congo=t61rcWkgMzE", "x-b3-traceid", "80f198ee56343ba864fe8b2a57d3eff7").body();

        assertThat(fresh).containsPattern("x-request-id: [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
        assertThat(kept).contains("x-request-id: req-42",
                "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                "tracestate: congo=t61rcWkgMzE", "x-b3-traceid: 80f198ee56343ba864fe8b2a57d3eff7");
    }

    @Test
    void hopByHopHeadersStopAtTheProxy() throws Exception {
        HttpServer server = headerEcho(ConcurrentHashMap.newKeySet());
        InetSocketAddress proxy = outboundTo(server.getAddress().getPort(), Map.of());

        String answer = exchange(proxy, "GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, x-private\r\n"
                + "X-Private: secret\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\nTE: gzip\r\n"
                + "X-End-To-End: kept\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 200").contains("x-end-to-end: kept")
                .doesNotContain("x-private", "keep-alive: timeout", "proxy-connection", "te: gzip");
    }

    @Test
    void aSmugglingRequestIsAnswered400AndNeverReachesTheServer() throws Exception {
        Set<Integer> upstream = ConcurrentHashMap.newKeySet();
        HttpServer server = headerEcho(upstream);
        InetSocketAddress proxy = outboundTo(server.getAddress().getPort(), Map.of());

        String answer = exchange(proxy, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 400 Bad Request").contains("connection: close", "(DPE)");
        assertThat(upstream).isEmpty();
    }

    @Test
    void aRequestLineOver8KibIsAnswered414AndNeverReachesTheServer() throws Exception {
        Set<Integer> upstream = ConcurrentHashMap.newKeySet();
        HttpServer server = headerEcho(upstream);
        InetSocketAddress proxy = outboundTo(server.getAddress().getPort(), Map.of());

        String answer = exchange(proxy, "GET /" + "a".repeat(9 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n");

        assertThat(answer).startsWith("HTTP/1.1 414 ").contains("connection: close", "(DPE)");
        assertThat(upstream).isEmpty();
    }

    @Test
    void aClientThatStallsInItsMethodIsAnswered408NotRelayedAsTcp() throws Exception {
        Set<Integer> upstream = ConcurrentHashMap.newKeySet();
        HttpServer server = headerEcho(upstream);
        InetSocketAddress proxy = outboundTo(server.getAddress().getPort(), Map.of("TANDEM_REQUEST_HEADERS_TIMEOUT", "300ms"));

        try (Socket s = new Socket(proxy.getAddress(), proxy.getPort())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write("GE".getBytes(StandardCharsets.ISO_8859_1));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

            assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout").contains("(DT)");
        }
        assertThat(upstream).isEmpty();
    }

    @Test
    void anUnreachableUpstreamIs503UfAndATimeoutIs504Ut() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            closed = s.getLocalPort();
        }
        InetSocketAddress refused = outboundTo(closed, Map.of());
        try (ServerSocket silent = new ServerSocket(0, 50, LOOPBACK)) {
            InetSocketAddress slow = outboundTo(silent.getLocalPort(), Map.of("TANDEM_REQUEST_TIMEOUT", "300ms"));

            String unreachable = exchange(refused, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            String timedOut = exchange(slow, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

            assertThat(unreachable).startsWith("HTTP/1.1 503 Service Unavailable")
                    .contains("upstream connect error or disconnect/reset before headers", "(UF)");
            assertThat(timedOut).startsWith("HTTP/1.1 504 Gateway Timeout").contains("upstream request timeout (UT)");
        }
    }

    @Test
    void anUpstreamThatResetsBeforeAnsweringIs503Uc() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            Thread resetting = new Thread(() -> {
                try (Socket s = server.accept()) {
                    readHead(s.getInputStream());
                    s.setSoLinger(true, 0);
                } catch (IOException ignored) {
                    // the client's answer tells
                }
            });
            resetting.setDaemon(true);
            resetting.start();
            InetSocketAddress proxy = outboundTo(server.getLocalPort(), Map.of());

            String answer = exchange(proxy, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

            assertThat(answer).startsWith("HTTP/1.1 503 Service Unavailable")
                    .contains("reset reason: connection termination (UC)");
        }
    }

    @Test
    void aClientThatNeverFinishesItsHeadersIsAnswered408AndCutOff() throws Exception {
        HttpServer server = headerEcho(ConcurrentHashMap.newKeySet());
        InetSocketAddress proxy = outboundTo(server.getAddress().getPort(), Map.of("TANDEM_REQUEST_HEADERS_TIMEOUT", "300ms"));

        try (Socket s = new Socket(proxy.getAddress(), proxy.getPort())) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.ISO_8859_1));
            long start = System.nanoTime();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

            assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout").contains("(DT)");
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(200L, 3_000L);
        }
    }

    @Test
    void aPooledConnectionTheUpstreamClosedIsNeverUsedForARequest() throws Exception {
        // The server answers one request per connection, then closes it while idle: a keep-alive race in waiting.
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            Thread serving = new Thread(() -> serveOneRequestThenCloseIdle(server));
            serving.setDaemon(true);
            serving.start();
            InetSocketAddress proxy = outboundTo(server.getLocalPort(), Map.of());
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

            for (int i = 0; i < 5; i++) {
                assertThat(get(client, proxy, "/" + i).statusCode()).isEqualTo(200);
                Thread.sleep(100);
            }
        }
    }

    @Test
    void aReusedConnectionClosedJustAsARequestArrivesIsRetriedNotAnswered503() throws Exception {
        // The server answers the first request of each connection and drops the connection on the second.
        try (ServerSocket server = new ServerSocket(0, 50, LOOPBACK)) {
            Thread serving = new Thread(() -> serveOneRequestThenDropOnTheNext(server));
            serving.setDaemon(true);
            serving.start();
            InetSocketAddress proxy = outboundTo(server.getLocalPort(), Map.of());
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

            for (int i = 0; i < 5; i++) {
                assertThat(get(client, proxy, "/" + i).statusCode()).as("request " + i).isEqualTo(200);
            }
        }
    }

    private static void serveOneRequestThenCloseIdle(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                readHead(s.getInputStream());
                s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
                Thread.sleep(30);
            } catch (IOException | InterruptedException e) {
                return;
            }
        }
    }

    private static void serveOneRequestThenDropOnTheNext(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> {
                    try (s) {
                        readHead(s.getInputStream());
                        s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
                        readHead(s.getInputStream());
                    } catch (IOException ignored) {
                        // closing without an answer is the point
                    }
                });
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        for (int b; matched < 4 && (b = in.read()) >= 0; ) {
            matched = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1) ? matched + 1 : 0;
        }
    }

    /** Sends raw bytes, half-closes, and returns everything the proxy sent back, header fields lower-cased. */
    private static String exchange(InetSocketAddress proxy, String request) throws IOException {
        try (Socket s = new Socket(proxy.getAddress(), proxy.getPort())) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.shutdownOutput();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            int split = answer.indexOf("\r\n");
            int bodyStart = answer.indexOf("\r\n\r\n");
            if (split < 0 || bodyStart < split) {
                return answer;
            }
            return answer.substring(0, split) + answer.substring(split, bodyStart).toLowerCase() + answer.substring(bodyStart);
        }
    }
}
