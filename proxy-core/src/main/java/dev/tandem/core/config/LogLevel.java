package dev.tandem.core.config;

/** Log levels a setting may name. */
public enum LogLevel {
    TRACE,
    DEBUG,
    INFO,
    WARN,
    ERROR
}
