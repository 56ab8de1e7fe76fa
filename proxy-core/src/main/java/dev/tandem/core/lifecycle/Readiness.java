package dev.tandem.core.lifecycle;

/** Whether the proxy should receive traffic: not before every listener is bound, and not once it drains. */
public final class Readiness {

    public enum State {
        STARTING,
        READY,
        DRAINING
    }

    private volatile State state = State.STARTING;

    public State state() {
        return state;
    }

    public boolean isReady() {
        return state == State.READY;
    }

    public void ready() {
        if (state == State.STARTING) {
            state = State.READY;
        }
    }

    public void draining() {
        state = State.DRAINING;
    }
}
