#!/usr/bin/env bash
# Creates the workload CA of a deployment and one TLS identity per confidential workload, for the TLS proxies
# that terminate traffic inside the pod VMs:
#   ca.pem / ca.key                   the workload CA (EC P-256); ca.key stays offline
#   <workload>.crt / <workload>.key   the workload's certificate (CN = workload, SAN = its DNS names; server and
#                                     client auth) and private key, which becomes a KBS resource bound to that
#                                     workload alone and never enters Terraform
# An existing directory keeps its CA: new workloads are added to it; an existing workload is never overwritten.
# Usage: cai-create-workload-certs <directory> <workload>=<dns name>[,<dns name>...] [...]
#   e.g. cai-create-workload-certs .workload-tls key-manager=key-manager.confidential-ai.svc.cluster.local
# Needs openssl (1.1.1 or later).
set -euo pipefail
usage() {
  echo "usage: cai-create-workload-certs <directory> <workload>=<dns name>[,<dns name>...] [...]" >&2
  exit 2
}
[ $# -ge 2 ] || usage
dir=$1
shift
for spec in "$@"; do
  if ! [[ "$spec" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?=[a-z0-9.-]+(,[a-z0-9.-]+)*$ ]]; then
    echo "\"$spec\" is not <workload>=<dns name>[,<dns name>...] (a Kubernetes name, then lowercase DNS names)" >&2
    exit 2
  fi
  if [ -e "$dir/${spec%%=*}.key" ]; then
    echo "$dir/${spec%%=*}.key exists; a workload identity is never overwritten (remove it to issue a new one)" >&2
    exit 1
  fi
done
mkdir -p "$dir"
chmod 700 "$dir"
cd "$dir"
umask 077
if [ ! -e ca.key ]; then
  openssl ecparam -name prime256v1 -genkey -noout -out ca.key
  openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=confidential-ai workload CA" -out ca.pem \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
fi
for spec in "$@"; do
  name=${spec%%=*}
  dns=${spec#*=}
  san=$(printf 'DNS:%s,' ${dns//,/ })
  openssl ecparam -name prime256v1 -genkey -noout -out "$name.key"
  openssl req -new -key "$name.key" -subj "/CN=$name" -out "$name.csr" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n' "${san%,}" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 -sha256 -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext" ca.srl
  echo "$PWD/$name.crt and $name.key (push the key to the KBS with the command the workload prints; keep it offline)"
done
chmod 644 ./*.pem ./*.crt
