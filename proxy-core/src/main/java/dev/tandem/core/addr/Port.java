package dev.tandem.core.addr;

/** A TCP port number, 1 to 65535. */
public record Port(int value) implements Comparable<Port> {

    public Port {
        if (value < 1 || value > 65535) {
            throw new IllegalArgumentException("port " + value + " is out of range 1-65535");
        }
    }

    public static Port parse(String raw) {
        String s = raw.strip();
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("not a port number (1-65535)");
        }
        return new Port(Integer.parseInt(s));
    }

    @Override
    public int compareTo(Port other) {
        return Integer.compare(value, other.value);
    }

    @Override
    public String toString() {
        return Integer.toString(value);
    }
}
