package dev.tandem.core.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.admin.HttpEndpoints;
import dev.tandem.core.admin.HttpEndpoints.Answer;
import dev.tandem.core.lifecycle.Listeners.Kind;
import dev.tandem.core.transport.Transport;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Listeners on real sockets: what a client of the endpoints sees while the traffic loops are busy. */
class ListenersTest {

    private final Transport transport = Transport.epoll(1);
    private final Listeners listeners = new Listeners(transport);
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        listeners.close();
        transport.close();
    }

    @Test
    void anEndpointAnswersWhileEveryTrafficLoopIsBusy() throws Exception {
        var endpoint = listeners.bind("metrics", new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                Kind.ENDPOINT, HttpEndpoints.builder().get("/stats/prometheus", () -> Answer.ok("scraped")).build()
                        .initializer());
        int port = ((InetSocketAddress) endpoint.localAddress()).getPort();
        CountDownLatch busy = new CountDownLatch(1);
        transport.workers().forEach(loop -> loop.execute(() -> {
            busy.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        busy.await();

        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /stats/prometheus HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);

            assertThat(answer).startsWith("HTTP/1.1 200 OK").endsWith("\r\n\r\nscraped\n");
        }
    }
}
