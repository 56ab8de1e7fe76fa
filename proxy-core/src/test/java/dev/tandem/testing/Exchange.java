package dev.tandem.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * A client's view of one connection, as an application would have it: what it sent, what came back, and how it ended.
 * Used on loopback in module tests and inside network namespaces by the scenario tests' pod application.
 */
public record Exchange(Outcome outcome, long sent, long received, boolean echoed, long millis, String detail) {

    /** How a connection attempt ended, as the client saw it. */
    public enum Outcome { COMPLETED, REFUSED, RESET, TIMEOUT, ERROR }

    /**
     * Sends {@code bytes} of a seeded pseudo-random stream while reading concurrently, half-closes after the last byte,
     * then reads until the server's FIN. {@code echoed} says the bytes that came back are exactly those sent.
     */
    public static Exchange echo(InetSocketAddress server, long bytes, int timeoutMillis) {
        long start = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.setSoTimeout(timeoutMillis);
            socket.connect(server, timeoutMillis);
            CompletableFuture<byte[]> sentDigest = CompletableFuture.supplyAsync(() -> send(socket, bytes));
            MessageDigest received = sha256();
            long count = 0;
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                received.update(buffer, 0, n);
                count += n;
            }
            byte[] sent = sentDigest.join();
            boolean exact = count == bytes && Arrays.equals(sent, received.digest());
            return new Exchange(Outcome.COMPLETED, bytes, count, exact, millisSince(start), "");
        } catch (IOException | RuntimeException e) {
            return failed(e, start);
        }
    }

    /** Connects and reports how that went: for calls expected to fail, and how fast. */
    public static Exchange attempt(InetSocketAddress server, int timeoutMillis) {
        return echo(server, 5, timeoutMillis);
    }

    private static Exchange failed(Exception e, long start) {
        Throwable cause = e;
        while (cause.getCause() != null && !(cause instanceof IOException)) {
            cause = cause.getCause();
        }
        Outcome outcome;
        if (cause instanceof ConnectException) {
            outcome = Outcome.REFUSED;
        } else if (cause instanceof SocketTimeoutException) {
            outcome = Outcome.TIMEOUT;
        } else if (cause instanceof SocketException && String.valueOf(cause.getMessage()).toLowerCase().contains("reset")) {
            outcome = Outcome.RESET;
        } else {
            outcome = Outcome.ERROR;
        }
        return new Exchange(outcome, 0, 0, false, millisSince(start), String.valueOf(cause));
    }

    private static byte[] send(Socket socket, long bytes) {
        try {
            OutputStream out = socket.getOutputStream();
            MessageDigest digest = sha256();
            Random random = new Random(bytes);
            byte[] chunk = new byte[64 * 1024];
            for (long left = bytes; left > 0; ) {
                random.nextBytes(chunk);
                int n = (int) Math.min(chunk.length, left);
                out.write(chunk, 0, n);
                digest.update(chunk, 0, n);
                left -= n;
            }
            socket.shutdownOutput();
            return digest.digest();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long millisSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** One line, for the pod application's replies and for assertion messages. */
    public String line() {
        return outcome + " sent=" + sent + " received=" + received + " echoed=" + echoed + " ms=" + millis
                + (detail.isEmpty() ? "" : " detail=" + detail.replace(' ', '_'));
    }

    public static Exchange parse(String line) {
        String[] words = line.strip().split(" ");
        var fields = new java.util.HashMap<String, String>();
        for (int i = 1; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            fields.put(words[i].substring(0, eq), words[i].substring(eq + 1));
        }
        return new Exchange(Outcome.valueOf(words[0]), Long.parseLong(fields.get("sent")),
                Long.parseLong(fields.get("received")), Boolean.parseBoolean(fields.get("echoed")),
                Long.parseLong(fields.get("ms")), fields.getOrDefault("detail", ""));
    }
}
