package dev.tandem.it.app;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Small helpers shared by the pod application's servers and clients: addresses, reply words, waiting. */
final class Wire {

    /** How long a client waits for a TCP connection. */
    static final int CONNECT_TIMEOUT_MS = 5_000;
    /** How long a client waits without progress before it reports a timeout. */
    static final int TIMEOUT_MS = 30_000;

    private Wire() {
    }

    /**
     * The peer's IP as a literal, IPv6 in its short form (RFC 5952: {@code fd00:200::2}, as the pods' addresses are
     * written); an IPv4-mapped IPv6 address is reported as the IPv4 address it maps.
     */
    static String ip(SocketAddress address) {
        if (!(address instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return "none";
        }
        try {
            // getByAddress turns ::ffff:a.b.c.d into a.b.c.d.
            return NetUtil.toAddressString(InetAddress.getByAddress(inet.getAddress().getAddress()));
        } catch (UnknownHostException e) {
            return NetUtil.toAddressString(inet.getAddress());
        }
    }

    /** host:port as it goes in a Host header or a URI, with an IPv6 literal in brackets. */
    static String authority(InetSocketAddress target) {
        String host = target.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + target.getPort();
    }

    /** A value as one word of a reply: "none" when absent, spaces as underscores, never a line break. */
    static String word(String value) {
        if (value == null || value.isEmpty()) {
            return "none";
        }
        return value.replaceAll("[\\r\\n]+", " ").strip().replace(' ', '_');
    }

    /** The first line of a text, for replies that quote a body. */
    static String firstLine(String text) {
        String line = text.lines().findFirst().orElse("");
        return line.strip();
    }

    /** A note in the application's log (stderr): stdout carries only replies. */
    static void log(String what, Throwable cause) {
        System.err.println(java.time.Instant.now() + " " + what + ": " + cause);
    }

    static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** The cause worth reporting, as one word. */
    static String error(Throwable e) {
        Throwable cause = e;
        while ((cause instanceof ExecutionException || cause instanceof java.util.concurrent.CompletionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return word(String.valueOf(cause));
    }

    /** When something last happened on a transfer: a long transfer fails only when it stalls, not when it is slow. */
    static final class Progress {
        private volatile long last = System.nanoTime();

        void touch() {
            last = System.nanoTime();
        }

        long idleMillis() {
            return millisSince(last);
        }
    }

    /** Waits for {@code done} while {@code progress} keeps moving; times out after {@code idleMillis} of stillness. */
    static <T> T await(CompletableFuture<T> done, Progress progress, long idleMillis)
            throws InterruptedException, ExecutionException, TimeoutException {
        while (true) {
            try {
                return done.get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillRunning) {
                if (progress.idleMillis() > idleMillis) {
                    throw new TimeoutException("no progress in " + idleMillis + " ms");
                }
            }
        }
    }
}
