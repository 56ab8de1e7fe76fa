package dev.tandem.it.app;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A server-first protocol, as SMTP or MySQL: the server speaks first ({@code 220 banner <port>}), then answers each
 * line with {@code 250 <line>}. A proxy that waits for the client's first bytes before it connects upstream never
 * lets the banner through. The client here waits for the banner without sending anything.
 */
final class BannerServer implements AutoCloseable {

    static final int BANNER_WAIT_MS = 5_000;

    private final Channel server;

    private BannerServer(int port) throws InterruptedException {
        server = Loops.listen(port, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new LineBasedFrameDecoder(8192), new Replies(port));
            }
        });
    }

    static BannerServer listen(int port) throws InterruptedException {
        return new BannerServer(port);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }

    private static final class Replies extends ChannelInboundHandlerAdapter {
        private final int port;

        Replies(int port) {
            this.port = port;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(ascii("220 banner " + port + "\r\n"));
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf line = (ByteBuf) msg;
            try {
                ctx.writeAndFlush(ascii("250 " + line.toString(StandardCharsets.UTF_8) + "\r\n"));
            } finally {
                line.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Wire.log("banner-server", cause);
            ctx.close();
        }

        private static ByteBuf ascii(String text) {
            return Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        }
    }

    /**
     * Connects and sends nothing until the banner came (or 5 s passed), then {@code HELO x}:
     * {@code banner=<line|none> ms=<time to banner> reply=<line|none>[ error=<why>]}, spaces as underscores.
     */
    static String client(InetSocketAddress target) {
        long start = System.nanoTime();
        String banner = null;
        String reply = null;
        long bannerMillis = -1;
        String error = null;
        try (Socket socket = RawClients.connect(target)) {
            start = System.nanoTime();
            socket.setSoTimeout(BANNER_WAIT_MS);
            InputStream in = socket.getInputStream();
            banner = line(in);
            bannerMillis = Wire.millisSince(start);
            socket.getOutputStream().write("HELO x\r\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            reply = line(in);
        } catch (IOException e) {
            error = Wire.error(e);
        }
        if (bannerMillis < 0) {
            bannerMillis = Wire.millisSince(start);
        }
        return "banner=" + Wire.word(banner) + " ms=" + bannerMillis + " reply=" + Wire.word(reply)
                + (error == null ? "" : " error=" + error);
    }

    /** A line without its CR LF; null if none came in time or the connection ended first. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
                line.write(b);
            }
        } catch (SocketTimeoutException nothingCame) {
            return null;
        }
        String text = line.toString(StandardCharsets.UTF_8);
        return text.isEmpty() ? null : text.strip();
    }
}
