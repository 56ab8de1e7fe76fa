package dev.tandem.core.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Header fields that describe one connection, not the message (RFC 9110 7.6.1): Connection and every field it names,
 * Keep-Alive, Proxy-Connection, TE and Upgrade. A proxy removes them before forwarding; the framing fields
 * (Content-Length, Transfer-Encoding) stay, as the body is forwarded as it came.
 */
public final class HopByHop {

    private static final List<AsciiString> ALWAYS = List.of(HttpHeaderNames.KEEP_ALIVE,
            AsciiString.cached("proxy-connection"), HttpHeaderNames.TE, HttpHeaderNames.UPGRADE);

    private HopByHop() {
    }

    /** True when the message asks to switch protocols (Connection: upgrade with an Upgrade field). */
    public static boolean isUpgrade(HttpHeaders headers) {
        return headers.contains(HttpHeaderNames.UPGRADE)
                && headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
    }

    /**
     * Removes the hop-by-hop fields. An upgrade keeps {@code Upgrade} and {@code Connection: upgrade}, which the next
     * hop needs to agree to the switch.
     */
    public static void remove(HttpHeaders headers, boolean keepUpgrade) {
        List<String> named = new ArrayList<>();
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                String name = token.strip().toLowerCase(Locale.ROOT);
                if (!name.isEmpty()) {
                    named.add(name);
                }
            }
        }
        String upgrade = keepUpgrade ? headers.get(HttpHeaderNames.UPGRADE) : null;
        headers.remove(HttpHeaderNames.CONNECTION);
        for (String name : named) {
            if (!isFraming(name)) {
                headers.remove(name);
            }
        }
        for (AsciiString name : ALWAYS) {
            headers.remove(name);
        }
        if (upgrade != null) {
            headers.set(HttpHeaderNames.UPGRADE, upgrade);
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
    }

    private static boolean isFraming(String name) {
        return name.equals("content-length") || name.equals("transfer-encoding") || name.equals("host");
    }
}
