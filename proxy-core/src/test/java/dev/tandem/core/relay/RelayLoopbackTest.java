package dev.tandem.core.relay;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.ResponseFlag;
import dev.tandem.core.accept.LoopGuard;
import dev.tandem.core.accept.OriginalDestinationHandler;
import dev.tandem.core.config.ProxyPorts;
import dev.tandem.core.connect.TcpConnector;
import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.http.DirectRouter;
import dev.tandem.core.addr.Port;
import dev.tandem.core.lifecycle.Listeners;
import dev.tandem.core.origdst.FixedDestination;
import dev.tandem.core.tcp.TcpProxyHandler;
import dev.tandem.core.transport.Transport;
import dev.tandem.testing.EchoServer;
import dev.tandem.testing.Exchange;
import dev.tandem.testing.Exchange.Outcome;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The TCP stages and the relay on real loopback sockets: a client, a proxy listener built from core pieces, a server. */
class RelayLoopbackTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private Transport transport;
    private Listeners listeners;
    private final List<Channel> accepted = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        transport = Transport.epoll(1);
        listeners = new Listeners(transport);
    }

    @AfterEach
    void stop() {
        listeners.close();
        transport.close();
    }

    /** A proxy listener that relays every connection to {@code destination}. */
    private InetSocketAddress proxyTo(InetSocketAddress destination, Duration idleTimeout, ProxyPorts ownPorts) {
        return proxyTo(destination, idleTimeout, ownPorts, Duration.ofSeconds(2));
    }

    private InetSocketAddress proxyTo(InetSocketAddress destination, Duration idleTimeout, ProxyPorts ownPorts,
            Duration connectTimeout) {
        var connector = new TcpConnector(transport, connectTimeout);
        Channel server = listeners.bind("test", new InetSocketAddress(LOOPBACK, 0), Listeners.Kind.TRAFFIC,
                new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted.add(ch);
                        ch.pipeline().addLast(
                                new IdleTimeoutHandler(idleTimeout),
                                new OriginalDestinationHandler("test", new FixedDestination(destination),
                                        LoopGuard.ownPortsOnThisHost(ownPorts)),
                                new TcpProxyHandler(connector, new DirectRouter(dst -> UpstreamTarget.to(dst.address()))));
                    }
                });
        return (InetSocketAddress) server.localAddress();
    }

    private InetSocketAddress proxyTo(InetSocketAddress destination) {
        return proxyTo(destination, Duration.ofMinutes(1), ProxyPorts.DEFAULTS);
    }

    @Test
    void bytesCrossBothWaysExactlyAndHalfCloseCarriesTheAnswerBack() throws IOException {
        try (EchoServer echo = EchoServer.listen(new InetSocketAddress(LOOPBACK, 0))) {
            InetSocketAddress proxy = proxyTo(new InetSocketAddress(LOOPBACK, echo.port()));

            Exchange exchange = Exchange.echo(proxy, 8 * 1024 * 1024, 10_000);

            assertThat(exchange.outcome()).as(exchange.line()).isEqualTo(Outcome.COMPLETED);
            assertThat(exchange.received()).isEqualTo(8 * 1024 * 1024);
            assertThat(exchange.echoed()).isTrue();
        }
    }

    @Test
    void aClientThatSendsAndHalfClosesAtOnceStillGetsItsWholeAnswer() throws IOException {
        try (EchoServer echo = EchoServer.listen(new InetSocketAddress(LOOPBACK, 0))) {
            InetSocketAddress proxy = proxyTo(new InetSocketAddress(LOOPBACK, echo.port()));
            for (int i = 0; i < 50; i++) {
                Exchange exchange = Exchange.echo(proxy, 100, 5_000);
                assertThat(exchange.echoed()).as(exchange.line()).isTrue();
            }
        }
    }

    @Test
    void aLargeAnswerAfterTheClientsFinStillReachesASlowClient() throws Exception {
        int answer = 64 * 1024 * 1024;
        try (ServerSocket serverSocket = new ServerSocket(0, 50, LOOPBACK)) {
            Thread server = new Thread(() -> {
                try (Socket s = serverSocket.accept()) {
                    s.getInputStream().readAllBytes();
                    s.getOutputStream().write(new byte[answer]);
                } catch (IOException ignored) {
                    // the client's count below tells
                }
            });
            server.start();
            InetSocketAddress proxy = proxyTo(new InetSocketAddress(LOOPBACK, serverSocket.getLocalPort()));
            try (Socket client = new Socket(proxy.getAddress(), proxy.getPort())) {
                client.setSoTimeout(10_000);
                client.getOutputStream().write("GET".getBytes());
                client.shutdownOutput();
                // Not reading yet: the proxy must wait for the client's socket to drain, after the client's FIN.
                Thread.sleep(500);
                assertThat(client.getInputStream().readAllBytes().length).isEqualTo(answer);
            }
            server.join();
        }
    }

    @Test
    void aServerThatSpeaksFirstIsHeardBeforeTheClientSendsAnything() throws IOException {
        try (ServerSocket greeter = new ServerSocket(0, 50, LOOPBACK)) {
            Thread server = new Thread(() -> {
                try (Socket s = greeter.accept()) {
                    s.getOutputStream().write("220 hello\r\n".getBytes());
                    s.getInputStream().readAllBytes();
                } catch (IOException ignored) {
                    // the test fails on the client side if this goes wrong
                }
            });
            server.start();
            InetSocketAddress proxy = proxyTo(new InetSocketAddress(LOOPBACK, greeter.getLocalPort()));
            try (Socket client = new Socket(proxy.getAddress(), proxy.getPort())) {
                client.setSoTimeout(5_000);
                byte[] greeting = client.getInputStream().readNBytes(11);
                assertThat(new String(greeting)).isEqualTo("220 hello\r\n");
            }
        }
    }

    @Test
    void aClientResetReachesTheServerAsAReset() throws Exception {
        try (ServerSocket serverSocket = new ServerSocket(0, 50, LOOPBACK)) {
            InetSocketAddress proxy = proxyTo(new InetSocketAddress(LOOPBACK, serverSocket.getLocalPort()));
            Socket client = new Socket(proxy.getAddress(), proxy.getPort());
            try (Socket server = serverSocket.accept()) {
                server.setSoTimeout(5_000);
                client.getOutputStream().write(1);
                assertThat(server.getInputStream().read()).isEqualTo(1);
                client.setSoLinger(true, 0);
                client.close();

                assertThat(readUntilEnd(server.getInputStream())).isEqualTo("reset");
            }
        }
    }

    @Test
    void aServerResetReachesTheClientAsAReset() throws Exception {
        try (ServerSocket serverSocket = new ServerSocket(0, 50, LOOPBACK)) {
            InetSocketAddress proxy = proxyTo(new InetSocketAddress(LOOPBACK, serverSocket.getLocalPort()));
            try (Socket client = new Socket(proxy.getAddress(), proxy.getPort())) {
                client.setSoTimeout(5_000);
                Socket server = serverSocket.accept();
                server.setSoLinger(true, 0);
                server.close();

                assertThat(readUntilEnd(client.getInputStream())).isEqualTo("reset");
            }
        }
    }

    @Test
    void aRefusedUpstreamIsSeenByTheClientWithinASecond() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            closedPort = s.getLocalPort();
        }
        InetSocketAddress proxy = proxyTo(new InetSocketAddress(LOOPBACK, closedPort));

        Exchange exchange = Exchange.attempt(proxy, 5_000);

        assertThat(exchange.outcome()).as(exchange.line()).isIn(Outcome.RESET, Outcome.REFUSED);
        assertThat(exchange.millis()).isLessThan(1_000);
        assertThat(ConnectionContext.of(accepted.get(0)).flag()).isEqualTo(ResponseFlag.UF);
    }

    @Test
    void anUpstreamThatNeverAnswersTheHandshakeTimesOutAndResetsTheClient() throws Exception {
        // A listener that never accepts: once its backlog is full, the kernel drops further handshakes unanswered.
        try (ServerSocket deaf = new ServerSocket(0, 1, LOOPBACK)) {
            var fillers = new java.util.ArrayList<Socket>();
            for (int i = 0; i < 8; i++) {
                Socket filler = new Socket();
                try {
                    filler.connect(deaf.getLocalSocketAddress(), 200);
                    fillers.add(filler);
                } catch (IOException full) {
                    filler.close();
                    break;
                }
            }
            InetSocketAddress proxy = proxyTo(new InetSocketAddress(LOOPBACK, deaf.getLocalPort()),
                    Duration.ofMinutes(1), ProxyPorts.DEFAULTS, Duration.ofMillis(300));

            Exchange exchange = Exchange.attempt(proxy, 5_000);

            assertThat(exchange.outcome()).as(exchange.line()).isEqualTo(Outcome.RESET);
            assertThat(exchange.millis()).isBetween(250L, 2_000L);
            assertThat(ConnectionContext.of(accepted.get(0)).flag()).isEqualTo(ResponseFlag.UF);
            assertThat(ConnectionContext.of(accepted.get(0)).failureDetail()).contains("timed out");
            for (Socket filler : fillers) {
                filler.close();
            }
        }
    }

    @Test
    void aDestinationThatIsTheProxyItselfIsRefusedNotLooped() throws IOException {
        try (ServerSocket target = new ServerSocket(0, 50, LOOPBACK)) {
            int port = target.getLocalPort();
            var ownPorts = new ProxyPorts(new Port(port), new Port(15006), new Port(15008), new Port(15021),
                    new Port(15000), new Port(15090));
            InetSocketAddress proxy = proxyTo(new InetSocketAddress(LOOPBACK, port), Duration.ofMinutes(1), ownPorts);
            target.setSoTimeout(300);

            Exchange exchange = Exchange.attempt(proxy, 5_000);

            assertThat(exchange.outcome()).as(exchange.line()).isEqualTo(Outcome.RESET);
            assertThat(ConnectionContext.of(accepted.get(0)).flag()).isEqualTo(ResponseFlag.NR);
            assertThat(acceptsWithin(target)).as("the proxy connected to itself").isFalse();
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        try (EchoServer echo = EchoServer.listen(new InetSocketAddress(LOOPBACK, 0))) {
            InetSocketAddress proxy = proxyTo(new InetSocketAddress(LOOPBACK, echo.port()), Duration.ofMillis(300),
                    ProxyPorts.DEFAULTS);
            try (Socket client = new Socket(proxy.getAddress(), proxy.getPort())) {
                client.setSoTimeout(5_000);
                long start = System.nanoTime();
                assertThat(client.getInputStream().read()).isEqualTo(-1);
                long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(waited).isBetween(250L, 3_000L);
                assertThat(ConnectionContext.of(accepted.get(0)).flag()).isEqualTo(ResponseFlag.IDLE);
            }
        }
    }

    @Test
    void aSlowReaderPausesTheSenderInsteadOfBufferingEverything() throws Exception {
        try (ServerSocket serverSocket = new ServerSocket(0, 50, LOOPBACK)) {
            InetSocketAddress proxy = proxyTo(new InetSocketAddress(LOOPBACK, serverSocket.getLocalPort()));
            int total = 32 * 1024 * 1024;
            try (Socket client = new Socket(proxy.getAddress(), proxy.getPort());
                 Socket server = serverSocket.accept()) {
                Thread writer = new Thread(() -> {
                    try {
                        OutputStream out = client.getOutputStream();
                        out.write(new byte[total]);
                        client.shutdownOutput();
                    } catch (IOException ignored) {
                        // the count below tells
                    }
                });
                writer.start();
                Thread.sleep(500);
                long read = server.getInputStream().readAllBytes().length;
                writer.join();

                assertThat(read).isEqualTo(total);
                assertThat(ConnectionContext.of(accepted.get(0)).backpressurePauses()).isPositive();
            }
        }
    }

    private static String readUntilEnd(InputStream in) {
        try {
            while (in.read() >= 0) {
                // drain
            }
            return "eof";
        } catch (SocketException e) {
            return e.getMessage().toLowerCase().contains("reset") ? "reset" : e.getMessage();
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static boolean acceptsWithin(ServerSocket server) {
        try (Socket ignored = server.accept()) {
            return true;
        } catch (IOException timeout) {
            return false;
        }
    }
}
