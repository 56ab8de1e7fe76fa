package dev.tandem.core.http;

import static dev.tandem.testing.EmbeddedWire.ascii;
import static dev.tandem.testing.EmbeddedWire.written;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.config.HttpLimits;
import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.lifecycle.Drain;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a client sees of the proxy's drain on each HTTP stage, on embedded channels: on HTTP/1 the next answer says
 * {@code Connection: close} and the connection ends after it; on HTTP/2 a GOAWAY, then the close once no stream is left.
 */
class HttpStagesDrainTest {

    private static final HttpLimits LIMITS = new HttpLimits(Duration.ofSeconds(10), Duration.ZERO, 8192, 100);
    private static final String PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    private static final int GOAWAY = 0x7;

    private final Drain drain = new Drain();
    private final EmbeddedChannel upstream = new EmbeddedChannel() {
        @Override
        protected SocketAddress localAddress0() {
            return new InetSocketAddress("10.0.0.1", 50000);
        }
    };

    private EmbeddedChannel client() {
        EmbeddedChannel client = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress("10.0.0.1", 40000);
            }
        };
        ConnectionContext.attach(client, "test").origDst(new OrigDstAddr(new InetSocketAddress("10.0.0.2", 8080)));
        drain.govern(client);
        return client;
    }

    // --- HTTP/1

    private EmbeddedChannel http1Client() {
        EmbeddedChannel client = client();
        Http1Pool pool = new Http1Pool((downstream, target) -> upstream.newSucceededFuture(), LIMITS, Duration.ofMinutes(1));
        Http1ServerHandler.install(client.pipeline(), new DirectRouter(dst -> UpstreamTarget.to(dst.address())),
                new PerLoop<>(() -> pool), LIMITS);
        return client;
    }

    @Test
    void onHttp1TheFirstAnswerOnceDrainingSaysConnectionCloseAndTheConnectionEndsAfterIt() {
        EmbeddedChannel client = http1Client();
        client.writeInbound(ascii("GET /before HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertThat(written(upstream)).startsWith("GET /before ");
        upstream.writeInbound(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        assertThat(written(client)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        assertThat(client.isOpen()).isTrue();

        drain.start();
        assertThat(client.isOpen()).as("an idle keep-alive connection is left to ask once more").isTrue();
        client.writeInbound(ascii("GET /during HTTP/1.1\r\nHost: a\r\n\r\n"));
        assertThat(written(upstream)).startsWith("GET /during ");
        upstream.writeInbound(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));

        assertThat(written(client)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nconnection: close\r\n\r\nok");
        assertThat(client.isOpen()).isFalse();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void onHttp1APipelinedRequestAfterTheLastAnswerIsNotTakenUp() {
        EmbeddedChannel client = http1Client();
        drain.start();
        client.writeInbound(ascii("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n"));
        upstream.writeInbound(ascii("HTTP/1.1 204 No Content\r\n\r\n"));

        assertThat(written(client)).isEqualTo("HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n");
        assertThat(written(upstream)).doesNotContain("GET /2");
        assertThat(client.isOpen()).isFalse();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void withoutADrainTheSameConnectionGoesOn() {
        EmbeddedChannel client = http1Client();
        client.writeInbound(ascii("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
        upstream.writeInbound(ascii("HTTP/1.1 204 No Content\r\n\r\n"));

        assertThat(written(client)).doesNotContainIgnoringCase("connection");
        assertThat(client.isOpen()).isTrue();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    // --- HTTP/2

    private record Frame(int type, int flags, int stream, ByteBuf payload) {
    }

    /**
     * An h2c client's opening: the preface, empty SETTINGS, and a GET on stream 3 when {@code withStream} (stream 1 of
     * an embedded channel, which has no server parent, would be taken for an upgrade).
     */
    private static ByteBuf clientOpening(boolean withStream) throws Exception {
        ByteBuf out = ascii(PREFACE);
        frame(out, 0x4, 0, 0, Unpooled.EMPTY_BUFFER);
        if (withStream) {
            Http2Headers headers = new DefaultHttp2Headers().method("GET").scheme("http").path("/slow").authority("a");
            ByteBuf block = Unpooled.buffer();
            new DefaultHttp2HeadersEncoder().encodeHeaders(3, headers, block);
            frame(out, 0x1, 0x4 | 0x1, 3, block);
            block.release();
        }
        return out;
    }

    private static void frame(ByteBuf out, int type, int flags, int stream, ByteBuf payload) {
        out.writeMedium(payload.readableBytes()).writeByte(type).writeByte(flags).writeInt(stream)
                .writeBytes(payload, payload.readerIndex(), payload.readableBytes());
    }

    /** The frames the proxy wrote to the client, past the SETTINGS it opens with. */
    private static List<Frame> frames(EmbeddedChannel channel) {
        ByteBuf all = Unpooled.buffer();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) o;
            all.writeBytes(buf);
            buf.release();
        }
        List<Frame> frames = new ArrayList<>();
        while (all.readableBytes() >= 9) {
            int length = all.readUnsignedMedium();
            frames.add(new Frame(all.readUnsignedByte(), all.readUnsignedByte(), all.readInt() & 0x7fffffff,
                    all.readRetainedSlice(length)));
        }
        all.release();
        return frames;
    }

    private record GoAway(int stream, int lastStream, int error) {
    }

    /** The first GOAWAY among the frames, or null; every frame is released. */
    private static GoAway goAway(List<Frame> frames) {
        GoAway found = frames.stream().filter(f -> f.type() == GOAWAY).findFirst()
                .map(f -> new GoAway(f.stream(), f.payload().getInt(0), f.payload().getInt(4))).orElse(null);
        frames.forEach(f -> f.payload().release());
        return found;
    }

    private EmbeddedChannel http2Client() {
        EmbeddedChannel client = client();
        // The upstream never answers the connect: a stream stays in flight as long as the test wants.
        Http2Pool pool = new Http2Pool((downstream, target) -> downstream.newPromise(), LIMITS, Duration.ofMinutes(1));
        Http2ServerStage.install(client.pipeline(), new DirectRouter(dst -> UpstreamTarget.to(dst.address())),
                new PerLoop<>(() -> pool), LIMITS);
        return client;
    }

    @Test
    void onHttp2TheDrainSendsGoAwayNamingTheLastStreamAndTheConnectionLastsAsLongAsItsStream() throws Exception {
        EmbeddedChannel client = http2Client();
        client.writeInbound(clientOpening(true));
        assertThat(goAway(frames(client))).isNull();

        drain.start();
        client.runPendingTasks();

        GoAway goAway = goAway(frames(client));
        assertThat(goAway).as("GOAWAY: connection-level, last stream 3, NO_ERROR").isEqualTo(new GoAway(0, 3, 0));
        assertThat(client.isOpen()).as("stream 3 is still in flight").isTrue();

        ByteBuf cancel = Unpooled.buffer(); // RST_STREAM CANCEL on stream 3
        frame(cancel, 0x3, 0, 3, Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 0x8}));
        client.writeInbound(cancel);
        client.runPendingTasks();
        assertThat(client.isOpen()).as("closed once its last stream ended").isFalse();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void onHttp2AConnectionWithNoStreamClosesAfterItsGoAway() throws Exception {
        EmbeddedChannel client = http2Client();
        client.writeInbound(clientOpening(false));
        frames(client).forEach(f -> f.payload().release());

        drain.start();
        client.runPendingTasks();

        assertThat(goAway(frames(client))).isNotNull();
        assertThat(client.isOpen()).isFalse();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void anHttp2ConnectionOpenedAfterTheDrainStartedGetsGoAwayAtOnce() throws Exception {
        drain.start();
        EmbeddedChannel client = http2Client();
        client.writeInbound(clientOpening(false));
        client.runPendingTasks();

        assertThat(goAway(frames(client))).isNotNull();
        assertThat(client.isOpen()).isFalse();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }
}
