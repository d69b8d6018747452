#!/usr/bin/env bash
# Creates the workload CA of a deployment and one TLS identity per confidential workload, for the TLS proxies
# that terminate traffic inside the pod VMs:
#   ca.pem / ca.key                   the workload CA (EC P-256); ca.key stays offline
#   <workload>.crt / <workload>.key   the workload's certificate (CN = workload, SAN = its DNS names; server and
#                                     client auth) and private key, which becomes a KBS resource bound to that
#                                     workload alone and never enters Terraform
#   users/ca.pem / users/ca.key       the model users' CA, a CA of its own (servers with tls.users admit it on a
#                                     listener of their own; the workload listeners never trust it)
#   users/<user>.crt / users/<user>.key   a model user's client certificate (CN = user; client auth only)
# An existing directory keeps its CAs: new workloads and users are added; an existing identity is never overwritten.
# Usage: cai-create-workload-certs <directory> <workload>=<dns name>[,<dns name>...] | user:<name> [...]
#   e.g. cai-create-workload-certs .workload-tls key-manager=key-manager.confidential-ai.svc.cluster.local user:alice
# Needs openssl (1.1.1 or later).
set -euo pipefail
usage() {
  echo "usage: cai-create-workload-certs <directory> <workload>=<dns name>[,<dns name>...] | user:<name> [...]" >&2
  exit 2
}
[ $# -ge 2 ] || usage
dir=$1
shift
for spec in "$@"; do
  if [[ "$spec" == user:* ]]; then
    if ! [[ "${spec#user:}" =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]]; then
      echo "\"$spec\" is not user:<name> (lowercase letters, digits, \"-\" and \".\")" >&2
      exit 2
    fi
    if [ -e "$dir/users/${spec#user:}.key" ]; then
      echo "$dir/users/${spec#user:}.key exists; a user identity is never overwritten (remove it to issue a new one)" >&2
      exit 1
    fi
    continue
  fi
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
ca() { # directory subject
  if [ ! -e "$1/ca.key" ]; then
    mkdir -p "$1"
    openssl ecparam -name prime256v1 -genkey -noout -out "$1/ca.key"
    openssl req -x509 -new -key "$1/ca.key" -sha256 -days 3650 -subj "$2" -out "$1/ca.pem" \
      -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  fi
}
# Issues <directory>/<name>.crt and .key from the CA in <directory>: CN = name, an EC P-256 key, the extensions
# given (one per line) besides a leaf's key usage and constraints.
issue() { # directory name extensions
  openssl ecparam -name prime256v1 -genkey -noout -out "$1/$2.key"
  openssl req -new -key "$1/$2.key" -subj "/CN=$2" -out "$1/$2.csr" 2>/dev/null
  printf '%s\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n' "$3" > "$1/$2.ext"
  openssl x509 -req -in "$1/$2.csr" -CA "$1/ca.pem" -CAkey "$1/ca.key" -CAcreateserial -days 825 -sha256 \
    -extfile "$1/$2.ext" -out "$1/$2.crt" 2>/dev/null
  rm -f "$1/$2.csr" "$1/$2.ext" "$1/ca.srl"
}
ca . "/CN=confidential-ai workload CA"
for spec in "$@"; do
  [[ "$spec" == user:* ]] || continue
  name=${spec#user:}
  ca users "/CN=confidential-ai model users CA"
  issue users "$name" 'extendedKeyUsage=clientAuth'
  chmod 644 users/ca.pem "users/$name.crt"
  echo "$PWD/users/$name.crt and $name.key: the model user's client certificate (give both to the user, and only to them)"
done
for spec in "$@"; do
  [[ "$spec" == user:* ]] && continue
  name=${spec%%=*}
  dns=${spec#*=}
  san=$(printf 'DNS:%s,' ${dns//,/ })
  issue . "$name" "subjectAltName=${san%,}"$'\n''extendedKeyUsage=serverAuth,clientAuth'
  echo "$PWD/$name.crt and $name.key (push the key to the KBS with the command the workload prints; keep it offline)"
done
chmod 644 ./*.pem
for crt in ./*.crt; do [ -e "$crt" ] && chmod 644 "$crt"; done
