#!/usr/bin/env bash
# Creates the KBS key material of a deployment, once, into a new directory (keep it out of version control):
#   kbs-ca.pem / kbs-ca.key            CA of the KBS HTTPS certificate (pod VMs pin kbs-ca.pem via initdata)
#   kbs-https.crt / kbs-https.key      KBS server certificate for the static IP (and 127.0.0.1 for port-forward)
#   token-signer-ca.pem / .key         CA of the attestation token signer (the KBS trusts tokens it vouches for)
#   token-signer.crt / .key            the signer (EC P-256, the only kind Trustee v0.21.0 accepts)
#   admin.key / admin-public.pem       the KBS administrator's Ed25519 key pair
# Only the public halves (*.pem) are read at synth (readKbsPublicMaterial); the private keys go into Kubernetes
# Secrets with the kubectl commands printed at the end, and never into Terraform.
# Usage: KBS_IP=<the Trustee staticIp> [NAMESPACE=trustee] cai-create-key-material <new directory>
# Needs openssl (1.1.1 or later).
set -euo pipefail
if [ $# -ne 1 ] || [ "${1#-}" != "$1" ]; then
  echo "usage: KBS_IP=<the Trustee staticIp> [NAMESPACE=trustee] cai-create-key-material <new directory>" >&2
  exit 2
fi
KBS_IP=${KBS_IP:-10.224.0.250}
NAMESPACE=${NAMESPACE:-trustee}
if ! [[ "$KBS_IP" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]]; then
  echo "KBS_IP must be the IPv4 address of the KBS (the Trustee staticIp), not \"$KBS_IP\"" >&2
  exit 2
fi
if [ -e "$1" ]; then
  echo "$1 exists; remove it first to create new material (the KBS and every workload pin the old CA)" >&2
  exit 1
fi
mkdir -p "$1"
chmod 700 "$1"
out="$(cd "$1" && pwd)"
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
Key material written to $out. Keep the *.key files offline after creating the Secrets.
Create the Kubernetes Secrets after 'cdktf deploy cluster' has created the $NAMESPACE namespace
(the KBS pod waits for them):

  kubectl -n $NAMESPACE create secret tls kbs-https --cert="$out/kbs-https.crt" --key="$out/kbs-https.key"
  kubectl -n $NAMESPACE create secret tls kbs-token-signer --cert="$out/token-signer-chain.pem" --key="$out/token-signer.key"

  kubectl -n $NAMESPACE rollout status deploy/kbs

Synth reads kbs-ca.pem, token-signer-ca.pem and admin-public.pem (readKbsPublicMaterial('$out')).
An admin token for kbs-client: cai-mint-admin-token "$out/admin.key" > admin-token.jwt
(ExternalKbs and the in-cluster Trustee only: a TrusteeVm has no admin API; upload its keys and resources into its
Key Vault with the commands uploadKeyMaterialCommands and setResourceCommand print.)
MSG
