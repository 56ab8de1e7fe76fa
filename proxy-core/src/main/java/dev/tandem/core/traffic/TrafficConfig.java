package dev.tandem.core.traffic;

import dev.tandem.core.traffic.Model.DestinationRule;
import dev.tandem.core.traffic.Model.ServiceEntry;
import dev.tandem.core.traffic.Model.VirtualService;
import java.util.List;

/**
 * The Istio resources of one configuration file, read and checked, the fields in it Tandem does not implement, and
 * those it implements in part (each with what is left out).
 */
public record TrafficConfig(List<ServiceEntry> serviceEntries, List<VirtualService> virtualServices,
        List<DestinationRule> destinationRules, List<String> unimplemented, List<String> implementedInPart) {

    public static final TrafficConfig EMPTY = new TrafficConfig(List.of(), List.of(), List.of(), List.of(), List.of());

    public int resources() {
        return serviceEntries.size() + virtualServices.size() + destinationRules.size();
    }
}
