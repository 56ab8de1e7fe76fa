package dev.tandem.core.admin;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
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
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A small HTTP/1.1 server for the proxy's own endpoints (health, admin, metrics): exact paths, each with the methods
 * it answers, mapped to answers made from the request's query. As Envoy's admin, an endpoint that changes the proxy
 * answers only POST, and any other method gets 405. Requests are tiny, so they are aggregated; bodies above 8 KiB are
 * refused with 413 by the aggregator.
 */
@Sharable
public final class HttpEndpoints extends SimpleChannelInboundHandler<FullHttpRequest> {

    public static final String TEXT = "text/plain; charset=utf-8";
    public static final String JSON = "application/json";

    /** A request as an endpoint sees it: its method, path and query parameters (a bare {@code ?graceful} has ""). */
    public record Request(HttpMethod method, String path, Map<String, List<String>> parameters) {

        public static Request of(HttpMethod method, String uri) {
            QueryStringDecoder decoder = new QueryStringDecoder(uri);
            return new Request(method, decoder.path(), decoder.parameters());
        }

        public boolean has(String name) {
            return parameters.containsKey(name);
        }

        /** The parameter's first value, or null when it is absent. */
        public String parameter(String name) {
            List<String> values = parameters.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    /** An endpoint's answer; {@code afterSent}, when not null, runs once the answer has been written. */
    public record Answer(HttpResponseStatus status, String contentType, String body, Runnable afterSent) {

        public static Answer ok(String body) {
            return text(HttpResponseStatus.OK, body);
        }

        public static Answer text(HttpResponseStatus status, String body) {
            return new Answer(status, TEXT, body, null);
        }

        public static Answer json(String body) {
            return new Answer(HttpResponseStatus.OK, JSON, body, null);
        }

        public Answer then(Runnable action) {
            return new Answer(status, contentType, body, action);
        }
    }

    /** Makes an answer from a request. */
    @FunctionalInterface
    public interface Endpoint {
        Answer answer(Request request);
    }

    private final Map<String, Map<HttpMethod, Endpoint>> routes;

    private HttpEndpoints(Map<String, Map<HttpMethod, Endpoint>> routes) {
        this.routes = routes;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The endpoints, path by path. */
    public static final class Builder {
        private final Map<String, Map<HttpMethod, Endpoint>> routes = new TreeMap<>();

        /** An endpoint that only reads: GET. */
        public Builder get(String path, Supplier<Answer> answer) {
            return route(HttpMethod.GET, path, request -> answer.get());
        }

        public Builder get(String path, Endpoint endpoint) {
            return route(HttpMethod.GET, path, endpoint);
        }

        /** An endpoint that changes the proxy: POST only. */
        public Builder post(String path, Endpoint endpoint) {
            return route(HttpMethod.POST, path, endpoint);
        }

        private Builder route(HttpMethod method, String path, Endpoint endpoint) {
            if (routes.computeIfAbsent(path, p -> new LinkedHashMap<>()).putIfAbsent(method, endpoint) != null) {
                throw new IllegalArgumentException(method + " " + path + " is already an endpoint");
            }
            return this;
        }

        public HttpEndpoints build() {
            var copy = new TreeMap<String, Map<HttpMethod, Endpoint>>();
            routes.forEach((path, methods) -> copy.put(path, Map.copyOf(methods)));
            return new HttpEndpoints(copy);
        }
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

    /** The answer to one request, with the headers it needs beyond the status and body. */
    Routed answer(Request request) {
        Map<HttpMethod, Endpoint> methods = routes.get(request.path());
        if (methods == null) {
            return new Routed(Answer.text(HttpResponseStatus.NOT_FOUND,
                    "no such endpoint; try one of " + routes.keySet()), null);
        }
        Endpoint endpoint = methods.get(request.method());
        if (endpoint == null) {
            String allowed = methods.keySet().stream().map(HttpMethod::name).sorted().collect(Collectors.joining(", "));
            String body = methods.containsKey(HttpMethod.POST) && !methods.containsKey(HttpMethod.GET)
                    ? "Method " + request.method() + " not allowed, POST required."
                    : "Method " + request.method() + " not allowed; " + request.path() + " answers " + allowed + ".";
            return new Routed(Answer.text(HttpResponseStatus.METHOD_NOT_ALLOWED, body), allowed);
        }
        return new Routed(endpoint.answer(request), null);
    }

    /** An answer and, for a 405, the methods the path allows. */
    record Routed(Answer answer, String allow) {
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        Routed routed = request.decoderResult().isSuccess()
                ? answer(Request.of(request.method(), request.uri()))
                : new Routed(Answer.text(HttpResponseStatus.BAD_REQUEST, "malformed request"), null);
        Answer answer = routed.answer();
        ByteBuf body = Unpooled.copiedBuffer(answer.body() + "\n", StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, answer.status(), body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, answer.contentType())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        if (routed.allow() != null) {
            response.headers().set(HttpHeaderNames.ALLOW, routed.allow());
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
        HttpUtil.setKeepAlive(response, keepAlive);
        ChannelFuture written = ctx.writeAndFlush(response);
        if (answer.afterSent() != null) {
            written.addListener(sent -> answer.afterSent().run());
        }
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
