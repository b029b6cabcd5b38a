package org.ecrreplicator.worker.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.InvalidReferenceException;

/**
 * A manifest as the source registry served it: the exact bytes (pushed unchanged, so digests are kept),
 * the media type, and what it references. JSON is parsed only to find references; it is never written back.
 *
 * @param children manifests an index or list references (empty for image manifests)
 * @param blobs config and layers of an image manifest (empty for indexes); foreign layers are left out,
 *     since registries do not store them
 */
public record Manifest(
        byte[] bytes, String mediaType, Digest digest, List<Descriptor> children, List<Descriptor> blobs) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public boolean isIndex() {
        return MediaTypes.isIndex(mediaType);
    }

    /**
     * @param contentType the Content-Type the registry sent; when absent or generic the document's own
     *     {@code mediaType} field decides
     */
    public static Manifest parse(byte[] bytes, String contentType, Digest digest) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ManifestException("manifest " + digest + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ManifestException("manifest " + digest + " cannot be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ManifestException("manifest " + digest + " is not a JSON object");
        }
        String declared =
                root.path("mediaType").isTextual() ? root.get("mediaType").asText() : null;
        String mediaType = MediaTypes.base(contentType);
        if (mediaType == null || mediaType.isEmpty() || !mediaType.startsWith("application/vnd.")) {
            mediaType = declared;
        }
        if (mediaType == null) {
            // OCI allows an image manifest or index without mediaType; the shape tells them apart.
            mediaType = root.has("manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        }
        if (MediaTypes.DOCKER_SCHEMA1.equals(mediaType) || MediaTypes.DOCKER_SCHEMA1_SIGNED.equals(mediaType)) {
            throw new ManifestException("manifest " + digest + " is a Docker schema 1 manifest, which cannot be"
                    + " copied exactly: rebuild and push the image with a current Docker or BuildKit");
        }
        List<Descriptor> children = new ArrayList<>();
        List<Descriptor> blobs = new ArrayList<>();
        if (MediaTypes.isIndex(mediaType)) {
            for (JsonNode entry : root.path("manifests")) {
                children.add(descriptor(entry, digest, "manifests"));
            }
        } else if (MediaTypes.OCI_MANIFEST.equals(mediaType) || MediaTypes.DOCKER_MANIFEST.equals(mediaType)) {
            if (!root.has("config")) {
                throw new ManifestException("manifest " + digest + " has no config descriptor");
            }
            blobs.add(descriptor(root.get("config"), digest, "config"));
            for (JsonNode layer : root.path("layers")) {
                Descriptor descriptor = descriptor(layer, digest, "layers");
                if (!MediaTypes.DOCKER_FOREIGN_LAYER.equals(descriptor.mediaType())) {
                    blobs.add(descriptor);
                }
            }
        } else {
            throw new ManifestException("manifest " + digest + " has media type '" + mediaType
                    + "', which this copier does not support: expected one of " + MediaTypes.ACCEPTED);
        }
        return new Manifest(bytes, mediaType, digest, List.copyOf(children), List.copyOf(blobs));
    }

    private static Descriptor descriptor(JsonNode node, Digest parent, String field) {
        String digestText = node.path("digest").asText(null);
        if (digestText == null) {
            throw new ManifestException("manifest " + parent + " has an entry in '" + field + "' without a digest");
        }
        Digest digest;
        try {
            digest = Digest.parse(digestText);
        } catch (InvalidReferenceException e) {
            throw new ManifestException(
                    "manifest " + parent + " has an invalid digest in '" + field + "': " + e.getMessage());
        }
        JsonNode size = node.get("size");
        if (size == null || !size.canConvertToLong() || size.asLong() < 0) {
            throw new ManifestException(
                    "manifest " + parent + " has an entry in '" + field + "' without a valid size: " + digest);
        }
        String platform = null;
        JsonNode p = node.get("platform");
        if (p != null && p.isObject()) {
            platform = p.path("os").asText("?") + "/" + p.path("architecture").asText("?")
                    + (p.hasNonNull("variant") ? "/" + p.get("variant").asText() : "");
        }
        return new Descriptor(node.path("mediaType").asText(null), digest, size.asLong(), platform);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Manifest manifest
                && manifest.digest.equals(digest)
                && manifest.mediaType.equals(mediaType);
    }

    @Override
    public int hashCode() {
        return digest.hashCode();
    }

    @Override
    public String toString() {
        return mediaType + " " + digest + " (" + bytes.length + " bytes)";
    }
}
