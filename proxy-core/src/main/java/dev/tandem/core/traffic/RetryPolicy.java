package dev.tandem.core.traffic;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** When to try a request again, as Envoy reads Istio's retryOn. Attempts counts the retries, not the first try. */
public record RetryPolicy(int attempts, Duration perTryTimeout, Set<String> on, Set<Integer> codes) {

    /** How an attempt failed without a response. */
    public enum Failure { CONNECT_FAILURE, RESET, TIMEOUT, REFUSED_STREAM }

    static RetryPolicy of(Model.Retries retries) {
        if (retries == null || retries.attempts() == 0) {
            return null;
        }
        Set<String> on = new HashSet<>();
        Set<Integer> codes = new HashSet<>();
        for (String token : retries.retryOn()) {
            if (token.matches("\\d{3}")) {
                codes.add(Integer.parseInt(token));
            } else {
                on.add(token);
            }
        }
        return new RetryPolicy(retries.attempts(), retries.perTryTimeout(), Set.copyOf(on), Set.copyOf(codes));
    }

    public boolean retriable(int status, int grpcStatus) {
        return on.contains("5xx") && status >= 500
                || on.contains("gateway-error") && (status == 502 || status == 503 || status == 504)
                || on.contains("retriable-4xx") && status == 409
                || codes.contains(status)
                || grpcStatus >= 0 && retriableGrpc(grpcStatus);
    }

    private boolean retriableGrpc(int grpcStatus) {
        return on.contains("cancelled") && grpcStatus == 1
                || on.contains("deadline-exceeded") && grpcStatus == 4
                || on.contains("resource-exhausted") && grpcStatus == 8
                || on.contains("internal") && grpcStatus == 13
                || on.contains("unavailable") && grpcStatus == 14;
    }

    public boolean retriable(Failure failure) {
        if (on.contains("5xx") || on.contains("gateway-error") || on.contains("reset")) {
            return true;
        }
        return failure == Failure.CONNECT_FAILURE && on.contains("connect-failure")
                || failure == Failure.REFUSED_STREAM && on.contains("refused-stream");
    }

    /** Envoy's backoff: a random wait up to 25 ms doubling with each retry, at most 250 ms. */
    public static long backoffMillis(int retry) {
        long ceiling = Math.min(250, 25L << Math.min(retry, 4));
        return java.util.concurrent.ThreadLocalRandom.current().nextLong(ceiling + 1);
    }

    @Override
    public String toString() {
        return attempts + " attempts on " + List.copyOf(on) + (codes.isEmpty() ? "" : " " + codes);
    }
}
