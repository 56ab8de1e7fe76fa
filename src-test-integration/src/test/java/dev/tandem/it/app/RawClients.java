package dev.tandem.it.app;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Clients on plain sockets, for the tests that need exact bytes on the wire: arbitrary requests ({@code raw}), one
 * keep-alive connection for many requests, and an HTTP/1.0 request. They read just enough HTTP/1.x to know where a
 * response ends.
 */
final class RawClients {

    private RawClients() {
    }

    /**
     * Writes {@code request}, half-closes unless {@code keepOpen}, and returns everything received until EOF or until
     * {@code waitMillis} pass without data, base64-encoded. A connect failure or reset ends the read early; the
     * detail goes to stderr so the reply stays pure base64.
     */
    static String raw(InetSocketAddress target, byte[] request, long waitMillis, boolean keepOpen) {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + (Wire.TIMEOUT_MS + waitMillis) * 1_000_000L;
        try (Socket socket = connect(target)) {
            socket.setSoTimeout((int) Math.max(1, waitMillis));
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            if (!keepOpen) {
                socket.shutdownOutput();
            }
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[16 * 1024];
            while (System.nanoTime() < deadline) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (SocketTimeoutException idle) {
                    break;
                }
                if (n < 0) {
                    break;
                }
                received.write(buffer, 0, n);
            }
        } catch (IOException e) {
            Wire.log("raw " + target, e);
        }
        return Base64.getEncoder().encodeToString(received.toByteArray());
    }

    /**
     * {@code n} GETs of {@code path}, one after the other, on one keep-alive connection as long as the server keeps
     * it: a new connection only after the server closed the last one.
     */
    static String keepAlive(InetSocketAddress target, int n, String path) {
        List<String> statuses = new ArrayList<>();
        int connections = 0;
        String error = null;
        Connection connection = null;
        try {
            for (int i = 0; i < n; i++) {
                boolean reused = connection != null;
                if (connection == null) {
                    connection = new Connection(connect(target));
                    connections++;
                }
                Response response = connection.get(target, path);
                if (response == null && reused) {
                    // The server closed the idle connection before it saw this request: retry on a new one.
                    connection.close();
                    connection = new Connection(connect(target));
                    connections++;
                    response = connection.get(target, path);
                }
                if (response == null) {
                    statuses.add("none");
                    error = "closed_before_a_response";
                    break;
                }
                statuses.add(String.valueOf(response.status()));
                if (response.closes()) {
                    connection.close();
                    connection = null;
                }
            }
        } catch (IOException e) {
            error = Wire.error(e);
        } finally {
            if (connection != null) {
                connection.close();
            }
        }
        return "statuses=" + String.join(",", statuses) + " connections=" + connections
                + (error == null ? "" : " error=" + error);
    }

    /** A socket and its buffered input, kept together so no read-ahead is lost between responses. */
    private record Connection(Socket socket, BufferedInputStream in) {

        Connection(Socket socket) throws IOException {
            this(socket, new BufferedInputStream(socket.getInputStream()));
        }

        /** Sends one GET, returns its response, or null if the connection ended before a response began. */
        Response get(InetSocketAddress target, String path) throws IOException {
            try {
                write(socket, "GET " + path + " HTTP/1.1\r\nHost: " + Wire.authority(target) + "\r\n\r\n");
                return Response.read(in, false);
            } catch (SocketException e) {
                String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
                if (message.contains("reset") || message.contains("broken pipe")) {
                    return null;
                }
                throw e;
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing left to do with it
            }
        }
    }

    /**
     * An HTTP/1.0 GET (with a Host header, as HTTP/1.0 clients send) asking for no keep-alive; reads the response,
     * then whether the server closes the connection after it.
     */
    static String http10(InetSocketAddress target, String path) {
        try (Socket socket = connect(target)) {
            write(socket, "GET " + path + " HTTP/1.0\r\nHost: " + Wire.authority(target) + "\r\n\r\n");
            BufferedInputStream in = new BufferedInputStream(socket.getInputStream());
            Response response = Response.read(in, false);
            if (response == null) {
                return "status=none version=none closed=true body=";
            }
            boolean closed = response.readToEof();
            if (!closed) {
                socket.setSoTimeout(2_000);
                try {
                    closed = in.read() < 0;
                } catch (SocketTimeoutException stillOpen) {
                    closed = false;
                } catch (SocketException reset) {
                    closed = true;
                }
            }
            return "status=" + response.status() + " version=" + response.version() + " closed=" + closed
                    + " body=" + response.bodyLine();
        } catch (IOException e) {
            return "status=none version=none closed=false body= error=" + Wire.error(e);
        }
    }

    static Socket connect(InetSocketAddress target) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setSoTimeout(Wire.TIMEOUT_MS);
            socket.setTcpNoDelay(true);
            socket.connect(target, Wire.CONNECT_TIMEOUT_MS);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private static void write(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** A response as read off the wire: status line, the headers that frame it, and its body's first line. */
    record Response(String version, int status, boolean closes, boolean readToEof, String bodyLine) {

        /**
         * Reads one response, skipping 1xx ones; null if the stream ended (or was reset) before any byte of it.
         * The body is read by Content-Length, chunks (and trailers) or to EOF; only its first line is kept.
         */
        static Response read(InputStream in, boolean head) throws IOException {
            String statusLine = line(in);
            if (statusLine == null) {
                return null;
            }
            while (true) {
                String[] parts = statusLine.split(" ", 3);
                if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                    throw new IOException("not an HTTP status line: " + statusLine);
                }
                int status = Integer.parseInt(parts[1]);
                String connection = "";
                String transferEncoding = "";
                long contentLength = -1;
                for (String header; (header = line(in)) != null && !header.isEmpty(); ) {
                    int colon = header.indexOf(':');
                    String name = header.substring(0, Math.max(colon, 0)).strip().toLowerCase(Locale.ROOT);
                    String value = header.substring(colon + 1).strip();
                    switch (name) {
                        case "connection" -> connection += "," + value.toLowerCase(Locale.ROOT);
                        case "transfer-encoding" -> transferEncoding += value.toLowerCase(Locale.ROOT);
                        case "content-length" -> contentLength = Long.parseLong(value);
                        default -> {
                        }
                    }
                }
                if (status >= 100 && status < 200 && status != 101) {
                    statusLine = line(in);
                    if (statusLine == null) {
                        throw new IOException("connection ended after " + status);
                    }
                    continue;
                }
                Body body = new Body();
                boolean toEof = false;
                if (head || status == 204 || status == 304) {
                    // no body
                } else if (transferEncoding.contains("chunked")) {
                    readChunks(in, body);
                } else if (contentLength >= 0) {
                    body.copy(in, contentLength);
                } else {
                    body.copy(in, Long.MAX_VALUE);
                    toEof = true;
                }
                boolean closes = toEof || connection.contains("close")
                        || (parts[0].equals("HTTP/1.0") && !connection.contains("keep-alive"));
                return new Response(parts[0], status, closes, toEof, body.firstLine());
            }
        }

        private static void readChunks(InputStream in, Body body) throws IOException {
            while (true) {
                String sizeLine = line(in);
                if (sizeLine == null) {
                    throw new IOException("connection ended inside a chunked body");
                }
                int semicolon = sizeLine.indexOf(';');
                long size = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).strip(), 16);
                if (size == 0) {
                    for (String trailer; (trailer = line(in)) != null && !trailer.isEmpty(); ) {
                        // trailers are not needed here
                    }
                    return;
                }
                body.copy(in, size);
                line(in);
            }
        }

        /** A line up to LF, without CR LF; null at EOF before any byte (or on a reset before any byte). */
        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                int b;
                try {
                    b = in.read();
                } catch (SocketException reset) {
                    if (line.size() == 0) {
                        return null;
                    }
                    throw reset;
                }
                if (b < 0) {
                    return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
                }
                if (b == '\n') {
                    String text = line.toString(StandardCharsets.ISO_8859_1);
                    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
                }
                line.write(b);
            }
        }
    }

    /** Reads a body through, keeping the start of it for the reply. */
    private static final class Body {
        private final ByteArrayOutputStream head = new ByteArrayOutputStream();

        void copy(InputStream in, long length) throws IOException {
            byte[] buffer = new byte[8192];
            for (long left = length; left > 0; ) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    if (length == Long.MAX_VALUE) {
                        return;
                    }
                    throw new IOException("connection ended " + left + " bytes before the end of the body");
                }
                if (head.size() < 1024) {
                    head.write(buffer, 0, Math.min(n, 1024 - head.size()));
                }
                left -= n;
            }
        }

        String firstLine() {
            return Wire.firstLine(head.toString(StandardCharsets.UTF_8));
        }
    }
}
