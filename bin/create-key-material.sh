#!/usr/bin/env bash
# Creates the KBS key material of a deployment, once, into a new directory (keep it out of version control):
#   kbs-ca.pem / kbs-ca.key            CA of the KBS HTTPS certificate (pod VMs pin kbs-ca.pem via initdata)
#   kbs-https.crt / kbs-https.key      KBS server certificate for the static IP (and 127.0.0.1 for port-forward)
#   token-signer-ca.pem / .key         CA of the attestation token signer (the KBS trusts tokens it vouches for)
#   token-signer.crt / .key            the signer (EC P-256, the only kind Trustee v0.21.0 accepts)
#   admin.key / admin-public.pem       the KBS administrator's Ed25519 key pair
# Only the public halves (*.pem) are read at synth (readKbsPublicMaterial), never the private keys.
# It prints the commands that upload the HTTPS and token signer keys into the model owner's Key Vault, where the
# Trustee VM (TrusteeVm) reads them: the cluster admin never gets them. --in-cluster-insecure prints the kubectl
# commands of the development-only in-cluster Trustee instead, which hand both keys to the cluster admin.
# Usage: KBS_IP=<the KBS static IP> [VAULT_NAME=<Key Vault>] cai-create-key-material [--in-cluster-insecure] <new directory>
#   VAULT_NAME   the TrusteeVm's keyVaultName, printed into the upload commands (a placeholder when unset)
#   NAMESPACE    the in-cluster Trustee's namespace, with --in-cluster-insecure only (default trustee)
# Needs openssl (1.1.1 or later).
set -euo pipefail
usage() {
  echo "usage: KBS_IP=<the KBS static IP> [VAULT_NAME=<Key Vault>] cai-create-key-material [--in-cluster-insecure] <new directory>" >&2
  exit 2
}
in_cluster=false
dir=
for arg in "$@"; do
  case "$arg" in
    --in-cluster-insecure) in_cluster=true ;;
    -*) usage ;;
    *) if [ -n "$dir" ]; then usage; fi; dir=$arg ;;
  esac
done
[ -n "$dir" ] || usage
# No default: the HTTPS certificate names this address, and every pod VM pins it.
if [ -z "${KBS_IP:-}" ]; then
  echo "KBS_IP is required: the KBS's static address (the TrusteeVm or Trustee staticIp), which the HTTPS certificate names" >&2
  exit 2
fi
NAMESPACE=${NAMESPACE:-trustee}
VAULT_NAME=${VAULT_NAME:-}
if ! [[ "$KBS_IP" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]]; then
  echo "KBS_IP must be the IPv4 address of the KBS (the TrusteeVm or Trustee staticIp), not \"$KBS_IP\"" >&2
  exit 2
fi
# The name goes into printed commands: accept Key Vault names only.
# The same rule as isKeyVaultName (src/attestation/key-vault-names.ts).
if [ -n "$VAULT_NAME" ] && { ! [[ "$VAULT_NAME" =~ ^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$ ]] || [[ "$VAULT_NAME" == *--* ]]; }; then
  echo "VAULT_NAME must be a Key Vault name (the TrusteeVm keyVaultName: 3-24 letters, digits and single \"-\"), not \"$VAULT_NAME\"" >&2
  exit 2
fi
if [ -e "$dir" ]; then
  echo "$dir exists; remove it first to create new material (the KBS and every workload pin the old CA)" >&2
  exit 1
fi
mkdir -p "$dir"
chmod 700 "$dir"
out="$(cd "$dir" && pwd)"
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

# The Key Vault secret names the Trustee VM reads (TRUSTEE_VM_SECRETS in src/kbs/trustee-vm-secrets.ts; a test keeps them equal); --output none keeps
# the CLI from echoing each secret, value included, back into the terminal.
if [ "$in_cluster" = false ]; then
  vault=${VAULT_NAME:-<key-vault-name>}
  cat <<MSG
Key material written to $out.
Upload the KBS private keys and certificates into the model owner's Key Vault (the TrusteeVm's keyVaultName),
from an address its firewall admits; the Trustee VM reads them at boot with its managed identity:

  az keyvault secret set --vault-name $vault --name kbs-https-key --file "$out/kbs-https.key" --output none
  az keyvault secret set --vault-name $vault --name kbs-https-cert --file "$out/kbs-https.crt" --output none
  az keyvault secret set --vault-name $vault --name kbs-token-signer-key --file "$out/token-signer.key" --output none
  az keyvault secret set --vault-name $vault --name kbs-token-signer-chain --file "$out/token-signer-chain.pem" --output none
MSG
  if [ -z "$VAULT_NAME" ]; then echo "(<key-vault-name> is a placeholder: run with VAULT_NAME=<the TrusteeVm keyVaultName> to print it.)"; fi
  cat <<MSG

Then keep every *.key file offline, off the machines that run Terraform or reach the cluster: the Key Vault holds
the only online copies of kbs-https.key and token-signer.key; kbs-ca.key and token-signer-ca.key issue new
certificates; admin.key signs KBS admin tokens. Never put any of them into a Kubernetes Secret: the cluster admin
can read every Secret, and with the token signer key forge the attestation tokens the KBS trusts.

Synth reads kbs-ca.pem, token-signer-ca.pem and admin-public.pem (readKbsPublicMaterial('$out')).
An admin token for kbs-client: cai-mint-admin-token "$out/admin.key" > admin-token.jwt
MSG
else
  cat <<MSG
Key material written to $out.

DEVELOPMENT ONLY (--in-cluster-insecure): the commands below put the KBS HTTPS key and the attestation token
signer key into Kubernetes Secrets for the in-cluster Trustee. The cluster admin then holds the keys: they can
read every Secret, impersonate the KBS and sign attestation tokens it accepts, so they receive every key the KBS
releases. Never use this placement, or this material, with the model owner's real keys; for those, create new
material without --in-cluster-insecure and upload it to the TrusteeVm's Key Vault.

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
fi
