package dev.tandem.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A plain blocking TCP echo server, a thread per connection, standing in for an application. It echoes until the
 * client's FIN, then sends its own, and remembers the address of every peer it saw.
 */
public final class EchoServer implements AutoCloseable {

    private final ServerSocket socket;
    private final List<InetAddress> peers = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    private EchoServer(ServerSocket socket) {
        this.socket = socket;
        Thread acceptor = new Thread(this::accept, "echo-" + socket.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Listens on {@code address} (port 0: any free port). */
    public static EchoServer listen(InetSocketAddress address) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(address, 512);
        return new EchoServer(server);
    }

    public int port() {
        return socket.getLocalPort();
    }

    public List<InetAddress> peers() {
        return List.copyOf(peers);
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket connection = socket.accept();
                peers.add(connection.getInetAddress());
                open.add(connection);
                Thread echo = new Thread(() -> echo(connection), "echo-conn");
                echo.setDaemon(true);
                echo.start();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void echo(Socket connection) {
        try (connection; InputStream in = connection.getInputStream(); OutputStream out = connection.getOutputStream()) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
            connection.shutdownOutput();
        } catch (IOException e) {
            // The client reset or went away: nothing to echo to.
        } finally {
            open.remove(connection);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
