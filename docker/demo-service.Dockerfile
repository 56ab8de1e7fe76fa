# The demo application (frontend, catalog, ratings, and the client: `call URL`). It knows nothing of Tandem and
# needs only a JRE. Build from the checkout's root after `mvn -B -DskipTests package`:
#   docker build -f docker/demo-service.Dockerfile -t tandem-demo-service:local .
ARG BASE_IMAGE=eclipse-temurin:17-jre
FROM ${BASE_IMAGE}

# Any uid but 1337: the application's traffic must be captured by the sidecar, not exempt like the proxy's.
RUN groupadd --system --gid 10001 demo \
    && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin demo

COPY demo-service/target/demo-service.jar /opt/demo/demo-service.jar

USER 10001:10001
EXPOSE 8080

# Healthy once the port accepts connections (a loopback connect, which the interception rules never capture).
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${DEMO_PORT:-8080}"]

# Exec form: the JVM is PID 1 and gets SIGTERM. Its heap follows the container's memory limit.
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-XX:MaxRAMPercentage=50", "-jar", "/opt/demo/demo-service.jar"]
