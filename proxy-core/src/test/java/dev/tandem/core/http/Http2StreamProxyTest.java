package dev.tandem.core.http;

import static dev.tandem.testing.EmbeddedWire.ascii;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.config.HttpLimits;
import dev.tandem.core.connect.UpstreamTarget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 streams through the proxy on embedded channels, the upstream connection embedded too: the frames each side
 * would see, decoded.
 */
class Http2StreamProxyTest {

    private static final HttpLimits LIMITS = new HttpLimits(Duration.ofSeconds(10), Duration.ZERO, 8192, 100);
    private static final String PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    private static final int DATA = 0x0;
    private static final int HEADERS = 0x1;
    private static final int RST_STREAM = 0x3;
    private static final int SETTINGS = 0x4;
    private static final int WINDOW_UPDATE = 0x8;
    private static final int END_STREAM = 0x1;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;
    /** Stream 1 of an embedded server channel would be taken for an upgrade. */
    private static final int STREAM = 3;

    private final EmbeddedChannel upstream = new EmbeddedChannel() {
        @Override
        protected SocketAddress localAddress0() {
            return new InetSocketAddress("10.0.0.1", 50000);
        }
    };
    private final DefaultHttp2HeadersDecoder fromProxyToClient = new DefaultHttp2HeadersDecoder(false);
    private final DefaultHttp2HeadersDecoder fromProxyToUpstream = new DefaultHttp2HeadersDecoder(false);
    private int connects;
    /** When set, the upstream connection opens only once the test completes this. */
    private ChannelPromise connecting;
    private EmbeddedChannel client;

    /** A frame as read, its payload (a header block decoded) kept as text or headers. */
    private record Frame(int type, int flags, int stream, Http2Headers headers, String data, long code) {
        boolean endStream() {
            return (flags & END_STREAM) != 0;
        }
    }

    @AfterEach
    void close() {
        if (client != null) {
            client.finishAndReleaseAll();
        }
        upstream.finishAndReleaseAll();
    }

    private EmbeddedChannel client(HttpLimits limits) throws Exception {
        client = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress("10.0.0.1", 40000);
            }
        };
        ConnectionContext.attach(client, "test").origDst(new OrigDstAddr(new InetSocketAddress("10.0.0.2", 8080)));
        Http2Pool pool = new Http2Pool((downstream, target) -> {
            connects++;
            return connecting != null ? connecting : upstream.newSucceededFuture();
        }, limits, Duration.ofMinutes(1));
        Http2ServerStage.install(client.pipeline(), new DirectRouter(dst -> UpstreamTarget.to(dst.address())),
                new PerLoop<>(() -> pool), limits);
        ByteBuf opening = ascii(PREFACE);
        frame(opening, SETTINGS, 0, 0, Unpooled.EMPTY_BUFFER);
        frame(opening, SETTINGS, ACK, 0, Unpooled.EMPTY_BUFFER);
        client.writeInbound(opening);
        frames(client, fromProxyToClient);
        return client;
    }

    private static void frame(ByteBuf out, int type, int flags, int stream, ByteBuf payload) {
        out.writeMedium(payload.readableBytes()).writeByte(type).writeByte(flags).writeInt(stream)
                .writeBytes(payload, payload.readerIndex(), payload.readableBytes());
    }

    private static ByteBuf headers(int stream, Http2Headers headers, boolean endStream) throws Exception {
        ByteBuf block = Unpooled.buffer();
        new DefaultHttp2HeadersEncoder().encodeHeaders(stream, headers, block);
        ByteBuf out = Unpooled.buffer();
        frame(out, HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), stream, block);
        block.release();
        return out;
    }

    private static ByteBuf data(int stream, String text, boolean endStream) {
        ByteBuf payload = ascii(text);
        ByteBuf out = Unpooled.buffer();
        frame(out, DATA, endStream ? END_STREAM : 0, stream, payload);
        payload.release();
        return out;
    }

    private static ByteBuf reset(int stream, int code) {
        ByteBuf out = Unpooled.buffer();
        frame(out, RST_STREAM, 0, stream, Unpooled.wrappedBuffer(new byte[] {0, 0, 0, (byte) code}));
        return out;
    }

    private static Http2Headers get(String path) {
        return new DefaultHttp2Headers().method("GET").scheme("http").path(path).authority("a");
    }

    /** The frames a channel wrote, past the connection's own (SETTINGS, WINDOW_UPDATE, PING, stream 0). */
    private static List<Frame> frames(EmbeddedChannel channel, DefaultHttp2HeadersDecoder decoder) throws Exception {
        ByteBuf all = Unpooled.buffer();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) o;
            all.writeBytes(buf);
            buf.release();
        }
        if (all.readableBytes() >= PREFACE.length()
                && all.toString(0, PREFACE.length(), StandardCharsets.ISO_8859_1).equals(PREFACE)) {
            all.skipBytes(PREFACE.length());
        }
        List<Frame> frames = new ArrayList<>();
        try {
            while (all.readableBytes() >= 9) {
                int length = all.readUnsignedMedium();
                int type = all.readUnsignedByte();
                int flags = all.readUnsignedByte();
                int stream = all.readInt() & 0x7fffffff;
                ByteBuf payload = all.readSlice(length);
                if (stream == 0) {
                    continue;
                }
                switch (type) {
                    case HEADERS -> frames.add(new Frame(type, flags, stream, decoder.decodeHeaders(stream, payload), null, 0));
                    case DATA -> frames.add(new Frame(type, flags, stream, null,
                            payload.toString(StandardCharsets.ISO_8859_1), 0));
                    case RST_STREAM, WINDOW_UPDATE -> frames.add(new Frame(type, flags, stream, null, null,
                            payload.getUnsignedInt(0)));
                    default -> {
                    }
                }
            }
        } finally {
            all.release();
        }
        return frames;
    }

    /** The upstream's side: its SETTINGS, as any server opens with. */
    private void upstreamOpens() {
        ByteBuf settings = Unpooled.buffer();
        frame(settings, SETTINGS, 0, 0, Unpooled.EMPTY_BUFFER);
        upstream.writeInbound(settings);
    }

    /** Sends a request on the client's stream and returns the stream id it has upstream. */
    private int requestReachesUpstream(Http2Headers request, boolean endStream) throws Exception {
        client.writeInbound(headers(STREAM, request, endStream));
        upstreamOpens();
        List<Frame> sent = frames(upstream, fromProxyToUpstream);
        assertThat(sent).extracting(Frame::type).contains(HEADERS);
        return sent.stream().filter(f -> f.type() == HEADERS).findFirst().orElseThrow().stream();
    }

    private static Http2Headers withFields(Http2Headers headers, int count) {
        for (int i = 0; i < count; i++) {
            headers.add("x-field-" + i, "v");
        }
        return headers;
    }

    @Test
    void aRequestWithinTheLimitsIsProxiedAndItsAnswerComesBack() throws Exception {
        client(LIMITS);
        int upstreamStream = requestReachesUpstream(withFields(get("/ok"), 99), true);

        upstream.writeInbound(headers(upstreamStream, new DefaultHttp2Headers().status("200"), false));
        upstream.writeInbound(data(upstreamStream, "hello", true));

        List<Frame> answer = frames(client, fromProxyToClient);
        assertThat(answer.get(0).headers().status()).hasToString("200");
        assertThat(answer).filteredOn(f -> f.type() == DATA).extracting(Frame::data).containsExactly("hello");
    }

    @Test
    void aRequestWithMoreHeaderFieldsThanTheLimitIsAnswered431AndNeverForwarded() throws Exception {
        client(LIMITS);

        client.writeInbound(headers(STREAM, withFields(get("/many"), 101), true));

        List<Frame> answer = frames(client, fromProxyToClient);
        assertThat(answer.get(0).headers().status()).hasToString("431");
        assertThat(answer).filteredOn(f -> f.type() == DATA).extracting(Frame::data).first().asString()
                .endsWith("(DPE)\n");
        assertThat(connects).isZero();
    }

    @Test
    void aResponseWithMoreHeaderFieldsThanTheLimitIsAnswered502AndItsStreamReset() throws Exception {
        client(LIMITS);
        int upstreamStream = requestReachesUpstream(get("/"), true);

        upstream.writeInbound(headers(upstreamStream, withFields(new DefaultHttp2Headers().status("200"), 101), true));

        List<Frame> answer = frames(client, fromProxyToClient);
        assertThat(answer.get(0).headers().status()).hasToString("502");
        assertThat(answer).filteredOn(f -> f.type() == DATA).extracting(Frame::data).first().asString()
                .contains("upstream protocol error").endsWith("(UPE)\n");
        assertThat(frames(upstream, fromProxyToUpstream)).extracting(Frame::type, Frame::stream)
                .contains(tuple(RST_STREAM, upstreamStream));
    }

    @Test
    void aRequestBodyIsNotReadBeyondItsWindowWhileTheUpstreamStreamOpens() throws Exception {
        connecting = upstream.newPromise();
        client(LIMITS);
        client.writeInbound(headers(STREAM, new DefaultHttp2Headers().method("POST").scheme("http").path("/up")
                .authority("a"), false));
        String chunk = "x".repeat(16 * 1024);
        for (int i = 0; i < 40; i++) {
            client.writeInbound(data(STREAM, chunk, false));
        }

        long reopened = frames(client, fromProxyToClient).stream()
                .filter(f -> f.type() == WINDOW_UPDATE && f.stream() == STREAM).mapToLong(Frame::code).sum();
        assertThat(reopened).as("window given back for a body with nowhere to go yet").isLessThanOrEqualTo(64 * 1024);

        connecting.setSuccess();
        upstreamOpens();
        List<Frame> sent = frames(upstream, fromProxyToUpstream);
        assertThat(sent).extracting(Frame::type).contains(HEADERS, DATA);
        assertThat(sent).filteredOn(f -> f.type() == DATA).allMatch(f -> f.data().chars().allMatch(c -> c == 'x'));
    }

    @Test
    void anUpstreamResetBeforeTheResponseStartedIsAnswered503Uc() throws Exception {
        client(LIMITS);
        int upstreamStream = requestReachesUpstream(get("/"), true);

        upstream.writeInbound(reset(upstreamStream, 0x2));

        List<Frame> answer = frames(client, fromProxyToClient);
        assertThat(answer).extracting(Frame::type).doesNotContain(RST_STREAM);
        assertThat(answer.get(0).headers().status()).hasToString("503");
        assertThat(answer).filteredOn(f -> f.type() == DATA).extracting(Frame::data).first().asString()
                .contains("reset before headers").endsWith("(UC)\n");
    }

    @Test
    void anUpstreamResetAfterTheResponseStartedPassesWithItsCode() throws Exception {
        client(LIMITS);
        int upstreamStream = requestReachesUpstream(get("/"), true);
        upstream.writeInbound(headers(upstreamStream, new DefaultHttp2Headers().status("200"), false));
        upstream.writeInbound(data(upstreamStream, "part", false));

        upstream.writeInbound(reset(upstreamStream, 0x2));

        List<Frame> answer = frames(client, fromProxyToClient);
        assertThat(answer.get(0).headers().status()).hasToString("200");
        assertThat(answer).filteredOn(f -> f.type() == RST_STREAM).extracting(Frame::stream, Frame::code)
                .containsExactly(tuple(STREAM, 2L));
    }
}
