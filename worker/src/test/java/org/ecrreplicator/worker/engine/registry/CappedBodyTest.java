package org.ecrreplicator.worker.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Bodies read up to a cap: a registry that sends more is cut off, not buffered. */
class CappedBodyTest {
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicLong requested = new AtomicLong();
    private final Flow.Subscription subscription = new Flow.Subscription() {
        @Override
        public void request(long n) {
            requested.addAndGet(n);
        }

        @Override
        public void cancel() {
            cancelled.set(true);
        }
    };

    private static HttpResponse.ResponseInfo status(int code) {
        return new HttpResponse.ResponseInfo() {
            @Override
            public int statusCode() {
                return code;
            }

            @Override
            public HttpHeaders headers() {
                return HttpHeaders.of(Map.of(), (name, value) -> true);
            }

            @Override
            public HttpClient.Version version() {
                return HttpClient.Version.HTTP_1_1;
            }
        };
    }

    @Test
    void shouldStopOneBytePastTheLimitAndCancelWhenASuccessBodyIsTooLarge() {
        HttpResponse.BodySubscriber<byte[]> body = CappedBody.handler(10).apply(status(200));
        body.onSubscribe(subscription);

        body.onNext(List.of(ByteBuffer.wrap(new byte[6]), ByteBuffer.wrap(new byte[6])));
        body.onNext(List.of(ByteBuffer.wrap(new byte[1 << 20])));

        assertThat(cancelled).isTrue();
        assertThat(body.getBody().toCompletableFuture().join()).hasSize(11);
    }

    @Test
    void shouldKeepTheWholeBodyWhenItIsWithinTheLimit() {
        HttpResponse.BodySubscriber<byte[]> body = CappedBody.handler(10).apply(status(200));
        body.onSubscribe(subscription);

        body.onNext(List.of(ByteBuffer.wrap("0123456789".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        body.onComplete();

        assertThat(cancelled).isFalse();
        assertThat(body.getBody().toCompletableFuture().join()).asString().isEqualTo("0123456789");
    }

    @Test
    void shouldCutAnErrorBodyAt64KibWhenTheRegistrySendsMore() {
        HttpResponse.BodySubscriber<byte[]> body =
                CappedBody.handler(4 * 1024 * 1024).apply(status(500));
        body.onSubscribe(subscription);

        body.onNext(List.of(ByteBuffer.wrap(new byte[1 << 20])));

        assertThat(cancelled).isTrue();
        assertThat(body.getBody().toCompletableFuture().join()).hasSize(CappedBody.ERROR_BODY_BYTES);
    }
}
