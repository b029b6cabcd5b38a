package org.ecrreplicator.worker.engine.registry;

/**
 * How much of an answer's body is read into memory: a registry that sends more cannot make the worker buffer
 * it. A success body is read to one byte past its limit, so the caller sees it is too large and refuses it by
 * name; an error body is cut at {@link #ERROR_BODY_BYTES}, enough for any error message. What is past the cap
 * is not drained: the connection is closed instead ({@link HttpConnections#exchange}).
 */
final class CappedBody {
    /** What of an error answer is kept: distribution's error JSON is a few hundred bytes. */
    static final int ERROR_BODY_BYTES = 64 * 1024;

    private final int successBytes;
    private final int otherBytes;

    private CappedBody(int successBytes, int otherBytes) {
        this.successBytes = successBytes;
        this.otherBytes = otherBytes;
    }

    /** Success (2xx) bodies up to {@code limit} bytes plus one, so a longer one shows as longer; others cut. */
    static CappedBody successUpTo(int limit) {
        return new CappedBody(limit + 1, ERROR_BODY_BYTES);
    }

    /** Every body, error or not, cut at {@code cap} bytes. */
    static CappedBody cutAt(int cap) {
        return new CappedBody(cap, cap);
    }

    /** The most bytes of the body to read for an answer with {@code status}. */
    int bytesFor(int status) {
        return status / 100 == 2 ? successBytes : otherBytes;
    }
}
