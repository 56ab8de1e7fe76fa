package dev.tandem.core.traffic;

import dev.tandem.core.addr.Addresses;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One address of a cluster, with what load balancing and outlier detection know of it: requests in flight, recent
 * failures, and until when it is ejected. The same endpoint object lives on across reloads of the configuration, so an
 * ejection outlasts a reload.
 */
public final class Endpoint {

    private final InetSocketAddress address;
    private volatile Map<String, String> labels;
    private volatile int weight;
    private final AtomicInteger active = new AtomicInteger();
    private int consecutive5xx;
    private int consecutiveGatewayErrors;
    private int ejections;
    /** Compared as nanoTime values are, by difference; a new endpoint's is now, so it is not ejected. */
    private volatile long ejectedUntilNanos = System.nanoTime();
    /** When this endpoint's outlier sweeps, one every {@code interval}, are counted from. */
    private final long sweepOrigin = ejectedUntilNanos;

    Endpoint(InetSocketAddress address, Map<String, String> labels, int weight) {
        this.address = address;
        this.labels = Map.copyOf(labels);
        this.weight = weight;
    }

    public InetSocketAddress address() {
        return address;
    }

    public Map<String, String> labels() {
        return labels;
    }

    public int weight() {
        return weight;
    }

    void update(Map<String, String> newLabels, int newWeight) {
        this.labels = Map.copyOf(newLabels);
        this.weight = newWeight;
    }

    /** Requests in flight to this endpoint, for least-request balancing. */
    public int active() {
        return active.get();
    }

    public void started() {
        active.incrementAndGet();
    }

    public void finished() {
        active.decrementAndGet();
    }

    public boolean ejected(long now) {
        return now - ejectedUntilNanos < 0;
    }

    public synchronized boolean everEjected() {
        return ejections > 0;
    }

    public synchronized int ejections() {
        return ejections;
    }

    /**
     * Counts an outcome; answers whether this outcome crossed a threshold and the endpoint should now be ejected
     * (the caller decides, as only it knows how many of the cluster's endpoints are out already).
     */
    synchronized boolean outcome(int status, OutlierSettings settings, long now) {
        boolean error5xx = status >= 500;
        boolean gateway = status == 502 || status == 503 || status == 504;
        consecutive5xx = error5xx ? consecutive5xx + 1 : 0;
        consecutiveGatewayErrors = gateway ? consecutiveGatewayErrors + 1 : 0;
        return settings.consecutive5xx() > 0 && consecutive5xx >= settings.consecutive5xx()
                || settings.consecutiveGateway() > 0 && consecutiveGatewayErrors >= settings.consecutiveGateway();
    }

    long sweepOrigin() {
        return sweepOrigin;
    }

    /**
     * Out of the pool as Envoy's outlier detector takes a host out: for the base ejection time times its ejection
     * multiplier, and back at the first sweep (one every {@code interval}) after that. The multiplier grows by one
     * with each ejection and shrinks by one with each sweep the endpoint spends back in the pool.
     */
    synchronized void eject(OutlierSettings settings, long now) {
        long interval = Math.max(1, settings.interval().toNanos());
        if (ejections > 0 && !ejected(now)) {
            long sweepsBack = (now - ejectedUntilNanos) / interval;
            ejections = (int) Math.max(0, ejections - sweepsBack);
        }
        ejections++;
        long until = now + settings.baseEjectionTime().toNanos() * ejections;
        long sweeps = Math.floorDiv(until - sweepOrigin + interval - 1, interval);
        ejectedUntilNanos = sweepOrigin + sweeps * interval;
        consecutive5xx = 0;
        consecutiveGatewayErrors = 0;
    }

    @Override
    public String toString() {
        return Addresses.format(address);
    }
}
