#!/bin/sh
# Entry point of the registry container: checks its settings, renders the configuration template,
# creates the TLS certificate the load balancer talks to, then replaces itself with the registry.
#
# Settings (environment):
#   NOTIFICATION_AUTH      required, secret: the notification_auth key of the Secrets Manager secret
#                          (the ECS task injects only that key). Sent as "Authorization: Basic <value>".
#   NOTIFICATION_AUTH_SECRET_NAME  optional: the secret's name, only used in the error message.
#   NOTIFICATION_URL       required: the endpoint that receives registry events.
#   TOKEN_REALM, TOKEN_SERVICE, TOKEN_ISSUER, TOKEN_ROOTCERTBUNDLE   required: bearer-token auth.
#   S3_REGION, S3_BUCKET   required: the storage bucket.
#   HTTP_ADDR              optional, default ":5000".
#   REGISTRY_BIN           optional, default /bin/registry (the image's binary); run as "$REGISTRY_BIN serve <config>".
#   REGISTRY_CONFIG        optional, default /etc/docker/registry/config.yml (the image's template).
#   REGISTRY_RUN_DIR       optional, default /tmp/registry: where the rendered config and the TLS key go.
#
# Values are copied byte for byte: awk reads them from ENVIRON and splices them in with index/substr,
# so '/', '&', '\', '=', quotes and spaces are never interpreted (sed or gsub would treat & and \ as
# special, eval would run them). Every placeholder sits inside a YAML single-quoted scalar, where the
# only escape is '' for ', which the renderer applies.
set -eu

REGISTRY_BIN="${REGISTRY_BIN:-/bin/registry}"
REGISTRY_CONFIG="${REGISTRY_CONFIG:-/etc/docker/registry/config.yml}"
REGISTRY_RUN_DIR="${REGISTRY_RUN_DIR:-/tmp/registry}"
HTTP_ADDR="${HTTP_ADDR:-:5000}"

fail() {
    echo "start.sh: $*" >&2
    exit 1
}

if [ -z "${NOTIFICATION_AUTH:-}" ]; then
    fail "NOTIFICATION_AUTH is unset or empty: it comes from the key notification_auth of the Secrets Manager" \
        "secret ${NOTIFICATION_AUTH_SECRET_NAME:-registry-<env>-DockerFargateStack/<env>/ecs}." \
        "Add the key notification_auth (the Base64 Basic credentials of the notification listener) to that" \
        "secret and restart the task; see docs/registry.md."
fi

require() {
    [ -n "$2" ] || fail "$1 is unset or empty: the task definition sets it from the cdk.json registry settings."
}
require NOTIFICATION_URL "${NOTIFICATION_URL:-}"
require TOKEN_REALM "${TOKEN_REALM:-}"
require TOKEN_SERVICE "${TOKEN_SERVICE:-}"
require TOKEN_ISSUER "${TOKEN_ISSUER:-}"
require TOKEN_ROOTCERTBUNDLE "${TOKEN_ROOTCERTBUNDLE:-}"
require S3_REGION "${S3_REGION:-}"
require S3_BUCKET "${S3_BUCKET:-}"

[ -r "$REGISTRY_CONFIG" ] || fail "REGISTRY_CONFIG $REGISTRY_CONFIG is not a readable file."
[ -r "$TOKEN_ROOTCERTBUNDLE" ] || fail "TOKEN_ROOTCERTBUNDLE $TOKEN_ROOTCERTBUNDLE is not a readable file."
command -v "$REGISTRY_BIN" >/dev/null 2>&1 || fail "REGISTRY_BIN $REGISTRY_BIN is not an executable."

umask 077
mkdir -p "$REGISTRY_RUN_DIR/tls"
TLS_CERTIFICATE="$REGISTRY_RUN_DIR/tls/cert.pem"
TLS_KEY="$REGISTRY_RUN_DIR/tls/key.pem"
# A fresh key at every start, never in the image or the repository. The load balancer does not verify
# target certificates; the SANs let a loopback client verify it in tests.
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 825 -subj "/CN=registry" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$TLS_KEY" -out "$TLS_CERTIFICATE" >/dev/null 2>&1 ||
    fail "openssl could not create the TLS certificate in $REGISTRY_RUN_DIR/tls."
export HTTP_ADDR TLS_CERTIFICATE TLS_KEY

rendered="$REGISTRY_RUN_DIR/config.yml"
awk '
    BEGIN {
        split("NOTIFICATION_AUTH NOTIFICATION_URL TOKEN_REALM TOKEN_SERVICE TOKEN_ISSUER TOKEN_ROOTCERTBUNDLE " \
              "S3_REGION S3_BUCKET HTTP_ADDR TLS_CERTIFICATE TLS_KEY", names, " ")
        for (i in names) {
            value = ENVIRON[names[i]]
            if (index(value, "\n") || index(value, "\r")) {
                printf "start.sh: %s contains a line break, which a YAML scalar and an HTTP header cannot carry.\n", names[i] > "/dev/stderr"
                failed = 1
                exit 1
            }
            quoted = ""
            while ((at = index(value, "\047")) > 0) {
                quoted = quoted substr(value, 1, at) "\047"
                value = substr(value, at + 1)
            }
            replacement[names[i]] = quoted value
        }
    }
    {
        line = $0
        out = ""
        while ((start = index(line, "${")) > 0) {
            rest = substr(line, start + 2)
            end = index(rest, "}")
            key = end > 0 ? substr(rest, 1, end - 1) : ""
            if (!(key in replacement)) {
                out = out substr(line, 1, start + 1)
                line = rest
                continue
            }
            out = out substr(line, 1, start - 1) replacement[key]
            line = substr(rest, end + 1)
        }
        print out line
    }
' "$REGISTRY_CONFIG" >"$rendered" || fail "could not render $REGISTRY_CONFIG into $rendered."

# The registry treats every REGISTRY_* variable as a configuration override; these are ours, not its.
unset NOTIFICATION_AUTH REGISTRY_CONFIG REGISTRY_RUN_DIR
bin="$REGISTRY_BIN"
unset REGISTRY_BIN
exec "$bin" serve "$rendered"
