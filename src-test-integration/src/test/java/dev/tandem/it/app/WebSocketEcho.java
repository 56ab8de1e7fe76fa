package dev.tandem.it.app;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket echo server at {@code /ws} on Netty's WebSocket handlers, and a client on the JDK's
 * {@link java.net.http.WebSocket}: the upgrade a proxy has to let through, then frames both ways.
 */
final class WebSocketEcho implements AutoCloseable {

    private final Channel server;

    private WebSocketEcho(int port) throws InterruptedException {
        WebSocketServerProtocolConfig config = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/ws")
                .maxFramePayloadLength(1024 * 1024)
                .build();
        server = Loops.listen(port, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                // The aggregator only gathers the (bodiless) upgrade request; frames are not aggregated.
                ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                        new WebSocketServerProtocolHandler(config), new Echo());
            }
        });
    }

    static WebSocketEcho listen(int port) throws InterruptedException {
        return new WebSocketEcho(port);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }

    /** Sends every data frame back as it came; pings and close are the protocol handler's. */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame
                    || msg instanceof ContinuationWebSocketFrame) {
                ctx.writeAndFlush(msg);
            } else if (msg instanceof FullHttpRequest request) {
                // Not an upgrade to /ws.
                boolean keepAlive = HttpUtil.isKeepAlive(request);
                ReferenceCountUtil.release(msg);
                var response = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.NOT_FOUND,
                        Unpooled.EMPTY_BUFFER);
                HttpUtil.setContentLength(response, 0);
                var written = ctx.writeAndFlush(response);
                if (!keepAlive) {
                    written.addListener(ChannelFutureListener.CLOSE);
                }
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Wire.log("ws-server", cause);
            ctx.close();
        }
    }

    /**
     * Opens {@code ws://HOST:PORT/ws}, sends {@code n} text messages and one binary one, and checks that each comes
     * back, in order: {@code echoed=<correct echoes> of=<n+1>[ error=<why>]}.
     */
    static String client(InetSocketAddress target, int n) {
        List<Object> sent = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            sent.add("message-" + i);
        }
        byte[] binary = new byte[1024];
        new java.util.Random(n).nextBytes(binary);
        sent.add(binary);
        Collector collector = new Collector();
        String error = null;
        int echoed = 0;
        WebSocket socket = null;
        try {
            HttpClient client = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
                    .connectTimeout(Duration.ofMillis(Wire.CONNECT_TIMEOUT_MS)).build();
            socket = client.newWebSocketBuilder().connectTimeout(Duration.ofMillis(Wire.CONNECT_TIMEOUT_MS))
                    .buildAsync(URI.create("ws://" + Wire.authority(target) + "/ws"), collector)
                    .get(Wire.TIMEOUT_MS, TimeUnit.MILLISECONDS);
            for (Object message : sent) {
                if (message instanceof String text) {
                    socket.sendText(text, true).get(Wire.TIMEOUT_MS, TimeUnit.MILLISECONDS);
                } else {
                    socket.sendBinary(ByteBuffer.wrap((byte[]) message), true)
                            .get(Wire.TIMEOUT_MS, TimeUnit.MILLISECONDS);
                }
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Wire.TIMEOUT_MS);
            for (Object message : sent) {
                Object echo = collector.messages.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (echo == null || echo == Collector.END) {
                    error = echo == null ? "timeout" : collector.ended;
                    break;
                }
                if (same(message, echo)) {
                    echoed++;
                }
            }
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            error = Wire.error(e);
        } finally {
            if (socket != null) {
                socket.abort();
            }
        }
        return "echoed=" + echoed + " of=" + (n + 1) + (error == null ? "" : " error=" + error);
    }

    private static boolean same(Object sent, Object echo) {
        if (sent instanceof String text) {
            return text.equals(echo);
        }
        return echo instanceof byte[] bytes && Arrays.equals((byte[]) sent, bytes);
    }

    /** Gathers whole messages (a String or a byte[] each) from possibly fragmented frames. */
    private static final class Collector implements WebSocket.Listener {
        /** Queued after the last message when the connection ends, so nobody waits for echoes that cannot come. */
        static final Object END = new Object();
        final LinkedBlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        volatile String ended;
        private final StringBuilder text = new StringBuilder();
        private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket socket, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binary.writeBytes(bytes);
            if (last) {
                messages.add(binary.toByteArray());
                binary.reset();
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
            ended = "closed_" + statusCode;
            messages.add(END);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            ended = Wire.error(error);
            messages.add(END);
        }
    }
}
