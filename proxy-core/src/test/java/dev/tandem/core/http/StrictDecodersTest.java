package dev.tandem.core.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.tandem.core.config.HttpLimits;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every request form that could be read one way by the proxy and another by the server is refused with its status,
 * whether it arrives whole or a byte at a time; a well-formed request passes untouched. Responses likewise, as 502.
 */
class StrictDecodersTest {

    private static final HttpLimits LIMITS = new HttpLimits(Duration.ofSeconds(10), Duration.ZERO, 1024, 10);

    /** What the decoder produced: the head's outcome, the body bytes that followed it, and how the body ended. */
    private record Decoded(HttpMessage head, String body, String end) {
    }

    private static List<Decoded> decode(EmbeddedChannel channel, String bytes, boolean oneByteAtATime) {
        byte[] raw = bytes.getBytes(StandardCharsets.ISO_8859_1);
        if (oneByteAtATime) {
            for (byte b : raw) {
                channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
            }
        } else {
            channel.writeInbound(Unpooled.wrappedBuffer(raw));
        }
        List<Decoded> out = new ArrayList<>();
        HttpMessage head = null;
        StringBuilder body = new StringBuilder();
        for (HttpObject o; (o = channel.readInbound()) != null; ) {
            if (o instanceof HttpMessage message) {
                head = message;
            }
            if (o instanceof HttpContent content) {
                body.append(content.content().toString(StandardCharsets.ISO_8859_1));
            }
            if (o instanceof LastHttpContent || head != null && head.decoderResult().isFailure()) {
                String end = o.decoderResult().isSuccess() ? "ok" : o.decoderResult().cause().getClass().getSimpleName();
                out.add(new Decoded(head, body.toString(), end));
                head = null;
                body.setLength(0);
            }
            ReferenceCountUtil.release(o);
        }
        channel.finishAndReleaseAll();
        return out;
    }

    private static String status(Decoded decoded) {
        return decoded.head().decoderResult().isSuccess() ? "ok"
                : String.valueOf(decoded.head().decoderResult().cause() instanceof MessageRejected r ? r.status().code()
                        : decoded.head().decoderResult().cause().getClass().getSimpleName());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 5\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n|400",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: 5\\r\\nContent-Length: 6\\r\\n\\r\\nhello!|IllegalArgumentException",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: gzip, chunked\\r\\n\\r\\n0\\r\\n\\r\\n|400",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n|400",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: chunked, chunked\\r\\n\\r\\n0\\r\\n\\r\\n|400",
        "POST / HTTP/1.1\\r\\nHost: x\\r\\nTransfer-Encoding: xchunked\\r\\n\\r\\n0\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\nHost: x\\r\\nX-Foo: a\\r\\n  folded\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\nHost: x\\r\\nX-Foo : a\\r\\n\\r\\n|IllegalArgumentException",
        "GET / HTTP/1.1\\nHost: x\\n\\n|InvalidLineSeparatorException",
        "GET / HTTP/1.1\\r\\nHost: x\\nX: y\\r\\n\\r\\n|InvalidLineSeparatorException",
        "GET / HTTP/1.1\\r\\n\\r\\n|400",
        "GET / HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n|400",
        "POST / HTTP/1.0\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n3\\r\\nabc\\r\\n0\\r\\n\\r\\n|400",
        "POST / HTTP/1.0\\r\\nHost: x\\r\\nTransfer-Encoding: chunked\\r\\nContent-Length: 3\\r\\n\\r\\nabc|400",
        "GET / HTTP/1.1\\r\\nHost: x\\r\\nA: 1\\r\\nB: 1\\r\\nC: 1\\r\\nD: 1\\r\\nE: 1\\r\\nF: 1\\r\\nG: 1\\r\\nH: 1\\r\\nI: 1\\r\\nJ: 1\\r\\n\\r\\n|431",
    })
    void requestsThatCouldSmuggleAreRefusedWholeOrFragmented(String request, String expected) {
        String bytes = request.replace("\\r", "\r").replace("\\n", "\n");
        for (boolean fragmented : new boolean[] {false, true}) {
            List<Decoded> decoded = decode(new EmbeddedChannel(new StrictRequestDecoder(LIMITS)), bytes, fragmented);

            assertThat(decoded).as("fragmented=" + fragmented).isNotEmpty();
            assertThat(status(decoded.get(0))).as("fragmented=" + fragmented + ": " + request).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aTooLargeHeadIsTooLarge(boolean fragmented) {
        String bytes = "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(2000) + "\r\n\r\n";

        List<Decoded> decoded = decode(new EmbeddedChannel(new StrictRequestDecoder(LIMITS)), bytes, fragmented);

        assertThat(status(decoded.get(0))).isEqualTo("TooLongHttpHeaderException");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void wellFormedPipelinedRequestsPassWithTheirBodies(boolean fragmented) {
        String bytes = "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                + "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: t\r\n\r\n"
                + "GET /c HTTP/1.0\r\n\r\n";

        List<Decoded> decoded = decode(new EmbeddedChannel(new StrictRequestDecoder(LIMITS)), bytes, fragmented);

        assertThat(decoded).extracting(StrictDecodersTest::status).containsExactly("ok", "ok", "ok");
        assertThat(decoded).extracting(Decoded::body).containsExactly("hello", "abc", "");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "HTTP/1.1 200 OK\\r\\nContent-Length: 5\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n|502",
        "HTTP/1.1 200 OK\\r\\nX-Foo: a\\r\\n  injected: yes\\r\\nContent-Length: 0\\r\\n\\r\\n|502",
        "HTTP/1.1 200 OK\\r\\nTransfer-Encoding: identity\\r\\n\\r\\n|502",
        "HTTP/1.1 200 OK\\nContent-Length: 0\\n\\n|InvalidLineSeparatorException",
        "HTTP/1.0 200 OK\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n2\\r\\nok\\r\\n0\\r\\n\\r\\n|502",
        "HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok|ok",
    })
    void responsesThatCouldSplitOrSmuggleAreRefused(String response, String expected) {
        String bytes = response.replace("\\r", "\r").replace("\\n", "\n");
        for (boolean fragmented : new boolean[] {false, true}) {
            EmbeddedChannel channel = new EmbeddedChannel(new Http1ClientCodec(LIMITS));
            channel.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
            channel.releaseOutbound();

            List<Decoded> decoded = decode(channel, bytes, fragmented);

            assertThat(status(decoded.get(0))).as("fragmented=" + fragmented + ": " + response).isEqualTo(expected);
        }
    }

    private static final String CHUNKED_POST = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

    @ParameterizedTest
    @ValueSource(strings = {"3\r\nabcXX0\r\n\r\n", "3\nabc\r\n0\r\n\r\n", "3\r\nabc\n0\r\n\r\n", "zz\r\nabc\r\n0\r\n\r\n",
            "3\r\nabc\r\n0\r\nX-T: a\nY: b\r\n\r\n", "3\r\nabc\r\n0\r\nX-T : a\r\n\r\n"})
    void aRequestBodyWithABadChunkOrTrailerLineEndsFailedAndNothingAfterItIsRead(String body) {
        String bytes = CHUNKED_POST + body + "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";
        for (boolean fragmented : new boolean[] {false, true}) {
            List<Decoded> decoded = decode(new EmbeddedChannel(new StrictRequestDecoder(LIMITS)), bytes, fragmented);

            assertThat(decoded).as("fragmented=" + fragmented + ": " + body).hasSize(1);
            assertThat(status(decoded.get(0))).isEqualTo("ok");
            assertThat(decoded.get(0).end()).as("fragmented=" + fragmented + ": " + body).isNotEqualTo("ok");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"2\nok\r\n0\r\n\r\n", "2\r\nokXX0\r\n\r\n", "2\r\nok\r\n0\r\nX-T: a\nY: b\r\n\r\n"})
    void aResponseBodyWithABadChunkOrTrailerLineEndsFailedAndNothingAfterItIsRead(String body) {
        String bytes = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body
                + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        for (boolean fragmented : new boolean[] {false, true}) {
            EmbeddedChannel channel = new EmbeddedChannel(new Http1ClientCodec(LIMITS));
            channel.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
            channel.writeOutbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
            channel.releaseOutbound();

            List<Decoded> decoded = decode(channel, bytes, fragmented);

            assertThat(decoded).as("fragmented=" + fragmented + ": " + body).hasSize(1);
            assertThat(decoded.get(0).end()).as("fragmented=" + fragmented + ": " + body).isNotEqualTo("ok");
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void wellFormedChunkedBodiesWithTrailersEndWhole(boolean fragmented) {
        String bytes = CHUNKED_POST + "3\r\nabc\r\n2;ext\r\nde\r\n0\r\nX-T: a\r\n\r\n";

        List<Decoded> decoded = decode(new EmbeddedChannel(new StrictRequestDecoder(LIMITS)), bytes, fragmented);

        assertThat(decoded).extracting(Decoded::body, Decoded::end).containsExactly(tuple("abcde", "ok"));
    }
}
