package dev.tandem.core.config;

/** How the proxy's own log lines are written on standard error. */
public enum LogFormat {
    TEXT,
    JSON
}
