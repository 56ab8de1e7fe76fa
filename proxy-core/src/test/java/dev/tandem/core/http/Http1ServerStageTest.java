package dev.tandem.core.http;

import static dev.tandem.testing.EmbeddedWire.ascii;
import static dev.tandem.testing.EmbeddedWire.sendByteByByte;
import static dev.tandem.testing.EmbeddedWire.written;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.core.ConnectionContext;
import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.config.HttpLimits;
import dev.tandem.core.connect.UpstreamTarget;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/1 server stage on embedded channels, the upstream connection embedded too: exactly the bytes each side
 * would see, with the client's input arriving one byte at a time.
 */
class Http1ServerStageTest {

    private static final HttpLimits LIMITS = new HttpLimits(Duration.ofSeconds(10), Duration.ZERO, 8192, 100);

    private final EmbeddedChannel upstream = new EmbeddedChannel();
    private int connects;

    private EmbeddedChannel client() {
        return client(LIMITS);
    }

    private EmbeddedChannel client(HttpLimits limits) {
        EmbeddedChannel client = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress("10.0.0.1", 40000);
            }
        };
        ConnectionContext.attach(client, "test").origDst(new OrigDstAddr(new InetSocketAddress("10.0.0.2", 8080)));
        Http1Pool pool = new Http1Pool((downstream, target) -> {
            connects++;
            return upstream.newSucceededFuture();
        }, limits, Duration.ofMinutes(1));
        Http1ServerHandler.install(client.pipeline(), new DirectRouter(dst -> UpstreamTarget.to(dst.address())),
                new PerLoop<>(() -> pool), limits);
        return client;
    }

    /** One byte at a time, as long as the proxy keeps the connection open. */

    /** What follows the head (whose generated x-request-id may itself end in a 0). */
    private static String body(String message) {
        return message.substring(message.indexOf("\r\n\r\n") + 4);
    }

    @Test
    void aRequestArrivingByteByByteIsForwardedWithARequestIdAndWithoutHopByHopFields() {
        EmbeddedChannel client = client();

        sendByteByByte(client, "POST /orders HTTP/1.1\r\nHost: shop\r\nConnection: keep-alive, x-hop\r\nX-Hop: 1\r\n"
                + "Content-Length: 5\r\n\r\nhello");

        String forwarded = written(upstream);
        assertThat(forwarded).startsWith("POST /orders HTTP/1.1\r\n").contains("Host: shop\r\n", "Content-Length: 5\r\n")
                .containsPattern("x-request-id: [0-9a-f-]{36}\r\n").endsWith("\r\n\r\nhello")
                .doesNotContainIgnoringCase("x-hop").doesNotContainIgnoringCase("connection:");
        upstream.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 201 Created\r\nContent-Length: 2\r\nKeep-Alive: timeout=5\r\n\r\nok",
                StandardCharsets.ISO_8859_1));
        assertThat(written(client)).isEqualTo("HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok");
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void pipelinedRequestsReuseTheUpstreamConnectionAndAreAnsweredInOrder() {
        EmbeddedChannel client = client();

        sendByteByByte(client, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");

        assertThat(written(upstream)).startsWith("GET /1 ").doesNotContain("GET /2");
        upstream.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none", StandardCharsets.ISO_8859_1));
        assertThat(written(upstream)).startsWith("GET /2 ");
        upstream.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo", StandardCharsets.ISO_8859_1));
        String answers = written(client);
        assertThat(answers.indexOf("one")).isPositive().isLessThan(answers.indexOf("two"));
        assertThat(connects).isEqualTo(1);
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void aContinueFromTheServerReachesTheClientBeforeTheFinalAnswer() {
        EmbeddedChannel client = client();
        sendByteByByte(client, "PUT /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
        assertThat(written(upstream)).contains("Expect: 100-continue");

        upstream.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 100 Continue\r\n\r\n", StandardCharsets.ISO_8859_1));
        assertThat(written(client)).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
        sendByteByByte(client, "abc");
        assertThat(written(upstream)).isEqualTo("abc");
        upstream.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 204 No Content\r\n\r\n", StandardCharsets.ISO_8859_1));

        assertThat(written(client)).isEqualTo("HTTP/1.1 204 No Content\r\n\r\n");
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void aRequestThatCouldSmuggleIsAnswered400AndNothingIsForwarded() {
        EmbeddedChannel client = client();

        sendByteByByte(client, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "0\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n");

        assertThat(written(client)).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("connection: close")
                .endsWith("(DPE)\n");
        assertThat(connects).isZero();
        assertThat(client.isOpen()).isFalse();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void aResponseThatCouldSmuggleIsAnswered502() {
        EmbeddedChannel client = client();
        sendByteByByte(client, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");

        upstream.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
                StandardCharsets.ISO_8859_1));

        assertThat(written(client)).startsWith("HTTP/1.1 502 Bad Gateway\r\n").contains("(UPE)");
        assertThat(upstream.isOpen()).isFalse();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void aRequestLineOver8KibIsAnswered414AndNothingIsForwarded() {
        EmbeddedChannel client = client();

        client.writeInbound(Unpooled.copiedBuffer("GET /" + "a".repeat(9 * 1024) + " HTTP/1.1\r\nHost: a\r\n\r\n",
                StandardCharsets.ISO_8859_1));

        assertThat(written(client)).startsWith("HTTP/1.1 414 Request-URI Too Long\r\n").endsWith("(DPE)\n");
        assertThat(connects).isZero();
        assertThat(client.isOpen()).isFalse();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void anEmptyLineBeforeTheRequestLineIsIgnored() {
        EmbeddedChannel client = client();

        sendByteByByte(client, "\r\nGET /after-crlf HTTP/1.1\r\nHost: a\r\n\r\n");

        assertThat(written(upstream)).startsWith("GET /after-crlf HTTP/1.1\r\n");
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void aVersionOtherThanHttp10Or11IsAnswered505AndNothingIsForwarded() {
        EmbeddedChannel client = client();

        sendByteByByte(client, "GET / HTTP/2.0\r\nHost: a\r\n\r\n");

        assertThat(written(client)).startsWith("HTTP/1.1 505 HTTP Version Not Supported\r\n").endsWith("(DPE)\n");
        assertThat(connects).isZero();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void aRequestBodyWithABadChunkNeverEndsWholeUpstreamAndIsAnswered400() {
        EmbeddedChannel client = client();

        sendByteByByte(client, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX0\r\n\r\n");

        String forwarded = written(upstream);
        assertThat(forwarded).startsWith("POST / HTTP/1.1\r\n");
        assertThat(body(forwarded)).as("no last chunk").doesNotContain("0\r\n\r\n");
        assertThat(upstream.isOpen()).as("the upstream connection under the broken request is closed").isFalse();
        assertThat(written(client)).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("connection: close")
                .endsWith("(DPE)\n");
        assertThat(client.isOpen()).isFalse();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void aClientThatStopsMidChunkedBodyLeavesNoWholeRequestUpstream() {
        EmbeddedChannel client = client();
        sendByteByByte(client, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
        String forwarded = written(upstream);
        assertThat(forwarded).startsWith("POST / HTTP/1.1\r\n");
        assertThat(body(forwarded)).as("no last chunk").doesNotContain("0\r\n\r\n");

        client.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);

        assertThat(written(upstream)).isEmpty();
        assertThat(upstream.isOpen()).isFalse();
        assertThat(written(client)).startsWith("HTTP/1.1 400 Bad Request\r\n");
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void aResponseWithABadChunkInItsFirstReadIsAnswered502AndItsConnectionNotReused() {
        EmbeddedChannel client = client();
        sendByteByByte(client, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n");
        written(upstream);

        upstream.writeInbound(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\r\n0\r\n\r\n"));

        assertThat(written(client)).startsWith("HTTP/1.1 502 Bad Gateway\r\n").contains("upstream protocol error")
                .endsWith("(UPE)\n").doesNotContain("200 OK");
        assertThat(upstream.isOpen()).isFalse();
        assertThat(client.isOpen()).as("the 502 is a whole answer; the client connection goes on").isTrue();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void aResponseWhoseChunkBreaksAfterItsHeadWentOutCutsTheClientConnection() {
        EmbeddedChannel client = client();
        sendByteByByte(client, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        upstream.writeInbound(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n"));
        assertThat(written(client)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("2\r\nok\r\n");

        upstream.writeInbound(ascii("1\nx\r\n0\r\n\r\n"));

        assertThat(written(client)).isEmpty();
        assertThat(client.isOpen()).isFalse();
        assertThat(upstream.isOpen()).isFalse();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void anUpstreamThatClosesMidChunkedBodyCutsTheClientConnectionWithoutALastChunk() {
        EmbeddedChannel client = client();
        sendByteByByte(client, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        upstream.writeInbound(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n"));
        assertThat(written(client)).startsWith("HTTP/1.1 200 OK\r\n");

        upstream.close();

        assertThat(written(client)).doesNotContain("0\r\n\r\n");
        assertThat(client.isOpen()).isFalse();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void aPipelinedHeadLeftUnfinishedIsTimedFromTheEndOfTheExchangeBeforeIt() throws InterruptedException {
        EmbeddedChannel client = client(new HttpLimits(Duration.ofMillis(50), Duration.ZERO, 8192, 100));
        client.writeInbound(ascii("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHo"));
        upstream.writeInbound(ascii("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"));
        assertThat(written(client)).endsWith("one");

        Thread.sleep(100);
        client.runScheduledPendingTasks();

        assertThat(written(client)).startsWith("HTTP/1.1 408 Request Timeout\r\n").endsWith("(DT)\n");
        assertThat(written(upstream)).startsWith("GET /1 ").doesNotContain("GET /2");
        assertThat(client.isOpen()).isFalse();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void anIdleKeepAliveConnectionAfterAnExchangeIsNotTimed() throws InterruptedException {
        EmbeddedChannel client = client(new HttpLimits(Duration.ofMillis(50), Duration.ZERO, 8192, 100));
        client.writeInbound(ascii("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"));
        upstream.writeInbound(ascii("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none"));
        assertThat(written(client)).endsWith("one");

        Thread.sleep(100);
        client.runScheduledPendingTasks();

        assertThat(written(client)).isEmpty();
        assertThat(client.isOpen()).isTrue();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void anHttp10ClientGetsNoInterimResponsesAndItsExpectationIsNotPassedOn() {
        EmbeddedChannel client = client();
        sendByteByByte(client, "PUT /f HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc");
        assertThat(written(upstream)).startsWith("PUT /f HTTP/1.1\r\n").doesNotContainIgnoringCase("expect")
                .endsWith("abc");

        upstream.writeInbound(ascii("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"));
        upstream.writeInbound(ascii("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));

        assertThat(written(client)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("ok").doesNotContain("100", "103", "Link");
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }

    @Test
    void anHttp10RequestWithTransferEncodingIsAnswered400AndNothingIsForwarded() {
        EmbeddedChannel client = client();

        sendByteByByte(client, "POST /f HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");

        assertThat(written(client)).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("Transfer-Encoding in an HTTP/1.0")
                .endsWith("(DPE)\n");
        assertThat(connects).isZero();
        assertThat(client.isOpen()).isFalse();
        client.finishAndReleaseAll();
        upstream.finishAndReleaseAll();
    }
}
