package dev.tandem.core.http;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** The x-request-id every request carries through the mesh: kept when the client sent one, made here when not. */
public final class RequestIds {

    public static final String HEADER = "x-request-id";

    private RequestIds() {
    }

    /**
     * A random (version 4) UUID. An id only has to be unique, not unguessable, so it comes from the thread's own
     * generator rather than UUID.randomUUID's shared, locked SecureRandom.
     */
    public static String fresh() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = random.nextLong() & ~0xf000L | 0x4000L;
        long low = random.nextLong() & ~(3L << 62) | 1L << 63;
        return new UUID(high, low).toString();
    }
}
