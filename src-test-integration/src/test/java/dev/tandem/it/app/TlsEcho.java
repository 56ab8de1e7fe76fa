package dev.tandem.it.app;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A TLS echo server with a self-signed certificate made at start, which remembers the SNI host name clients send,
 * and a client that sends a chosen SNI and trusts any certificate: TLS a proxy must pass through untouched.
 */
final class TlsEcho implements AutoCloseable {

    private final Channel server;
    private volatile String lastSni = "none";

    private TlsEcho(int port) throws Exception {
        KeyPair key = KeyPairGenerator.getInstance("EC").generateKeyPair();
        SslContext context = SslContextBuilder.forServer(key.getPrivate(), selfSigned(key)).build();
        server = Loops.listen(port, new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                // One certificate whatever the name; the mapping is only a place to see the name.
                ch.pipeline().addLast(new SniHandler(hostname -> {
                    lastSni = hostname == null ? "none" : hostname;
                    return context;
                }), new Echo());
            }
        });
    }

    static TlsEcho listen(int port) throws Exception {
        return new TlsEcho(port);
    }

    /** The SNI host name of the latest handshake, or {@code none}. */
    String sni() {
        return lastSni;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }

    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Wire.log("tls-server", cause);
            ctx.close();
        }
    }

    /** {@code handshake=<bool> echo=<bool> protocol=<TLS version|none>[ error=<why>]}. */
    static String client(InetSocketAddress target, String sni) {
        boolean handshake = false;
        boolean echo = false;
        String protocol = "none";
        String error = null;
        try (SSLSocket socket = (SSLSocket) trustingAnyone().getSocketFactory().createSocket()) {
            socket.setSoTimeout(Wire.TIMEOUT_MS);
            socket.connect(target, Wire.CONNECT_TIMEOUT_MS);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(sni)));
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            handshake = true;
            protocol = socket.getSession().getProtocol();
            socket.getOutputStream().write("hello-tls\n".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            echo = "hello-tls".equals(line);
        } catch (Exception e) {
            error = Wire.error(e);
        }
        return "handshake=" + handshake + " echo=" + echo + " protocol=" + protocol
                + (error == null ? "" : " error=" + error);
    }

    /**
     * A certificate for {@code key}, signed by itself, for a day back and a year ahead. Made with BouncyCastle, as
     * the JDK has no public API for it (and Netty's SelfSignedCertificate is deprecated).
     */
    private static X509Certificate selfSigned(KeyPair key) throws Exception {
        X500Name name = new X500Name("CN=tandem-test.local");
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(1, ChronoUnit.DAYS)), Date.from(now.plus(365, ChronoUnit.DAYS)), name,
                key.getPublic());
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    /** A client context that accepts any certificate: the server's is self-signed, and this is a test. */
    private static SSLContext trustingAnyone() throws Exception {
        TrustManager anyone = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {anyone}, null);
        return context;
    }
}
