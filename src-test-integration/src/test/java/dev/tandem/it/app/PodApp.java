package dev.tandem.it.app;

import com.sun.net.httpserver.HttpServer;
import dev.tandem.testing.EchoServer;
import dev.tandem.testing.Exchange;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * The application of a pod in the scenario tests: a plain program that knows nothing of Tandem. It runs inside the
 * pod's network namespace and takes one command per line on stdin, answering one line on stdout ("ok ..." or
 * "err ..."): start a TCP echo or HTTP server, call another pod, report the peers its servers saw.
 *
 * <p>The HTTP-era servers and clients (HTTP/1.1, h2c, gRPC, WebSocket, TLS, a server-first protocol) live in the
 * classes beside this one, a class per family. A client reports a failed call as an "ok" line with what happened
 * (a status of "none", an "error=" field); "err" is for commands it could not run at all.
 */
public final class PodApp {

    private final Map<Integer, EchoServer> echoServers = new HashMap<>();
    private final Map<Integer, java.util.concurrent.CompletableFuture<String>> background = new HashMap<>();
    // Servers by port; concurrent, as "async" runs commands off the main thread.
    private final Map<Integer, Http1Server> http1Servers = new ConcurrentHashMap<>();
    private final Map<Integer, H2Server> h2Servers = new ConcurrentHashMap<>();
    private final Map<Integer, TlsEcho> tlsServers = new ConcurrentHashMap<>();
    private final Map<Integer, AutoCloseable> otherServers = new ConcurrentHashMap<>();

    public static void main(String[] args) throws Exception {
        PodApp app = new PodApp();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        out.println("ok ready");
        for (String line; (line = in.readLine()) != null; ) {
            out.println(app.reply(line));
        }
        // Stdin closed: the pod is going away, whatever servers still run.
        System.exit(0);
    }

    /** The one-line answer to one command line. */
    String reply(String line) {
        String reply;
        try {
            reply = handle(line.strip().split(" "));
        } catch (Exception e) {
            reply = "err " + e;
        }
        // One line, and printable: a quoted body or error may hold any byte.
        return reply.replace('\r', ' ').replace('\n', ' ').replaceAll("\\p{Cntrl}", "?");
    }

    /** Stops every server this application started (for in-process tests). */
    void closeServers() {
        for (Map<Integer, ? extends AutoCloseable> servers : List.of(http1Servers, h2Servers, tlsServers, otherServers)) {
            for (AutoCloseable server : servers.values()) {
                try {
                    server.close();
                } catch (Exception ignored) {
                    // closing anyway
                }
            }
            servers.clear();
        }
        for (EchoServer server : echoServers.values()) {
            try {
                server.close();
            } catch (java.io.IOException ignored) {
                // closing anyway
            }
        }
    }

    private String handle(String[] w) throws Exception {
        return switch (w[0]) {
            case "echo-server" -> {
                echoServers.put(port(w[1]), EchoServer.listen(new InetSocketAddress(port(w[1]))));
                yield "ok";
            }
            case "http-server" -> {
                httpServer(port(w[1]));
                yield "ok";
            }
            case "peers" -> "ok " + echoServers.get(port(w[1])).peers().stream()
                    .map(InetAddress::getHostAddress).collect(Collectors.joining(","));
            case "echo" -> "ok " + Exchange.echo(target(w), Long.parseLong(w[3]), 60_000).line();
            case "attempt" -> "ok " + Exchange.attempt(target(w), 5_000).line();
            case "burst" -> burst(target(w), Integer.parseInt(w[3]), Long.parseLong(w[4]));
            case "get" -> get(target(w), w[3]);
            case "post" -> "ok " + LifecycleClients.post(target(w), w[3]);
            case "posts" -> "ok " + LifecycleClients.posts(target(w), w[3], Integer.parseInt(w[4]), Integer.parseInt(w[5]));
            case "http1-two" -> "ok " + LifecycleClients.twoOnOneConnection(target(w), w[3], Long.parseLong(w[4]));
            case "slow-echo" -> "ok " + slowEcho(target(w), Long.parseLong(w[3]));
            case "async" -> {
                String[] rest = java.util.Arrays.copyOfRange(w, 1, w.length);
                int id = background.size() + 1;
                background.put(id, java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try {
                        return handle(rest);
                    } catch (Exception e) {
                        return "err " + e;
                    }
                }));
                yield "ok " + id;
            }
            case "await" -> background.get(port(w[1])).get();
            case "http1-server" -> {
                http1Servers.put(port(w[1]), Http1Server.listen(port(w[1])));
                yield "ok";
            }
            case "http1-stats" -> "ok " + server(http1Servers, w[1]).stats();
            case "http1-markers" -> "ok " + server(http1Servers, w[1]).markers();
            case "http1-requests" -> "ok " + server(http1Servers, w[1]).requests();
            case "h2-server" -> {
                h2Servers.put(port(w[1]), H2Server.listen(port(w[1])));
                yield "ok";
            }
            case "h2-stats" -> "ok " + server(h2Servers, w[1]).stats();
            case "h2-peers" -> "ok " + server(h2Servers, w[1]).peers();
            case "grpc-server" -> {
                io.grpc.Server server = GrpcEcho.listen(port(w[1]));
                otherServers.put(port(w[1]), server::shutdownNow);
                yield "ok";
            }
            case "ws-server" -> {
                otherServers.put(port(w[1]), WebSocketEcho.listen(port(w[1])));
                yield "ok";
            }
            case "tls-server" -> {
                tlsServers.put(port(w[1]), TlsEcho.listen(port(w[1])));
                yield "ok";
            }
            case "tls-sni" -> "ok " + server(tlsServers, w[1]).sni();
            case "banner-server" -> {
                otherServers.put(port(w[1]), BannerServer.listen(port(w[1])));
                yield "ok";
            }
            case "http1-keepalive" -> "ok " + RawClients.keepAlive(target(w), Integer.parseInt(w[3]), w[4]);
            case "raw", "raw-keep" -> "ok " + RawClients.raw(target(w), java.util.Base64.getDecoder().decode(w[3]),
                    w.length > 4 ? Long.parseLong(w[4]) : 3_000, w[0].equals("raw-keep"));
            case "upload" -> "ok " + Http1Transfers.upload(target(w), Long.parseLong(w[3]), w[4]);
            case "download" -> "ok " + Http1Transfers.download(target(w), Long.parseLong(w[3]));
            case "http10" -> "ok " + RawClients.http10(target(w), w[3]);
            case "h2-burst" -> "ok " + H2Clients.burst(target(w), Integer.parseInt(w[3]), w[4]);
            case "h2-get" -> "ok " + H2Clients.get(target(w), w[3]);
            case "h2-upload" -> "ok " + H2Clients.upload(target(w), Long.parseLong(w[3]));
            case "grpc-unary" -> "ok " + GrpcEcho.unary(w[1], port(w[2]), w[3]);
            case "grpc-stream" -> "ok " + GrpcEcho.stream(w[1], port(w[2]), Integer.parseInt(w[3]));
            case "grpc-fail" -> "ok " + GrpcEcho.fail(w[1], port(w[2]), w[3]);
            case "ws-echo" -> "ok " + WebSocketEcho.client(target(w), Integer.parseInt(w[3]));
            case "tls-echo" -> "ok " + TlsEcho.client(target(w), w[3]);
            case "banner" -> "ok " + BannerServer.client(target(w));
            case "mesh-server" -> {
                otherServers.put(port(w[1]), MeshServer.listen(port(w[1]), w[2], w.length > 3 ? Long.parseLong(w[3]) : 0,
                        w.length > 4 ? Integer.parseInt(w[4]) : 200));
                yield "ok";
            }
            case "mesh-stats" -> "ok " + ((MeshServer) server(otherServers, w[1])).stats();
            case "mesh-get" -> "ok " + MeshClients.get(target(w), w[3], w[4], rest(w, 5));
            case "mesh-load" -> "ok " + MeshClients.load(target(w), w[3], w[4], Integer.parseInt(w[5]),
                    Integer.parseInt(w[6]), rest(w, 7));
            case "name-server" -> {
                otherServers.put(port(w[1]), MeshClients.nameServer(port(w[1]), w[2]));
                yield "ok";
            }
            case "names" -> "ok " + MeshClients.names(target(w), Integer.parseInt(w[3]));
            case "dns-server" -> {
                otherServers.put(port(w[1]), DnsServer.listen(port(w[1])));
                yield "ok";
            }
            case "dns-set" -> {
                ((DnsServer) server(otherServers, w[1])).set(w[2], java.util.Arrays.stream(w[3].split(","))
                        .map(PodApp::address).toList());
                yield "ok";
            }
            case "dns-queries" -> "ok queries=" + ((DnsServer) server(otherServers, w[1])).queries();
            default -> "err unknown command " + w[0];
        };
    }

    private static <T> T server(Map<Integer, T> servers, String port) {
        T server = servers.get(port(port));
        if (server == null) {
            throw new IllegalArgumentException("no such server on port " + port);
        }
        return server;
    }

    /** The words of a command from {@code from} on (extra headers, say). */
    private static List<String> rest(String[] w, int from) {
        return from >= w.length ? List.of() : List.of(w).subList(from, w.length);
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(literal + " is not an address literal");
        }
    }

    private static int port(String raw) {
        return Integer.parseInt(raw);
    }

    private static InetSocketAddress target(String[] w) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(w[1]), port(w[2]));
    }

    /**
     * Keeps a connection busy for about {@code millis}: a byte every 50 ms, each echo read back, then a half-close and
     * the server's FIN. For tests of what happens to a connection in flight.
     */
    private static String slowEcho(InetSocketAddress target, long millis) {
        long start = System.nanoTime();
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.setSoTimeout(30_000);
            socket.connect(target, 5_000);
            long rounds = millis / 50;
            for (long i = 0; i < rounds; i++) {
                socket.getOutputStream().write((int) i);
                if (socket.getInputStream().read() != (int) (i & 0xff)) {
                    throw new java.io.IOException("echo of byte " + i + " was wrong");
                }
                Thread.sleep(50);
            }
            socket.shutdownOutput();
            int tail = socket.getInputStream().read();
            return new Exchange(Exchange.Outcome.COMPLETED, rounds, rounds, tail == -1,
                    (System.nanoTime() - start) / 1_000_000, "").line();
        } catch (Exception e) {
            return new Exchange(Exchange.Outcome.ERROR, 0, 0, false, (System.nanoTime() - start) / 1_000_000,
                    String.valueOf(e)).line();
        }
    }

    /** Answers every request with the address of the peer that sent it. */
    private static void httpServer(int port) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 128);
        server.createContext("/", exchange -> {
            byte[] body = ("peer=" + exchange.getRemoteAddress().getAddress().getHostAddress() + "\n")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
    }

    private static String get(InetSocketAddress target, String path) throws Exception {
        String host = target.getAddress().getHostAddress();
        URI uri = URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + target.getPort() + path);
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
        connection.setConnectTimeout(5_000);
        connection.setReadTimeout(5_000);
        int status = connection.getResponseCode();
        var stream = status < 400 ? connection.getInputStream() : connection.getErrorStream();
        String body = stream == null ? "" : new String(stream.readAllBytes(), StandardCharsets.UTF_8).strip();
        return "ok " + status + " " + body;
    }

    private static String burst(InetSocketAddress target, int connections, long bytes) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        long start = System.nanoTime();
        try {
            List<Future<Exchange>> results = new java.util.ArrayList<>();
            for (int i = 0; i < connections; i++) {
                results.add(pool.submit(() -> Exchange.echo(target, bytes, 60_000)));
            }
            int echoed = 0;
            String firstFailure = "";
            for (Future<Exchange> result : results) {
                Exchange exchange = result.get();
                if (exchange.echoed()) {
                    echoed++;
                } else if (firstFailure.isEmpty()) {
                    firstFailure = " first_failure=" + exchange.line().replace(' ', '_');
                }
            }
            return "ok connections=" + connections + " echoed=" + echoed + " ms="
                    + (System.nanoTime() - start) / 1_000_000 + firstFailure;
        } finally {
            pool.shutdownNow();
        }
    }
}
