package org.ecrreplicator.engines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The ECR control plane on loopback, in front of a real registry (a {@link RegistryProcess} with htpasswd
 * user {@code AWS}): {@code GetAuthorizationToken}, {@code CreateRepository}, {@code DescribeRepositories}
 * and {@code BatchDeleteImage} on the AWS JSON 1.1 protocol with ECR's target prefix, request and response
 * shapes and error codes. An unmodified {@code EcrClient} whose endpoint is {@link #endpoint()} (for example
 * through {@code AWS_ENDPOINT_URL_ECR}) talks to it as to ECR; the registry is the data plane.
 *
 * <p>Tokens are {@code base64("AWS:" + password)} like ECR's; {@link #handOutStaleTokens} makes the next
 * tokens carry a wrong password, to exercise a client's refresh on 401.
 *
 * <p>With the referrers API on, the data plane is a {@link ReferrersApiFront} in ECR mode in front of the
 * registry, since ECR has what the registry lacks: the OCI 1.1 referrers API and {@code OCI-Subject}, and also
 * ECR's refusal (405) of a referrer whose subject is an image index. {@link #authority()}, the token's
 * {@code proxyEndpoint} and repository URIs then name the front.
 */
public final class LocalEcrApi implements AutoCloseable {
    public static final String TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921";

    /** The registry setting that lets a push mount a blob from another repository; ECR's default is off. */
    public static final String BLOB_MOUNTING = "BLOB_MOUNTING";

    private static final Map<String, Set<String>> ACCOUNT_SETTING_VALUES = Map.of(
            "BASIC_SCAN_TYPE_VERSION",
            Set.of("AWS_NATIVE", "CLAIR"),
            "REGISTRY_POLICY_SCOPE",
            Set.of("V1", "V2"),
            BLOB_MOUNTING,
            Set.of("ENABLED", "DISABLED"));

    private static final Pattern REPOSITORY_NAME =
            Pattern.compile("(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*");
    private static final Set<String> MUTABILITY = Set.of("MUTABLE", "IMMUTABLE");
    private static final String ACCEPT = String.join(
            ",",
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json");

    /** A repository as ECR describes it. */
    public record Repository(String name, String tagMutability, boolean scanOnPush, Instant createdAt) {}

    private final RegistryProcess registry;
    private final ReferrersApiFront front;
    private final String password;
    private final String accountId;
    private final String region;
    private final AwsJsonEndpoint endpoint;
    private final Map<String, Repository> repositories = new ConcurrentHashMap<>();
    private final AtomicInteger staleTokens = new AtomicInteger();
    /** Registry settings by name ({@code GetAccountSetting}); each starts at ECR's default. */
    private final Map<String, String> accountSettings = new ConcurrentHashMap<>(
            Map.of("BASIC_SCAN_TYPE_VERSION", "AWS_NATIVE", "REGISTRY_POLICY_SCOPE", "V2", BLOB_MOUNTING, "DISABLED"));

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private volatile Duration tokenTtl = Duration.ofHours(12);
    private volatile List<Pattern> allowedRepositories;

    /**
     * @param registry the data plane; started with {@code htpasswd("AWS", password)}
     * @param password the registry password tokens carry (a test value)
     */
    public LocalEcrApi(RegistryProcess registry, String password, String accountId, String region) {
        this(registry, password, accountId, region, false);
    }

    /**
     * @param referrersApi serve the data plane through an ECR-mode {@link ReferrersApiFront}, closed with this
     */
    public LocalEcrApi(
            RegistryProcess registry, String password, String accountId, String region, boolean referrersApi) {
        this.registry = registry;
        this.front = referrersApi ? ReferrersApiFront.startLikeEcr(registry) : null;
        this.password = password;
        this.accountId = accountId;
        this.region = region;
        this.endpoint = new AwsJsonEndpoint(TARGET_PREFIX, "1.1")
                .on("GetAuthorizationToken", this::getAuthorizationToken)
                .on("CreateRepository", this::createRepository)
                .on("DescribeRepositories", this::describeRepositories)
                .on("ListImages", this::listImages)
                .on("BatchDeleteImage", this::batchDeleteImage)
                .on("GetAccountSetting", this::getAccountSetting)
                .on("PutAccountSetting", this::putAccountSetting);
        blobMounting(false);
    }

    public URI endpoint() {
        return endpoint.endpoint();
    }

    /**
     * Answers only requests signed with these access key ids, as an ECR in one partition refuses another's keys
     * ({@code UnrecognizedClientException}). Without a call: any caller, as before.
     */
    public LocalEcrApi acceptOnly(String... accessKeyIds) {
        endpoint.acceptOnly(Set.of(accessKeyIds));
        return this;
    }

    /**
     * Lets {@code DescribeRepositories} of named repositories through only for names that one of these IAM
     * resource patterns covers ({@code team/*}: {@code *} matches any characters, {@code /} included), as an IAM
     * policy scoped to {@code repository/<pattern>} does; another name is {@code AccessDeniedException}, before
     * the repository is looked up. Without a call: every name.
     */
    public LocalEcrApi allowRepositories(String... patterns) {
        List<Pattern> compiled = new ArrayList<>();
        for (String pattern : patterns) {
            compiled.add(Pattern.compile(Pattern.quote(pattern).replace("*", "\\E.*\\Q")));
        }
        allowedRepositories = List.copyOf(compiled);
        return this;
    }

    /**
     * Answers only requests signed with a key the IAM stand-in holds at the time of the call, so a key created
     * by a rotation authenticates and a deleted one no longer does.
     */
    public LocalEcrApi acceptKeysOf(LocalIam iam) {
        return acceptOnly(iam::isActive);
    }

    /** Answers only requests signed with an access key id the predicate accepts at the time of the call. */
    public LocalEcrApi acceptOnly(java.util.function.Predicate<String> accepted) {
        endpoint.acceptOnly(accepted);
        return this;
    }

    public RegistryProcess registry() {
        return registry;
    }

    /** {@code host:port} of the data plane clients push to and pull from: the front when there is one. */
    public String authority() {
        return front == null ? registry.authority() : front.authority();
    }

    /** The data plane's base URL. */
    public URI baseUri() {
        return front == null ? registry.baseUri() : front.baseUri();
    }

    /** The front serving the referrers API, when this stand-in has one. */
    public Optional<ReferrersApiFront> front() {
        return Optional.ofNullable(front);
    }

    public String accountId() {
        return accountId;
    }

    public List<AwsJsonEndpoint.Call> calls(String operation) {
        return endpoint.calls(operation);
    }

    public Optional<Repository> repository(String name) {
        return Optional.ofNullable(repositories.get(name));
    }

    /** Creates a repository directly, as test set-up (no call is recorded). */
    public Repository addRepository(String name, String tagMutability, boolean scanOnPush) {
        Repository repository = new Repository(name, tagMutability, scanOnPush, Instant.now());
        repositories.put(name, repository);
        return repository;
    }

    /** Tokens handed out from now on expire after this long (ECR's are 12 hours). */
    public void tokenTtl(Duration ttl) {
        this.tokenTtl = ttl;
    }

    /** The next {@code count} tokens carry a wrong password, as a token revoked or rotated would. */
    public void handOutStaleTokens(int count) {
        staleTokens.set(count);
    }

    /**
     * Sets {@code BLOB_MOUNTING} as {@code PutAccountSetting} does (test set-up; no call is recorded). Through
     * the ECR-mode front, a disabled setting makes the data plane answer mount requests with an upload session,
     * as ECR does; a bare registry (no front) mounts whatever the setting says.
     */
    public LocalEcrApi blobMounting(boolean enabled) {
        accountSettings.put(BLOB_MOUNTING, enabled ? "ENABLED" : "DISABLED");
        if (front != null) {
            front.declineMounts(!enabled);
        }
        return this;
    }

    // ---------------------------------------------------------------- operations

    private JsonNode getAccountSetting(JsonNode request) {
        String name = accountSettingName(request);
        return accountSetting(name, accountSettings.get(name));
    }

    private JsonNode putAccountSetting(JsonNode request) {
        String name = accountSettingName(request);
        String value = request.path("value").asText(null);
        if (value == null || !ACCOUNT_SETTING_VALUES.get(name).contains(value)) {
            throw new AwsJsonEndpoint.AwsError(
                    "ValidationException",
                    "Invalid value for account setting " + name + ": " + value + ". Valid values are "
                            + ACCOUNT_SETTING_VALUES.get(name).stream().sorted().toList());
        }
        if (name.equals(BLOB_MOUNTING)) {
            blobMounting(value.equals("ENABLED"));
        } else {
            accountSettings.put(name, value);
        }
        return accountSetting(name, value);
    }

    private static String accountSettingName(JsonNode request) {
        String name = request.path("name").asText(null);
        if (name == null) {
            throw new AwsJsonEndpoint.AwsError(
                    "InvalidParameterException", "Invalid parameter at 'name': must not be null");
        }
        if (!ACCOUNT_SETTING_VALUES.containsKey(name)) {
            throw new AwsJsonEndpoint.AwsError(
                    "ValidationException",
                    "Invalid account setting name: " + name + ". Valid names are "
                            + ACCOUNT_SETTING_VALUES.keySet().stream().sorted().toList());
        }
        return name;
    }

    private static JsonNode accountSetting(String name, String value) {
        ObjectNode response = AwsJsonEndpoint.mapper().createObjectNode();
        response.put("name", name);
        response.put("value", value);
        return response;
    }

    private JsonNode getAuthorizationToken(JsonNode request) {
        boolean stale = staleTokens.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
        String secret = stale ? password + "-stale" : password;
        ObjectNode data = AwsJsonEndpoint.mapper().createObjectNode();
        data.put(
                "authorizationToken",
                Base64.getEncoder().encodeToString(("AWS:" + secret).getBytes(StandardCharsets.UTF_8)));
        data.put("expiresAt", epochSeconds(Instant.now().plus(tokenTtl)));
        data.put("proxyEndpoint", baseUri().toString());
        ObjectNode response = AwsJsonEndpoint.mapper().createObjectNode();
        response.putArray("authorizationData").add(data);
        return response;
    }

    private JsonNode createRepository(JsonNode request) {
        String name = requireName(request);
        String mutability = text(request, "imageTagMutability", "MUTABLE");
        if (!MUTABILITY.contains(mutability)) {
            throw new AwsJsonEndpoint.AwsError(
                    "InvalidParameterException",
                    "Invalid parameter at 'imageTagMutability' failed to satisfy constraint: "
                            + "'Member must satisfy enum value set: [MUTABLE, IMMUTABLE]'");
        }
        boolean scanOnPush =
                request.path("imageScanningConfiguration").path("scanOnPush").asBoolean(false);
        requireRegistryId(request);
        Repository created = new Repository(name, mutability, scanOnPush, Instant.now());
        if (repositories.putIfAbsent(name, created) != null) {
            throw new AwsJsonEndpoint.AwsError(
                    "RepositoryAlreadyExistsException",
                    "The repository with name '" + name + "' already exists in the registry with id '" + accountId
                            + "'");
        }
        ObjectNode response = AwsJsonEndpoint.mapper().createObjectNode();
        response.set("repository", describe(created));
        return response;
    }

    private JsonNode describeRepositories(JsonNode request) {
        requireRegistryId(request);
        ArrayNode out = AwsJsonEndpoint.mapper().createArrayNode();
        JsonNode names = request.get("repositoryNames");
        ObjectNode response = AwsJsonEndpoint.mapper().createObjectNode();
        if (names == null || names.isEmpty()) {
            List<Repository> all = repositories.values().stream()
                    .sorted(java.util.Comparator.comparing(Repository::name))
                    .toList();
            Page page = page(request, all.size());
            all.subList(page.from(), page.to()).forEach(repository -> out.add(describe(repository)));
            page.nextToken().ifPresent(token -> response.put("nextToken", token));
        } else {
            if (request.hasNonNull("maxResults") || request.hasNonNull("nextToken")) {
                throw new AwsJsonEndpoint.AwsError(
                        "InvalidParameterException",
                        "Invalid parameter: maxResults and nextToken cannot be used with repositoryNames");
            }
            List<Pattern> allowed = allowedRepositories;
            for (JsonNode name : names) {
                if (allowed != null
                        && allowed.stream().noneMatch(pattern -> pattern.matcher(name.asText())
                                .matches())) {
                    throw new AwsJsonEndpoint.AwsError(
                            "AccessDeniedException",
                            "User: arn:aws:iam::" + accountId + ":user/replicator is not authorized to perform:"
                                    + " ecr:DescribeRepositories on resource: arn:aws:ecr:" + region + ":" + accountId
                                    + ":repository/" + name.asText()
                                    + " because no identity-based policy allows the ecr:DescribeRepositories action");
                }
            }
            for (JsonNode name : names) {
                out.add(describe(existing(name.asText())));
            }
        }
        response.set("repositories", out);
        return response;
    }

    /** Tagged images once per tag ({@code imageDigest}, {@code imageTag}), sorted by tag, in pages. */
    private JsonNode listImages(JsonNode request) {
        String name = requireName(request);
        requireRegistryId(request);
        existing(name);
        String status = request.path("filter").path("tagStatus").asText("ANY");
        List<ObjectNode> ids = new ArrayList<>();
        if (!"UNTAGGED".equals(status)) {
            try {
                for (String tag : tags(name).stream().sorted().toList()) {
                    String digest = resolve(name, tag);
                    if (digest != null) {
                        ObjectNode id = AwsJsonEndpoint.mapper().createObjectNode();
                        id.put("imageDigest", digest);
                        id.put("imageTag", tag);
                        ids.add(id);
                    }
                }
            } catch (IOException e) {
                throw new AwsJsonEndpoint.AwsError(500, "ServerException", "registry unavailable: " + e.getMessage());
            }
        }
        Page page = page(request, ids.size());
        ObjectNode response = AwsJsonEndpoint.mapper().createObjectNode();
        ArrayNode out = response.putArray("imageIds");
        ids.subList(page.from(), page.to()).forEach(out::add);
        page.nextToken().ifPresent(token -> response.put("nextToken", token));
        return response;
    }

    /** A page of {@code total} items: ECR's {@code maxResults} (1-1000, default 100 here) and {@code nextToken}. */
    private record Page(int from, int to, int total) {
        Optional<String> nextToken() {
            return to < total
                    ? Optional.of(Base64.getEncoder().encodeToString(("offset:" + to).getBytes(StandardCharsets.UTF_8)))
                    : Optional.empty();
        }
    }

    private static Page page(JsonNode request, int total) {
        int size = request.path("maxResults").asInt(100);
        if (size < 1 || size > 1000) {
            throw new AwsJsonEndpoint.AwsError(
                    "InvalidParameterException",
                    "Invalid parameter at 'maxResults' failed to satisfy constraint: "
                            + "'Member must have value less than or equal to 1000 and greater than or equal to 1'");
        }
        int from = 0;
        String token = text(request, "nextToken", null);
        if (token != null) {
            try {
                String decoded = new String(Base64.getDecoder().decode(token), StandardCharsets.UTF_8);
                from = Integer.parseInt(decoded.substring("offset:".length()));
            } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
                throw new AwsJsonEndpoint.AwsError("InvalidParameterException", "Invalid parameter: nextToken");
            }
        }
        from = Math.min(from, total);
        return new Page(from, Math.min(total, from + size), total);
    }

    private JsonNode batchDeleteImage(JsonNode request) {
        String name = requireName(request);
        requireRegistryId(request);
        existing(name);
        ArrayNode deleted = AwsJsonEndpoint.mapper().createArrayNode();
        ArrayNode failures = AwsJsonEndpoint.mapper().createArrayNode();
        JsonNode ids = request.path("imageIds");
        if (!ids.isArray() || ids.isEmpty()) {
            throw new AwsJsonEndpoint.AwsError(
                    "InvalidParameterException",
                    "Invalid parameter at 'imageIds' failed to satisfy constraint: "
                            + "'Member must have length greater than or equal to 1'");
        }
        for (JsonNode id : ids) {
            String tag = id.hasNonNull("imageTag") ? id.get("imageTag").asText() : null;
            String digest = id.hasNonNull("imageDigest") ? id.get("imageDigest").asText() : null;
            if (tag == null && digest == null) {
                failures.add(failure(
                        id,
                        "MissingDigestAndTag",
                        "Invalid request parameters: both tag and digest" + " cannot be null"));
                continue;
            }
            try {
                String resolved = resolve(name, tag != null ? tag : digest);
                if (resolved == null || (digest != null && !digest.equals(resolved))) {
                    failures.add(failure(id, "ImageNotFound", "Requested image not found"));
                    continue;
                }
                List<String> parents = parentsOf(name, resolved);
                List<String> tags = tagsOf(name, resolved);
                boolean untagOnly = tag != null && tags.size() > 1;
                if (!untagOnly && !parents.isEmpty()) {
                    failures.add(failure(
                            id,
                            "ImageReferencedByManifestList",
                            "Requesting image referenced by a manifest list: " + parents));
                    continue;
                }
                if (untagOnly) {
                    registry.untag(name, tag);
                } else {
                    deleteManifest(name, resolved);
                }
                ObjectNode done = AwsJsonEndpoint.mapper().createObjectNode();
                done.put("imageDigest", resolved);
                if (tag != null) {
                    done.put("imageTag", tag);
                }
                deleted.add(done);
            } catch (IOException e) {
                throw new AwsJsonEndpoint.AwsError(500, "ServerException", "registry unavailable: " + e.getMessage());
            }
        }
        ObjectNode response = AwsJsonEndpoint.mapper().createObjectNode();
        response.set("imageIds", deleted);
        response.set("failures", failures);
        return response;
    }

    // ---------------------------------------------------------------- registry access (data plane)

    private String resolve(String repository, String reference) throws IOException {
        HttpResponse<Void> response = registry(
                HttpRequest.newBuilder(manifestUri(repository, reference))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()),
                HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() == 404) {
            return null;
        }
        if (response.statusCode() != 200) {
            throw new IOException("HEAD manifest answered " + response.statusCode());
        }
        return response.headers().firstValue("Docker-Content-Digest").orElse(null);
    }

    /** Tags whose manifest is {@code digest}. */
    private List<String> tagsOf(String repository, String digest) throws IOException {
        List<String> tags = new ArrayList<>();
        for (String tag : tags(repository)) {
            if (digest.equals(resolve(repository, tag))) {
                tags.add(tag);
            }
        }
        return tags;
    }

    /** Digests of tagged indexes in the repository that list {@code digest} as a child. */
    private List<String> parentsOf(String repository, String digest) throws IOException {
        Set<String> parents = new HashSet<>();
        for (String tag : tags(repository)) {
            HttpResponse<byte[]> response = registry(
                    HttpRequest.newBuilder(manifestUri(repository, tag)).GET(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                continue;
            }
            JsonNode manifest = AwsJsonEndpoint.mapper().readTree(response.body());
            for (JsonNode child : manifest.path("manifests")) {
                if (digest.equals(child.path("digest").asText())) {
                    parents.add(response.headers()
                            .firstValue("Docker-Content-Digest")
                            .orElse(tag));
                }
            }
        }
        return List.copyOf(parents);
    }

    private List<String> tags(String repository) throws IOException {
        HttpResponse<byte[]> response = registry(
                HttpRequest.newBuilder(registry.baseUri().resolve("/v2/" + repository + "/tags/list"))
                        .GET(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() == 404) {
            return List.of();
        }
        List<String> tags = new ArrayList<>();
        AwsJsonEndpoint.mapper().readTree(response.body()).path("tags").forEach(tag -> tags.add(tag.asText()));
        return tags;
    }

    private void deleteManifest(String repository, String digest) throws IOException {
        HttpResponse<String> response = registry(
                HttpRequest.newBuilder(manifestUri(repository, digest)).DELETE(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202 && response.statusCode() != 404) {
            throw new IOException("DELETE manifest answered " + response.statusCode() + " " + response.body());
        }
    }

    private URI manifestUri(String repository, String reference) {
        return registry.baseUri().resolve("/v2/" + repository + "/manifests/" + reference);
    }

    private <T> HttpResponse<T> registry(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler)
            throws IOException {
        request.header("Accept", ACCEPT)
                .header(
                        "Authorization",
                        "Basic "
                                + Base64.getEncoder()
                                        .encodeToString(("AWS:" + password).getBytes(StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(30));
        try {
            return http.send(request.build(), handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    // ---------------------------------------------------------------- shapes

    private ObjectNode describe(Repository repository) {
        ObjectNode node = AwsJsonEndpoint.mapper().createObjectNode();
        node.put("repositoryArn", "arn:aws:ecr:" + region + ":" + accountId + ":repository/" + repository.name());
        node.put("registryId", accountId);
        node.put("repositoryName", repository.name());
        node.put("repositoryUri", authority() + "/" + repository.name());
        node.put("createdAt", epochSeconds(repository.createdAt()));
        node.put("imageTagMutability", repository.tagMutability());
        node.putObject("imageScanningConfiguration").put("scanOnPush", repository.scanOnPush());
        node.putObject("encryptionConfiguration").put("encryptionType", "AES256");
        return node;
    }

    private Repository existing(String name) {
        Repository repository = repositories.get(name);
        if (repository == null) {
            throw new AwsJsonEndpoint.AwsError(
                    "RepositoryNotFoundException",
                    "The repository with name '" + name + "' does not exist in the registry with id '" + accountId
                            + "'");
        }
        return repository;
    }

    private String requireName(JsonNode request) {
        String name = text(request, "repositoryName", null);
        if (name == null) {
            throw new AwsJsonEndpoint.AwsError(
                    "InvalidParameterException", "Invalid parameter at 'repositoryName': must not be null");
        }
        if (name.length() < 2
                || name.length() > 256
                || !REPOSITORY_NAME.matcher(name).matches()) {
            throw new AwsJsonEndpoint.AwsError(
                    "InvalidParameterException",
                    "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular "
                            + "expression '" + REPOSITORY_NAME.pattern() + "''");
        }
        return name;
    }

    private void requireRegistryId(JsonNode request) {
        String registryId = text(request, "registryId", accountId);
        if (!registryId.equals(accountId)) {
            throw new AwsJsonEndpoint.AwsError(
                    "AccessDeniedException", "User is not authorized to access registry '" + registryId + "'");
        }
    }

    private static ObjectNode failure(JsonNode id, String code, String reason) {
        ObjectNode failure = AwsJsonEndpoint.mapper().createObjectNode();
        failure.set("imageId", id);
        failure.put("failureCode", code);
        failure.put("failureReason", reason);
        return failure;
    }

    private static String text(JsonNode node, String field, String fallback) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? fallback : value.asText();
    }

    private static double epochSeconds(Instant instant) {
        return instant.toEpochMilli() / 1000.0;
    }

    @Override
    public void close() {
        endpoint.close();
        if (front != null) {
            front.close();
        }
    }
}
