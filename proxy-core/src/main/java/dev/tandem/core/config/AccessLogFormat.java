package dev.tandem.core.config;

/** How requests and connections are logged on standard output: a JSON object a line, a text line, or not at all. */
public enum AccessLogFormat {
    JSON,
    TEXT,
    OFF
}
