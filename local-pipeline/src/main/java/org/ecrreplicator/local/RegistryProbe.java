package org.ecrreplicator.local;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Asks a plain-HTTP loopback registry which digest a tag points at, the way a client resolves it. */
public final class RegistryProbe {
    private static final String ACCEPT = String.join(
            ",",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json");

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The tag's digest, or null when the registry does not have the tag (or the repository). */
    public String digest(String authority, String repository, String tag) {
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://" + authority + "/v2/" + repository + "/manifests/" + tag))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Accept", ACCEPT)
                .timeout(Duration.ofSeconds(10))
                .build();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() == 404) {
                return null;
            }
            if (response.statusCode() != 200) {
                throw new IllegalStateException("registry " + authority + " answered " + response.statusCode() + " for "
                        + repository + ":" + tag);
            }
            return response.headers()
                    .firstValue("Docker-Content-Digest")
                    .orElseThrow(() -> new IllegalStateException(
                            "registry " + authority + " sent no Docker-Content-Digest for " + repository + ":" + tag));
        } catch (IOException e) {
            throw new IllegalStateException("registry " + authority + " is not reachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Every {@code repository:tag} of a small registry ({@code _catalog} and {@code tags/list}, one page each:
     * the demo's registries hold a handful), sorted.
     */
    public java.util.List<String> tags(String authority) {
        java.util.List<String> keys = new java.util.ArrayList<>();
        com.fasterxml.jackson.databind.JsonNode catalog = get(authority, "/v2/_catalog?n=1000");
        for (com.fasterxml.jackson.databind.JsonNode repository : catalog.path("repositories")) {
            com.fasterxml.jackson.databind.JsonNode listed =
                    get(authority, "/v2/" + repository.asText() + "/tags/list?n=1000");
            for (com.fasterxml.jackson.databind.JsonNode tag : listed.path("tags")) {
                // Referrer fallback tags travel with their subject; they are not the user's tags.
                if (!tag.asText().startsWith("sha256-")) {
                    keys.add(repository.asText() + ":" + tag.asText());
                }
            }
        }
        java.util.Collections.sort(keys);
        return keys;
    }

    private com.fasterxml.jackson.databind.JsonNode get(String authority, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + authority + path))
                .timeout(Duration.ofSeconds(10))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 404) {
                return org.ecrreplicator.domain.Json.MAPPER.createObjectNode();
            }
            if (response.statusCode() != 200) {
                throw new IllegalStateException(
                        "registry " + authority + " answered " + response.statusCode() + " for " + path);
            }
            return org.ecrreplicator.domain.Json.parse(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("registry " + authority + " is not reachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
