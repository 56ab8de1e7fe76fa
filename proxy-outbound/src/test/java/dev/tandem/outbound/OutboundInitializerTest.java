package dev.tandem.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.config.ConfigException;
import dev.tandem.core.config.ProxyConfig;
import dev.tandem.core.connect.TcpConnector;
import dev.tandem.core.telemetry.Telemetry;
import dev.tandem.core.lifecycle.Listeners;
import dev.tandem.core.origdst.FixedDestination;
import dev.tandem.core.transport.Transport;
import dev.tandem.testing.EchoServer;
import dev.tandem.testing.Exchange;
import dev.tandem.testing.Exchange.Outcome;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The outbound listener on loopback, with the original destination fixed instead of read from conntrack. */
class OutboundInitializerTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final Transport transport = Transport.epoll(1);
    private final Listeners listeners = new Listeners(transport);

    @AfterEach
    void stop() {
        listeners.close();
        transport.close();
    }

    private InetSocketAddress outboundTo(InetSocketAddress destination) throws IOException, ConfigException {
        int port = freePort();
        ProxyConfig config = ProxyConfig.from(Map.of("TANDEM_OUTBOUND_PORT", Integer.toString(port))::get);
        listeners.bind(OutboundInitializer.LISTENER, new InetSocketAddress(LOOPBACK, port), Listeners.Kind.TRAFFIC,
                new OutboundInitializer(config, new FixedDestination(destination),
                        new TcpConnector(transport, config.connectTimeout()), Telemetry.create(config)));
        return new InetSocketAddress(LOOPBACK, port);
    }

    @Test
    void relaysTheApplicationsConnectionToWhereItWasHeaded() throws Exception {
        try (EchoServer app = EchoServer.listen(new InetSocketAddress(LOOPBACK, 0))) {
            InetSocketAddress outbound = outboundTo(new InetSocketAddress(LOOPBACK, app.port()));

            Exchange exchange = Exchange.echo(outbound, 1024 * 1024, 5_000);

            assertThat(exchange.echoed()).as(exchange.line()).isTrue();
        }
    }

    @Test
    void aConnectionMadeStraightToTheListenerIsRefusedRatherThanLooped() throws Exception {
        int port = freePort();
        ProxyConfig config = ProxyConfig.from(Map.of("TANDEM_OUTBOUND_PORT", Integer.toString(port))::get);
        InetSocketAddress self = new InetSocketAddress(LOOPBACK, port);
        listeners.bind(OutboundInitializer.LISTENER, self, Listeners.Kind.TRAFFIC,
                new OutboundInitializer(config, new FixedDestination(self),
                        new TcpConnector(transport, config.connectTimeout()), Telemetry.create(config)));

        Exchange exchange = Exchange.attempt(self, 5_000);

        assertThat(exchange.outcome()).as(exchange.line()).isEqualTo(Outcome.RESET);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }
}
