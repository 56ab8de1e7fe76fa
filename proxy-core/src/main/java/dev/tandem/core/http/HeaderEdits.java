package dev.tandem.core.http;

import dev.tandem.core.traffic.Model.HeaderOps;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.List;
import java.util.Locale;

/** A route's header changes: remove, then set (replace), then add (append), as Envoy applies them. */
final class HeaderEdits {

    private HeaderEdits() {
    }

    static void apply(List<HeaderOps> edits, HttpHeaders headers) {
        for (HeaderOps ops : edits) {
            ops.remove().forEach(headers::remove);
            ops.set().forEach(headers::set);
            ops.add().forEach(headers::add);
        }
    }

    static void apply(List<HeaderOps> edits, Http2Headers headers) {
        for (HeaderOps ops : edits) {
            ops.remove().forEach(name -> headers.remove(name.toLowerCase(Locale.ROOT)));
            ops.set().forEach((name, value) -> headers.set(name.toLowerCase(Locale.ROOT), value));
            ops.add().forEach((name, value) -> headers.add(name.toLowerCase(Locale.ROOT), value));
        }
    }
}
