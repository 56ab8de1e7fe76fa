package dev.tandem.core.http;

import dev.tandem.core.addr.OrigDstAddr;
import dev.tandem.core.connect.UpstreamTarget;
import dev.tandem.core.traffic.Cluster;
import dev.tandem.core.traffic.Endpoint;
import dev.tandem.core.traffic.RetryPolicy;
import dev.tandem.core.traffic.RetryPolicy.Failure;
import dev.tandem.core.traffic.RoutePlan;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The upstream attempts of one request on its route's plan, the same for both HTTP stages: the cluster's request
 * slot, each attempt's endpoint (one not tried yet while another is left), its per-try timeout, the outcome reported
 * for outlier detection, and the cluster's retry budget. The stage does the I/O; this keeps what the cluster lends,
 * and gives it back once.
 */
final class Attempts {

    private RoutePlan plan;
    private Cluster cluster;
    /** Made at the first endpoint chosen: a request to its original destination never needs it. */
    private List<Endpoint> tried;
    private Endpoint endpoint;
    private int attempt;
    private boolean requestAdmitted;
    private boolean retryAdmitted;
    private ScheduledFuture<?> perTryTimeout;

    void plan(RoutePlan routed) {
        this.plan = routed;
        this.cluster = routed.cluster();
    }

    /** The attempt under way, counted from 0. */
    int number() {
        return attempt;
    }

    /** Takes one of the cluster's request slots: null when taken (or there is no cluster), else why not. */
    String admitRequest() {
        if (cluster == null) {
            return null;
        }
        if (!cluster.admitRequest()) {
            return "cluster " + cluster + " has " + cluster.activeRequests() + " requests in flight, its limit";
        }
        requestAdmitted = true;
        return null;
    }

    /**
     * Where this attempt goes: the original destination without a cluster, else an endpoint of the cluster's choice,
     * now busy with this request; null when the cluster has no healthy endpoint.
     */
    UpstreamTarget target(HttpRouter router, OrigDstAddr origDst) {
        if (cluster == null) {
            return router.direct(origDst);
        }
        if (tried == null) {
            tried = new ArrayList<>(2);
        }
        endpoint = cluster.choose(tried);
        if (endpoint == null) {
            return null;
        }
        tried.add(endpoint);
        endpoint.started();
        return new UpstreamTarget(endpoint.address(), null, cluster.limits().connectTimeout());
    }

    /** The attempt's endpoint may be chosen again: the request is sent anew, which is no retry by policy. */
    void mayChooseEndpointAgain() {
        if (tried != null) {
            tried.remove(endpoint);
        }
    }

    /** Runs {@code onTimeout} if this attempt outlasts the policy's per-try timeout, if it has one. */
    void schedulePerTry(EventExecutor executor, Runnable onTimeout) {
        RetryPolicy retries = plan.retries();
        if (retries == null || retries.perTryTimeout() == null || retries.perTryTimeout().isZero()) {
            return;
        }
        int thisAttempt = attempt;
        perTryTimeout = executor.schedule(() -> {
            if (attempt == thisAttempt) {
                onTimeout.run();
            }
        }, retries.perTryTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The attempt ended with this status, an answer or the one the proxy gives for its failure. */
    void outcome(int status) {
        cancelPerTry();
        if (cluster != null && endpoint != null) {
            cluster.report(endpoint, status);
        }
    }

    boolean retriable(Failure failure) {
        return plan.retries() != null && plan.retries().retriable(failure);
    }

    boolean retriable(int status, int grpcStatus) {
        return plan.retries() != null && plan.retries().retriable(status, grpcStatus);
    }

    /** Whether this answer ends a request that was retried for answers like it: Envoy's URX. */
    boolean exhausted(int status, int grpcStatus) {
        return attempt > 0 && retriable(status, grpcStatus);
    }

    /**
     * Attempts left by the policy, the request still sendable again, and room in the cluster's retry budget, which
     * this takes.
     */
    boolean mayRetry(boolean responseStarted, boolean bodyLost) {
        if (plan.retries() == null || responseStarted || bodyLost || attempt >= plan.retries().attempts()) {
            return false;
        }
        if (cluster != null) {
            if (!cluster.admitRetry()) {
                return false;
            }
            retryAdmitted = true;
        }
        return true;
    }

    /** The next attempt, once the stage has ended this one; returns how long to wait before it. */
    Duration next() {
        attempt++;
        return Duration.ofMillis(RetryPolicy.backoffMillis(attempt));
    }

    /** This attempt's endpoint and retry slot are given back. */
    void endAttempt() {
        cancelPerTry();
        if (endpoint != null) {
            endpoint.finished();
            endpoint = null;
        }
        if (retryAdmitted) {
            cluster.retryDone();
            retryAdmitted = false;
        }
    }

    /** Everything the cluster lent this request is given back. */
    void finish() {
        endAttempt();
        if (requestAdmitted) {
            cluster.requestDone();
            requestAdmitted = false;
        }
    }

    void cancelPerTry() {
        if (perTryTimeout != null) {
            perTryTimeout.cancel(false);
            perTryTimeout = null;
        }
    }
}
