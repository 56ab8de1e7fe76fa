package dev.tandem.launcher;

import java.util.function.Consumer;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT run a handler on a thread of its own, and the process then exits with the command's own status
 * rather than the JVM's 143 for a signal: a drained sidecar exits 0.
 */
final class Signals {

    private Signals() {
    }

    static void onTermination(Consumer<String> handler) {
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> {
                Thread thread = new Thread(() -> handler.accept("SIG" + signal.getName()), "drain");
                thread.start();
            });
        }
    }
}
