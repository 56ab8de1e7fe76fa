package dev.tandem.core.detect;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Decides a connection's protocol from the bytes it has sent so far, without consuming them. Answers null while more
 * bytes are needed; after {@link #MAX_BYTES} bytes without a decision, the answer is TCP.
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

    private static boolean startsLike(ByteBuf in, byte[] prefix) {
        int n = Math.min(in.readableBytes(), prefix.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** {@code token SP request-target SP HTTP/1.x}, ended by LF (the decoder insists on CRLF later). */
    private static Detected http1(ByteBuf in) {
        int start = in.readerIndex();
        int end = in.writerIndex();
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
