package dev.tandem.core.http;

import dev.tandem.core.config.HttpLimits;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import java.util.List;

/** The upstream side's HTTP/1.1 codec: requests out, strictly decoded responses in, each matched to its request. */
final class Http1ClientCodec extends CombinedChannelDuplexHandler<StrictResponseDecoder, HttpRequestEncoder> {

    Http1ClientCodec(HttpLimits limits) {
        StrictResponseDecoder decoder = new StrictResponseDecoder(limits);
        init(decoder, new HttpRequestEncoder() {
            @Override
            protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
                if (msg instanceof HttpRequest request) {
                    decoder.sent(request.method());
                }
                super.encode(ctx, msg, out);
            }
        });
    }
}
