package org.ecrreplicator.engines;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Signs registry bearer tokens (JWT, RS256) the way a distribution token server does, with a key whose
 * self-signed certificate the registry trusts through {@code auth.token.rootcertbundle}.
 */
public final class TokenIssuer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String issuer;
    private final KeyPair keyPair;
    private final X509Certificate certificate;

    private TokenIssuer(String issuer, KeyPair keyPair, X509Certificate certificate) {
        this.issuer = issuer;
        this.keyPair = keyPair;
        this.certificate = certificate;
    }

    /** One access grant: {@code repository:team/app:pull,push}. */
    public record Access(String type, String name, List<String> actions) {
        public static Access repository(String name, String... actions) {
            return new Access("repository", name, List.of(actions));
        }
    }

    public static TokenIssuer create(String issuer) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair keyPair = generator.generateKeyPair();
            Instant now = Instant.now();
            X500Name name = new X500Name("CN=" + issuer);
            var builder = new JcaX509v3CertificateBuilder(
                    name,
                    BigInteger.valueOf(now.toEpochMilli()),
                    Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(2))),
                    name,
                    keyPair.getPublic());
            var signer = new JcaContentSignerBuilder("SHA256withRSA").build(keyPair.getPrivate());
            X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
            return new TokenIssuer(issuer, keyPair, certificate);
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException("cannot create the test token key", e);
        }
    }

    public String issuer() {
        return issuer;
    }

    public String certificatePem() {
        try {
            String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(certificate.getEncoded());
            return "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path writeRootCertBundle(Path file) {
        try {
            Files.writeString(file, certificatePem());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String token(String service, String subject, Duration ttl, List<Access> access) {
        try {
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("typ", "JWT");
            header.put("alg", "RS256");
            header.put("x5c", List.of(Base64.getEncoder().encodeToString(certificate.getEncoded())));
            Instant now = Instant.now();
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("iss", issuer);
            claims.put("sub", subject);
            claims.put("aud", service);
            claims.put("exp", now.plus(ttl).getEpochSecond());
            claims.put("nbf", now.minusSeconds(60).getEpochSecond());
            claims.put("iat", now.getEpochSecond());
            claims.put("jti", UUID.randomUUID().toString());
            claims.put("access", access);
            Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
            String signingInput = url.encodeToString(JSON.writeValueAsBytes(header)) + "."
                    + url.encodeToString(JSON.writeValueAsBytes(claims));
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(keyPair.getPrivate());
            signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + url.encodeToString(signature.sign());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot sign a test token", e);
        }
    }
}
