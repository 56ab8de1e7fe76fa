package dev.tandem.core.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The checks both directions' decoders add to Netty's (which already refuses bare LF line ends with strict line
 * parsing, control characters in names and differing duplicate Content-Length, and whitespace before a colon in a
 * request; in a response Netty strips that whitespace, so the field is read, and forwarded, by its trimmed name): a
 * folded header line (obs-fold), Content-Length beside Transfer-Encoding, any transfer coding but one "chunked", any
 * at all in an HTTP/1.0 message, and too many header fields. These are the forms a request can take to be read one way
 * by a proxy and another by the server.
 */
final class HeadRules {

    private final HttpResponseStatus refusal;
    private final HttpResponseStatus tooLarge;
    private final int maxHeaders;
    private boolean expectingHead = true;
    private boolean headStarted;

    /**
     * @param refusal the status for a message that could smuggle: 400 for requests, 502 for responses
     * @param tooLarge the status for a head with too many fields: 431 for requests, 502 for responses
     */
    HeadRules(HttpResponseStatus refusal, HttpResponseStatus tooLarge, int maxHeaders) {
        this.refusal = refusal;
        this.tooLarge = tooLarge;
        this.maxHeaders = maxHeaders;
    }

    /**
     * When the bytes fold a line of the head being read: the rest of the connection's bytes are skipped, and the
     * message {@code invalid} makes, marked with why, goes on in their place; answers whether that happened.
     */
    boolean rejectFolded(ByteBuf in, List<Object> out, Supplier<? extends HttpMessage> invalid) {
        MessageRejected folded = scanFolding(in);
        if (folded == null) {
            return false;
        }
        in.skipBytes(in.readableBytes());
        HttpMessage message = invalid.get();
        reject(message, folded);
        out.add(message);
        return true;
    }

    /**
     * Before Netty's decoder sees the bytes: while a head is being read, no line may start with a space or tab.
     * Netty consumes heads whole lines at a time, so the reader index is at a line start; the scan stops at the empty
     * line that ends the head, as what follows is body. Returns the refusal, or null.
     */
    private MessageRejected scanFolding(ByteBuf in) {
        if (!expectingHead) {
            return null;
        }
        int end = in.writerIndex();
        boolean lineStart = true;
        boolean seenLine = headStarted;
        for (int i = in.readerIndex(); i < end; i++) {
            byte b = in.getByte(i);
            if (lineStart) {
                if ((b == ' ' || b == '\t') && seenLine) {
                    return new MessageRejected(refusal, "a header line is folded (obs-fold)");
                }
                if (b == '\r' || b == '\n') {
                    if (seenLine) {
                        return null;
                    }
                } else {
                    seenLine = true;
                }
            }
            lineStart = b == '\n';
        }
        return null;
    }

    /** After Netty's decoder ran: if it consumed part of a head, the next line continues that head. */
    void consumed(int before, int after) {
        if (expectingHead && after > before) {
            headStarted = true;
        }
    }

    /** After Netty decoded a head: the checks that need it whole. */
    void checkHead(HttpMessage message) {
        expectingHead = false;
        if (message.decoderResult().isFailure()) {
            return;
        }
        List<String> codings = message.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (!codings.isEmpty() && message.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            // RFC 9112 section 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
            reject(message, new MessageRejected(refusal, "Transfer-Encoding in an HTTP/1.0 message"));
            return;
        }
        if (!codings.isEmpty()) {
            String joined = String.join(",", codings).toLowerCase(Locale.ROOT).replace(" ", "").replace("\t", "");
            if (!joined.equals("chunked")) {
                reject(message, new MessageRejected(refusal, "transfer coding \"" + String.join(", ", codings)
                        + "\" is not a single chunked"));
                return;
            }
        }
        if (message.headers().size() > maxHeaders) {
            reject(message, new MessageRejected(tooLarge, "more than " + maxHeaders + " header fields"));
        }
    }

    /** Netty quietly drops Content-Length when Transfer-Encoding is present; this refuses the message instead. */
    void contentLengthWithTransferEncoding(HttpMessage message) {
        reject(message, new MessageRejected(refusal, "Content-Length together with Transfer-Encoding"));
    }

    /** True while a head is awaited and part of it was read, or, with {@code bytesPending}, is waiting to be. */
    boolean headUnderway(boolean bytesPending) {
        return expectingHead && (headStarted || bytesPending);
    }

    /** A message ended; the next bytes are a head again. */
    void messageEnded() {
        expectingHead = true;
        headStarted = false;
    }

    static void reject(HttpMessage message, MessageRejected why) {
        if (message.decoderResult().isSuccess()) {
            message.setDecoderResult(DecoderResult.failure(why));
        }
    }
}
