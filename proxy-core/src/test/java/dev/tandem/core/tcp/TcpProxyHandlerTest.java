package dev.tandem.core.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.ResponseFlag;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.config.ProxyConfig;
import dev.tandem.core.http.DirectRouter;
import dev.tandem.core.telemetry.Telemetry;
import dev.tandem.core.telemetry.TrafficReporter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The L4 stage on embedded channels: what arrives while the upstream connects is kept, in order, and never lost. */
class TcpProxyHandlerTest {

    private final EmbeddedChannel upstream = new EmbeddedChannel();
    private ChannelPromise connecting;

    private EmbeddedChannel downstream() {
        return downstream(TrafficReporter.NONE);
    }

    private EmbeddedChannel downstream(TrafficReporter reporter) {
        EmbeddedChannel downstream = new EmbeddedChannel() {
            @Override
            protected java.net.SocketAddress remoteAddress0() {
                return new InetSocketAddress("10.0.0.1", 40000);
            }
        };
        ConnectionContext context = ConnectionContext.attach(downstream, "test");
        context.origDst(new OrigDstAddr(new InetSocketAddress("10.0.0.2", 80)));
        context.reporter(reporter);
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

    private static Telemetry telemetry() throws Exception {
        return Telemetry.create(ProxyConfig.from(Map.of("TANDEM_NAMESPACE", "shop", "TANDEM_POD_NAME", "web-1",
                "TANDEM_ACCESS_LOG", "off")::get));
    }

    /** The samples of one metric in a scrape: each has all of a connection's labels. */
    private static List<String> samples(Telemetry telemetry, String metric) {
        return telemetry.prometheusText().lines().filter(l -> l.startsWith(metric + "{")).toList();
    }

    private static double value(String sample) {
        return Double.parseDouble(sample.substring(sample.lastIndexOf(' ') + 1));
    }

    @Test
    void aConnectionsFourCountersShareOneSeriesEvenWhenItEndsInAReset() throws Exception {
        Telemetry telemetry = telemetry();
        EmbeddedChannel downstream = downstream(telemetry.outbound());
        connecting.setSuccess();
        downstream.runPendingTasks();
        assertThat(samples(telemetry, "istio_tcp_connections_opened_total")).singleElement()
                .satisfies(s -> assertThat(value(s)).as("counted open while it lasts").isEqualTo(1));

        downstream.writeInbound(Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII));
        upstream.writeInbound(Unpooled.copiedBuffer("world!", StandardCharsets.US_ASCII));
        downstream.runPendingTasks();
        upstream.runPendingTasks();
        ConnectionContext.of(downstream).fail(ResponseFlag.UC, "upstream reset");
        downstream.close();

        String[] metrics = {"istio_tcp_connections_opened_total", "istio_tcp_connections_closed_total",
                "istio_tcp_received_bytes_total", "istio_tcp_sent_bytes_total"};
        double[] expected = {1, 1, 5, 6};
        String labels = null;
        for (int i = 0; i < metrics.length; i++) {
            String sample = samples(telemetry, metrics[i]).stream().reduce((a, b) -> {
                throw new AssertionError("more than one series: " + a + " / " + b);
            }).orElseThrow();
            assertThat(value(sample)).as(metrics[i]).isEqualTo(expected[i]);
            String these = sample.substring(sample.indexOf('{'), sample.lastIndexOf('}') + 1);
            assertThat(these).contains("response_flags=\"-\"", "request_protocol=\"tcp\"");
            if (labels != null) {
                assertThat(these).as(metrics[i] + " labels").isEqualTo(labels);
            }
            labels = these;
        }
        assertThat(ConnectionContext.of(downstream).flag()).as("the access log still has it").isEqualTo(ResponseFlag.UC);
        downstream.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
        telemetry.close();
    }

    @Test
    void aConnectionNeverMadeIsOpenedAndClosedWithItsFlag() throws Exception {
        Telemetry telemetry = telemetry();
        EmbeddedChannel downstream = downstream(telemetry.outbound());
        assertThat(samples(telemetry, "istio_tcp_connections_opened_total")).isEmpty();

        connecting.setFailure(new ConnectException("Connection refused"));
        downstream.runPendingTasks();

        for (String metric : List.of("istio_tcp_connections_opened_total", "istio_tcp_connections_closed_total")) {
            assertThat(samples(telemetry, metric)).singleElement().satisfies(s -> {
                assertThat(s).contains("response_flags=\"UF\"");
                assertThat(value(s)).isEqualTo(1);
            });
        }
        assertThat(samples(telemetry, "istio_tcp_sent_bytes_total")).singleElement()
                .satisfies(s -> assertThat(value(s)).isZero());
        downstream.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
        telemetry.close();
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
