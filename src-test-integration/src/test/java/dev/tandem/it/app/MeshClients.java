package dev.tandem.it.app;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The clients of the traffic-management scenarios, as an application would call a service: the JDK's HTTP client
 * over keep-alive HTTP/1.1 connections to a service address, with the service's name in the Host header (the pods
 * have no DNS; the address stands for the name's ClusterIP). Replies count where requests landed.
 */
final class MeshClients {

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    /** A request that takes this long counts as slow (an injected delay, a slow endpoint). */
    static final long SLOW_MS = 150;

    private MeshClients() {
    }

    /**
     * One request: {@code status=S ms=T served-by=NAME location=L} and the server's line (its {@code name=...} words)
     * or the proxy's own answer.
     */
    static String get(InetSocketAddress target, String host, String path, List<String> headers) {
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = CLIENT.send(request(target, host, path, headers),
                    HttpResponse.BodyHandlers.ofString());
            return "status=" + response.statusCode() + " ms=" + Wire.millisSince(start)
                    + " served-by=" + response.headers().firstValue("x-served-by").orElse("-")
                    + " location=" + Wire.word(response.headers().firstValue("location").orElse("-"))
                    + " upstream-header=" + response.headers().firstValue("x-upstream-header").orElse("-")
                    + " response-added=" + response.headers().firstValue("x-response-added").orElse("-")
                    + " flag=" + flag(response) + " body=" + Wire.word(response.body().strip())
                    + " " + response.body().strip();
        } catch (IOException e) {
            return "status=none ms=" + Wire.millisSince(start) + " error=" + Wire.word(Wire.error(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "status=none error=interrupted";
        }
    }

    /**
     * {@code n} requests from {@code concurrency} callers: {@code total=N statuses=200:n,... names=v1:n,... flags=UO:n,... ms=T
     * max-ms=M slow=K}, K the requests that took {@link #SLOW_MS} or more; a request the server did not answer counts under name {@code -}, one that failed under status none.
     */
    static String load(InetSocketAddress target, String host, String path, int n, int concurrency, List<String> headers)
            throws Exception {
        Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> names = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> flags = new ConcurrentHashMap<>();
        AtomicInteger next = new AtomicInteger();
        AtomicLong slowest = new AtomicLong();
        AtomicInteger slow = new AtomicInteger();
        List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService callers = Executors.newFixedThreadPool(concurrency);
        long start = System.nanoTime();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < concurrency; c++) {
                running.add(callers.submit(() -> {
                    while (next.getAndIncrement() < n) {
                        long began = System.nanoTime();
                        String status;
                        String name = "-";
                        try {
                            HttpResponse<String> response = CLIENT.send(request(target, host, path, headers),
                                    HttpResponse.BodyHandlers.ofString());
                            status = Integer.toString(response.statusCode());
                            name = response.headers().firstValue("x-served-by").orElse("-");
                            String flag = flag(response);
                            if (!flag.equals("-")) {
                                flags.computeIfAbsent(flag, k -> new AtomicInteger()).incrementAndGet();
                            }
                        } catch (IOException e) {
                            status = "none";
                            if (errors.size() < 3) {
                                errors.add(Wire.error(e));
                            }
                        }
                        long took = Wire.millisSince(began);
                        slowest.accumulateAndGet(took, Math::max);
                        if (took >= SLOW_MS) {
                            slow.incrementAndGet();
                        }
                        statuses.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                        names.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            callers.shutdownNow();
        }
        return "total=" + n + " statuses=" + counts(statuses) + " names=" + counts(names)
                + " flags=" + (flags.isEmpty() ? "-" : counts(flags)) + " ms="
                + Wire.millisSince(start) + " max-ms=" + slowest.get() + " slow=" + slow.get()
                + (errors.isEmpty() ? "" : " errors=" + Wire.word(String.join(";", errors)));
    }

    /** The response flag a proxy's own answer ends with, as in "no healthy upstream (UH)"; "-" for the server's. */
    private static String flag(HttpResponse<String> response) {
        if (response.headers().firstValue("x-served-by").isPresent()) {
            return "-";
        }
        java.util.regex.Matcher m = FLAG.matcher(response.body());
        return m.find() ? m.group(1) : "-";
    }

    private static final java.util.regex.Pattern FLAG = java.util.regex.Pattern.compile("\\(([A-Z,]+)\\)\\s*$");

    private static String counts(Map<String, AtomicInteger> counts) {
        return new TreeMap<>(counts).entrySet().stream().map(e -> e.getKey() + ":" + e.getValue().get())
                .collect(Collectors.joining(","));
    }

    private static HttpRequest request(InetSocketAddress target, String host, String path, List<String> headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://" + Wire.authority(target) + path))
                .timeout(Duration.ofSeconds(30))
                .header("Host", host);
        for (String header : headers) {
            int colon = header.indexOf(':');
            builder.header(header.substring(0, colon), header.substring(colon + 1));
        }
        return builder.GET().build();
    }

    /** Serves each connection one line, its name, then closes: a TCP service whose answer says which one it was. */
    static AutoCloseable nameServer(int port, String name) throws IOException {
        var server = new java.net.ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(port), 128);
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    s.getOutputStream().write((name + "\n").getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    if (!server.isClosed()) {
                        Wire.log("name-server", e);
                    }
                }
            }
        }, "name-server-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
        return server;
    }

    /** {@code n} connections to a name server, each read to its end: {@code names=a:n,b:m} (none for failures). */
    static String names(InetSocketAddress target, int n) {
        Map<String, AtomicInteger> names = new ConcurrentHashMap<>();
        for (int i = 0; i < n; i++) {
            String name;
            try (Socket s = new Socket()) {
                s.connect(target, Wire.CONNECT_TIMEOUT_MS);
                s.setSoTimeout(Wire.TIMEOUT_MS);
                InputStream in = s.getInputStream();
                name = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
                if (name.isEmpty()) {
                    name = "empty";
                }
            } catch (IOException e) {
                name = "none";
            }
            names.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        }
        return "names=" + counts(names);
    }
}
