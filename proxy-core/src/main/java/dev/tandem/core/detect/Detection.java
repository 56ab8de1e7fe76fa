package dev.tandem.core.detect;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Decides a connection's protocol from the bytes it has sent so far, without consuming them. Answers null while more
 * bytes are needed; after {@link #MAX_BYTES} bytes without a decision, the answer is TCP. A request of a known method
 * is HTTP/1 as soon as its method, a space and the start of its target have arrived, so that the HTTP/1 stage, not a
 * raw relay, judges the rest of it: a request line too long is answered 414, one that never ends 408.
 */
public final class Detection {

    /** The outcome: the protocol, and the server name a TLS client asked for (null when none). */
    public record Detected(Protocol protocol, String sni) {
        static final Detected TCP = new Detected(Protocol.TCP, null);
        static final Detected HTTP1 = new Detected(Protocol.HTTP1, null);
        static final Detected HTTP2 = new Detected(Protocol.HTTP2, null);
    }

    /** Enough for the longest request line an HTTP client sends, and for a whole TLS record. */
    public static final int MAX_BYTES = 16 * 1024 + 5;

    private static final byte[] H2_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_REQUEST_LINE = 8 * 1024;
    private static final int TLS_HANDSHAKE = 0x16;
    /** The methods of RFC 9110, PATCH (RFC 5789) and WebDAV's (RFC 4918). */
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
            "TRACE", "PATCH", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK");
    private static final int LONGEST_METHOD = 9;

    private Detection() {
    }

    public static Detected examine(ByteBuf in) {
        int n = in.readableBytes();
        if (n == 0) {
            return null;
        }
        int start = in.readerIndex();
        int first = in.getUnsignedByte(start);
        if (first == TLS_HANDSHAKE) {
            return tls(in);
        }
        if (first == 'P' && startsLike(in, H2_PREFACE)) {
            return n < H2_PREFACE.length ? null : Detected.HTTP2;
        }
        return http1(in);
    }

    /**
     * The answer when no more bytes are coming for now (the client paused past the timeout, or half-closed): HTTP/1 if
     * what arrived can still begin a request of a known method, as a client trickling its request line is still an
     * HTTP client; otherwise TCP, or what the bytes already showed.
     */
    public static Detected settle(ByteBuf in) {
        Detected detected = examine(in);
        if (detected != null) {
            return detected;
        }
        return in.isReadable() && mayBeginKnownRequest(in) ? Detected.HTTP1 : Detected.TCP;
    }

    private static boolean startsLike(ByteBuf in, byte[] prefix) {
        int n = Math.min(in.readableBytes(), prefix.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Empty lines, which a server ignores before a request line (RFC 9112 section 2.2), then {@code method SP target}
     * for a known method, or {@code token SP request-target SP HTTP/1.x} ended by LF for any other token (the decoder
     * insists on CRLF later).
     */
    private static Detected http1(ByteBuf in) {
        int start = afterEmptyLines(in);
        int end = in.writerIndex();
        if (start == end) {
            return undecided(in);
        }
        int i = start;
        while (i < end && isTchar(in.getByte(i))) {
            i++;
        }
        if (i == start) {
            return Detected.TCP;
        }
        if (i == end) {
            return undecided(in);
        }
        if (in.getByte(i) != ' ') {
            return Detected.TCP;
        }
        if (METHODS.contains(in.toString(start, i - start, StandardCharsets.US_ASCII))) {
            return i + 1 == end ? null : isTargetStart(in.getByte(i + 1)) ? Detected.HTTP1 : Detected.TCP;
        }
        int lf = in.indexOf(i, Math.min(end, start + MAX_REQUEST_LINE), (byte) '\n');
        if (lf < 0) {
            for (int j = i + 1; j < end; j++) {
                byte b = in.getByte(j);
                if (b < 0x20 && b != '\r' || b == 0x7f) {
                    return Detected.TCP;
                }
            }
            return end - start >= MAX_REQUEST_LINE ? Detected.TCP : null;
        }
        int lineEnd = lf > start && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
        String line = in.toString(start, lineEnd - start, StandardCharsets.ISO_8859_1);
        int lastSpace = line.lastIndexOf(' ');
        String version = line.substring(lastSpace + 1);
        boolean http1 = lastSpace > i - start && (version.equals("HTTP/1.1") || version.equals("HTTP/1.0"));
        return http1 ? Detected.HTTP1 : Detected.TCP;
    }

    private static int afterEmptyLines(ByteBuf in) {
        int i = in.readerIndex();
        while (i < in.writerIndex() && (in.getByte(i) == '\r' || in.getByte(i) == '\n')) {
            i++;
        }
        return i;
    }

    /** Origin form ("/"), asterisk form, absolute form (a scheme), authority form (a host, or "[" of an IPv6 one). */
    private static boolean isTargetStart(byte b) {
        return b == '/' || b == '*' || b == '[' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9';
    }

    /** Empty lines, then a prefix of a known method, or of one and its space. */
    private static boolean mayBeginKnownRequest(ByteBuf in) {
        int start = afterEmptyLines(in);
        int length = in.writerIndex() - start;
        if (length == 0) {
            return true;
        }
        if (length > LONGEST_METHOD + 1) {
            return false;
        }
        String sent = in.toString(start, length, StandardCharsets.US_ASCII);
        for (String method : METHODS) {
            if ((method + " ").startsWith(sent)) {
                return true;
            }
        }
        return false;
    }

    private static Detected undecided(ByteBuf in) {
        return in.readableBytes() >= MAX_REQUEST_LINE ? Detected.TCP : null;
    }

    /** RFC 9110 token characters, which a method is made of. */
    private static boolean isTchar(byte b) {
        return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
                || "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
    }

    /** A TLS record carrying a handshake: read the ClientHello's server_name extension once the record is whole. */
    private static Detected tls(ByteBuf in) {
        int start = in.readerIndex();
        int n = in.readableBytes();
        if (n < 5) {
            return n >= 2 && in.getUnsignedByte(start + 1) != 3 ? Detected.TCP : null;
        }
        if (in.getUnsignedByte(start + 1) != 3) {
            return Detected.TCP;
        }
        int length = in.getUnsignedShort(start + 3);
        if (n < 5 + length) {
            return 5 + length > MAX_BYTES ? new Detected(Protocol.TLS, null) : null;
        }
        return new Detected(Protocol.TLS, ClientHello.serverName(in.slice(start + 5, length)));
    }
}
