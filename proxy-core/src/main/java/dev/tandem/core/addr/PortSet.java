package dev.tandem.core.addr;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** A set of ports written as {@code *} (every port), empty (none) or a comma-separated list. */
public record PortSet(boolean all, List<Port> ports) {

    public static final PortSet ALL = new PortSet(true, List.of());
    public static final PortSet NONE = new PortSet(false, List.of());

    public PortSet {
        ports = List.copyOf(ports);
    }

    public static PortSet of(Port... ports) {
        return new PortSet(false, List.of(ports));
    }

    public static PortSet parse(String raw) {
        String s = raw.strip();
        if (s.equals("*")) {
            return ALL;
        }
        if (s.isEmpty()) {
            return NONE;
        }
        var sorted = new TreeSet<Port>();
        for (String part : s.split(",", -1)) {
            if (part.isBlank()) {
                throw new IllegalArgumentException("empty entry in port list");
            }
            try {
                sorted.add(Port.parse(part));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("\"" + part.strip() + "\" is " + e.getMessage(), e);
            }
        }
        return new PortSet(false, new ArrayList<>(sorted));
    }

    /** This set and {@code other} together. */
    public PortSet with(PortSet other) {
        if (all || other.all) {
            return ALL;
        }
        var merged = new TreeSet<Port>(ports);
        merged.addAll(other.ports);
        return new PortSet(false, new ArrayList<>(merged));
    }

    public boolean contains(int port) {
        return all || ports.stream().anyMatch(p -> p.value() == port);
    }

    public boolean isEmpty() {
        return !all && ports.isEmpty();
    }

    @Override
    public String toString() {
        return all ? "*" : ports.stream().map(Port::toString).collect(Collectors.joining(","));
    }
}
