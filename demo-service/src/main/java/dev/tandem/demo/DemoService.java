package dev.tandem.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The demo's application, run three times as frontend, catalog and ratings. It knows nothing of Tandem: it answers
 * {@code GET /} with JSON naming itself, the peer address it saw, the request headers that matter for tracing, and the
 * answer of the service it calls (if any), passing those headers on as a traced application does.
 *
 * <pre>
 *   DEMO_NAME=catalog DEMO_PORT=8080 DEMO_UPSTREAM=http://ratings:8080/ java -jar demo-service.jar
 *   java -jar demo-service.jar call http://frontend:8080/
 *   java -jar demo-service.jar tally http://frontend:8080/ 40     # which last service answered, how often
 * </pre>
 */
public final class DemoService {

    /** Headers a traced application reads and passes on. */
    static final List<String> TRACED_HEADERS = List.of("x-request-id", "traceparent", "tracestate");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private final String name;
    private final URI upstream;

    DemoService(String name, URI upstream) {
        this.name = name;
        this.upstream = upstream;
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("call")) {
            System.exit(call(URI.create(args[1])));
        }
        if (args.length == 3 && args[0].equals("tally")) {
            System.exit(tally(URI.create(args[1]), Integer.parseInt(args[2])));
        }
        Map<String, String> env = System.getenv();
        String name = env.getOrDefault("DEMO_NAME", "service");
        int port = Integer.parseInt(env.getOrDefault("DEMO_PORT", "8080"));
        String upstream = env.getOrDefault("DEMO_UPSTREAM", "");
        HttpServer server = new DemoService(name, upstream.isBlank() ? null : URI.create(upstream)).listen(port);
        System.err.printf("%s listening on %s%s%n", name, server.getAddress(),
                upstream.isBlank() ? "" : ", calling " + upstream);
    }

    /** Starts serving on every address at {@code port} (0: any free port). */
    HttpServer listen(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 128);
        server.createContext("/", this::answer);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
        return server;
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            ObjectNode body = JSON.createObjectNode();
            body.put("service", name);
            body.put("peer", exchange.getRemoteAddress().getAddress().getHostAddress());
            ObjectNode headers = body.putObject("headers");
            for (String header : TRACED_HEADERS) {
                headers.put(header, exchange.getRequestHeaders().getFirst(header));
            }
            int status = 200;
            if (upstream != null) {
                try {
                    body.set("upstream", callUpstream(exchange));
                } catch (IOException | InterruptedException e) {
                    status = 502;
                    body.put("upstream_error", upstream + ": " + e);
                }
            }
            byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
            exchange.getResponseHeaders().set("content-type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    private JsonNode callUpstream(HttpExchange incoming) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(upstream).timeout(Duration.ofSeconds(10)).GET();
        for (String header : TRACED_HEADERS) {
            String value = incoming.getRequestHeaders().getFirst(header);
            if (value != null) {
                request.header(header, value);
            }
        }
        HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /**
     * {@code calls} GETs, one after another, and on stdout how many each last service of the chain answered, as JSON
     * ({@code {"ratings": 7, "ratings-v2": 3}}); exit 0 when every answer was 200.
     */
    static int tally(URI uri, int calls) throws IOException, InterruptedException {
        Map<String, Integer> last = new java.util.TreeMap<>();
        int failed = 0;
        for (int i = 0; i < calls; i++) {
            HttpResponse<String> response = CLIENT.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                failed++;
                continue;
            }
            JsonNode hop = JSON.readTree(response.body());
            while (hop.hasNonNull("upstream")) {
                hop = hop.get("upstream");
            }
            last.merge(hop.path("service").asText(), 1, Integer::sum);
        }
        System.out.println(JSON.writeValueAsString(last));
        return failed == 0 ? 0 : 1;
    }

    /** The demo's client: one traced GET, the answer on stdout; exit 0 on 200. */
    static int call(URI uri) throws IOException, InterruptedException {
        var random = new SecureRandom();
        byte[] traceId = new byte[16];
        byte[] spanId = new byte[8];
        random.nextBytes(traceId);
        random.nextBytes(spanId);
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(20))
                .header("traceparent", "00-" + HexFormat.of().formatHex(traceId) + "-" + HexFormat.of().formatHex(spanId) + "-01")
                .GET()
                .build();
        HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        System.out.println(response.body());
        return response.statusCode() == 200 ? 0 : 1;
    }
}
