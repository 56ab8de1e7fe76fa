package dev.tandem.core.http;

import io.netty.channel.EventLoop;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One instance per event loop, made on first use: upstream pools are kept per loop so that a request and the
 * connection it uses share a thread and nothing is locked.
 */
public final class PerLoop<T> {

    private final Map<EventLoop, T> instances = new ConcurrentHashMap<>();
    private final Supplier<T> factory;

    public PerLoop(Supplier<T> factory) {
        this.factory = factory;
    }

    public T of(EventLoop loop) {
        return instances.computeIfAbsent(loop, l -> factory.get());
    }
}
