package org.ecrreplicator.worker.engine.manifest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.InvalidReferenceException;

/**
 * A manifest as the source registry served it: the exact bytes (pushed unchanged, so digests are kept),
 * the media type, and what it references. JSON is parsed only to find references; it is never written back.
 *
 * @param children manifests an index or list references (empty for image manifests)
 * @param blobs config and layers of an image manifest (empty for indexes); foreign layers are left out,
 *     since registries do not store them
 * @param subject the manifest this one refers to (OCI 1.1 {@code subject}: a signature, SBOM or attestation
 *     of it), or null
 * @param artifactType the {@code artifactType} field, else an image manifest's config media type, else null
 */
public record Manifest(
        byte[] bytes,
        String mediaType,
        Digest digest,
        List<Descriptor> children,
        List<Descriptor> blobs,
        Descriptor subject,
        String artifactType) {
    /** A manifest that refers to nothing. */
    public Manifest(byte[] bytes, String mediaType, Digest digest, List<Descriptor> children, List<Descriptor> blobs) {
        this(bytes, mediaType, digest, children, blobs, null, null);
    }

    public boolean isIndex() {
        return MediaTypes.isIndex(mediaType);
    }

    /**
     * @param contentType the Content-Type the registry sent; when absent or generic the document's own
     *     {@code mediaType} field decides
     */
    public static Manifest parse(byte[] bytes, String contentType, Digest digest) {
        Object root;
        try {
            root = JsonTree.parse(bytes);
        } catch (IOException e) {
            throw new ManifestException("manifest " + digest + " is not valid JSON: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?>)) {
            throw new ManifestException("manifest " + digest + " is not a JSON object");
        }
        String declared = JsonTree.string(root, "mediaType");
        String mediaType = MediaTypes.base(contentType);
        if (mediaType == null || mediaType.isEmpty() || !mediaType.startsWith("application/vnd.")) {
            mediaType = declared;
        }
        if (mediaType == null) {
            // OCI allows an image manifest or index without mediaType; the shape tells them apart.
            mediaType = JsonTree.has(root, "manifests") ? MediaTypes.OCI_INDEX : MediaTypes.OCI_MANIFEST;
        }
        if (MediaTypes.DOCKER_SCHEMA1.equals(mediaType) || MediaTypes.DOCKER_SCHEMA1_SIGNED.equals(mediaType)) {
            throw new ManifestException("manifest " + digest + " is a Docker schema 1 manifest, which cannot be"
                    + " copied exactly: rebuild and push the image with a current Docker or BuildKit");
        }
        List<Descriptor> children = new ArrayList<>();
        List<Descriptor> blobs = new ArrayList<>();
        if (MediaTypes.isIndex(mediaType)) {
            for (Object entry : JsonTree.array(root, "manifests")) {
                children.add(descriptor(entry, digest, "manifests"));
            }
        } else if (MediaTypes.OCI_MANIFEST.equals(mediaType) || MediaTypes.DOCKER_MANIFEST.equals(mediaType)) {
            if (!JsonTree.has(root, "config")) {
                throw new ManifestException("manifest " + digest + " has no config descriptor");
            }
            blobs.add(descriptor(JsonTree.member(root, "config"), digest, "config"));
            for (Object layer : JsonTree.array(root, "layers")) {
                Descriptor descriptor = descriptor(layer, digest, "layers");
                if (!MediaTypes.DOCKER_FOREIGN_LAYER.equals(descriptor.mediaType())) {
                    blobs.add(descriptor);
                }
            }
        } else {
            throw new ManifestException("manifest " + digest + " has media type '" + mediaType
                    + "', which this copier does not support: expected one of " + MediaTypes.ACCEPTED);
        }
        Descriptor subject = JsonTree.member(root, "subject") == null
                ? null
                : descriptor(JsonTree.member(root, "subject"), digest, "subject");
        String artifactType = JsonTree.string(root, "artifactType");
        if (artifactType == null && !blobs.isEmpty() && !MediaTypes.isIndex(mediaType)) {
            artifactType = blobs.get(0).mediaType();
        }
        return new Manifest(bytes, mediaType, digest, List.copyOf(children), List.copyOf(blobs), subject, artifactType);
    }

    private static Descriptor descriptor(Object node, Digest parent, String field) {
        String digestText = JsonTree.string(node, "digest");
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
        if (!(JsonTree.member(node, "size") instanceof Long size) || size < 0) {
            throw new ManifestException(
                    "manifest " + parent + " has an entry in '" + field + "' without a valid size: " + digest);
        }
        String platform = null;
        Object p = JsonTree.member(node, "platform");
        if (p instanceof Map<?, ?>) {
            String os = JsonTree.string(p, "os");
            String architecture = JsonTree.string(p, "architecture");
            String variant = JsonTree.string(p, "variant");
            platform = (os == null ? "?" : os) + "/" + (architecture == null ? "?" : architecture)
                    + (variant != null ? "/" + variant : "");
        }
        return new Descriptor(JsonTree.string(node, "mediaType"), digest, size, platform);
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
