package dev.tandem.core.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.ResponseFlag;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.http.DirectRouter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The L4 stage on embedded channels: what arrives while the upstream connects is kept, in order, and never lost. */
class TcpProxyHandlerTest {

    private final EmbeddedChannel upstream = new EmbeddedChannel();
    private ChannelPromise connecting;

    private EmbeddedChannel downstream() {
        EmbeddedChannel downstream = new EmbeddedChannel() {
            @Override
            protected java.net.SocketAddress remoteAddress0() {
                return new InetSocketAddress("10.0.0.1", 40000);
            }
        };
        ConnectionContext.attach(downstream, "test")
                .origDst(new OrigDstAddr(new InetSocketAddress("10.0.0.2", 80)));
        downstream.pipeline().addLast(new TcpProxyHandler((ch, target) -> {
            connecting = upstream.newPromise();
            return connecting;
        }, new DirectRouter(dst -> UpstreamTarget.to(dst.address()))));
        downstream.pipeline().fireChannelActive();
        return downstream;
    }

    @Test
    void bytesAndFinArrivingWhileConnectingReachTheUpstreamInOrder() {
        EmbeddedChannel downstream = downstream();
        downstream.writeInbound(Unpooled.copiedBuffer("GET ", StandardCharsets.US_ASCII));
        downstream.writeInbound(Unpooled.copiedBuffer("/ HTTP/1.0\r\n\r\n", StandardCharsets.US_ASCII));
        downstream.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat((Object) upstream.readOutbound()).isNull();

        connecting.setSuccess();
        downstream.runPendingTasks();
        upstream.runPendingTasks();

        assertThat(readAll(upstream)).isEqualTo("GET / HTTP/1.0\r\n\r\n");
        assertThat(downstream.pipeline().get(TcpProxyHandler.class)).isNull();
        downstream.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void aFailedConnectReleasesWhatWasHeldAndClosesTheClient() {
        EmbeddedChannel downstream = downstream();
        ByteBuf held = Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII);
        downstream.writeInbound(held);

        connecting.setFailure(new ConnectException("Connection refused"));
        downstream.runPendingTasks();

        assertThat(held.refCnt()).isZero();
        assertThat(downstream.isOpen()).isFalse();
        assertThat(ConnectionContext.of(downstream).flag()).isEqualTo(ResponseFlag.UF);
        upstream.finishAndReleaseAll();
    }

    @Test
    void aClientThatLeavesWhileConnectingCancelsTheUpstream() {
        EmbeddedChannel downstream = downstream();
        downstream.writeInbound(Unpooled.copiedBuffer("x", StandardCharsets.US_ASCII));

        downstream.close();

        assertThat(upstream.isOpen()).isFalse();
        downstream.finishAndReleaseAll();
    }

    private static String readAll(EmbeddedChannel channel) {
        var out = new StringBuilder();
        for (ByteBuf buf; (buf = channel.readOutbound()) != null; ) {
            out.append(buf.toString(StandardCharsets.US_ASCII));
            buf.release();
        }
        return out.toString();
    }
}
