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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * The application of a pod in the scenario tests: a plain program that knows nothing of Tandem. It runs inside the
 * pod's network namespace and takes one command per line on stdin, answering one line on stdout ("ok ..." or
 * "err ..."): start a TCP echo or HTTP server, call another pod, report the peers its servers saw.
 */
public final class PodApp {

    private final Map<Integer, EchoServer> echoServers = new HashMap<>();
    private final Map<Integer, java.util.concurrent.CompletableFuture<String>> background = new HashMap<>();

    public static void main(String[] args) throws Exception {
        PodApp app = new PodApp();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        out.println("ok ready");
        for (String line; (line = in.readLine()) != null; ) {
            String reply;
            try {
                reply = app.handle(line.strip().split(" "));
            } catch (Exception e) {
                reply = "err " + e;
            }
            out.println(reply.replace('\n', ' '));
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
            default -> "err unknown command " + w[0];
        };
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
