package dev.tandem.core.traffic;

import java.util.Locale;

/**
 * Host names as Istio reads them: a name without dots is short for a service of the namespace
 * ({@code reviews} in namespace {@code shop} is {@code reviews.shop.svc.cluster.local}); anything with a dot is taken
 * as written. A request's host is compared in every form a Kubernetes client could have used for it.
 */
public final class HostNames {

    private HostNames() {
    }

    /** The fully qualified form of a host named in a resource of {@code namespace}. */
    public static String complete(String host, String namespace, String clusterDomain) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.contains(".") || h.equals("*") || h.startsWith("*")) {
            return h;
        }
        return h + "." + namespace + ".svc." + clusterDomain;
    }

    /** The host of an authority or Host header: port removed, lower case. */
    public static String ofAuthority(String authority) {
        if (authority == null) {
            return "";
        }
        String a = authority.strip().toLowerCase(Locale.ROOT);
        if (a.startsWith("[")) {
            int end = a.indexOf(']');
            return end > 0 ? a.substring(0, end + 1) : a;
        }
        int colon = a.lastIndexOf(':');
        return colon >= 0 && a.indexOf(':') == colon ? a.substring(0, colon) : a;
    }

    /**
     * How specific a host is, for Istio's precedence among several that match a request: any name over a wildcard,
     * a longer wildcard over a shorter one.
     */
    public static int specificity(String host) {
        return host.startsWith("*") ? host.length() : Integer.MAX_VALUE;
    }

    /**
     * Whether a request for {@code requested} (as the client wrote it) is for {@code host} (fully qualified, maybe a
     * wildcard such as {@code *.example.com}). A client in {@code namespace} may shorten a service's name as DNS
     * search paths allow: reviews, reviews.shop, reviews.shop.svc.
     */
    public static boolean matches(String host, String requested, String namespace, String clusterDomain) {
        if (host.equals("*")) {
            return true;
        }
        if (host.startsWith("*.")) {
            return requested.endsWith(host.substring(1)) && requested.length() > host.length() - 1;
        }
        if (host.equals(requested)) {
            return true;
        }
        String svc = ".svc." + clusterDomain;
        return host.equals(requested + "." + namespace + svc) || host.equals(requested + svc)
                || host.equals(requested + "." + clusterDomain);
    }
}
