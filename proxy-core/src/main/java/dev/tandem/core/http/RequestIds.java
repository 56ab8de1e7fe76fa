package dev.tandem.core.http;

import java.util.UUID;

/** The x-request-id every request carries through the mesh: kept when the client sent one, made here when not. */
public final class RequestIds {

    public static final String HEADER = "x-request-id";

    private RequestIds() {
    }

    public static String fresh() {
        return UUID.randomUUID().toString();
    }
}
