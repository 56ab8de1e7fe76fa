package dev.tandem.it.app;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC service and its clients on grpc-java, plaintext, without generated code: messages are raw bytes.
 * Service {@code tandem.test.Echo}: {@code Unary} returns the request; {@code ServerStream} takes a decimal count N
 * and streams {@code message-1} to {@code message-N}; {@code Fail} fails with INVALID_ARGUMENT, a description naming
 * the input and the trailer {@code x-detail: details}.
 */
final class GrpcEcho {

    static final String SERVICE = "tandem.test.Echo";
    static final Metadata.Key<String> DETAIL = Metadata.Key.of("x-detail", Metadata.ASCII_STRING_MARSHALLER);

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    static final MethodDescriptor<byte[], byte[]> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
    static final MethodDescriptor<byte[], byte[]> SERVER_STREAM =
            method("ServerStream", MethodDescriptor.MethodType.SERVER_STREAMING);
    static final MethodDescriptor<byte[], byte[]> FAIL = method("Fail", MethodDescriptor.MethodType.UNARY);

    private static final long DEADLINE_SECONDS = 10;

    private GrpcEcho() {
    }

    private static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(BYTES)
                .setResponseMarshaller(BYTES)
                .build();
    }

    /** Starts the service on {@code port}, on every address. */
    static Server listen(int port) throws IOException {
        ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((request, reply) -> {
                    reply.onNext(request);
                    reply.onCompleted();
                }))
                .addMethod(SERVER_STREAM, ServerCalls.asyncServerStreamingCall((request, reply) -> {
                    int n = Integer.parseInt(new String(request, StandardCharsets.US_ASCII).strip());
                    for (int i = 1; i <= n; i++) {
                        reply.onNext(("message-" + i).getBytes(StandardCharsets.UTF_8));
                    }
                    reply.onCompleted();
                }))
                .addMethod(FAIL, ServerCalls.asyncUnaryCall((request, reply) -> {
                    Metadata trailers = new Metadata();
                    trailers.put(DETAIL, "details");
                    reply.onError(Status.INVALID_ARGUMENT
                            .withDescription("bad input: " + new String(request, StandardCharsets.UTF_8))
                            .asRuntimeException(trailers));
                }))
                .build();
        return Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
                .addService(service)
                .build()
                .start();
    }

    /** {@code status=<code name> reply=<text>}. */
    static String unary(String host, int port, String text) {
        ManagedChannel channel = channel(host, port);
        try {
            byte[] reply = ClientCalls.blockingUnaryCall(channel, UNARY, options(), utf8(text));
            return "status=OK reply=" + new String(reply, StandardCharsets.UTF_8);
        } catch (StatusRuntimeException e) {
            return "status=" + e.getStatus().getCode() + " reply=none" + error(e);
        } finally {
            shutdown(channel);
        }
    }

    /** {@code status=<code name> messages=<count> last=<last message|none>}. */
    static String stream(String host, int port, int n) {
        ManagedChannel channel = channel(host, port);
        int messages = 0;
        String last = null;
        String status = "OK";
        String error = "";
        try {
            Iterator<byte[]> replies = ClientCalls.blockingServerStreamingCall(channel, SERVER_STREAM, options(),
                    String.valueOf(n).getBytes(StandardCharsets.US_ASCII));
            while (replies.hasNext()) {
                last = new String(replies.next(), StandardCharsets.UTF_8);
                messages++;
            }
        } catch (StatusRuntimeException e) {
            status = e.getStatus().getCode().name();
            error = error(e);
        } finally {
            shutdown(channel);
        }
        return "status=" + status + " messages=" + messages + " last=" + Wire.word(last) + error;
    }

    /** {@code status=<code name> description=<description, spaces as _> detail=<x-detail trailer|none>}. */
    static String fail(String host, int port, String text) {
        ManagedChannel channel = channel(host, port);
        try {
            ClientCalls.blockingUnaryCall(channel, FAIL, options(), utf8(text));
            return "status=OK description=none detail=none";
        } catch (StatusRuntimeException e) {
            Metadata trailers = e.getTrailers();
            return "status=" + e.getStatus().getCode() + " description=" + describe(e)
                    + " detail=" + Wire.word(trailers == null ? null : trailers.get(DETAIL));
        } finally {
            shutdown(channel);
        }
    }

    private static ManagedChannel channel(String host, int port) {
        return ManagedChannelBuilder.forAddress(host, port)
                .usePlaintext()
                // A test application talks to its target directly, whatever proxy the environment names.
                .proxyDetector(address -> null)
                .build();
    }

    private static CallOptions options() {
        return CallOptions.DEFAULT.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    private static String describe(StatusRuntimeException e) {
        return Wire.word(e.getStatus().getDescription());
    }

    /** The description of a failed call as a trailing {@code error=} field, if it has one. */
    private static String error(StatusRuntimeException e) {
        String description = e.getStatus().getDescription();
        return description == null ? "" : " error=" + Wire.word(description);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static void shutdown(ManagedChannel channel) {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
