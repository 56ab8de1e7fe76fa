package dev.tandem.launcher.inject;

/** Where the sidecar goes in the pod. */
enum Layout {
    /**
     * A Kubernetes native sidecar (1.29+): an init container with {@code restartPolicy: Always}, right after the rules'
     * init container. The applications start once its startup probe passes, and a Job's pod ends when its
     * applications do.
     */
    NATIVE,
    /** The first regular container, for clusters without native sidecars; the application may start before it. */
    CLASSIC
}
