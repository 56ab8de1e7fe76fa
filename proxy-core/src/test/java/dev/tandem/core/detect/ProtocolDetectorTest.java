package dev.tandem.core.detect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.addr.PortSet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Detection on an embedded channel: the right stage for each protocol, and every byte handed on once, in order. */
class ProtocolDetectorTest {

    /** A ClientHello for "catalog.shop.svc" as a TLS 1.3 client sends it (trimmed to the fields the parser reads). */
    private static final byte[] CLIENT_HELLO = clientHello("catalog.shop.svc");

    /** Stands in for a protocol stage: records what it was installed for and the bytes it then received. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        final Protocol protocol;
        final ByteBuf received = Unpooled.buffer();
        boolean sawFin;

        Recorder(Protocol protocol) {
            this.protocol = protocol;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf bytes = (ByteBuf) msg;
            received.writeBytes(bytes);
            bytes.release();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            sawFin |= evt == ChannelInputShutdownEvent.INSTANCE;
        }
    }

    private final List<Recorder> installed = new ArrayList<>();

    private EmbeddedChannel channel(int port, PortSet opaque, Duration firstByte) {
        return channel(port, opaque, firstByte, Duration.ofSeconds(10));
    }

    private EmbeddedChannel channel(int port, PortSet opaque, Duration firstByte, Duration decision) {
        EmbeddedChannel channel = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress("10.0.0.1", 40000);
            }
        };
        channel.config().setAutoRead(false);
        ConnectionContext.attach(channel, "test").origDst(new OrigDstAddr(new InetSocketAddress("10.0.0.2", port)));
        channel.pipeline().addLast(new ProtocolDetector((protocol, pipeline) -> {
            Recorder recorder = new Recorder(protocol);
            installed.add(recorder);
            pipeline.addLast(recorder);
        }, dst -> opaque.contains(dst.port()), firstByte, decision));
        channel.pipeline().fireChannelActive();
        return channel;
    }

    private EmbeddedChannel channel() {
        return channel(8080, PortSet.NONE, Duration.ofSeconds(10));
    }

    /** Feeds the bytes one at a time, as the slowest client could. */
    private static void feedByteByByte(EmbeddedChannel channel, byte[] bytes) {
        for (byte b : bytes) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
    }

    private Recorder only() {
        assertThat(installed).hasSize(1);
        return installed.get(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "POST /orders?id=1 HTTP/1.0\r\n\r\n",
            "OPTIONS * HTTP/1.1\r\n", "GET / HTTP/1.1\n", "\r\nGET / HTTP/1.1\r\n", "\r\n\r\nPUT /f HTTP/1.1\r\n",
            "CONNECT db:5432 HTTP/1.1\r\n", "GET http://a/ HTTP/1.1\r\n", "PURGE /cache HTTP/1.1\r\n"})
    void anHttp1RequestLineIsHttp1EvenArrivingOneByteAtATime(String request) {
        EmbeddedChannel channel = channel();
        byte[] bytes = request.getBytes(StandardCharsets.ISO_8859_1);

        feedByteByByte(channel, bytes);

        Recorder stage = only();
        assertThat(stage.protocol).isEqualTo(Protocol.HTTP1);
        assertThat(stage.received.toString(StandardCharsets.ISO_8859_1)).isEqualTo(request);
        assertThat(ConnectionContext.of(channel).protocol()).isEqualTo(Protocol.HTTP1);
        assertThat(channel.pipeline().get(ProtocolDetector.class)).isNull();
        stage.received.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void theHttp2PrefaceIsHttp2() {
        EmbeddedChannel channel = channel();
        byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4\0\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1);

        feedByteByByte(channel, preface);

        Recorder stage = only();
        assertThat(stage.protocol).isEqualTo(Protocol.HTTP2);
        assertThat(ByteBufUtilEquals.bytes(stage.received)).isEqualTo(preface);
        stage.received.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void aTlsClientHelloIsRelayedAsTlsAndItsServerNameKept() {
        EmbeddedChannel channel = channel();

        feedByteByByte(channel, CLIENT_HELLO);

        Recorder stage = only();
        assertThat(stage.protocol).isEqualTo(Protocol.TLS);
        assertThat(ConnectionContext.of(channel).sni()).isEqualTo("catalog.shop.svc");
        assertThat(ByteBufUtilEquals.bytes(stage.received)).isEqualTo(CLIENT_HELLO);
        stage.received.release();
        channel.finishAndReleaseAll();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\u0000\u0001binary", "SSH-2.0-OpenSSH_9.2\r\n", "hello world\r\n",
            "PRIVMSG #tandem :hi\r\n", "GET\tkey\r\n", "GET \u0001\r\n", "get key\r\n", "PURGE /cache RTSP/1.0\r\n"})
    void anythingElseIsTcp(String bytes) {
        EmbeddedChannel channel = channel();

        feedByteByByte(channel, bytes.getBytes(StandardCharsets.ISO_8859_1));

        Recorder stage = only();
        assertThat(stage.protocol).isEqualTo(Protocol.TCP);
        assertThat(stage.received.toString(StandardCharsets.ISO_8859_1)).isEqualTo(bytes);
        stage.received.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void aClientThatSendsNothingInTimeIsRelayedAsTcpSoAServerMaySpeakFirst() throws InterruptedException {
        EmbeddedChannel channel = channel(8080, PortSet.NONE, Duration.ofMillis(20));
        assertThat(installed).isEmpty();

        Thread.sleep(50);
        channel.runScheduledPendingTasks();

        Recorder stage = only();
        assertThat(stage.protocol).isEqualTo(Protocol.TCP);
        assertThat(stage.received.readableBytes()).isZero();
        stage.received.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void anOpaquePortIsRelayedAsTcpWithoutWaiting() {
        EmbeddedChannel channel = channel(3306, PortSet.parse("3306"), Duration.ofSeconds(10));

        Recorder stage = only();
        assertThat(stage.protocol).isEqualTo(Protocol.TCP);
        stage.received.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void aRequestLineLongerThanAnyLimitIsStillHttp1SoTheHttpStageAnswersIt() {
        EmbeddedChannel channel = channel();
        String request = "GET /" + "a".repeat(20 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n";

        feedByteByByte(channel, request.getBytes(StandardCharsets.ISO_8859_1));

        Recorder stage = only();
        assertThat(stage.protocol).isEqualTo(Protocol.HTTP1);
        assertThat(stage.received.toString(StandardCharsets.ISO_8859_1)).isEqualTo(request);
        stage.received.release();
        channel.finishAndReleaseAll();
    }

    @ParameterizedTest
    @ValueSource(strings = {"G", "GE", "DELETE", "OPTIONS ", "\r\n", "\r\nPO"})
    void aClientThatStallsWhileItsBytesCanStillBeginARequestGoesToTheHttpStage(String sent)
            throws InterruptedException {
        EmbeddedChannel channel = channel(8080, PortSet.NONE, Duration.ofSeconds(10), Duration.ofMillis(20));
        feedByteByByte(channel, sent.getBytes(StandardCharsets.ISO_8859_1));
        assertThat(installed).isEmpty();

        Thread.sleep(50);
        channel.runScheduledPendingTasks();

        Recorder stage = only();
        assertThat(stage.protocol).isEqualTo(Protocol.HTTP1);
        assertThat(stage.received.toString(StandardCharsets.ISO_8859_1)).isEqualTo(sent);
        stage.received.release();
        channel.finishAndReleaseAll();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SSH-", "GETS", "get", "FOO /x"})
    void aClientThatStallsOnBytesNoKnownRequestBeginsWithIsRelayedAsTcp(String sent) throws InterruptedException {
        EmbeddedChannel channel = channel(8080, PortSet.NONE, Duration.ofSeconds(10), Duration.ofMillis(20));
        feedByteByByte(channel, sent.getBytes(StandardCharsets.ISO_8859_1));

        Thread.sleep(50);
        channel.runScheduledPendingTasks();

        Recorder stage = only();
        assertThat(stage.protocol).isEqualTo(Protocol.TCP);
        assertThat(stage.received.toString(StandardCharsets.ISO_8859_1)).isEqualTo(sent);
        stage.received.release();
        channel.finishAndReleaseAll();
    }

    @ParameterizedTest
    @CsvSource({"GET /par,HTTP1", "GE,HTTP1", "hello,TCP"})
    void aClientThatHalfClosesBeforeADecisionIsHandedOnWithItsBytesAndItsFin(String sent, Protocol expected) {
        EmbeddedChannel channel = channel();
        feedByteByByte(channel, sent.getBytes(StandardCharsets.ISO_8859_1));

        channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);

        Recorder stage = only();
        assertThat(stage.protocol).isEqualTo(expected);
        assertThat(stage.received.toString(StandardCharsets.ISO_8859_1)).isEqualTo(sent);
        assertThat(stage.sawFin).isTrue();
        stage.received.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void aClientThatGoesAwayBeforeADecisionLeaksNothing() {
        EmbeddedChannel channel = channel();
        feedByteByByte(channel, "GET ".getBytes(StandardCharsets.ISO_8859_1));

        channel.close();

        assertThat(installed).isEmpty();
        channel.finishAndReleaseAll();
    }

    /** A TLS 1.2-framed handshake record holding a ClientHello with one server_name extension. */
    static byte[] clientHello(String host) {
        byte[] name = host.getBytes(StandardCharsets.US_ASCII);
        ByteBuf sni = Unpooled.buffer();
        sni.writeShort(name.length + 3).writeByte(0).writeShort(name.length).writeBytes(name);
        ByteBuf extensions = Unpooled.buffer();
        extensions.writeShort(0x000a).writeShort(4).writeShort(2).writeShort(0x001d);
        extensions.writeShort(0x0000).writeShort(sni.readableBytes()).writeBytes(sni);
        ByteBuf body = Unpooled.buffer();
        body.writeShort(0x0303).writeBytes(new byte[32]).writeByte(0);
        body.writeShort(2).writeShort(0x1301).writeByte(1).writeByte(0);
        body.writeShort(extensions.readableBytes()).writeBytes(extensions);
        ByteBuf record = Unpooled.buffer();
        record.writeByte(0x16).writeShort(0x0301).writeShort(body.readableBytes() + 4);
        record.writeByte(1).writeMedium(body.readableBytes()).writeBytes(body);
        byte[] out = ByteBufUtilEquals.bytes(record);
        sni.release();
        extensions.release();
        body.release();
        record.release();
        return out;
    }

    /** Bytes of a buffer, for comparisons. */
    private static final class ByteBufUtilEquals {
        static byte[] bytes(ByteBuf buf) {
            byte[] out = new byte[buf.readableBytes()];
            buf.getBytes(buf.readerIndex(), out);
            return out;
        }
    }

    @Test
    void theTestClientHelloIsWellFormed() {
        assertThat(HexFormat.of().formatHex(CLIENT_HELLO)).startsWith("160301");
    }
}
