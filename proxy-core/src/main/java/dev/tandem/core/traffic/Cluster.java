package dev.tandem.core.traffic;

import dev.tandem.core.traffic.Model.LoadBalancing;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Where a route sends requests: the endpoints of a service (or of one of its subsets) at one port, how to balance
 * between them, the circuit breakers that bound what may be in flight, and the outlier detection that takes failing
 * endpoints out for a while. Named as Envoy names clusters: {@code outbound|9080|v1|reviews.shop.svc.cluster.local}.
 */
public final class Cluster {

    private final String name;
    private final String host;
    private final Supplier<List<Endpoint>> endpoints;
    private final LoadBalancing balancing;
    private final ClusterLimits limits;
    private final OutlierSettings outlier;
    private final AtomicInteger activeRequests = new AtomicInteger();
    private final AtomicInteger pendingRequests = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger activeRetries = new AtomicInteger();
    private final AtomicLong roundRobin = new AtomicLong();

    Cluster(String name, Supplier<List<Endpoint>> endpoints, LoadBalancing balancing, ClusterLimits limits,
            OutlierSettings outlier) {
        this(name, null, endpoints, balancing, limits, outlier);
    }

    Cluster(String name, String host, Supplier<List<Endpoint>> endpoints, LoadBalancing balancing,
            ClusterLimits limits, OutlierSettings outlier) {
        this.name = name;
        this.host = host;
        this.endpoints = endpoints;
        this.balancing = balancing;
        this.limits = limits;
        this.outlier = outlier;
    }

    public String name() {
        return name;
    }

    /** The service's host name: Istio's destination_service. */
    public String host() {
        return host;
    }

    public ClusterLimits limits() {
        return limits;
    }

    public List<Endpoint> endpoints() {
        return endpoints.get();
    }

    /**
     * A healthy endpoint, by the cluster's balancing, preferring one not in {@code avoid} (a retry goes elsewhere
     * when it can); null when none is healthy.
     */
    public Endpoint choose(Collection<Endpoint> avoid) {
        long now = System.nanoTime();
        List<Endpoint> all = endpoints.get();
        List<Endpoint> healthy = new ArrayList<>(all.size());
        for (Endpoint e : all) {
            if (outlier == null || !e.ejected(now)) {
                healthy.add(e);
            }
        }
        if (healthy.isEmpty()) {
            return null;
        }
        if (!avoid.isEmpty() && healthy.size() > 1) {
            List<Endpoint> fresh = new ArrayList<>(healthy);
            fresh.removeAll(avoid);
            if (!fresh.isEmpty()) {
                healthy = fresh;
            }
        }
        if (healthy.size() == 1) {
            return healthy.get(0);
        }
        return switch (balancing) {
            case ROUND_ROBIN -> roundRobin(healthy);
            case RANDOM -> weightedRandom(healthy);
            case LEAST_REQUEST -> leastRequest(healthy);
        };
    }

    private Endpoint roundRobin(List<Endpoint> healthy) {
        int total = healthy.stream().mapToInt(Endpoint::weight).sum();
        long ticket = Math.floorMod(roundRobin.getAndIncrement(), (long) total);
        for (Endpoint e : healthy) {
            ticket -= e.weight();
            if (ticket < 0) {
                return e;
            }
        }
        return healthy.get(0);
    }

    private static Endpoint weightedRandom(List<Endpoint> healthy) {
        int total = healthy.stream().mapToInt(Endpoint::weight).sum();
        int ticket = ThreadLocalRandom.current().nextInt(total);
        for (Endpoint e : healthy) {
            ticket -= e.weight();
            if (ticket < 0) {
                return e;
            }
        }
        return healthy.get(0);
    }

    /** Envoy's power of two choices: of two endpoints drawn at random, the one with fewer requests in flight. */
    private static Endpoint leastRequest(List<Endpoint> healthy) {
        Endpoint first = weightedRandom(healthy);
        Endpoint second;
        do {
            second = weightedRandom(healthy);
        } while (second == first);
        if (first.active() == second.active()) {
            return ThreadLocalRandom.current().nextBoolean() ? first : second;
        }
        return first.active() < second.active() ? first : second;
    }

    // --- Circuit breakers: each admit, when true, must be matched by its release.

    public boolean admitRequest() {
        return admit(activeRequests, limits.maxRequests());
    }

    public void requestDone() {
        activeRequests.decrementAndGet();
    }

    public boolean admitPending() {
        return admit(pendingRequests, limits.maxPendingRequests());
    }

    public void pendingDone() {
        pendingRequests.decrementAndGet();
    }

    public boolean admitConnection() {
        return admit(connections, limits.maxConnections());
    }

    /** A connection opened past the limit (see the HTTP/1 pool); released by {@link #connectionClosed()} as any. */
    public void forceConnection() {
        connections.incrementAndGet();
    }

    public void connectionClosed() {
        connections.decrementAndGet();
    }

    public boolean admitRetry() {
        return admit(activeRetries, limits.maxRetries());
    }

    public void retryDone() {
        activeRetries.decrementAndGet();
    }

    public int activeRequests() {
        return activeRequests.get();
    }

    public int pendingRequests() {
        return pendingRequests.get();
    }

    public int connections() {
        return connections.get();
    }

    private static boolean admit(AtomicInteger counter, int max) {
        if (counter.incrementAndGet() > max) {
            counter.decrementAndGet();
            return false;
        }
        return true;
    }

    // --- Outlier detection.

    /** Counts an answer (a local failure as the status it would be answered with: 503, or 504 for a timeout). */
    public void report(Endpoint endpoint, int status) {
        if (outlier == null) {
            return;
        }
        long now = System.nanoTime();
        if (endpoint.outcome(status, outlier, now) && mayEject(now)) {
            endpoint.eject(outlier, now);
        }
    }

    /** No more than maxEjectionPercent of the endpoints out at once, but one may always go. */
    private boolean mayEject(long now) {
        List<Endpoint> all = endpoints.get();
        long out = all.stream().filter(e -> e.ejected(now)).count();
        return out == 0 || (out + 1) * 100 <= (long) outlier.maxEjectionPercent() * all.size();
    }

    public boolean detectsOutliers() {
        return outlier != null;
    }

    @Override
    public String toString() {
        return name;
    }
}
