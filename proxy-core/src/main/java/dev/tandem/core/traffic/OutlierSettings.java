package dev.tandem.core.traffic;

import dev.tandem.core.traffic.Model.OutlierDetection;
import java.time.Duration;

/** Outlier detection with Istio's defaults for what a DestinationRule leaves out. */
record OutlierSettings(int consecutive5xx, int consecutiveGateway, Duration interval, Duration baseEjectionTime,
        int maxEjectionPercent) {

    static OutlierSettings of(OutlierDetection o) {
        if (o == null) {
            return null;
        }
        return new OutlierSettings(
                o.consecutive5xxErrors() == null ? 5 : o.consecutive5xxErrors(),
                o.consecutiveGatewayErrors() == null ? 0 : o.consecutiveGatewayErrors(),
                o.interval() == null ? Duration.ofSeconds(10) : o.interval(),
                o.baseEjectionTime() == null ? Duration.ofSeconds(30) : o.baseEjectionTime(),
                o.maxEjectionPercent() == null ? 10 : o.maxEjectionPercent());
    }
}
