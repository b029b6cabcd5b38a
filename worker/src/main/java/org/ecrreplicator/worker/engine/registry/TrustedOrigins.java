package org.ecrreplicator.worker.engine.registry;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Where a registry's credentials may go besides the registry itself: the token realm its challenge names
 * and the upload location its answers name. Both come from the registry's answers, so a hostile or broken
 * registry could otherwise send the worker's credentials anywhere. Allowed: the registry's own host; over
 * HTTPS, a host in the registry's own domain (see {@link #sameDomain}); a host the operator trusts by name
 * ({@value #ENVIRONMENT}); plain HTTP only to a loopback host, and only when the registry itself is reached
 * insecurely (local test setups). docs/decisions/0070-untrusted-registries.md.
 */
public final class TrustedOrigins {
    /** Comma-separated host names trusted as token realms and upload locations for every registry. */
    public static final String ENVIRONMENT = "REPLICATOR_TRUSTED_REALMS";

    private static final Pattern ECR_HOST =
            Pattern.compile("[0-9]{12}\\.dkr\\.ecr(-fips)?\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?");
    /**
     * Parent domains shared by hosts of different owners: a sibling there is no sign of the same owner
     * (anyone can serve HTTPS on {@code *.execute-api.<region>.amazonaws.com} or {@code *.github.io}).
     */
    private static final Set<String> SHARED_PARENTS = Set.of(
            "amazonaws.com",
            "amazonaws.com.cn",
            "cloudfront.net",
            "github.io",
            "herokuapp.com",
            "appspot.com",
            "azurewebsites.net",
            "azurecr.io",
            "pages.dev",
            "workers.dev",
            "vercel.app",
            "netlify.app");

    private static final Pattern IP_ADDRESS = Pattern.compile("[0-9.]+|\\[?[0-9a-fA-F:]+]?");

    private final Set<String> trusted;

    public TrustedOrigins(Set<String> trusted) {
        this.trusted = trusted.stream()
                .map(host -> host.trim().toLowerCase(Locale.ROOT))
                .filter(host -> !host.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
    }

    public static TrustedOrigins none() {
        return new TrustedOrigins(Set.of());
    }

    /** The hosts named in {@value #ENVIRONMENT}, if any. */
    public static TrustedOrigins fromEnvironment() {
        String value = System.getenv(ENVIRONMENT);
        return value == null ? none() : new TrustedOrigins(Set.copyOf(Arrays.asList(value.split(","))));
    }

    /** An ECR registry host: {@code <account>.dkr.ecr.<region>.amazonaws.com} (or {@code .com.cn}). */
    public static boolean isEcrHost(String authority) {
        return ECR_HOST.matcher(host(authority)).matches();
    }

    /**
     * {@code --insecure} for this registry would send ECR credentials over the network in the clear: an ECR
     * host, unless every address it resolves to is loopback (a local ECR stand-in named through a hosts
     * file: plain HTTP that never leaves the machine). Resolves the name only for ECR hosts.
     */
    public static boolean insecureEcr(String authority) {
        if (!isEcrHost(authority)) {
            return false;
        }
        try {
            for (InetAddress address : InetAddress.getAllByName(host(authority))) {
                if (!address.isLoopbackAddress()) {
                    return true;
                }
            }
            return false;
        } catch (UnknownHostException e) {
            return true;
        }
    }

    /**
     * Why credentials of the registry at {@code registryAuthority} must not go to {@code target}, in words
     * for an error message, or null when they may.
     *
     * @param insecure the registry is reached over plain HTTP (local registries)
     */
    String refusal(URI target, String registryAuthority, boolean insecure) {
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        String host = target.getHost() == null ? "" : target.getHost().toLowerCase(Locale.ROOT);
        String registryHost = host(registryAuthority);
        boolean ownHost = host.equals(registryHost);
        boolean trustedHost = trusted.contains(host);
        if (scheme.equals("https")) {
            return ownHost || trustedHost || sameDomain(registryHost, host) ? null : notOurs(host);
        }
        if (scheme.equals("http")) {
            if (!insecure || !isLoopback(host)) {
                return "is plain HTTP: credentials go over HTTPS only (plain HTTP only to a loopback host, with"
                        + " --insecure)";
            }
            return ownHost || trustedHost ? null : notOurs(host);
        }
        return "is neither HTTPS nor HTTP";
    }

    private static String notOurs(String host) {
        return "is neither on the registry's host nor in its domain: if it is genuine, trust it with " + ENVIRONMENT
                + "=" + host;
    }

    /**
     * {@code other} is {@code registry}, under it, or a sibling under the registry's parent domain (the
     * registry's host without its first label: {@code auth.docker.io} for {@code registry-1.docker.io}), as
     * long as that parent is no shared suffix: at least two labels, not a country's second level ({@code
     * co.uk}, {@code com.cn}), not a domain where anyone can have a host ({@link #SHARED_PARENTS}). IP
     * addresses have no domain.
     */
    static boolean sameDomain(String registry, String other) {
        if (registry.isEmpty() || other.isEmpty()) {
            return false;
        }
        if (registry.equals(other)) {
            return true;
        }
        if (IP_ADDRESS.matcher(registry).matches() || IP_ADDRESS.matcher(other).matches()) {
            return false;
        }
        if (other.endsWith("." + registry)) {
            return true;
        }
        int dot = registry.indexOf('.');
        if (dot < 0) {
            return false;
        }
        String parent = registry.substring(dot + 1);
        String[] labels = parent.split("\\.");
        boolean countrySecondLevel = labels.length == 2 && labels[1].length() == 2 && labels[0].length() <= 3;
        if (labels.length < 2 || countrySecondLevel || SHARED_PARENTS.contains(parent)) {
            return false;
        }
        return other.endsWith("." + parent);
    }

    static boolean isLoopback(String host) {
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return bare.equals("localhost") || bare.startsWith("127.") || bare.equals("::1");
    }

    /** The host of {@code host[:port]} (or {@code [v6]:port}), lower case. */
    static String host(String authority) {
        String value = authority.toLowerCase(Locale.ROOT);
        if (value.startsWith("[")) {
            int close = value.indexOf(']');
            return close < 0 ? value : value.substring(0, close + 1);
        }
        int colon = value.lastIndexOf(':');
        return colon < 0 ? value : value.substring(0, colon);
    }

    /** {@code scheme://authority} of a URI: what a message may name without its path or query. */
    static String origin(URI uri) {
        return uri.getScheme() + "://" + uri.getRawAuthority();
    }
}
