package dev.tandem.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** Three instances on loopback, chained as in the demo: the answer nests each hop and carries the trace headers. */
class DemoServiceTest {

    @Test
    void eachServiceNamesItselfItsPeerAndTheAnswerOfTheOneItCalls() throws Exception {
        HttpServer ratings = new DemoService("ratings", null).listen(0);
        HttpServer catalog = new DemoService("catalog", URI.create("http://127.0.0.1:" + ratings.getAddress().getPort() + "/")).listen(0);
        HttpServer frontend = new DemoService("frontend", URI.create("http://127.0.0.1:" + catalog.getAddress().getPort() + "/")).listen(0);
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + frontend.getAddress().getPort() + "/"))
                            .header("x-request-id", "req-1")
                            .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            JsonNode body = new ObjectMapper().readTree(response.body());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(body.at("/service").asText()).isEqualTo("frontend");
            assertThat(body.at("/peer").asText()).isEqualTo("127.0.0.1");
            assertThat(body.at("/upstream/service").asText()).isEqualTo("catalog");
            assertThat(body.at("/upstream/upstream/service").asText()).isEqualTo("ratings");
            assertThat(body.at("/upstream/upstream/headers/x-request-id").asText()).isEqualTo("req-1");
            assertThat(body.at("/upstream/upstream/headers/traceparent").asText())
                    .isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
            assertThat(body.at("/upstream/upstream/upstream").isMissingNode()).isTrue();
        } finally {
            frontend.stop(0);
            catalog.stop(0);
            ratings.stop(0);
        }
    }

    @Test
    void anUnreachableUpstreamAnswers502NamingIt() throws Exception {
        HttpServer lonely = new DemoService("frontend", URI.create("http://127.0.0.1:9/")).listen(0);
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lonely.getAddress().getPort() + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(response.body()).contains("upstream_error", "127.0.0.1:9");
        } finally {
            lonely.stop(0);
        }
    }
}
