package dev.tandem.core.addr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AddressTypesTest {

    @Test
    void cidrsClearHostBitsAndKeepTheirFamily() {
        assertThat(Cidr.parse("10.1.2.3/8")).hasToString("10.0.0.0/8");
        assertThat(Cidr.parse("192.168.1.7")).hasToString("192.168.1.7/32");
        assertThat(Cidr.parse("fd00:1::5/64")).hasToString("fd00:1::/64").matches(Cidr::isIpv6);
        assertThat(Cidr.parse("::1")).hasToString("::1/128");
    }

    @Test
    void cidrContainsAddressesOfItsNetworkOnly() {
        Cidr net = Cidr.parse("10.200.0.0/16");
        assertThat(net.contains(Addresses.parseIp("10.200.7.9"))).isTrue();
        assertThat(net.contains(Addresses.parseIp("10.201.0.1"))).isFalse();
        assertThat(net.contains(Addresses.parseIp("fd00::1"))).isFalse();
    }

    @Test
    void badCidrsSayWhatIsWrongAndNeverResolveNames() {
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessageContaining("prefix length 33, more than 32");
        assertThatThrownBy(() -> Cidr.parse("10.0.0/8")).hasMessageContaining("not an IP address or CIDR");
        assertThatThrownBy(() -> Cidr.parse("localhost")).hasMessageContaining("not an IP address or CIDR");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/")).hasMessageContaining("no valid prefix length");
    }

    @Test
    void cidrSetsAreAllNoneOrAList() {
        assertThat(CidrSet.parse("*").all()).isTrue();
        assertThat(CidrSet.parse("").cidrs()).isEmpty();
        CidrSet mixed = CidrSet.parse("10.0.0.0/8, fd00::/8,10.0.0.0/8");
        assertThat(mixed.ipv4()).hasSize(1);
        assertThat(mixed.ipv6()).hasSize(1);
        assertThatThrownBy(() -> CidrSet.parse("10.0.0.0/8,,")).hasMessageContaining("empty entry");
    }

    @Test
    void portSetsAreSortedAndChecked() {
        assertThat(PortSet.parse("443, 80,80")).hasToString("80,443");
        assertThat(PortSet.parse("*").contains(9)).isTrue();
        assertThat(PortSet.parse("").isEmpty()).isTrue();
        assertThatThrownBy(() -> PortSet.parse("80,0")).hasMessageContaining("\"0\" is port 0 is out of range 1-65535");
        assertThatThrownBy(() -> PortSet.parse("http")).hasMessageContaining("\"http\" is not a port number");
    }

    @Test
    void socketAddressesPrintAsOperatorsWriteThem() {
        assertThat(Addresses.format(new java.net.InetSocketAddress(Addresses.parseIp("fd00::2"), 80)))
                .isEqualTo("[fd00::2]:80");
        assertThat(Addresses.format(new java.net.InetSocketAddress(Addresses.parseIp("10.0.0.2"), 80)))
                .isEqualTo("10.0.0.2:80");
    }
}
