#!/usr/bin/env bash
# Makes the injector's TLS material with openssl, and the two manifests that carry it, in OUT:
#   ca.crt, ca.key               a CA of its own (10 years); keep ca.key to renew, or delete it
#   tls.crt, tls.key             the injector's certificate for tandem-injector.tandem-system.svc (825 days), its key
#                                in PKCS#8 as `tandem injector --key` reads it
#   tandem-injector-tls.yaml     the Secret (kubernetes.io/tls) the injector's Deployment mounts
#   webhook.yaml                 kubernetes/webhook.yaml with caBundle set to ca.crt, which the API server trusts
# Usage: kubernetes/webhook-certs.sh OUT. To renew: run it again, apply both files, restart the injector.
# Portable: OpenSSL 1.1.1 or later (-addext) or a LibreSSL that has -addext, GNU or BSD base64 (macOS).
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 OUT" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
out=$1
service=tandem-injector
namespace=tandem-system
dns=$service.$namespace.svc
mkdir -p "$out"

# -nodes (no passphrase on the keys): OpenSSL 3 calls it -noenc but still takes -nodes; 1.1 knows only -nodes.
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=tandem-injector-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$out/ca.key" -out "$out/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=$dns" -keyout "$out/tls.key" -out "$out/tls.csr" 2>/dev/null
# PKCS#8, as `tandem injector --key` reads it, whichever openssl (and default key format) made it.
openssl pkcs8 -topk8 -nocrypt -in "$out/tls.key" -out "$out/tls.key.pk8" && mv "$out/tls.key.pk8" "$out/tls.key"
# The API server checks the name it dialled, <service>.<namespace>.svc, against the certificate's DNS names.
openssl x509 -req -in "$out/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial -days 825 \
    -extfile <(printf '%s\n' "subjectAltName=DNS:$dns,DNS:$dns.cluster.local" "extendedKeyUsage=serverAuth" \
        "keyUsage=critical,digitalSignature,keyEncipherment" "basicConstraints=critical,CA:FALSE") \
    -out "$out/tls.crt" 2>/dev/null
rm -f "$out/tls.csr" "$out/ca.srl"
chmod 600 "$out/ca.key" "$out/tls.key"

# One line of base64: GNU's -w0 is not BSD's, so drop the newlines either wraps with.
b64() {
    base64 <"$1" | tr -d '\n'
}

cat >"$out/tandem-injector-tls.yaml" <<SECRET
apiVersion: v1
kind: Secret
metadata:
  name: $service-tls
  namespace: $namespace
type: kubernetes.io/tls
data:
  tls.crt: $(b64 "$out/tls.crt")
  tls.key: $(b64 "$out/tls.key")
SECRET
sed "s|caBundle: CA_BUNDLE|caBundle: $(b64 "$out/ca.crt")|" "$here/webhook.yaml" >"$out/webhook.yaml"
echo "webhook-certs: wrote $out/{ca.crt,ca.key,tls.crt,tls.key,tandem-injector-tls.yaml,webhook.yaml}"
