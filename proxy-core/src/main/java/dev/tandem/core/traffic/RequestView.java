package dev.tandem.core.traffic;

import dev.tandem.core.addr.OrigDstAddr;

/** What routing reads of a request, whatever its protocol. */
public interface RequestView {

    String method();

    String path();

    String authority();

    /** The value of a header (name in lower case), or null. */
    String header(String name);

    OrigDstAddr origDst();
}
