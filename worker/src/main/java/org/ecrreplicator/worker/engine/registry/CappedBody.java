package org.ecrreplicator.worker.engine.registry;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read into memory up to a cap and no further: a registry that sends more cannot make the
 * worker buffer it. A success body is read to one byte past its limit, so the caller sees it is too large
 * and refuses it by name; an error body is cut at {@link #ERROR_BODY_BYTES}, enough for any error message.
 * Past the cap the subscription is cancelled, which closes the connection instead of draining the rest.
 */
final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
    /** What of an error answer is kept: distribution's error JSON is a few hundred bytes. */
    static final int ERROR_BODY_BYTES = 64 * 1024;

    private final int cap;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    private CappedBody(int cap) {
        this.cap = cap;
    }

    /** Success (2xx) bodies up to {@code limit} bytes plus one, so a longer one shows as longer; errors cut. */
    static HttpResponse.BodyHandler<byte[]> handler(int limit) {
        return info -> new CappedBody(info.statusCode() / 100 == 2 ? limit + 1 : ERROR_BODY_BYTES);
    }

    /** Every body, error or not, cut at {@code cap} bytes. */
    static HttpResponse.BodyHandler<byte[]> cutAt(int cap) {
        return info -> new CappedBody(cap);
    }

    @Override
    public void onSubscribe(Flow.Subscription value) {
        subscription = value;
        value.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer buffer : buffers) {
            int take = Math.min(buffer.remaining(), cap - bytes.size());
            byte[] chunk = new byte[take];
            buffer.get(chunk);
            bytes.write(chunk, 0, take);
            if (bytes.size() >= cap) {
                subscription.cancel();
                result.complete(bytes.toByteArray());
                return;
            }
        }
    }

    @Override
    public void onError(Throwable error) {
        result.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
        result.complete(bytes.toByteArray());
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }
}
