package dev.tandem.it.app;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.CharsetUtil;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * A named backend for the traffic-management scenarios: a small keep-alive HTTP/1.1 server whose every answer says
 * which server gave it, so a client can count where its requests landed. Requests are counted per path.
 *
 * <ul>
 *   <li>any path: 200 with {@code name=NAME path=PATH host=HOST attempt=N canary=H} and header {@code x-served-by};</li>
 *   <li>a path with segments {@code status/CODE}: the same line with that status;</li>
 *   <li>{@code flaky/KEY/N}: the first N requests for KEY answer 503, later ones 200;</li>
 *   <li>{@code delay/MS}: the answer after MS milliseconds.</li>
 * </ul>
 * A server started with a delay answers every request that late (a slow endpoint); one started with a status
 * answers every other request with it (a failing endpoint).
 */
final class MeshServer implements AutoCloseable {

    private final String name;
    private final long delayMillis;
    private final HttpResponseStatus status;
    private final Channel server;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger maxActive = new AtomicInteger();
    private final AtomicInteger peerHeaders = new AtomicInteger();
    private final Map<String, AtomicInteger> byFirstSegment = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> flaky = new ConcurrentHashMap<>();

    private MeshServer(int port, String name, long delayMillis, int status) throws InterruptedException {
        this.name = name;
        this.delayMillis = delayMillis;
        this.status = HttpResponseStatus.valueOf(status);
        this.server = Loops.listen(port, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                connections.incrementAndGet();
                ch.pipeline().addLast(new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                        new HttpObjectAggregator(1 << 20), new Handler());
            }
        });
    }

    static MeshServer listen(int port, String name, long delayMillis, int status) throws InterruptedException {
        return new MeshServer(port, name, delayMillis, status);
    }

    /**
     * {@code requests=N connections=C max-active=M peer-headers=P paths=/seg:n,...}: what reached this server; M is the
     * most requests it held at once since the last stats, P how many requests carried a sidecar's peer header.
     */
    String stats() {
        int most = maxActive.getAndSet(active.get());
        String paths = byFirstSegment.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + ":" + e.getValue().get()).collect(Collectors.joining(","));
        return "requests=" + requests.get() + " connections=" + connections.get() + " max-active=" + most + " peer-headers=" + peerHeaders.get()
                + " paths=" + (paths.isEmpty() ? "none" : paths);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            requests.incrementAndGet();
            if (request.headers().contains("x-tandem-peer")) {
                peerHeaders.incrementAndGet();
            }
            maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
            String path = request.uri();
            int query = path.indexOf('?');
            String[] segments = (query < 0 ? path : path.substring(0, query)).split("/");
            String first = segments.length > 1 ? "/" + segments[1] : "/";
            byFirstSegment.computeIfAbsent(first, k -> new AtomicInteger()).incrementAndGet();
            HttpResponseStatus status = MeshServer.this.status;
            long delay = delayMillis;
            try {
                for (int i = 1; i + 1 < segments.length; i++) {
                    switch (segments[i]) {
                        case "status" -> status = HttpResponseStatus.valueOf(Integer.parseInt(segments[i + 1]));
                        case "delay" -> delay = Long.parseLong(segments[i + 1]);
                        case "flaky" -> {
                            int failures = i + 2 < segments.length ? Integer.parseInt(segments[i + 2]) : 1;
                            int seen = flaky.computeIfAbsent(segments[i + 1], k -> new AtomicInteger()).incrementAndGet();
                            status = seen <= failures ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.OK;
                        }
                        default -> {
                        }
                    }
                }
            } catch (NumberFormatException e) {
                status = HttpResponseStatus.BAD_REQUEST;
            }
            String line = "name=" + name + " path=" + Wire.word(path)
                    + " host=" + Wire.word(String.valueOf(request.headers().get(HttpHeaderNames.HOST)))
                    + " attempt=" + Wire.word(String.valueOf(request.headers().get("x-envoy-attempt-count")))
                    + " canary=" + Wire.word(String.valueOf(request.headers().get("x-canary")))
                    + " added=" + Wire.word(String.valueOf(request.headers().get("x-added")))
                    + " removed=" + Wire.word(String.valueOf(request.headers().get("x-remove-me")));
            boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpResponseStatus answer = status;
            Runnable respond = () -> {
                active.decrementAndGet();
                ByteBuf body = Unpooled.copiedBuffer(line + "\n", CharsetUtil.UTF_8);
                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, answer, body);
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                        .set("x-served-by", name)
                        .set("x-upstream-header", "present");
                HttpUtil.setContentLength(response, body.readableBytes());
                HttpUtil.setKeepAlive(response, keepAlive);
                ctx.writeAndFlush(response);
            };
            if (delay > 0) {
                ctx.executor().schedule(respond, delay, TimeUnit.MILLISECONDS);
            } else {
                respond.run();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Wire.log("mesh-server", cause);
            ctx.close();
        }
    }
}
