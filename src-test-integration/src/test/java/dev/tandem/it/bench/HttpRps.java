package dev.tandem.it.bench;

import dev.tandem.it.harness.Mesh;
import dev.tandem.it.harness.Pod;
import dev.tandem.launcher.mesh.Host;
import dev.tandem.launcher.mesh.Prerequisites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Requests per second through two sidecars against the same run's direct figure, for HTTP/1.1 keep-alive (wrk) and
 * h2c (h2load). Pod a (sidecar) and pod c (no sidecar) load nginx in pod b (sidecar): a's calls cross a's outbound
 * and b's inbound proxy; c calls ports b's rules exclude, so nothing of Tandem is in its path. Run as root from the
 * checkout after {@code mvn -B -DskipTests package}:
 * <pre>
 * java -cp src-test-integration/target/test-classes:proxy-core/target/test-classes:launcher/target/tandem.jar \
 *     dev.tandem.it.bench.HttpRps [seconds]
 * </pre>
 * Installs nginx, wrk and nghttp2-client if missing. The load runs on this machine's cores beside both sidecars and
 * nginx, so the ratio between the two figures is what to read.
 */
public final class HttpRps {

    private static final int PROXIED_H1 = 8080;
    private static final int PROXIED_H2 = 8081;
    private static final int DIRECT_H1 = 9080;
    private static final int DIRECT_H2 = 9081;

    private static final int ROUNDS = Integer.getInteger("rounds", 3);

    private static final String COMMAND = "java -cp src-test-integration/target/test-classes:"
            + "proxy-core/target/test-classes:launcher/target/tandem.jar dev.tandem.it.bench.HttpRps";

    private HttpRps() {
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        String problem = Prerequisites.problem(COMMAND);
        if (problem != null) {
            System.err.println("cannot run: " + problem);
            System.exit(2);
        }
        install("nginx", "nginx-light");
        install("wrk", "wrk");
        install("h2load", "nghttp2-client");
        Path conf = nginxConfig();
        try (Mesh mesh = Mesh.create("bench-http")) {
            Pod a = mesh.pod("a");
            Pod b = mesh.pod("b");
            Pod c = mesh.pod("c");
            Pod d = mesh.pod("d");
            Pod e = mesh.pod("e");
            Pod f = mesh.pod("f");
            a.applyRules(Map.of());
            d.applyRules(Map.of());
            e.applyRules(Map.of());
            f.applyRules(Map.of());
            b.applyRules(Map.of("TANDEM_INBOUND_EXCLUDE_PORTS", DIRECT_H1 + "," + DIRECT_H2));
            // TANDEM_BENCH_JAVA_OPTS reaches both sidecars, e.g. to record a flight recording of the run.
            String javaOpts = System.getenv().getOrDefault("TANDEM_BENCH_JAVA_OPTS", "");
            a.startSidecar(Map.of("TANDEM_JAVA_OPTS", javaOpts.replace("%pod", "a")));
            b.startSidecar(Map.of("TANDEM_JAVA_OPTS", javaOpts.replace("%pod", "b")));
            Path routes = mesh.file("ten-routes.yaml", tenRoutes(b.ipv4()));
            d.startSidecar(Map.of("TANDEM_JAVA_OPTS", javaOpts.replace("%pod", "d"), "TANDEM_CONFIG", routes.toString()));
            // e calls f with Istio's metrics and the access log off in both sidecars; a calls b with them on.
            e.startSidecar(Map.of("TANDEM_METRICS", "false", "TANDEM_ACCESS_LOG", "off",
                    "TANDEM_JAVA_OPTS", javaOpts.replace("%pod", "e")));
            f.startSidecar(Map.of("TANDEM_METRICS", "false", "TANDEM_ACCESS_LOG", "off",
                    "TANDEM_JAVA_OPTS", javaOpts.replace("%pod", "f")));
            Path fConf = nginxConfig();
            b.exec(Map.of(), "nginx", "-c", conf.toString()).orThrow();
            f.exec(Map.of(), "nginx", "-c", fConf.toString()).orThrow();
            Thread.sleep(300);

            String h1Path = "http://" + b.ipv4() + ":%d/";
            // Warm the JIT of both sidecars before measuring.
            a.exec(Map.of(), "wrk", "-t1", "-c10", "-d3s", String.format(h1Path, PROXIED_H1));
            a.exec(Map.of(), "h2load", "-c10", "-m10", "-D3", String.format(h1Path, PROXIED_H2));
            d.exec(Map.of(), "wrk", "-t1", "-c10", "-d5s", "-H", "Host: nginx", String.format(h1Path, PROXIED_H1));
            String quietPath = "http://" + f.ipv4() + ":" + PROXIED_H1 + "/";
            e.exec(Map.of(), "wrk", "-t1", "-c10", "-d5s", quietPath);

            a.exec(Map.of(), "wrk", "-t1", "-c10", "-d3s", String.format(h1Path, PROXIED_H1));
            // Rounds, each series once per round in a rotating order, and the median of each: the load generator,
            // the sidecars and nginx share two cores, so a single run is at the mercy of whatever else runs.
            Map<String, java.util.function.DoubleSupplier> series = new java.util.LinkedHashMap<>();
            series.put("direct", () -> wrk(c, String.format(h1Path, DIRECT_H1), seconds));
            series.put("proxied", () -> wrk(a, String.format(h1Path, PROXIED_H1), seconds));
            series.put("routed", () -> wrk(d, String.format(h1Path, PROXIED_H1), seconds, "-H", "Host: nginx"));
            series.put("quiet", () -> wrk(e, quietPath, seconds));
            Map<String, List<Double>> results = new java.util.HashMap<>();
            List<String> order = new java.util.ArrayList<>(series.keySet());
            for (int round = 0; round < ROUNDS; round++) {
                for (String name : order) {
                    results.computeIfAbsent(name, k -> new java.util.ArrayList<>()).add(series.get(name).getAsDouble());
                }
                java.util.Collections.rotate(order, 1);
            }
            double h1Direct = median(results.get("direct"));
            double h1Proxied = median(results.get("proxied"));
            double h1Routed = median(results.get("routed"));
            double h1Quiet = median(results.get("quiet"));
            double h2Direct = h2load(c, String.format(h1Path, DIRECT_H2), seconds);
            double h2Proxied = h2load(a, String.format(h1Path, PROXIED_H2), seconds);

            System.out.printf("%nMedians of %d rounds; every run: %s%n", ROUNDS, results);
            System.out.printf("HTTP/1.1 keep-alive (wrk, 1 thread, 10 connections, %d s): direct %.0f req/s, "
                    + "through two sidecars %.0f req/s (%.0f%%)%n", seconds, h1Direct, h1Proxied, 100 * h1Proxied / h1Direct);
            System.out.printf("HTTP/1.1 keep-alive through two sidecars, the client's with a ten-route VirtualService "
                    + "(the tenth matches): %.0f req/s (%.0f%% of the same with no configuration)%n",
                    h1Routed, 100 * h1Routed / h1Proxied);
            System.out.printf("HTTP/1.1 keep-alive through two sidecars with Istio's metrics and the JSON access log "
                    + "on: %.0f req/s; with both off: %.0f req/s (on is %.0f%% of off)%n",
                    h1Proxied, h1Quiet, 100 * h1Proxied / h1Quiet);
            System.out.printf("h2c (h2load, 10 connections x 10 streams, %d s): direct %.0f req/s, "
                    + "through two sidecars %.0f req/s (%.0f%%)%n", seconds, h2Direct, h2Proxied, 100 * h2Proxied / h2Direct);
            b.exec(Map.of(), "nginx", "-c", conf.toString(), "-s", "quit");
            f.exec(Map.of(), "nginx", "-c", fConf.toString(), "-s", "quit");
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static double wrk(Pod client, String url, int seconds, String... options) {
        var command = new java.util.ArrayList<>(List.of("wrk", "-t1", "-c10", "-d" + seconds + "s"));
        command.addAll(List.of(options));
        command.add(url);
        String out = client.exec(Map.of(), command.toArray(String[]::new)).orThrow().stdout();
        if (out.contains("Non-2xx")) {
            throw new IllegalStateException("errors under load:\n" + out);
        }
        return number(out, "Requests/sec:\\s+([0-9.]+)");
    }

    /**
     * A VirtualService of ten routes for nginx, as a real one might have: nine that this load does not match (by
     * path prefix, regex, header and method) and a last one that sends it to nginx's ServiceEntry, whose endpoint
     * is pod b.
     */
    private static String tenRoutes(String nginx) {
        var routes = new StringBuilder();
        for (int i = 1; i <= 9; i++) {
            String match = switch (i % 3) {
                case 0 -> "{uri: {prefix: /api/v" + i + "/}}";
                case 1 -> "{uri: {regex: \"/items/[0-9]+/" + i + "\"}, method: {exact: POST}}";
                default -> "{headers: {x-route: {exact: \"r" + i + "\"}}}";
            };
            routes.append("  - match: [").append(match).append("]\n")
                    .append("    route: [{destination: {host: nginx, port: {number: 8080}}}]\n")
                    .append("    timeout: 5s\n");
        }
        routes.append("  - route: [{destination: {host: nginx, port: {number: 8080}}}]\n");
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: nginx}
                spec:
                  hosts: [nginx.default.svc.cluster.local]
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                  resolution: STATIC
                  endpoints: [{address: %s}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: nginx}
                spec:
                  hosts: [nginx]
                  http:
                """.formatted(nginx) + routes;
    }

    private static double h2load(Pod client, String url, int seconds) {
        String out = client.exec(Map.of(), "h2load", "-c10", "-m10", "-D" + seconds, url).orThrow().stdout();
        if (!out.contains(" 0 failed, 0 errored")) {
            throw new IllegalStateException("errors under load:\n" + out);
        }
        return number(out, "finished in [^,]+, ([0-9.]+) req/s");
    }

    private static double number(String text, String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no figure in:\n" + text);
        }
        return Double.parseDouble(m.group(1));
    }

    private static void install(String program, String pkg) {
        if (!Host.has(program)) {
            System.err.println("installing " + pkg);
            Host.run(List.of("apt-get", "install", "-y", "-qq", pkg), Map.of("DEBIAN_FRONTEND", "noninteractive")).orThrow();
        }
    }

    /** nginx answering a small body on HTTP/1.1 and on h2c (prior knowledge), on a proxied and a direct port each. */
    private static Path nginxConfig() throws IOException {
        Path dir = Files.createTempDirectory("tandem-bench-nginx");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> Host.run(List.of("rm", "-rf", dir.toString()))));
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, """
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log;
                daemon on;
                events { worker_connections 1024; }
                http {
                    access_log off;
                    keepalive_requests 1000000;
                    server {
                        listen 8080; listen 9080;
                        location / { return 200 "hello from nginx\\n"; }
                    }
                    server {
                        listen 8081 http2; listen 9081 http2;
                        location / { return 200 "hello from nginx\\n"; }
                    }
                }
                """.formatted(dir));
        return conf;
    }
}
