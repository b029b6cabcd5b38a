package org.ecrreplicator.engines;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Generates container images from a seed and pushes them to a registry over the distribution API, the
 * way a build tool would: blobs first, then child manifests by digest, then the top manifest by tag.
 * Layer content is a seeded pseudo-random stream, hashed in one pass and regenerated while uploading, so a
 * layer of any size is never held in memory. Manifests are written by hand (not by a JSON library) so tests
 * control their exact bytes: whitespace, key order and non-ASCII text all survive into the digest.
 *
 * <p>Only the JDK is used, so the benchmark can run {@link #main} from this module's classes alone.
 */
public final class SampleImages {
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    public static final String DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public static final String IN_TOTO = "application/vnd.in-toto+json";
    public static final String ARTIFACT_CONFIG = "application/vnd.example.replicator.config.v1+json";
    public static final String ARTIFACT_TYPE = "application/vnd.example.replicator.bundle.v1";
    public static final String ARTIFACT_LAYER = "application/vnd.example.replicator.data.v1";
    /** The empty descriptor's media type (OCI 1.1): a config with nothing to say, content {@code {}}. */
    public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";
    /** The layer of the referrers {@link #pushReferrer} writes. */
    public static final String REFERRER_LAYER = "application/vnd.example.replicator.referrer.v1+json";

    public static final String SIGNATURE_TYPE = "application/vnd.example.replicator.signature.v1+json";
    public static final String SBOM_TYPE = "application/spdx+json";

    private static final int CHUNK = 256 * 1024;

    /** Where to push: the registry's base URL and an optional fixed {@code Authorization} header value. */
    public record Target(URI baseUri, String authorization) {
        public static Target anonymous(URI baseUri) {
            return new Target(baseUri, null);
        }

        public static Target basic(URI baseUri, String user, String password) {
            return new Target(
                    baseUri,
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
        }

        /** Hides the credential: targets end up in assertion messages. */
        @Override
        public String toString() {
            return baseUri + (authorization == null ? " (anonymous)" : " (authenticated)");
        }
    }

    /** A blob as a descriptor names it. */
    public record Blob(String digest, String mediaType, long size) {}

    /** A manifest as pushed: its exact bytes and media type. */
    public record Manifest(String digest, String mediaType, byte[] bytes) {}

    /**
     * A pushed image: the top manifest's digest and media type, every manifest (top first) and every
     * distinct blob, and the total blob bytes.
     */
    public record Image(
            String repository,
            String tag,
            String digest,
            String mediaType,
            List<Manifest> manifests,
            List<Blob> blobs,
            long blobBytes) {
        public String reference(String authority) {
            return authority + "/" + repository + (tag == null ? "@" + digest : ":" + tag);
        }
    }

    private final long seed;
    private List<Long> layerSizes = List.of(4096L, 20_000L);
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private SampleImages(long seed) {
        this.seed = seed;
    }

    public static SampleImages seed(long seed) {
        return new SampleImages(seed);
    }

    /** Each platform's image gets layers of these sizes (different content per platform). */
    public SampleImages layerSizes(long... sizes) {
        List<Long> list = new ArrayList<>();
        for (long size : sizes) {
            if (size < 0) {
                throw new IllegalArgumentException("layer size must not be negative: " + size);
            }
            list.add(size);
        }
        this.layerSizes = List.copyOf(list);
        return this;
    }

    public SampleImages layers(int count, long size) {
        long[] sizes = new long[count];
        java.util.Arrays.fill(sizes, size);
        return layerSizes(sizes);
    }

    // ---------------------------------------------------------------- images

    /** A multi-platform OCI index (linux/amd64, linux/arm64) with a BuildKit-style attestation manifest. */
    public Image pushOciIndex(Target target, String repository, String tag) {
        return pushOciIndex(target, repository, tag, List.of("amd64", "arm64"));
    }

    /**
     * An OCI index with one linux image per architecture (the first one's content as {@link #pushOciIndex(Target,
     * String, String)} makes it, the others different) and a BuildKit-style attestation of the first.
     */
    public Image pushOciIndex(Target target, String repository, String tag, List<String> architectures) {
        if (architectures.isEmpty()
                || architectures.size() != Set.copyOf(architectures).size()) {
            throw new IllegalArgumentException("architectures must be distinct and at least one: " + architectures);
        }
        Pushing pushing = new Pushing(target, repository);
        List<Object> descriptors = new ArrayList<>();
        Manifest first = null;
        for (String architecture : architectures) {
            Manifest image =
                    pushing.imageManifest(architecture, OCI_MANIFEST, OCI_CONFIG, OCI_LAYER, Style.COMPACT, null);
            first = first == null ? image : first;
            descriptors.add(descriptor(
                    image,
                    platform(architecture, "linux"),
                    architecture.equals("arm64") ? Map.of("org.example.variant", "v8") : null));
        }
        Manifest attestation = pushing.attestation(first.digest());
        descriptors.add(descriptor(
                attestation,
                platform("unknown", "unknown"),
                map(
                        "vnd.docker.reference.digest",
                        first.digest(),
                        "vnd.docker.reference.type",
                        "attestation-manifest")));
        String index =
                Json.write(Style.COMPACT, map("schemaVersion", 2, "mediaType", OCI_INDEX, "manifests", descriptors));
        return pushing.top(index, OCI_INDEX, tag);
    }

    /** A Docker manifest list over two schema-2 manifests with Docker media types throughout. */
    public Image pushDockerManifestList(Target target, String repository, String tag) {
        Pushing pushing = new Pushing(target, repository);
        Manifest amd64 =
                pushing.imageManifest("amd64", DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER, Style.PRETTY, null);
        Manifest s390x =
                pushing.imageManifest("s390x", DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER, Style.PRETTY, null);
        String list = Json.write(
                Style.PRETTY,
                map(
                        "schemaVersion",
                        2,
                        "mediaType",
                        DOCKER_LIST,
                        "manifests",
                        List.of(
                                descriptor(amd64, platform("amd64", "linux"), null),
                                descriptor(s390x, platform("s390x", "linux"), null))));
        return pushing.top(list, DOCKER_LIST, tag);
    }

    /** A single-platform OCI image manifest (no index). */
    public Image pushOciImage(Target target, String repository, String tag) {
        Pushing pushing = new Pushing(target, repository);
        Manifest manifest = pushing.imageManifest("amd64", OCI_MANIFEST, OCI_CONFIG, OCI_LAYER, Style.COMPACT, null);
        pushing.manifests.remove(manifest);
        return pushing.top(new String(manifest.bytes(), StandardCharsets.UTF_8), OCI_MANIFEST, tag);
    }

    /**
     * An OCI artifact: a custom config media type, an {@code artifactType}, a data layer of the configured
     * first size and a zero-length blob as a second layer.
     */
    public Image pushOciArtifact(Target target, String repository, String tag) {
        Pushing pushing = new Pushing(target, repository);
        Blob config = pushing.bytesBlob("{\"bundle\":\"example\",\"seed\":" + seed + "}", ARTIFACT_CONFIG);
        Blob data = pushing.generatedBlob("artifact", 0, firstSize(), ARTIFACT_LAYER);
        Blob empty = pushing.bytesBlob("", ARTIFACT_LAYER);
        String manifest = Json.write(
                Style.COMPACT,
                map(
                        "schemaVersion",
                        2,
                        "mediaType",
                        OCI_MANIFEST,
                        "artifactType",
                        ARTIFACT_TYPE,
                        "config",
                        blobDescriptor(config),
                        "layers",
                        List.of(blobDescriptor(data), blobDescriptor(empty)),
                        "annotations",
                        map("org.opencontainers.image.title", "bundle-" + seed)));
        return pushing.top(manifest, OCI_MANIFEST, tag);
    }

    /**
     * An OCI index and its image manifest written with unusual but valid JSON: tabs, CRLF line ends, spaces
     * around colons, and non-ASCII annotations both as raw UTF-8 and as {@code \\u} escapes. Any client that
     * re-serialises these changes their digests.
     */
    public Image pushOddlyFormatted(Target target, String repository, String tag) {
        Pushing pushing = new Pushing(target, repository);
        Map<String, Object> annotations = map(
                "org.opencontainers.image.description",
                "Grüße aus Zürich — 東京 🚀",
                "org.example.escaped",
                new Json.Raw("\"caf\\u00e9 \\u2603 \\ud83d\\ude80\""),
                "org.example.empty",
                "");
        Manifest amd64 = pushing.imageManifest("amd64", OCI_MANIFEST, OCI_CONFIG, OCI_LAYER, Style.ODD, annotations);
        String index = Json.write(
                Style.ODD,
                map(
                        "schemaVersion",
                        2,
                        "mediaType",
                        OCI_INDEX,
                        "manifests",
                        List.of(descriptor(amd64, platform("amd64", "linux"), annotations)),
                        "annotations",
                        annotations));
        return pushing.top(index, OCI_INDEX, tag);
    }

    // ---------------------------------------------------------------- referrers

    /**
     * Pushes a referrer of {@code subject} (an OCI 1.1 artifact naming it in {@code subject}), as {@link
     * #pushReferrer(Target, String, String, String, long, String, String, boolean)} does.
     */
    public Image pushReferrer(
            Target target,
            String repository,
            Manifest subject,
            String artifactType,
            String content,
            boolean updateFallbackTag) {
        return pushReferrer(
                target,
                repository,
                subject.digest(),
                subject.mediaType(),
                subject.bytes().length,
                artifactType,
                content,
                updateFallbackTag);
    }

    /**
     * Pushes a referrer, by digest: an OCI image manifest with {@code artifactType}, the empty config
     * ({@value #OCI_EMPTY}, content {@code {}}), one layer holding {@code content}, and {@code subject}. With
     * {@code updateFallbackTag} its descriptor is also added to the index under the subject's fallback tag
     * {@code sha256-<hex>} (created when missing), as cosign and oras do against a registry without the
     * referrers API. Only indexes in the compact form this class and the copy engine write can be merged.
     */
    public Image pushReferrer(
            Target target,
            String repository,
            String subjectDigest,
            String subjectMediaType,
            long subjectSize,
            String artifactType,
            String content,
            boolean updateFallbackTag) {
        Pushing pushing = new Pushing(target, repository);
        Blob config = pushing.bytesBlob("{}", OCI_EMPTY);
        Blob layer = pushing.bytesBlob(content, REFERRER_LAYER);
        Map<String, Object> annotations = map("org.example.replicator.seed", Long.toString(seed));
        String manifest = Json.write(
                Style.COMPACT,
                map(
                        "schemaVersion",
                        2,
                        "mediaType",
                        OCI_MANIFEST,
                        "artifactType",
                        artifactType,
                        "config",
                        blobDescriptor(config),
                        "layers",
                        List.of(blobDescriptor(layer)),
                        "subject",
                        map("mediaType", subjectMediaType, "digest", subjectDigest, "size", subjectSize),
                        "annotations",
                        annotations));
        Image referrer = pushing.top(manifest, OCI_MANIFEST, null);
        if (updateFallbackTag) {
            Map<String, Object> descriptor = map(
                    "mediaType",
                    OCI_MANIFEST,
                    "digest",
                    referrer.digest(),
                    "size",
                    referrer.manifests().get(0).bytes().length,
                    "artifactType",
                    artifactType,
                    "annotations",
                    annotations);
            pushing.addToFallbackIndex(subjectDigest, Json.write(Style.COMPACT, descriptor));
        }
        return referrer;
    }

    /** The referrers tag schema's tag for a subject: {@code sha256:<hex>} becomes {@code sha256-<hex>}. */
    public static String fallbackTag(String subjectDigest) {
        return subjectDigest.replace(':', '-');
    }

    private long firstSize() {
        return layerSizes.isEmpty() ? 0 : layerSizes.get(0);
    }

    private static Map<String, Object> platform(String architecture, String os) {
        return map("architecture", architecture, "os", os);
    }

    private static Map<String, Object> descriptor(Manifest manifest, Map<String, Object> platform, Map<String, ?> ann) {
        Map<String, Object> descriptor =
                map("mediaType", manifest.mediaType(), "digest", manifest.digest(), "size", manifest.bytes().length);
        if (platform != null) {
            descriptor.put("platform", platform);
        }
        if (ann != null) {
            descriptor.put("annotations", ann);
        }
        return descriptor;
    }

    private static Map<String, Object> blobDescriptor(Blob blob) {
        return map("mediaType", blob.mediaType(), "digest", blob.digest(), "size", blob.size());
    }

    private static Map<String, Object> map(Object... keyValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    // ---------------------------------------------------------------- pushing

    /** One image being pushed: collects what was pushed for the {@link Image} result. */
    private final class Pushing {
        private final Target target;
        private final String repository;
        private final List<Manifest> manifests = new ArrayList<>();
        private final Map<String, Blob> blobs = new LinkedHashMap<>();

        Pushing(Target target, String repository) {
            this.target = target;
            this.repository = repository;
        }

        Manifest imageManifest(
                String architecture,
                String manifestType,
                String configType,
                String layerType,
                Style style,
                Map<String, Object> annotations) {
            List<Object> layers = new ArrayList<>();
            List<String> diffIds = new ArrayList<>();
            for (int i = 0; i < layerSizes.size(); i++) {
                Blob layer = generatedBlob(architecture, i, layerSizes.get(i), layerType);
                layers.add(blobDescriptor(layer));
                diffIds.add(layer.digest());
            }
            Map<String, Object> config = map(
                    "architecture",
                    architecture,
                    "os",
                    "linux",
                    "config",
                    map("Env", List.of("PATH=/usr/local/bin:/usr/bin", "SEED=" + seed)),
                    "rootfs",
                    map("type", "layers", "diff_ids", diffIds));
            Blob configBlob = bytesBlob(Json.write(Style.COMPACT, config), configType);
            Map<String, Object> manifest = map(
                    "schemaVersion",
                    2,
                    "mediaType",
                    manifestType,
                    "config",
                    blobDescriptor(configBlob),
                    "layers",
                    layers);
            if (annotations != null) {
                manifest.put("annotations", annotations);
            }
            return pushManifest(Json.write(style, manifest), manifestType, null);
        }

        Manifest attestation(String subjectDigest) {
            Blob statement = bytesBlob(
                    "{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"predicateType\":\"https://slsa.dev/provenance/v0.2\","
                            + "\"subject\":[{\"name\":\"sample\",\"digest\":{\"sha256\":\""
                            + subjectDigest.substring("sha256:".length()) + "\"}}],\"predicate\":{\"seed\":" + seed
                            + "}}",
                    IN_TOTO);
            Blob config = bytesBlob(
                    "{\"architecture\":\"unknown\",\"os\":\"unknown\",\"config\":{},"
                            + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + statement.digest() + "\"]}}",
                    OCI_CONFIG);
            Map<String, Object> layer = blobDescriptor(statement);
            layer.put("annotations", map("in-toto.io/predicate-type", "https://slsa.dev/provenance/v0.2"));
            String manifest = Json.write(
                    Style.COMPACT,
                    map(
                            "schemaVersion",
                            2,
                            "mediaType",
                            OCI_MANIFEST,
                            "config",
                            blobDescriptor(config),
                            "layers",
                            List.of(layer)));
            return pushManifest(manifest, OCI_MANIFEST, null);
        }

        /**
         * Appends a descriptor to the index under the subject's fallback tag, or creates that index. The
         * descriptor text goes in as written; an index in another form is refused rather than rewritten.
         */
        void addToFallbackIndex(String subjectDigest, String descriptor) {
            String tag = fallbackTag(subjectDigest);
            HttpResponse<String> current = send(request("/v2/" + repository + "/manifests/" + tag)
                    .header("Accept", OCI_INDEX)
                    .GET());
            String index;
            if (current.statusCode() == 404) {
                index = "{\"schemaVersion\":2,\"mediaType\":\"" + OCI_INDEX + "\",\"manifests\":[" + descriptor + "]}";
            } else {
                expect(current, 200, "read the referrers index " + tag);
                String text = current.body();
                if (!text.endsWith("]}") || !text.contains("\"manifests\":[")) {
                    throw new IllegalStateException("the referrers index " + tag + " at " + target + "/" + repository
                            + " is not in the compact form this class merges into: " + text);
                }
                int close = text.length() - 2;
                String separator = text.charAt(close - 1) == '[' ? "" : ",";
                index = text.substring(0, close) + separator + descriptor + text.substring(close);
            }
            pushManifest(index, OCI_INDEX, tag);
            manifests.remove(manifests.size() - 1);
        }

        Image top(String json, String mediaType, String tag) {
            Manifest top = pushManifest(json, mediaType, tag);
            manifests.remove(top);
            manifests.add(0, top);
            long bytes = blobs.values().stream().mapToLong(Blob::size).sum();
            return new Image(
                    repository,
                    tag,
                    top.digest(),
                    mediaType,
                    List.copyOf(manifests),
                    List.copyOf(blobs.values()),
                    bytes);
        }

        Blob bytesBlob(String content, String mediaType) {
            byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
            String digest = sha256(bytes);
            Blob blob = new Blob(digest, mediaType, bytes.length);
            if (blobs.putIfAbsent(digest, blob) == null) {
                upload(digest, bytes.length, () -> new java.io.ByteArrayInputStream(bytes));
            }
            return blob;
        }

        Blob generatedBlob(String salt, int index, long size, String mediaType) {
            long layerSeed = seed * 1_000_003L + salt.hashCode() * 31L + index;
            String digest;
            try (InputStream in = new GeneratedStream(layerSeed, size)) {
                MessageDigest sha = sha256();
                byte[] buffer = new byte[CHUNK];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    sha.update(buffer, 0, n);
                }
                digest = "sha256:" + HexFormat.of().formatHex(sha.digest());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Blob blob = new Blob(digest, mediaType, size);
            if (blobs.putIfAbsent(digest, blob) == null) {
                upload(digest, size, () -> new GeneratedStream(layerSeed, size));
            }
            return blob;
        }

        Manifest pushManifest(String json, String mediaType, String tag) {
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            String digest = sha256(bytes);
            HttpResponse<String> response =
                    send(request("/v2/" + repository + "/manifests/" + (tag == null ? digest : tag))
                            .header("Content-Type", mediaType)
                            .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)));
            expect(response, 201, "push manifest " + digest);
            Manifest manifest = new Manifest(digest, mediaType, bytes);
            manifests.add(manifest);
            return manifest;
        }

        private void upload(String digest, long size, java.util.function.Supplier<InputStream> content) {
            HttpResponse<String> head = send(request("/v2/" + repository + "/blobs/" + digest)
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()));
            if (head.statusCode() == 200) {
                return;
            }
            HttpResponse<String> start =
                    send(request("/v2/" + repository + "/blobs/uploads/").POST(HttpRequest.BodyPublishers.noBody()));
            expect(start, 202, "start upload of " + digest);
            URI location = target.baseUri()
                    .resolve(start.headers().firstValue("Location").orElseThrow());
            String separator = location.getRawQuery() == null ? "?" : "&";
            HttpRequest.BodyPublisher body = size == 0
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(content), size);
            HttpRequest.Builder put = authorized(
                            HttpRequest.newBuilder(URI.create(location + separator + "digest=" + digest)))
                    .header("Content-Type", "application/octet-stream")
                    .PUT(body);
            expect(send(put), 201, "upload " + digest);
        }

        private HttpRequest.Builder request(String path) {
            return authorized(HttpRequest.newBuilder(target.baseUri().resolve(path)));
        }

        private HttpRequest.Builder authorized(HttpRequest.Builder builder) {
            if (target.authorization() != null) {
                builder.header("Authorization", target.authorization());
            }
            return builder.timeout(Duration.ofMinutes(5));
        }

        private void expect(HttpResponse<String> response, int status, String what) {
            if (response.statusCode() != status) {
                throw new IllegalStateException("cannot " + what + " to " + target + "/" + repository + ": HTTP "
                        + response.statusCode() + " " + response.body());
            }
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static String sha256(byte[] bytes) {
        return "sha256:" + HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A deterministic pseudo-random byte stream of a given length, generated on demand. */
    public static final class GeneratedStream extends InputStream {
        private final SplittableRandom random;
        private long remaining;
        private long word;
        private int wordBytes;

        public GeneratedStream(long seed, long length) {
            this.random = new SplittableRandom(seed);
            this.remaining = length;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (remaining <= 0) {
                return -1;
            }
            int n = (int) Math.min(length, remaining);
            int i = offset;
            int end = offset + n;
            while (i < end && wordBytes > 0) {
                buffer[i++] = (byte) word;
                word >>>= 8;
                wordBytes--;
            }
            while (end - i >= 8) {
                long value = random.nextLong();
                buffer[i] = (byte) value;
                buffer[i + 1] = (byte) (value >>> 8);
                buffer[i + 2] = (byte) (value >>> 16);
                buffer[i + 3] = (byte) (value >>> 24);
                buffer[i + 4] = (byte) (value >>> 32);
                buffer[i + 5] = (byte) (value >>> 40);
                buffer[i + 6] = (byte) (value >>> 48);
                buffer[i + 7] = (byte) (value >>> 56);
                i += 8;
            }
            while (i < end) {
                if (wordBytes == 0) {
                    word = random.nextLong();
                    wordBytes = 8;
                }
                buffer[i++] = (byte) word;
                word >>>= 8;
                wordBytes--;
            }
            remaining -= n;
            return n;
        }
    }

    // ---------------------------------------------------------------- JSON text

    /** How manifest JSON is laid out. */
    enum Style {
        COMPACT,
        PRETTY,
        ODD
    }

    /** A minimal JSON writer whose output layout the caller chooses. */
    static final class Json {
        /** Pre-encoded JSON text, written as is. */
        record Raw(String text) {}

        static String write(Style style, Object value) {
            StringBuilder out = new StringBuilder();
            write(out, style, value, 0);
            return out.toString();
        }

        private static void write(StringBuilder out, Style style, Object value, int depth) {
            if (value instanceof Raw raw) {
                out.append(raw.text());
            } else if (value instanceof String text) {
                string(out, text);
            } else if (value instanceof Number || value instanceof Boolean) {
                out.append(value);
            } else if (value instanceof Map<?, ?> map) {
                out.append('{');
                int i = 0;
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    if (i++ > 0) {
                        out.append(',');
                    }
                    newline(out, style, depth + 1);
                    string(out, (String) entry.getKey());
                    out.append(
                            switch (style) {
                                case COMPACT -> ":";
                                case PRETTY -> ": ";
                                case ODD -> " :\t ";
                            });
                    write(out, style, entry.getValue(), depth + 1);
                }
                if (!map.isEmpty()) {
                    newline(out, style, depth);
                }
                out.append('}');
            } else if (value instanceof List<?> list) {
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        out.append(style == Style.ODD ? " ," : ",");
                    }
                    newline(out, style, depth + 1);
                    write(out, style, list.get(i), depth + 1);
                }
                if (!list.isEmpty()) {
                    newline(out, style, depth);
                }
                out.append(']');
            } else {
                throw new IllegalArgumentException("cannot write " + value);
            }
        }

        private static void newline(StringBuilder out, Style style, int depth) {
            switch (style) {
                case COMPACT -> {}
                case PRETTY -> out.append('\n').append("   ".repeat(depth));
                case ODD -> out.append("\r\n").append("\t".repeat(depth)).append(depth % 2 == 0 ? "  " : "");
            }
        }

        private static void string(StringBuilder out, String text) {
            out.append('"');
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            out.append('"');
        }
    }

    // ---------------------------------------------------------------- command line (benchmark)

    /**
     * {@code SampleImages BASE_URL REPOSITORY TAG SEED LAYERS LAYER_BYTES [ARCHITECTURES]}: pushes an OCI index
     * (with attestation) over the comma-separated architectures (default {@code amd64,arm64}), or with
     * {@code single} one linux/amd64 image manifest and no index, and prints its digest, total blob bytes and
     * blob count.
     */
    public static void main(String[] args) {
        if (args.length != 6 && args.length != 7) {
            System.err.println(
                    "usage: SampleImages BASE_URL REPOSITORY TAG SEED LAYERS_PER_PLATFORM LAYER_BYTES [ARCH,ARCH...|single]");
            System.exit(2);
        }
        SampleImages images =
                SampleImages.seed(Long.parseLong(args[3])).layers(Integer.parseInt(args[4]), Long.parseLong(args[5]));
        Target target = Target.anonymous(URI.create(args[0]));
        String shape = args.length == 7 ? args[6] : "amd64,arm64";
        Image image = shape.equals("single")
                ? images.pushOciImage(target, args[1], args[2])
                : images.pushOciIndex(target, args[1], args[2], List.of(shape.split(",")));
        System.out.println(
                image.digest() + " " + image.blobBytes() + " " + image.blobs().size());
    }
}
