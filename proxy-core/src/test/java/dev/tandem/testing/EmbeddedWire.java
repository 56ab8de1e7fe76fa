package dev.tandem.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;

/** Bytes in and out of an {@link EmbeddedChannel} as text, one byte a character, as the HTTP stage tests read them. */
public final class EmbeddedWire {

    private EmbeddedWire() {
    }

    public static ByteBuf ascii(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }

    /** Everything the channel has written since last asked, released. */
    public static String written(EmbeddedChannel channel) {
        var out = new StringBuilder();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) o;
            out.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return out.toString();
    }

    /** Hands the bytes in one at a time, as the slowest network would, until the channel closes. */
    public static void sendByteByByte(EmbeddedChannel channel, String bytes) {
        for (byte b : bytes.getBytes(StandardCharsets.ISO_8859_1)) {
            if (!channel.isOpen()) {
                return;
            }
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
    }
}
