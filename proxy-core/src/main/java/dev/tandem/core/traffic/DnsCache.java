package dev.tandem.core.traffic;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Addresses of the hosts that ServiceEntries with resolution DNS (and destinations no ServiceEntry names) resolve to,
 * asked of the name servers in /etc/resolv.conf and asked again when their answer's TTL runs out. A failed lookup
 * keeps the last answer and tries again in a few seconds.
 */
public final class DnsCache implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DnsCache.class);
    private static final long MIN_TTL_SECONDS = 1;
    private static final long MAX_TTL_SECONDS = 300;
    private static final long RETRY_SECONDS = 5;

    private final EventLoop loop;
    private final DnsNameResolver resolver;
    private final Map<String, List<InetAddress>> answers = new ConcurrentHashMap<>();
    private final Set<String> wanted = ConcurrentHashMap.newKeySet();
    private final Map<String, CountDownLatch> firstAnswers = new ConcurrentHashMap<>();

    public DnsCache(EventLoop loop) {
        this.loop = loop;
        this.resolver = new DnsNameResolverBuilder(loop)
                .datagramChannelType(EpollDatagramChannel.class)
                .queryTimeoutMillis(2_000)
                .build();
    }

    /** The addresses known now for a host; empty before its first answer. */
    public List<InetAddress> addresses(String host) {
        return answers.getOrDefault(host, List.of());
    }

    /**
     * Keeps exactly these hosts resolved: new ones are looked up (waiting up to {@code wait} for their first answers),
     * hosts no longer wanted stop being refreshed.
     */
    public void keep(Collection<String> hosts, Duration wait) {
        wanted.retainAll(hosts);
        answers.keySet().retainAll(hosts);
        List<CountDownLatch> waiting = new ArrayList<>();
        for (String host : hosts) {
            if (wanted.add(host)) {
                CountDownLatch first = new CountDownLatch(1);
                firstAnswers.put(host, first);
                waiting.add(first);
                loop.execute(() -> lookup(host));
            }
        }
        long deadline = System.nanoTime() + wait.toNanos();
        for (CountDownLatch latch : waiting) {
            try {
                latch.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void lookup(String host) {
        if (!wanted.contains(host)) {
            return;
        }
        Future<List<DnsRecord>> a = resolver.resolveAll(new DefaultDnsQuestion(host, DnsRecordType.A));
        a.addListener(done -> {
            Future<List<DnsRecord>> aaaa = resolver.resolveAll(new DefaultDnsQuestion(host, DnsRecordType.AAAA));
            aaaa.addListener(done6 -> answered(host, a, aaaa));
        });
    }

    private void answered(String host, Future<List<DnsRecord>> a, Future<List<DnsRecord>> aaaa) {
        List<InetAddress> addresses = new ArrayList<>();
        long ttl = MAX_TTL_SECONDS;
        for (Future<List<DnsRecord>> answer : List.of(a, aaaa)) {
            if (!answer.isSuccess()) {
                continue;
            }
            for (DnsRecord record : answer.getNow()) {
                try {
                    if (record instanceof DnsRawRecord raw) {
                        ByteBuf content = raw.content();
                        byte[] bytes = new byte[content.readableBytes()];
                        content.getBytes(content.readerIndex(), bytes);
                        if (bytes.length == 4 || bytes.length == 16) {
                            addresses.add(InetAddress.getByAddress(host, bytes));
                            ttl = Math.min(ttl, record.timeToLive());
                        }
                    }
                } catch (UnknownHostException impossible) {
                    // a 4 or 16 byte address is always accepted
                } finally {
                    ReferenceCountUtil.release(record);
                }
            }
        }
        long next;
        if (addresses.isEmpty()) {
            Throwable cause = !a.isSuccess() ? a.cause() : aaaa.cause();
            log.warn("DNS: no address for {} ({}); keeping {}, asking again in {} s", host,
                    cause == null ? "no A or AAAA records" : cause.getMessage(), addresses(host), RETRY_SECONDS);
            next = RETRY_SECONDS;
        } else {
            List<InetAddress> previous = answers.put(host, List.copyOf(addresses));
            if (!addresses.equals(previous)) {
                log.info("DNS: {} is {} (TTL {} s)", host, addresses, ttl);
            }
            next = Math.max(MIN_TTL_SECONDS, Math.min(MAX_TTL_SECONDS, ttl));
        }
        CountDownLatch first = firstAnswers.remove(host);
        if (first != null) {
            first.countDown();
        }
        loop.schedule(() -> lookup(host), next, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        wanted.clear();
        resolver.close();
    }
}
