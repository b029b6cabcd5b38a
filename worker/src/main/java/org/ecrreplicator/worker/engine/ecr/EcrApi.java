package org.ecrreplicator.worker.engine.ecr;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.worker.engine.ReplicatorException;
import org.ecrreplicator.worker.engine.registry.PasswordSource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;
import software.amazon.awssdk.services.ecr.model.BatchDeleteImageResponse;
import software.amazon.awssdk.services.ecr.model.DescribeRepositoriesResponse;
import software.amazon.awssdk.services.ecr.model.ImageFailure;
import software.amazon.awssdk.services.ecr.model.ImageIdentifier;
import software.amazon.awssdk.services.ecr.model.ImageTagMutability;
import software.amazon.awssdk.services.ecr.model.ListImagesResponse;
import software.amazon.awssdk.services.ecr.model.Repository;
import software.amazon.awssdk.services.ecr.model.RepositoryAlreadyExistsException;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;
import software.amazon.awssdk.services.ecr.model.TagStatus;

/**
 * The ECR control plane for one registry: registry passwords from {@code GetAuthorizationToken} (cached,
 * refreshed well before their 12-hour expiry and when a registry refuses one), repositories
 * (described, created on demand) and deletes through {@code BatchDeleteImage}.
 */
public final class EcrApi implements PasswordSource, AutoCloseable {
    /** How the SDK's default credentials chain begins its message when no provider had credentials. */
    private static final String NO_CREDENTIALS = "Unable to load credentials from any of the providers";

    /** What a repository created on demand looks like, and whether to create one at all. */
    public record RepositoryDefaults(boolean create, String tagMutability, boolean scanOnPush) {
        public RepositoryDefaults {
            if (!"MUTABLE".equals(tagMutability) && !"IMMUTABLE".equals(tagMutability)) {
                throw new IllegalArgumentException(
                        "tag mutability '" + tagMutability + "' is not one of MUTABLE, IMMUTABLE");
            }
        }

        public static RepositoryDefaults noCreate() {
            return new RepositoryDefaults(false, "MUTABLE", false);
        }
    }

    /** The registry password ECR hands out, and when it stops working. */
    record Authorization(String user, String password, Instant expiresAt) {
        @Override
        public String toString() {
            return "Authorization[user=" + user + ", expiresAt=" + expiresAt + "]";
        }
    }

    /** How a delete went: what was deleted, or why not. */
    public record DeleteOutcome(boolean deleted, String digest, String failureCode, String failureReason) {}

    private static final Duration REFRESH_MARGIN = Duration.ofMinutes(30);
    /** What AWS answers keys it does not know (another partition's) or cannot verify. */
    private static final Set<String> REFUSED_CREDENTIALS = Set.of(
            "UnrecognizedClientException",
            "InvalidClientTokenId",
            "InvalidSignatureException",
            "SignatureDoesNotMatch");

    /** Repositories this client has seen exist (or created), with their tag mutability. */
    private final java.util.Map<String, String> ensured = new java.util.concurrent.ConcurrentHashMap<>();

    private final EcrClient client;
    private final String registryId;
    private final RepositoryDefaults defaults;
    private final Clock clock;
    private Authorization cached;
    private Instant cachedAt;
    private volatile String credentialsDescription;

    /**
     * @param registryId the account id, or null for the caller's own registry
     */
    public EcrApi(EcrClient client, String registryId, RepositoryDefaults defaults, Clock clock) {
        this.client = client;
        this.registryId = registryId;
        this.defaults = defaults;
        this.clock = clock;
    }

    /**
     * An ECR client with explicit timeouts on the URL-connection HTTP client; its endpoint follows the SDK's
     * own settings ({@code AWS_ENDPOINT_URL_ECR}), so a local stand-in needs no code here.
     */
    public static EcrApi create(
            Region region, AwsCredentialsProvider credentials, String registryId, RepositoryDefaults defaults) {
        return create(region, credentials, null, registryId, defaults);
    }

    /**
     * @param profile a named AWS profile whose settings ({@code endpoint_url} among them) the client follows, as
     *     the AWS CLI's {@code --profile} does; null for the SDK's default. The region stays {@code region}.
     */
    public static EcrApi create(
            Region region,
            AwsCredentialsProvider credentials,
            String profile,
            String registryId,
            RepositoryDefaults defaults) {
        EcrClient client = EcrClient.builder()
                .region(region)
                .credentialsProvider(credentials)
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(30)))
                .overrideConfiguration(config -> {
                    config.apiCallTimeout(Duration.ofMinutes(2));
                    if (profile != null) {
                        config.defaultProfileName(profile);
                    }
                })
                .build();
        return new EcrApi(client, registryId, defaults, Clock.systemUTC());
    }

    /**
     * Names whose credentials this client calls with (e.g. {@code source side, profile 'gov'}) in its error
     * messages, so a refusal says which side to fix. Never a key.
     */
    public EcrApi describedAs(String credentials) {
        this.credentialsDescription = credentials;
        return this;
    }

    public RepositoryDefaults defaults() {
        return defaults;
    }

    /** A current registry password, fetched again when it is within 30 minutes (or half its life) of expiry. */
    synchronized Authorization authorization() {
        Instant now = clock.instant();
        if (cached == null || !now.isBefore(refreshAt())) {
            cached = fetchAuthorization();
            cachedAt = now;
        }
        return cached;
    }

    @Override
    public PasswordSource.Password current() {
        Authorization authorization = authorization();
        return new PasswordSource.Password(authorization.user(), authorization.password());
    }

    /** The registry refused {@code password}: the next {@link #authorization()} fetches a new one. */
    @Override
    public synchronized void refused(String password) {
        if (cached != null && cached.password().equals(password)) {
            cached = null;
        }
    }

    private Instant refreshAt() {
        Duration life = Duration.between(cachedAt, cached.expiresAt());
        Duration margin = life.dividedBy(2).compareTo(REFRESH_MARGIN) < 0 ? life.dividedBy(2) : REFRESH_MARGIN;
        return cached.expiresAt().minus(margin);
    }

    private Authorization fetchAuthorization() {
        List<AuthorizationData> data;
        try {
            data = client.getAuthorizationToken(request -> {}).authorizationData();
        } catch (AwsServiceException e) {
            String code =
                    e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            String message = "ECR GetAuthorizationToken failed for " + describeRegistry() + ": "
                    + (code == null
                            ? e.getMessage()
                            : code + ": " + e.awsErrorDetails().errorMessage());
            if (code != null && REFUSED_CREDENTIALS.contains(code)) {
                message += "; these credentials are not this registry's: give this side credentials of the"
                        + " registry's own partition and account";
            }
            throw new ReplicatorException(message);
        } catch (SdkException e) {
            if (String.valueOf(e.getMessage()).startsWith(NO_CREDENTIALS)) {
                // The SDK lists every provider it tried, over a thousand characters; the fix fits on one line.
                throw new ReplicatorException("no AWS credentials found for " + describeRegistry() + ": give them"
                        + " through a profile (--src-profile/--dest-profile, or AWS_PROFILE), the environment"
                        + " (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) or a role (instance profile, container,"
                        + " web identity)");
            }
            throw new ReplicatorException(
                    "ECR GetAuthorizationToken failed for " + describeRegistry() + ": " + e.getMessage());
        }
        if (data.isEmpty()) {
            throw new ReplicatorException("ECR GetAuthorizationToken returned no authorization data");
        }
        String decoded =
                new String(Base64.getDecoder().decode(data.get(0).authorizationToken()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            throw new ReplicatorException("ECR GetAuthorizationToken returned a token that is not USER:PASSWORD");
        }
        Instant expiresAt = data.get(0).expiresAt() != null
                ? data.get(0).expiresAt()
                : clock.instant().plus(Duration.ofHours(12));
        return new Authorization(decoded.substring(0, colon), decoded.substring(colon + 1), expiresAt);
    }

    /**
     * The repository's tag mutability, creating the repository first when it is missing and creation is
     * enabled.
     *
     * @throws ReplicatorException naming the repository when it is missing and creation is disabled
     */
    public String ensureRepository(String repository) {
        // A sync or reconcile copies many tags of one repository through this one client: one
        // DescribeRepositories per repository, not one per tag (a backfill of 100,000 tags would make as many).
        String known = ensured.get(repository);
        if (known != null) {
            return known;
        }
        String mutability = ensureUncached(repository);
        ensured.put(repository, mutability);
        return mutability;
    }

    private String ensureUncached(String repository) {
        Optional<Repository> existing = describe(repository);
        if (existing.isPresent()) {
            return existing.get().imageTagMutabilityAsString();
        }
        if (!defaults.create()) {
            throw new ReplicatorException("destination repository '" + repository + "' does not exist in "
                    + describeRegistry() + ": create it, or enable repository creation ("
                    + BuildVariables.CREATE_REPOSITORIES + "=true)");
        }
        try {
            Repository created = client.createRepository(request -> request.registryId(registryId)
                            .repositoryName(repository)
                            .imageTagMutability(ImageTagMutability.fromValue(defaults.tagMutability()))
                            .imageScanningConfiguration(scan -> scan.scanOnPush(defaults.scanOnPush())))
                    .repository();
            return created.imageTagMutabilityAsString();
        } catch (RepositoryAlreadyExistsException e) {
            // Created concurrently by another replication of the same repository: use that one.
            return describe(repository)
                    .map(Repository::imageTagMutabilityAsString)
                    .orElseThrow(() -> new ReplicatorException("repository '" + repository + "' vanished"));
        } catch (SdkException e) {
            throw new ReplicatorException("ECR CreateRepository '" + repository + "' failed in " + describeRegistry()
                    + ": " + e.getMessage());
        }
    }

    public Optional<Repository> describe(String repository) {
        try {
            return client
                    .describeRepositories(
                            request -> request.registryId(registryId).repositoryNames(repository))
                    .repositories()
                    .stream()
                    .findFirst();
        } catch (RepositoryNotFoundException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw new ReplicatorException("ECR DescribeRepositories '" + repository + "' failed in "
                    + describeRegistry() + ": " + e.getMessage());
        }
    }

    /**
     * Every repository of the registry ({@code DescribeRepositories}), {@code pageSize} (1 to 1000) a page,
     * following {@code nextToken} to the end.
     */
    public List<String> listRepositories(int pageSize) {
        List<String> names = new ArrayList<>();
        String token = null;
        do {
            String next = token;
            DescribeRepositoriesResponse page;
            try {
                page = client.describeRepositories(request ->
                        request.registryId(registryId).maxResults(pageSize).nextToken(next));
            } catch (SdkException e) {
                throw new ReplicatorException(
                        "ECR DescribeRepositories failed in " + describeRegistry() + ": " + e.getMessage());
            }
            page.repositories().forEach(repository -> names.add(repository.repositoryName()));
            token = page.nextToken();
        } while (token != null && !token.isEmpty());
        return names;
    }

    /**
     * Every tag of the repository with the digest it names ({@code ListImages}, tagged images only), {@code
     * pageSize} (1 to 1000) a page, following {@code nextToken} to the end; empty when the repository does
     * not exist.
     */
    public Optional<Map<String, String>> listTags(String repository, int pageSize) {
        Map<String, String> tags = new TreeMap<>();
        String token = null;
        do {
            String next = token;
            ListImagesResponse page;
            try {
                page = client.listImages(request -> request.registryId(registryId)
                        .repositoryName(repository)
                        .filter(filter -> filter.tagStatus(TagStatus.TAGGED))
                        .maxResults(pageSize)
                        .nextToken(next));
            } catch (RepositoryNotFoundException e) {
                return Optional.empty();
            } catch (SdkException e) {
                throw new ReplicatorException(
                        "ECR ListImages '" + repository + "' failed in " + describeRegistry() + ": " + e.getMessage());
            }
            for (ImageIdentifier id : page.imageIds()) {
                if (id.imageTag() != null && id.imageDigest() != null) {
                    tags.put(id.imageTag(), id.imageDigest());
                }
            }
            token = page.nextToken();
        } while (token != null && !token.isEmpty());
        return Optional.of(tags);
    }

    /** Deletes a tag or a digest; a missing repository or image is reported as not deleted, not as an error. */
    public DeleteOutcome delete(String repository, String tag, String digest) {
        ImageIdentifier id =
                ImageIdentifier.builder().imageTag(tag).imageDigest(digest).build();
        BatchDeleteImageResponse response;
        try {
            response = client.batchDeleteImage(request ->
                    request.registryId(registryId).repositoryName(repository).imageIds(id));
        } catch (RepositoryNotFoundException e) {
            return new DeleteOutcome(
                    false, digest, "RepositoryNotFound", e.awsErrorDetails().errorMessage());
        } catch (SdkException e) {
            throw new ReplicatorException("ECR BatchDeleteImage in '" + repository + "' failed in " + describeRegistry()
                    + ": " + e.getMessage());
        }
        if (!response.imageIds().isEmpty()) {
            return new DeleteOutcome(true, response.imageIds().get(0).imageDigest(), null, null);
        }
        ImageFailure failure =
                response.failures().isEmpty() ? null : response.failures().get(0);
        if (failure == null) {
            return new DeleteOutcome(false, digest, "ImageNotFound", "nothing deleted");
        }
        return new DeleteOutcome(false, digest, failure.failureCodeAsString(), failure.failureReason());
    }

    private String describeRegistry() {
        String registry = registryId == null ? "the caller's ECR registry" : "ECR registry " + registryId;
        String credentials = credentialsDescription;
        return credentials == null ? registry : registry + " (" + credentials + ")";
    }

    @Override
    public void close() {
        client.close();
    }
}
