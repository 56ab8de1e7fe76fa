package dev.tandem.core.telemetry;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tandem.core.addr.Addresses;
import dev.tandem.core.config.AccessLogFormat;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per HTTP request and per opaque TCP connection on standard output, with the fields of Istio's access log:
 * JSON (Istio's {@code accessLogEncoding: JSON} field names) or Istio's default text format. The event loops only
 * queue an entry, lock-free and without waking anyone; a thread of its own looks at the queue every few
 * milliseconds, formats and writes what is there, so a slow reader of standard output never stalls traffic. When the
 * queue is full the entry is dropped and counted ({@code tandem_access_log_dropped_total}).
 */
public final class AccessLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AccessLog.class);
    private static final int QUEUE = 16_384;
    private static final DateTimeFormatter START_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final AccessLog OFF = new AccessLog(null, null, null);

    /**
     * What one line says; null fields are written as JSON null, or "-" in text. Addresses are kept as the objects the
     * proxy has (formatted by the writer's thread, not the event loop's): a socket address, or anything whose text is
     * the address.
     */
    public record Entry(long startMillis, String routeName, String method, String path, String protocol,
            int responseCode, String responseFlags, String responseCodeDetails, long bytesReceived, long bytesSent,
            long durationMillis, long upstreamServiceMillis, String forwardedFor, String userAgent, String requestId,
            String authority, Object upstreamHost, String upstreamCluster, Object upstreamLocalAddress,
            Object downstreamLocalAddress, Object downstreamRemoteAddress, String requestedServerName,
            String upstreamTransportFailureReason) {
    }

    private final AccessLogFormat format;
    private final ProxyMetrics metrics;
    private static final long IDLE_PARK_NANOS = 5_000_000;

    private final ConcurrentLinkedQueue<Entry> queue;
    private final AtomicInteger queued = new AtomicInteger();
    private final Thread writer;
    private volatile boolean closing;

    private AccessLog(AccessLogFormat format, ProxyMetrics metrics, OutputStream out) {
        this.format = format;
        this.metrics = metrics;
        if (out == null) {
            queue = null;
            writer = null;
            return;
        }
        queue = new ConcurrentLinkedQueue<>();
        writer = new Thread(() -> drain(out), "tandem-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** Written to standard output; nothing at all when {@code format} is OFF. */
    static AccessLog create(AccessLogFormat format, ProxyMetrics metrics) {
        return to(format, metrics, new FileOutputStream(FileDescriptor.out));
    }

    /** Written to {@code out}, for tests. */
    static AccessLog to(AccessLogFormat format, ProxyMetrics metrics, OutputStream out) {
        return format == AccessLogFormat.OFF ? OFF : new AccessLog(format, metrics, out);
    }

    public boolean enabled() {
        return queue != null;
    }

    /** Queues a line; never waits. */
    public void log(Entry entry) {
        if (queue == null) {
            return;
        }
        if (queued.incrementAndGet() > QUEUE) {
            queued.decrementAndGet();
            metrics.accessLogDropped();
            return;
        }
        queue.offer(entry);
    }

    private void drain(OutputStream stdout) {
        List<Entry> batch = new ArrayList<>(256);
        // Flushed, never closed: standard output outlives the log.
        OutputStream out = new BufferedOutputStream(stdout, 64 * 1024);
        try {
            // One generator for the life of the log: each entry is a root value, and a root value ends its line.
            JsonGenerator json = new JsonFactory().createGenerator(out, JsonEncoding.UTF8).setRootValueSeparator(null);
            json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            while (true) {
                for (Entry next; batch.size() < 256 && (next = queue.poll()) != null; ) {
                    batch.add(next);
                }
                if (batch.isEmpty()) {
                    if (closing) {
                        break;
                    }
                    LockSupport.parkNanos(IDLE_PARK_NANOS);
                    continue;
                }
                queued.addAndGet(-batch.size());
                for (Entry entry : batch) {
                    if (format == AccessLogFormat.JSON) {
                        writeJson(json, entry);
                    } else {
                        out.write(text(entry).getBytes(StandardCharsets.UTF_8));
                    }
                }
                batch.clear();
                if (queue.isEmpty()) {
                    json.flush();
                    out.flush();
                }
            }
            json.flush();
            out.flush();
        } catch (IOException e) {
            log.warn("access log: standard output failed ({}); no more lines are written", e.toString());
        }
    }

    private static void writeJson(JsonGenerator g, Entry e) throws IOException {
        {
            // (a block of its own: the fields in Istio's order)
            g.writeStartObject();
            g.writeStringField("start_time", START_TIME.format(Instant.ofEpochMilli(e.startMillis())));
            string(g, "route_name", e.routeName());
            string(g, "method", e.method());
            string(g, "path", e.path());
            string(g, "protocol", e.protocol());
            g.writeNumberField("response_code", e.responseCode());
            g.writeStringField("response_flags", e.responseFlags());
            string(g, "response_code_details", e.responseCodeDetails());
            g.writeNullField("connection_termination_details");
            string(g, "upstream_transport_failure_reason", e.upstreamTransportFailureReason());
            g.writeNumberField("bytes_received", e.bytesReceived());
            g.writeNumberField("bytes_sent", e.bytesSent());
            g.writeNumberField("duration", e.durationMillis());
            if (e.upstreamServiceMillis() >= 0) {
                g.writeStringField("upstream_service_time", Long.toString(e.upstreamServiceMillis()));
            } else {
                g.writeNullField("upstream_service_time");
            }
            string(g, "x_forwarded_for", e.forwardedFor());
            string(g, "user_agent", e.userAgent());
            string(g, "request_id", e.requestId());
            string(g, "authority", e.authority());
            string(g, "upstream_host", address(e.upstreamHost()));
            string(g, "upstream_cluster", e.upstreamCluster());
            string(g, "upstream_local_address", address(e.upstreamLocalAddress()));
            string(g, "downstream_local_address", address(e.downstreamLocalAddress()));
            string(g, "downstream_remote_address", address(e.downstreamRemoteAddress()));
            string(g, "requested_server_name", e.requestedServerName());
            g.writeEndObject();
            g.writeRaw('\n');
        }
    }

    private static void string(JsonGenerator g, String name, String value) throws IOException {
        if (value == null) {
            g.writeNullField(name);
        } else {
            g.writeStringField(name, value);
        }
    }

    /** Istio's default text format (meshConfig.accessLogFormat unset). */
    static String text(Entry e) {
        return "[" + START_TIME.format(Instant.ofEpochMilli(e.startMillis())) + "] \""
                + dash(e.method()) + " " + dash(e.path()) + " " + dash(e.protocol()) + "\" " + e.responseCode() + " "
                + e.responseFlags() + " " + dash(e.responseCodeDetails()) + " - \""
                + dash(e.upstreamTransportFailureReason()) + "\" " + e.bytesReceived() + " " + e.bytesSent() + " "
                + e.durationMillis() + " " + (e.upstreamServiceMillis() >= 0 ? e.upstreamServiceMillis() : "-")
                + " \"" + dash(e.forwardedFor()) + "\" \"" + dash(e.userAgent()) + "\" \"" + dash(e.requestId())
                + "\" \"" + dash(e.authority()) + "\" \"" + dash(address(e.upstreamHost())) + "\" "
                + dash(e.upstreamCluster()) + " " + dash(address(e.upstreamLocalAddress())) + " "
                + dash(address(e.downstreamLocalAddress())) + " " + dash(address(e.downstreamRemoteAddress())) + " "
                + dash(e.requestedServerName()) + " "
                + dash(e.routeName()) + "\n";
    }

    /** An address as the log writes it: ip:port ([ip]:port for IPv6); null stays null. */
    private static String address(Object value) {
        if (value == null) {
            return null;
        }
        return value instanceof InetSocketAddress inet ? Addresses.format(inet) : value.toString();
    }

    private static String dash(String value) {
        return value == null || value.isEmpty() ? "-" : value;
    }

    /** Writes what is queued, then stops the writer. */
    @Override
    public void close() {
        if (writer == null) {
            return;
        }
        closing = true;
        try {
            writer.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
