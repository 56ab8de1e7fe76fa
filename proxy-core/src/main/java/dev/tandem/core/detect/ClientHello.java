package dev.tandem.core.detect;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** Reads the server name (SNI) from a TLS ClientHello handshake message (RFC 8446 4.1.2, RFC 6066 3). */
final class ClientHello {

    private static final int CLIENT_HELLO = 1;
    private static final int SERVER_NAME = 0;
    private static final int HOST_NAME = 0;

    private ClientHello() {
    }

    /** The host name asked for, or null when the message has none or is not a well-formed ClientHello. */
    static String serverName(ByteBuf handshake) {
        try {
            ByteBuf m = handshake.duplicate();
            if (m.readUnsignedByte() != CLIENT_HELLO) {
                return null;
            }
            m.skipBytes(3 + 2 + 32);
            m.skipBytes(m.readUnsignedByte());
            m.skipBytes(m.readUnsignedShort());
            m.skipBytes(m.readUnsignedByte());
            if (m.readableBytes() < 2) {
                return null;
            }
            int extensionsEnd = m.readerIndex() + m.readUnsignedShort();
            while (m.readerIndex() + 4 <= extensionsEnd) {
                int type = m.readUnsignedShort();
                int length = m.readUnsignedShort();
                if (type != SERVER_NAME) {
                    m.skipBytes(length);
                    continue;
                }
                int listEnd = m.readerIndex() + m.readUnsignedShort();
                while (m.readerIndex() + 3 <= listEnd) {
                    int nameType = m.readUnsignedByte();
                    int nameLength = m.readUnsignedShort();
                    if (nameType == HOST_NAME) {
                        return m.toString(m.readerIndex(), nameLength, StandardCharsets.US_ASCII);
                    }
                    m.skipBytes(nameLength);
                }
                return null;
            }
            return null;
        } catch (IndexOutOfBoundsException truncated) {
            return null;
        }
    }
}
