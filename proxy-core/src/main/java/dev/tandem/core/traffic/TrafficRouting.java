package dev.tandem.core.traffic;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The route table in force, and the file it comes from. The file is read at start (a bad file stops the start) and
 * then watched: a changed file that reads cleanly replaces the table in one step, between requests, so no request
 * sees half of a change; a changed file with errors is refused whole, its errors logged, and the table kept.
 *
 * <p>The file is compared by content, not by time stamp, so a Kubernetes ConfigMap's symlink swap is seen too.
 */
public final class TrafficRouting implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TrafficRouting.class);

    private final Path file;
    private final TrafficConfigReader reader;
    private final RouteTable.Identity identity;
    private final EndpointRegistry registry = new EndpointRegistry();
    private final DnsCache dns;
    private final AtomicReference<RouteTable> table = new AtomicReference<>();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile List<String> lastErrors = List.of();
    private volatile byte[] inForce;
    private byte[] seen;
    private ScheduledExecutorService watcher;

    private TrafficRouting(Path file, RouteTable.Identity identity, DnsCache dns) {
        this.file = file;
        this.identity = identity;
        this.dns = dns;
        this.reader = new TrafficConfigReader(identity.namespace(), identity.clusterDomain());
    }

    /** No file: every call goes where it was going. */
    public static TrafficRouting none(RouteTable.Identity identity) {
        TrafficRouting routing = new TrafficRouting(null, identity, null);
        routing.table.set(RouteTable.build(TrafficConfig.EMPTY, identity, routing.registry, null));
        return routing;
    }

    /** Reads the file once; its errors, all of them, are the exception's. */
    public static TrafficRouting load(Path file, RouteTable.Identity identity, DnsCache dns)
            throws IOException, TrafficConfigException {
        TrafficRouting routing = new TrafficRouting(file, identity, dns);
        byte[] content = Files.readAllBytes(file);
        routing.apply(routing.read(content));
        routing.seen = content;
        routing.inForce = content;
        return routing;
    }

    public RouteTable table() {
        return table.get();
    }

    public Path file() {
        return file;
    }

    /** The text of the file whose routes are in force (a refused change is not), or null without a file. */
    public String text() {
        byte[] content = inForce;
        return content == null ? null : new String(content, StandardCharsets.UTF_8);
    }

    /** Changes applied since start (the first load not counted). */
    public long reloadsApplied() {
        return applied.get();
    }

    /** Changed files refused for their errors. */
    public long reloadsRejected() {
        return rejected.get();
    }

    /** The errors of the last refused file, empty once a good one is applied. */
    public List<String> lastErrors() {
        return lastErrors;
    }

    /** Checks the file for changes every {@code interval}, on a thread of its own (a reload may wait on DNS). */
    public void watch(Duration interval) {
        if (file == null) {
            return;
        }
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tandem-config-watch");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(this::reloadIfChanged, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Reads the file and applies it if it changed; true when a change was applied. */
    public synchronized boolean reloadIfChanged() {
        if (file == null) {
            return false;
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            if (seen != null) {
                log.warn("traffic configuration {} cannot be read ({}); the routes in force are kept", file, e.toString());
                seen = null;
            }
            return false;
        }
        if (Arrays.equals(content, seen)) {
            return false;
        }
        seen = content;
        try {
            apply(read(content));
            inForce = content;
            applied.incrementAndGet();
            lastErrors = List.of();
            return true;
        } catch (TrafficConfigException e) {
            rejected.incrementAndGet();
            lastErrors = e.errors();
            log.error("traffic configuration {} refused, the routes in force are kept:\n  {}", file,
                    String.join("\n  ", e.errors()));
            return false;
        } catch (RuntimeException e) {
            rejected.incrementAndGet();
            lastErrors = List.of(e.toString());
            log.error("traffic configuration {} could not be applied; the routes in force are kept", file, e);
            return false;
        }
    }

    private TrafficConfig read(byte[] content) throws TrafficConfigException {
        return reader.read(new String(content, StandardCharsets.UTF_8), file.toString());
    }

    private void apply(TrafficConfig config) {
        RouteTable next = RouteTable.build(config, identity, registry, dns);
        table.set(next);
        log.info("traffic configuration {}: {} ServiceEntry, {} VirtualService, {} DestinationRule in force", file,
                config.serviceEntries().size(), config.virtualServices().size(), config.destinationRules().size());
        if (!config.unimplemented().isEmpty()) {
            log.warn("traffic configuration {}: not implemented by Tandem, so ignored: {}", file,
                    String.join(", ", config.unimplemented()));
        }
        if (!config.implementedInPart().isEmpty()) {
            log.warn("traffic configuration {}: implemented in part by Tandem: {}", file,
                    String.join(", ", config.implementedInPart()));
        }
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
        if (dns != null) {
            dns.close();
        }
    }
}
