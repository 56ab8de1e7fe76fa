package dev.tandem.core;

/** Tandem's release: what {@code tandem --version} prints, the default image's tag, and istio_build's tag. */
public final class Version {

    public static final String TAG = "0.1.0";

    private Version() {
    }
}
