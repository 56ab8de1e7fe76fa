package dev.tandem.launcher.inject;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tandem injector}'s HTTPS listener: {@code POST /inject} answers AdmissionReviews, {@code GET /healthz/ready}
 * answers 200 for the injector's own probes. Per connection: TLS, a read timeout, the HTTP/1.1 codec, a body limit,
 * then the endpoints.
 */
final class InjectorServer implements AutoCloseable {

    static final String INJECT_PATH = "/inject";
    static final String READY_PATH = "/healthz/ready";
    /** The API server caps an object at 3 MiB in etcd; a review holds one pod, and its envelope is small. */
    static final int MAX_BODY_BYTES = 4 * 1024 * 1024;
    /** The API server waits at most 30 s for a webhook; a connection silent for longer is not one. */
    private static final int READ_TIMEOUT_SECONDS = 30;

    private static final Logger log = LoggerFactory.getLogger(InjectorServer.class);

    private final EventLoopGroup group;
    private final Channel channel;

    private InjectorServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /** Binds {@code address} and serves until closed. */
    static InjectorServer start(InetSocketAddress address, SslContext ssl, AdmissionReviews reviews) throws IOException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        Endpoints endpoints = new Endpoints(reviews);
        ChannelFuture bound = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(
                                ssl.newHandler(ch.alloc()),
                                new ReadTimeoutHandler(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS),
                                new HttpServerCodec(),
                                new HttpObjectAggregator(MAX_BODY_BYTES),
                                endpoints);
                    }
                })
                .bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot listen on " + address + ": " + bound.cause().getMessage(), bound.cause());
        }
        return new InjectorServer(group, bound.channel());
    }

    InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** The two endpoints; stateless, so one instance serves every connection. */
    @Sharable
    private static final class Endpoints extends SimpleChannelInboundHandler<FullHttpRequest> {

        private final AdmissionReviews reviews;

        Endpoints(AdmissionReviews reviews) {
            this.reviews = reviews;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (!request.decoderResult().isSuccess()) {
                respond(ctx, request, HttpResponseStatus.BAD_REQUEST, "text/plain; charset=utf-8",
                        "malformed HTTP request\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String path = new QueryStringDecoder(request.uri()).path();
            if (path.equals(INJECT_PATH) && request.method().equals(HttpMethod.POST)) {
                long start = System.nanoTime();
                AdmissionReviews.Answer answer;
                try {
                    answer = reviews.review(ByteBufUtil.getBytes(request.content()));
                } catch (RuntimeException e) {
                    log.error("review failed", e);
                    answer = new AdmissionReviews.Answer(500, "text/plain; charset=utf-8",
                            ("internal error: " + e + "\n").getBytes(StandardCharsets.UTF_8), "internal error");
                }
                log.info("{} in {} us", answer.summary(), TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - start));
                answer.warnings().forEach(w -> log.warn("{}", w));
                respond(ctx, request, HttpResponseStatus.valueOf(answer.status()), answer.contentType(), answer.body());
            } else if (path.equals(INJECT_PATH)) {
                respond(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                        "POST an AdmissionReview here\n".getBytes(StandardCharsets.UTF_8));
            } else if (path.equals(READY_PATH)) {
                respond(ctx, request, HttpResponseStatus.OK, "text/plain; charset=utf-8",
                        "ready\n".getBytes(StandardCharsets.UTF_8));
            } else {
                respond(ctx, request, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8",
                        ("no such endpoint; try POST " + INJECT_PATH + " or GET " + READY_PATH + "\n")
                                .getBytes(StandardCharsets.UTF_8));
            }
        }

        private static void respond(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
                                    String contentType, byte[] body) {
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
            HttpUtil.setKeepAlive(response, keepAlive);
            var written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A client that does not trust the certificate, speaks plain HTTP or goes silent: its connection only.
            log.debug("connection from {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
