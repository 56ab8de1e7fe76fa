package dev.tandem.it.app;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Clients for the scenarios of a sidecar's lifecycle and admin API: a POST (admin endpoints that change the proxy
 * answer only POST), and two requests on one keep-alive connection with a pause between them, to see what a drain
 * that starts during the pause does to the connection.
 */
final class LifecycleClients {

    private LifecycleClients() {
    }

    /** {@code STATUS BODY}, as {@code get} answers, for a POST with an empty body. */
    static String post(InetSocketAddress target, String path) throws IOException {
        URI uri = URI.create("http://" + Wire.authority(target) + path);
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
        connection.setConnectTimeout(Wire.CONNECT_TIMEOUT_MS);
        connection.setReadTimeout(5_000);
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.getOutputStream().close();
        int status = connection.getResponseCode();
        InputStream stream = status < 400 ? connection.getInputStream() : connection.getErrorStream();
        String body = stream == null ? "" : new String(stream.readAllBytes(), StandardCharsets.UTF_8).strip();
        return status + " " + body;
    }

    /** {@code ok=N of=COUNT}: COUNT POSTs one after another, each with a body of {@code bytes} bytes; ok counts 200s. */
    static String posts(InetSocketAddress target, String path, int bytes, int count) throws IOException {
        URI uri = URI.create("http://" + Wire.authority(target) + path);
        byte[] body = new byte[bytes];
        java.util.Arrays.fill(body, (byte) 'x');
        int ok = 0;
        for (int i = 0; i < count; i++) {
            HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
            connection.setConnectTimeout(Wire.CONNECT_TIMEOUT_MS);
            connection.setReadTimeout(5_000);
            connection.setRequestMethod("POST");
            connection.setDoOutput(true);
            connection.setFixedLengthStreamingMode(bytes);
            try (var out = connection.getOutputStream()) {
                out.write(body);
            }
            ok += connection.getResponseCode() == 200 ? 1 : 0;
            InputStream stream = connection.getResponseCode() < 400 ? connection.getInputStream() : connection.getErrorStream();
            if (stream != null) {
                stream.readAllBytes();
                stream.close();
            }
        }
        return "ok=" + ok + " of=" + count;
    }

    /**
     * A GET, a pause of {@code pauseMillis}, and a second GET on the same connection unless the first answer said
     * {@code Connection: close}: {@code first=STATUS first-close=BOOL second=STATUS|none second-close=BOOL
     * closed-after=BOOL}, where closed-after says the server ended the connection after its last response.
     */
    static String twoOnOneConnection(InetSocketAddress target, String path, long pauseMillis) {
        try (Socket socket = new Socket()) {
            socket.connect(target, Wire.CONNECT_TIMEOUT_MS);
            socket.setSoTimeout(10_000);
            var in = new BufferedInputStream(socket.getInputStream());
            String request = "GET " + path + " HTTP/1.1\r\nHost: " + Wire.authority(target) + "\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            Response first = Response.read(in);
            if (first == null) {
                return "first=none";
            }
            Response second = null;
            if (!first.close()) { // as a client does: no second request on a connection the server is closing
                Thread.sleep(pauseMillis);
                socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                second = Response.read(in);
            }
            boolean closedAfter;
            socket.setSoTimeout(3_000);
            try {
                closedAfter = in.read() == -1;
            } catch (SocketTimeoutException stillOpen) {
                closedAfter = false;
            } catch (IOException reset) {
                closedAfter = true;
            }
            return "first=" + first.status() + " first-close=" + first.close()
                    + " second=" + (second == null ? "none" : second.status()) + " second-close=" + (second != null && second.close())
                    + " closed-after=" + closedAfter;
        } catch (IOException | InterruptedException e) {
            return "error=" + Wire.error(e);
        }
    }

    /** A response's status and whether it said Connection: close; its Content-Length body is read and dropped. */
    private record Response(int status, boolean close) {

        /** Null when the connection ended before a response. */
        static Response read(InputStream in) throws IOException {
            String statusLine = line(in);
            if (statusLine == null) {
                return null;
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            boolean close = false;
            long length = 0;
            for (String header; (header = line(in)) != null && !header.isEmpty(); ) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("connection:")) {
                    close = lower.contains("close");
                } else if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(lower.substring("content-length:".length()).strip());
                }
            }
            in.skipNBytes(length);
            return new Response(status, close);
        }

        private static String line(InputStream in) throws IOException {
            var line = new StringBuilder();
            for (int b; (b = in.read()) != -1; ) {
                if (b == '\n') {
                    return line.toString().stripTrailing();
                }
                line.append((char) b);
            }
            return line.length() == 0 ? null : line.toString();
        }
    }
}
