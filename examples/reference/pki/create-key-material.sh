#!/usr/bin/env bash
# Creates the key material of the reference deployment, once, into examples/reference/.secrets (git-ignored):
#   kbs-ca.pem / kbs-ca.key            CA of the KBS HTTPS certificate (pod VMs pin kbs-ca.pem via initdata)
#   kbs-https.crt / kbs-https.key      KBS server certificate for the static IP (and 127.0.0.1 for port-forward)
#   token-signer-ca.pem / .key         CA of the attestation token signer (the KBS trusts tokens it vouches for)
#   token-signer.crt / .key            the signer (EC P-256, the only kind Trustee v0.21.0 accepts)
#   admin.key / admin-public.pem       the KBS administrator's Ed25519 key pair
# Only the public halves (*.pem) are read by `npm run synth`; the private keys go into Kubernetes Secrets with
# the kubectl commands printed at the end, and never into Terraform.
# Usage: KBS_IP=10.224.0.250 bash examples/reference/pki/create-key-material.sh
set -euo pipefail
KBS_IP=${KBS_IP:-10.224.0.250}
NAMESPACE=${NAMESPACE:-trustee}
out="$(cd "$(dirname "$0")/.." && pwd)/.secrets"
if [ -e "$out" ]; then
  echo "$out exists; remove it first to create new material" >&2
  exit 1
fi
mkdir -p "$out"
chmod 700 "$out"
cd "$out"
umask 077

ca() { # name subject
  openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"
  openssl req -x509 -new -key "$1.key" -sha256 -days 3650 -subj "$2" -out "$1.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() { # name ca subject extensions
  openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"
  openssl req -new -key "$1.key" -subj "$3" -out "$1.csr"
  printf '%b' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 825 -sha256 -extfile "$1.ext" -out "$1.crt"
  rm -f "$1.csr" "$1.ext" "$2.srl"
}

ca kbs-ca "/CN=confidential-ai KBS CA"
leaf kbs-https kbs-ca "/CN=kbs" "subjectAltName=IP:${KBS_IP},IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n"
ca token-signer-ca "/CN=confidential-ai attestation token CA"
leaf token-signer token-signer-ca "/CN=confidential-ai attestation token signer" "keyUsage=digitalSignature\nbasicConstraints=CA:FALSE\n"
cat token-signer.crt token-signer-ca.pem > token-signer-chain.pem
openssl genpkey -algorithm ed25519 -out admin.key
openssl pkey -in admin.key -pubout -out admin-public.pem
chmod 644 ./*.pem

cat <<MSG
Key material written to $out (git-ignored). Keep the *.key files offline after creating the Secrets.
Create the Kubernetes Secrets after 'cdktf deploy cluster' has created the $NAMESPACE namespace
(the KBS pod waits for them):

  kubectl -n $NAMESPACE create secret tls kbs-https --cert="$out/kbs-https.crt" --key="$out/kbs-https.key"
  kubectl -n $NAMESPACE create secret tls kbs-token-signer --cert="$out/token-signer-chain.pem" --key="$out/token-signer.key"

  kubectl -n $NAMESPACE rollout status deploy/kbs

'npm run synth' uses kbs-ca.pem, token-signer-ca.pem and admin-public.pem from this folder.
An admin token for kbs-client: node examples/reference/pki/mint-admin-token.mjs > admin-token.jwt
MSG
