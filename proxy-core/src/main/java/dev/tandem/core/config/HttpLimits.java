package dev.tandem.core.config;

import java.time.Duration;

/** Bounds on HTTP messages and on the time a request may take, from the environment. */
public record HttpLimits(Duration requestHeadersTimeout, Duration requestTimeout, int maxHeadBytes, int maxHeaders) {

    public static final HttpLimits DEFAULTS = new HttpLimits(Duration.ofSeconds(10), Duration.ZERO, 60 * 1024, 100);

    static HttpLimits read(EnvReader env) {
        Duration headers = env.read(Settings.REQUEST_HEADERS_TIMEOUT, Parsers::duration);
        if (Duration.ZERO.equals(headers)) {
            env.refuse(Settings.REQUEST_HEADERS_TIMEOUT, "must be more than zero");
        }
        Duration request = env.read(Settings.REQUEST_TIMEOUT, Parsers::duration);
        Integer kb = env.read(Settings.MAX_REQUEST_HEADERS_KB, Parsers.integer(1, 8192));
        Integer count = env.read(Settings.MAX_HEADERS_COUNT, Parsers.integer(1, 10_000));
        return new HttpLimits(headers, request, kb == null ? 0 : kb * 1024, count == null ? 0 : count);
    }
}
