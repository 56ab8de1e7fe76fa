package dev.tandem.core.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A small HTTP/1.1 server for the proxy's own endpoints (health, admin): exact paths mapped to plain-text answers.
 * Requests are tiny, so they are aggregated; bodies above 8 KiB are refused with 413 by the aggregator.
 */
@Sharable
public final class HttpEndpoints extends SimpleChannelInboundHandler<FullHttpRequest> {

    /** An endpoint's answer. */
    public record Answer(HttpResponseStatus status, String body) {
        public static Answer ok(String body) {
            return new Answer(HttpResponseStatus.OK, body);
        }
    }

    private final Map<String, Supplier<Answer>> endpoints;

    public HttpEndpoints(Map<String, Supplier<Answer>> endpoints) {
        this.endpoints = new TreeMap<>(endpoints);
    }

    /** The per-connection pipeline: codec, aggregator, these endpoints. */
    public ChannelInitializer<SocketChannel> initializer() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192), HttpEndpoints.this);
            }
        };
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String path = new QueryStringDecoder(request.uri()).path();
        Supplier<Answer> endpoint = endpoints.get(path);
        Answer answer = endpoint == null
                ? new Answer(HttpResponseStatus.NOT_FOUND, "no such endpoint; try one of " + endpoints.keySet())
                : endpoint.get();
        ByteBuf body = Unpooled.copiedBuffer(answer.body() + "\n", StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, answer.status(), body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(response, keepAlive);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
