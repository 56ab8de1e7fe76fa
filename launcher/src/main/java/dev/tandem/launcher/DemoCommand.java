package dev.tandem.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.launcher.mesh.Host;
import dev.tandem.launcher.mesh.Install;
import dev.tandem.launcher.mesh.NamespaceMesh;
import dev.tandem.launcher.mesh.NamespacePod;
import dev.tandem.launcher.mesh.Prerequisites;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem demo}: the three-service mesh every mesh tutorial draws (frontend -> catalog -> ratings), as pods in
 * network namespaces on this machine, each with the interception rules and a sidecar. It calls the frontend from a
 * client pod, prints the path the request took, and keeps the mesh up until Ctrl-C, then removes everything it made.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Build a three-service mesh (frontend -> catalog -> ratings) in network namespaces on this "
                + "machine, call it and print the path; keep it running until Ctrl-C, then remove everything.",
                "Needs root; installs a missing iptables or iproute2 on Debian-like systems."})
final class DemoCommand implements Callable<Integer> {

    private static final int APP_PORT = 8080;
    private static final int PROXY_UID = 1337;
    /** One pod of the demo: its service's name, app and version labels, and the pod its service calls. */
    private record Workload(String name, String app, String version, String calls) {
    }

    private static final List<Workload> WORKLOADS = List.of(
            new Workload("frontend", "frontend", "v1", "catalog"),
            new Workload("catalog", "catalog", "v1", "ratings"),
            new Workload("ratings", "ratings", "v1", null),
            new Workload("ratings-v2", "ratings", "v2", null));
    private static final int SPLIT_V2 = 30;
    private static final int TALLY_CALLS = 40;
    private static final String NAMESPACE = "demo";
    private static final String CONFIG_FILE = "mesh.yaml";

    @Option(names = "--once", description = "Print the path, then remove everything and exit.")
    boolean once;

    @Spec
    private CommandSpec spec;

    private final Map<String, String> environment;

    DemoCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String problem = Prerequisites.problem(Install.current().script() + " demo" + (once ? " --once" : ""));
        if (problem != null) {
            err.println("tandem demo: " + problem);
            return 2;
        }
        long start = System.nanoTime();
        Install install = Install.current().readableBy(PROXY_UID);
        // Readable by the sidecars' uid, for the Istio resources they watch; the logs in it are the demo's only.
        Path logs = Files.createTempDirectory("tandem-demo-",
                PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwxr-xr-x")));
        NamespaceMesh mesh = NamespaceMesh.create("tdemo");
        CountDownLatch stop = new CountDownLatch(1);
        Thread cleanup = new Thread(() -> removeAll(mesh, logs, install), "demo-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            Map<String, NamespacePod> pods = layOut(mesh, install, logs, out);
            NamespacePod client = mesh.pod("client");
            JsonNode answer = callFrontend(mesh, install, client, pods.get("frontend"));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            printPath(out, client, pods, answer, millis);
            printSidecarCounters(out, mesh, install, pods);
            printMetrics(out, mesh, install, pods, logs);
            printRouting(out, mesh, install, client, pods, logs);
            if (once) {
                return 0;
            }
            out.printf("%nThe mesh stays up. Try, as root:%n"
                    + "  ip netns exec %s curl -s http://%s:%d/%n"
                    + "  ip netns exec %s iptables-save -t nat%n"
                    + "  ip netns exec %s curl -s http://127.0.0.1:15000/clusters     # or /config_dump, /stats%n"
                    + "Logs of every sidecar and service: %s; edit %s there, and every sidecar applies it within a "
                    + "second.%n"
                    + "Press Ctrl-C to remove the pods.%n",
                    client.netns(), pods.get("frontend").ipv4(), APP_PORT, pods.get("frontend").netns(),
                    pods.get("catalog").netns(), logs, CONFIG_FILE);
            out.flush();
            Signals.onTermination(signal -> stop.countDown());
            stop.await();
            out.println("removing the demo mesh");
            return 0;
        } finally {
            removeAll(mesh, logs, install);
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    /** Each service pod gets the rules, then its sidecar, then its service; returns once all are ready. */
    private Map<String, NamespacePod> layOut(NamespaceMesh mesh, Install install, Path logs, PrintWriter out)
            throws IOException {
        var pods = new LinkedHashMap<String, NamespacePod>();
        for (Workload workload : WORKLOADS) {
            pods.put(workload.name(), mesh.pod(workload.name()));
        }
        // Every sidecar reads the same Istio resources, as every Istio sidecar gets the same configuration; none yet.
        Path config = Files.writeString(logs.resolve(CONFIG_FILE), "# Istio resources; printRouting writes them\n");
        config.toFile().setReadable(true, false);
        var sidecars = new ArrayList<Path>();
        var services = new ArrayList<Path>();
        for (Workload workload : WORKLOADS) {
            String service = workload.name();
            NamespacePod pod = pods.get(service);
            mesh.exec(pod, Map.of(), install.script().toString(), "redirect", "apply").orThrow();
            Path sidecarLog = logs.resolve(service + "-sidecar.log");
            // The identity a pod's downward API would give, so that the metrics name the workloads.
            var sidecar = Map.of("TANDEM_DRAIN_DURATION", "1s", "TANDEM_EXIT_ON_ZERO_ACTIVE_CONNECTIONS", "true",
                    "TANDEM_NAMESPACE", NAMESPACE, "TANDEM_CONFIG", config.toString(),
                    "TANDEM_POD_NAME", service + "-0", "TANDEM_WORKLOAD_NAME", service, "TANDEM_APP", workload.app(),
                    "TANDEM_VERSION", workload.version());
            mesh.start(pod, sidecar, PROXY_UID, List.of(), sidecarLog, List.of(install.script().toString(), "proxy"));
            sidecars.add(sidecarLog);
            var app = new LinkedHashMap<String, String>();
            app.put("DEMO_NAME", service);
            app.put("DEMO_PORT", Integer.toString(APP_PORT));
            if (workload.calls() != null) {
                app.put("DEMO_UPSTREAM", "http://" + pods.get(workload.calls()).ipv4() + ":" + APP_PORT + "/");
            }
            Path serviceLog = logs.resolve(service + ".log");
            mesh.start(pod, app, null, List.of(), serviceLog, java(install, "dev.tandem.demo.DemoService"));
            services.add(serviceLog);
            out.printf("  pod %-10s %-12s rules applied, sidecar and service starting%n", service, pod.ipv4());
            out.flush();
        }
        sidecars.forEach(log -> awaitLine(log, "ready in"));
        services.forEach(log -> awaitLine(log, "listening on"));
        return pods;
    }

    /**
     * Routing, live: the Istio resources that split catalog's calls to ratings between v1 and v2 are written to the
     * file every sidecar watches; once catalog's sidecar has applied them, the client calls the frontend again and
     * again, and the answers are counted by the ratings pod that gave them.
     */
    private static void printRouting(PrintWriter out, NamespaceMesh mesh, Install install, NamespacePod client,
            Map<String, NamespacePod> pods, Path logs) throws IOException {
        Path config = logs.resolve(CONFIG_FILE);
        Path next = logs.resolve(CONFIG_FILE + ".next");
        Files.writeString(next, """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ratings, namespace: %1$s}
                spec:
                  hosts: [ratings.%1$s.svc.cluster.local]
                  addresses: [%2$s]
                  ports: [{number: %4$d, name: http, protocol: HTTP}]
                  resolution: STATIC
                  endpoints:
                  - {address: %2$s, labels: {version: v1}}
                  - {address: %3$s, labels: {version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: ratings, namespace: %1$s}
                spec:
                  host: ratings
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings, namespace: %1$s}
                spec:
                  hosts: [ratings]
                  http:
                  - route:
                    - {destination: {host: ratings, subset: v1}, weight: %5$d}
                    - {destination: {host: ratings, subset: v2}, weight: %6$d}
                """.formatted(NAMESPACE, pods.get("ratings").ipv4(), pods.get("ratings-v2").ipv4(), APP_PORT,
                100 - SPLIT_V2, SPLIT_V2));
        next.toFile().setReadable(true, false);
        long written = System.nanoTime();
        Files.move(next, config, StandardCopyOption.ATOMIC_MOVE);
        awaitLine(logs.resolve("catalog-sidecar.log"), "1 ServiceEntry, 1 VirtualService, 1 DestinationRule in force");
        long applied = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - written);
        out.printf("%nRouting: a ServiceEntry, DestinationRule and VirtualService sending %d%% of the calls to ratings to "
                + "v2 (pod ratings-v2), written to %s, the TANDEM_CONFIG of every sidecar; catalog's sidecar applied it "
                + "%d ms later.%n", SPLIT_V2, config, applied);
        String url = "http://" + pods.get("frontend").ipv4() + ":" + APP_PORT + "/";
        Host.Result tally = mesh.exec(client, Map.of(), java(install, "dev.tandem.demo.DemoService", "tally", url,
                Integer.toString(TALLY_CALLS)).toArray(String[]::new));
        JsonNode counts = new ObjectMapper().readTree(tally.stdout().isBlank() ? "{}" : tally.stdout());
        out.printf("%d calls to the frontend, answered at the end of the chain by: ratings %d, ratings-v2 %d%s%n",
                TALLY_CALLS, counts.path("ratings").asInt(), counts.path("ratings-v2").asInt(),
                tally.exitCode() == 0 ? "" : " (some calls failed: " + tally.stderr().strip() + ")");
        out.flush();
    }

    private static List<String> java(Install install, String mainClass, String... args) {
        var command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx64m", "-cp", install.jar().toString(), mainClass));
        command.addAll(List.of(args));
        return command;
    }

    /** The client pod's call, retried briefly while the last pieces settle. */
    private static JsonNode callFrontend(NamespaceMesh mesh, Install install, NamespacePod client, NamespacePod frontend)
            throws IOException, InterruptedException {
        String url = "http://" + frontend.ipv4() + ":" + APP_PORT + "/";
        Host.Result last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            last = mesh.exec(client, Map.of(),
                    java(install, "dev.tandem.demo.DemoService", "call", url).toArray(String[]::new));
            if (last.exitCode() == 0) {
                return new ObjectMapper().readTree(last.stdout());
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the frontend did not answer: " + last.stdout() + last.stderr());
    }

    private static void printPath(PrintWriter out, NamespacePod client, Map<String, NamespacePod> pods,
            JsonNode answer, long millis) {
        out.printf("%nGET http://%s:%d/ from pod client (%s, no sidecar) answered in %d ms from the start of the "
                + "demo. The path, as each service saw it:%n", pods.get("frontend").ipv4(), APP_PORT, client.ipv4(), millis);
        String caller = "client";
        int hops = 0;
        int crossed = 0;
        var traceparents = new java.util.LinkedHashSet<String>();
        var requestIds = new java.util.LinkedHashSet<String>();
        for (JsonNode hop = answer; hop != null && !hop.isMissingNode() && !hop.isNull(); hop = hop.get("upstream")) {
            String service = hop.path("service").asText();
            String peer = hop.path("peer").asText();
            boolean viaSidecar = peer.equals("127.0.0.6");
            out.printf("  %-8s -> %-8s %-16s saw peer %-10s %s%n", caller, service,
                    pods.get(service).ipv4() + ":" + APP_PORT, peer,
                    viaSidecar ? "(delivered by the " + service + " sidecar)" : "(NOT through a sidecar)");
            traceparents.add(hop.at("/headers/traceparent").asText("none"));
            requestIds.add(hop.at("/headers/x-request-id").asText("none"));
            hops++;
            crossed += viaSidecar ? 1 : 0;
            caller = service;
        }
        out.printf("  traceparent at every hop: %s; x-request-id at every hop: %s%n",
                String.join(" / ", traceparents), String.join(" / ", requestIds));
        out.printf("%d of %d hops delivered by the callee's sidecar.%n", crossed, hops);
        out.flush();
    }

    /** Each sidecar's admin counters, read from inside its pod (the admin port listens on 127.0.0.1 only). */
    private static void printSidecarCounters(PrintWriter out, NamespaceMesh mesh, Install install,
            Map<String, NamespacePod> pods) {
        out.printf("Connections each sidecar relayed (admin /stats): outbound = the service's own calls, leaving through "
                + "its sidecar; inbound = calls delivered to it%n");
        pods.forEach((service, pod) -> {
            Host.Result stats = mesh.exec(pod, Map.of(),
                    java(install, "dev.tandem.demo.DemoService", "call", "http://127.0.0.1:15000/stats").toArray(String[]::new));
            out.printf("  %-8s outbound %s, inbound %s%n", service,
                    counter(stats.stdout(), "listener.outbound.downstream_cx_total"),
                    counter(stats.stdout(), "listener.inbound.downstream_cx_total"));
        });
        out.flush();
    }

    /**
     * Each sidecar's Istio request metrics as Prometheus scrapes them (GET :15090/stats/prometheus from inside the
     * pod), one line per series: who called whom, the answer, and how often; and how many access log lines it wrote.
     */
    private static void printMetrics(PrintWriter out, NamespaceMesh mesh, Install install,
            Map<String, NamespacePod> pods, Path logs) {
        out.printf("%nistio_requests_total, scraped from each sidecar's :15090/stats/prometheus:%n");
        Map<String, String> scrapes = new LinkedHashMap<>();
        pods.forEach((service, pod) -> scrapes.put(service, mesh.exec(pod, Map.of(), java(install,
                "dev.tandem.demo.DemoService", "call", "http://127.0.0.1:15090/stats/prometheus")
                .toArray(String[]::new)).stdout()));
        scrapes.forEach((service, scrape) -> scrape.lines().filter(l -> l.startsWith("istio_requests_total{"))
                .forEach(line -> out.printf("  %-8s reporter=%-11s %s -> %s (%s) code %s: %s%n", service,
                        label(line, "reporter"), label(line, "source_workload"), label(line, "destination_workload"),
                        label(line, "destination_service"), label(line, "response_code"),
                        line.substring(line.lastIndexOf(' ') + 1))));
        out.printf("Every metric family in the same scrapes, with its number of series (the README lists them all):%n");
        scrapes.forEach((service, scrape) -> out.printf("  %-8s %s%n", service, families(scrape)));
        out.printf("Access log (JSON, Istio's fields) on each sidecar's standard output, in %s/<service>-sidecar.log:%n",
                logs);
        pods.keySet().forEach(service -> {
            long lines = 0;
            try {
                lines = Files.readAllLines(logs.resolve(service + "-sidecar.log")).stream()
                        .filter(l -> l.startsWith("{\"start_time\"")).count();
            } catch (IOException e) {
                // counted as none
            }
            out.printf("  %-8s %d line(s)%n", service, lines);
        });
        out.flush();
    }

    /** {@code family series, ...} for Istio's and Tandem's families, then how many families the JVM adds. */
    static String families(String scrape) {
        Map<String, Integer> series = new LinkedHashMap<>();
        String family = null;
        for (String line : scrape.lines().toList()) {
            if (line.startsWith("# TYPE ")) {
                family = line.split(" ")[2];
                series.put(family, 0);
            } else if (family != null && !line.isBlank() && !line.startsWith("#")) {
                int end = line.indexOf('{') > 0 ? line.indexOf('{') : line.indexOf(' ');
                String name = line.substring(0, end);
                if (name.equals(family) || name.equals(family + "_total") || name.equals(family + "_count")) {
                    series.merge(family, 1, Integer::sum);
                }
            }
        }
        String mesh = series.entrySet().stream()
                .filter(e -> e.getKey().startsWith("istio_") || e.getKey().startsWith("tandem_"))
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
        long jvm = series.keySet().stream().filter(f -> !f.startsWith("istio_") && !f.startsWith("tandem_")).count();
        return mesh + "; and " + jvm + " JVM and process families";
    }

    private static String label(String sample, String name) {
        int at = sample.indexOf(name + "=\"");
        if (at < 0) {
            return "?";
        }
        int start = at + name.length() + 2;
        return sample.substring(start, sample.indexOf('"', start));
    }

    private static String counter(String stats, String name) {
        return stats.lines().filter(l -> l.startsWith(name + ": ")).map(l -> l.substring(name.length() + 2))
                .findFirst().orElse("?");
    }

    private static void awaitLine(Path log, String marker) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                if (Files.exists(log) && Files.readString(log).contains(marker)) {
                    return;
                }
                Thread.sleep(50);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException(log.getFileName() + " did not say \"" + marker + "\" within 30 s:\n" + tail(log));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void removeAll(NamespaceMesh mesh, Path logs, Install install) {
        mesh.close();
        install.removeStaged();
        Host.removeTree(logs);
    }
}
