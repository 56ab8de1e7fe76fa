package dev.tandem.launcher.mesh;

/** A pod of a {@link NamespaceMesh}: its network namespace and its addresses on the mesh's bridge. */
public record NamespacePod(String name, String netns, String ipv4, String ipv6) {
}
