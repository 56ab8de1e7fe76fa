package dev.tandem.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.addr.Addresses;
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
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The inbound listener on loopback: whatever pod address a connection was for, it lands on the app's loopback port. */
class InboundInitializerTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final Transport transport = Transport.epoll(1);
    private final Listeners listeners = new Listeners(transport);

    @AfterEach
    void stop() {
        listeners.close();
        transport.close();
    }

    private InetSocketAddress inboundFor(InetSocketAddress originalDestination) throws ConfigException {
        ProxyConfig config = ProxyConfig.from(Map.<String, String>of()::get);
        var server = listeners.bind(InboundInitializer.LISTENER, new InetSocketAddress(LOOPBACK, 0),
                Listeners.Kind.TRAFFIC, new InboundInitializer(config, new FixedDestination(originalDestination),
                        new TcpConnector(transport, config.connectTimeout()), Telemetry.create(config)));
        return (InetSocketAddress) server.localAddress();
    }

    @Test
    void deliversToTheApplicationsLoopbackPortFromTheProxysOwnSource() throws Exception {
        try (EchoServer app = EchoServer.listen(new InetSocketAddress(LOOPBACK, 0))) {
            InetSocketAddress inbound = inboundFor(new InetSocketAddress(Addresses.parseIp("10.200.0.3"), app.port()));

            Exchange exchange = Exchange.echo(inbound, 64 * 1024, 5_000);

            assertThat(exchange.echoed()).as(exchange.line()).isTrue();
            assertThat(app.peers()).containsExactly(LocalDelivery.SOURCE_V4);
        }
    }

    @Test
    void aConnectionForOneOfTheProxysPortsIsRefused() throws Exception {
        InetSocketAddress inbound = inboundFor(new InetSocketAddress(Addresses.parseIp("10.200.0.3"), 15021));

        Exchange exchange = Exchange.attempt(inbound, 5_000);

        assertThat(exchange.outcome()).as(exchange.line()).isEqualTo(Outcome.RESET);
    }

    @Test
    void ipv6ConnectionsAreDeliveredOnIpv6Loopback() {
        var target = LocalDelivery.targetFor(new dev.tandem.core.addr.OrigDstAddr(
                new InetSocketAddress(Addresses.parseIp("fd00::3"), 8080)));

        assertThat(Addresses.format(target.address())).isEqualTo("[::1]:8080");
        assertThat(target.source()).isEqualTo(LocalDelivery.SOURCE_V6);
    }
}
