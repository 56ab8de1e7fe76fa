package dev.tandem.core.http;

/** A circuit breaker of the cluster was open: the request is answered 503 UO without reaching an upstream. */
final class Overflow extends Exception {

    Overflow(String message) {
        super(message, null, false, false);
    }
}
