package dev.tandem.core.lifecycle;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The proxy's drain as the HTTP stages see it. Each accepted traffic connection carries it as a channel attribute; once
 * it has started, the HTTP/1 stage answers with {@code Connection: close} and closes after the answer, and each HTTP/2
 * connection has sent GOAWAY through the action it registered here.
 */
public final class Drain {

    static final AttributeKey<Drain> KEY = AttributeKey.valueOf(Drain.class, "drain");

    /** For a connection no listener accepted (a test's embedded channel): it never drains. */
    private static final Drain NEVER = new Drain();

    private final Map<Channel, Runnable> onStart = new ConcurrentHashMap<>();
    private volatile boolean started;

    /** The drain of the listener that accepted {@code channel}. */
    public static Drain of(Channel channel) {
        Drain drain = channel.attr(KEY).get();
        return drain == null ? NEVER : drain;
    }

    /** Marks a connection as one this drain governs. */
    public void govern(Channel channel) {
        channel.attr(KEY).set(this);
    }

    public boolean started() {
        return started;
    }

    /**
     * Runs {@code action} on the channel's event loop when the drain starts, or at once if it has; forgotten if the
     * channel closes first.
     */
    public void whenStarted(Channel channel, Runnable action) {
        if (this == NEVER) {
            return;
        }
        onStart.put(channel, action);
        channel.closeFuture().addListener(closed -> onStart.remove(channel));
        if (started) {
            runFor(channel);
        }
    }

    /** Starts the drain; later calls do nothing more. */
    public void start() {
        started = true;
        onStart.keySet().forEach(this::runFor);
    }

    /** Runs a channel's action once: whichever of start and whenStarted removes it runs it. */
    private void runFor(Channel channel) {
        Runnable action = onStart.remove(channel);
        if (action != null) {
            channel.eventLoop().execute(action);
        }
    }
}
