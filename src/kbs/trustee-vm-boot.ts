import { gzipSync } from 'node:zlib';
import { KbsState } from '../attestation/kbs-state';
import { kbsLocalFsLayout, KBS_NAMESPACES } from '../attestation/storage-layout';
import { KBS_AUDIT_CURSOR, KBS_AUDIT_SHIP_SCRIPT } from './trustee-vm-audit-script';
import { TRUSTEE_VM_SECRETS, trusteeVmResourceSecrets } from './trustee-vm-secrets';

/**
 * The KBS's log filter. Trustee v0.21.0 logs at `info` every request with the client address, the path and the status
 * (actix's Logger, kbs/src/api_server.rs:169: a 200 on /kbs/v0/resource/... is a release, a 401 a refusal), every
 * resource request of a session (kbs/src/attestation/backend.rs:454), each refusal with its reason at `error`
 * (PolicyDeny, kbs/src/error.rs:132), and each verified evidence at `info` (attestation-service/src/lib.rs:253); the
 * claims of each attestation, PCR 8 included, only at `debug` (lib.rs:259), hence `attestation_service=debug`.
 * Nothing at those levels logs a key or a resource.
 */
const KBS_LOG_FILTER = 'info,attestation_service=debug';

/** Where the Trustee VM keeps things. */
export const TRUSTEE_VM_PATHS = {
  /** Public configuration from the VM's custom data (kbs-config.toml, token signer CA, sync.env). */
  config: '/etc/kbs',
  /** Private keys fetched from Key Vault at boot: under /run, a tmpfs, never on disk. */
  secrets: '/run/kbs',
  /** The KBS LocalFs storage (policies, reference values, resources), on the confidential OS disk. */
  storage: '/var/lib/kbs/storage',
  /** The sync script. */
  sync: '/usr/local/sbin/kbs-sync',
  /** The audit shipper. */
  auditShip: '/usr/local/sbin/kbs-audit-ship',
} as const;

/** The state document the VM places into its storage (`kbs-state`, gzip and base64). */
export interface TrusteeVmStateDocument {
  /** Storage-relative LocalFs path -> content. */
  readonly files: Readonly<Record<string, string>>;
  /**
   * Storage directories the state owns entirely: a file it lists neither in `files` nor in `resources` is removed (a
   * dropped workload's PCR 8, a resource no longer declared).
   */
  readonly owned_dirs: readonly string[];
  /**
   * Every resource, read from its Key Vault secret and placed at its LocalFs path. A secret that does not exist (not
   * uploaded yet, or deleted) removes the file: the KBS no longer serves that resource.
   */
  readonly resources: ReadonlyArray<{ readonly file: string; readonly secret: string; readonly version?: string }>;
}

/**
 * The state document of `state`: both policies, every reference value record, and every resource with its Key Vault
 * secret (out-of-band resources too: with the admin API off, the vault is the only way in).
 */
export function trusteeVmStateDocument(state: KbsState, expiration: string): TrusteeVmStateDocument {
  const files: Record<string, string> = {
    [kbsLocalFsLayout.attestationPolicy().relativePath]: state.attestationPolicy(),
    [kbsLocalFsLayout.resourcePolicy().relativePath]: state.resourcePolicy(),
  };
  for (const record of state.referenceValues().records(expiration))
    files[kbsLocalFsLayout.referenceValue(record.name).relativePath] = JSON.stringify(record);
  const resources = trusteeVmResourceSecrets(state).map((r) => ({
    file: kbsLocalFsLayout.resource(r.resource).relativePath,
    secret: r.secretName,
    ...(r.version ? { version: r.version } : {}),
  }));
  return {
    files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))),
    owned_dirs: [KBS_NAMESPACES.referenceValue, KBS_NAMESPACES.repository],
    resources,
  };
}

/** The `kbs-state` secret value: the document's JSON, gzipped (Key Vault holds 25 KB per secret) and base64. */
export function encodeTrusteeVmState(doc: TrusteeVmStateDocument): string {
  return gzipSync(Buffer.from(JSON.stringify(doc), 'utf8'), { level: 9 }).toString('base64');
}

/** The Key Vault secret URL of the sync script's `get <name> <version> <file>` (bash; the version may be empty). */
const KEY_VAULT_SECRET_URL = 'https://$VAULT_NAME.vault.azure.net/secrets/$1${2:+/$2}?api-version=7.4';

/**
 * The sync script of the Trustee VM (bash; needs curl, jq, gzip). `kbs-sync` fetches the key material, the state
 * and every resource from the VM's Key Vault with its managed identity, places them, and restarts the KBS when
 * anything changed; a systemd timer runs it every minute, so a policy change or a new secret version reaches the
 * KBS without replacing the VM. A resource secret that does not exist (HTTP 404: not uploaded yet, or deleted) is
 * skipped and its file removed, so deleting the secret revokes the resource; any other failure fails the run and
 * changes nothing more. The two halves run alone too: `kbs-sync fetch <dir>` leaves in `<dir>` the key files,
 * `state.json`, and per resource `res/<i>.json` (the secret as Key Vault returned it) or `res/<i>.absent`;
 * `kbs-sync place <dir>` places them and prints each path it changed.
 */
export const KBS_SYNC_SCRIPT = String.raw`#!/bin/bash
# kbs-sync: keeps this VM's KBS in step with its Key Vault, the model owner's channel.
set -euo pipefail
shopt -s inherit_errexit
KBS_CONFIG_DIR=${'${'}KBS_CONFIG_DIR:-/etc/kbs}
# VAULT_NAME, STORAGE_DIR, SECRETS_DIR
# The VM has one managed identity (user-assigned, no system-assigned): IMDS issues its tokens without a client_id.
. "$KBS_CONFIG_DIR/sync.env"
umask 077

# Writes the bytes of the Key Vault secret in file $1 (the JSON Key Vault returns): its value, base64-decoded when
# it was uploaded with "az keyvault secret set --encoding base64" (the CLI tags it file-encoding=base64; binary-safe),
# else as it is (text, e.g. a PEM set with --file or --value).
value() {
  local encoding
  encoding=$(jq -r '.tags["file-encoding"] // "utf-8"' "$1")
  case $encoding in
    base64) jq -jer .value "$1" | base64 -d ;;
    utf-8 | ascii) jq -jer .value "$1" ;;
    *)
      echo "kbs-sync: $1: unsupported file-encoding $encoding (upload with --encoding base64)" >&2
      return 1
      ;;
  esac
}

fetch() {
  local dir=$1 token i=0 name version rc
  token=$(curl -sf --retry 5 -H Metadata:true \
    "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net" | jq -er .access_token)
  # Saves secret $1 (version $2, or the latest) as Key Vault returns it into $3; returns 2 when it does not exist.
  get() {
    local code
    code=$(curl -s --retry 5 -o "$3" -w '%{http_code}' -H "Authorization: Bearer $token" "${KEY_VAULT_SECRET_URL}") || code=000
    case $code in
      200) return 0 ;;
      404)
        rm -f -- "$3"
        return 2
        ;;
      *)
        echo "kbs-sync: Key Vault answered HTTP $code for secret $1" >&2
        return 1
        ;;
    esac
  }
  # Saves the latest version of secret $1, which must exist, into $dir/kv.json.
  need() {
    rc=0
    get "$1" "" "$dir/kv.json" || rc=$?
    if [ "$rc" -eq 2 ]; then echo "kbs-sync: secret $1 does not exist (yet)" >&2; fi
    if [ "$rc" -ne 0 ]; then exit 1; fi
  }
  need ${TRUSTEE_VM_SECRETS.httpsKey}
  value "$dir/kv.json" > "$dir/https.key"
  need ${TRUSTEE_VM_SECRETS.httpsCert}
  value "$dir/kv.json" > "$dir/https.crt"
  need ${TRUSTEE_VM_SECRETS.signerKey}
  value "$dir/kv.json" > "$dir/signer.key"
  need ${TRUSTEE_VM_SECRETS.signerChain}
  value "$dir/kv.json" > "$dir/signer.crt"
  need ${TRUSTEE_VM_SECRETS.state}
  jq -jer .value "$dir/kv.json" | base64 -d | gunzip > "$dir/state.json"
  rm -f -- "$dir/kv.json"
  mkdir -p "$dir/res"
  while IFS=$'\t' read -r name version; do
    rc=0
    get "$name" "$version" "$dir/res/$i.json" || rc=$?
    case $rc in
      0) ;;
      2) : > "$dir/res/$i.absent" ;;
      *) exit 1 ;;
    esac
    i=$((i + 1))
  done < <(jq -r '.resources[] | [.secret, (.version // "")] | @tsv' "$dir/state.json")
}

# Copies $1 to $2 when they differ, and prints $2 then.
put() {
  if ! cmp -s "$1" "$2"; then
    install -D -m 0600 "$1" "$2"
    echo "$2"
  fi
}

# Removes $1 if it exists, and prints it then.
drop() {
  if [ -e "$1" ]; then
    rm -f -- "$1"
    echo "$1"
  fi
}

place() {
  local dir=$1 name content file existing i=0
  local -A listed=()
  for name in https.key https.crt signer.key signer.crt; do
    put "$dir/$name" "$SECRETS_DIR/$name"
  done
  # One jq pass for all files: name NUL base64(content) NUL, so no name or content is ever split or mangled.
  while IFS= read -r -d '' name && IFS= read -r -d '' content; do
    base64 -d <<< "$content" > "$dir/file"
    put "$dir/file" "$STORAGE_DIR/$name"
  done < <(jq -j '.files | to_entries[] | (.key + "\u0000" + (.value | @base64) + "\u0000")' "$dir/state.json")
  while IFS= read -r -d '' name; do
    listed[$name]=1
  done < <(jq -j '(.files | keys[]), .resources[].file | (. + "\u0000")' "$dir/state.json")
  while IFS= read -r name; do
    for existing in "$STORAGE_DIR/$name"/*; do
      [ -e "$existing" ] || continue
      file=${'${'}existing#"$STORAGE_DIR/"}
      [ -n "${'${'}listed[$file]:-}" ] || drop "$existing"
    done
  done < <(jq -r '.owned_dirs[]' "$dir/state.json")
  while IFS= read -r file; do
    if [ -e "$dir/res/$i.absent" ]; then
      # Not uploaded yet, or deleted by the model owner: the KBS stops serving it.
      drop "$STORAGE_DIR/$file"
    else
      value "$dir/res/$i.json" > "$dir/res/$i"
      put "$dir/res/$i" "$STORAGE_DIR/$file"
    fi
    i=$((i + 1))
  done < <(jq -r '.resources[].file' "$dir/state.json")
}

case "${'${'}1:-}" in
  fetch | place)
    "$1" "$2"
    exit 0
    ;;
esac
dir=$(mktemp -d /run/kbs-sync.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fetch "$dir"
changed=$(place "$dir")
if [ -n "$changed" ] || ! systemctl is-active --quiet kbs; then
  systemctl restart kbs
fi
`;

/** Ubuntu's Azure Linux agent (the `walinuxagent` package), which runs extensions and run commands. */
const AZURE_LINUX_AGENT_UNIT = 'walinuxagent.service';

/** What the VM's custom data is rendered from. Nothing in it is secret, and none of it changes with the KBS state. */
export interface TrusteeVmBootInput {
  /** kbs-config.toml (paths under TRUSTEE_VM_PATHS). */
  readonly kbsConfigToml: string;
  /** The token signer CA (PEM). */
  readonly tokenSignerCaCertPem: string;
  /** The KBS image, pinned by digest. */
  readonly image: string;
  /** The Key Vault name. */
  readonly vaultName: string;
  /** The storage account and container the KBS's journal is appended to. */
  readonly audit: { readonly account: string; readonly container: string };
}

/**
 * The VM's cloud-config (`#cloud-config` followed by JSON, which is YAML): packages, the public configuration,
 * the sync script and the systemd units of the KBS container and of the sync timer. No private key: the VM
 * fetches those from Key Vault with its identity at boot.
 */
export function renderTrusteeVmCloudConfig(input: TrusteeVmBootInput): string {
  const p = TRUSTEE_VM_PATHS;
  const file = (path: string, content: string, permissions = '0644') => ({ path, permissions, owner: 'root:root', content });
  const env = [`VAULT_NAME=${input.vaultName}`, `STORAGE_DIR=${p.storage}`, `SECRETS_DIR=${p.secrets}`, ''].join('\n');
  const kbsUnit = [
    '[Unit]',
    'Description=Trustee KBS',
    'After=docker.service kbs-sync.service',
    'Requires=docker.service',
    '',
    '[Service]',
    `ExecStartPre=/usr/bin/docker pull ${input.image}`,
    'ExecStartPre=-/usr/bin/docker rm -f kbs',
    `ExecStart=/usr/bin/docker run --rm --name kbs --network host -e RUST_LOG=${KBS_LOG_FILTER} ` +
      `-v ${p.config}:${p.config}:ro -v ${p.secrets}:${p.secrets}:ro ` +
      `-v ${p.storage}:${p.storage} ${input.image} /usr/local/bin/kbs --config-file ${p.config}/kbs-config.toml`,
    'ExecStop=/usr/bin/docker stop kbs',
    'Restart=always',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
  const sync = everyMinute({
    description: 'Sync the KBS with its Key Vault',
    after: 'network-online.target docker.service',
    exec: p.sync,
    bootSec: 30,
    timerDescription: 'Sync the KBS with its Key Vault every minute',
  });
  const auditEnv = [`AUDIT_ACCOUNT=${input.audit.account}`, `AUDIT_CONTAINER=${input.audit.container}`, `AUDIT_CURSOR=${KBS_AUDIT_CURSOR}`, ''];
  const ship = everyMinute({
    description: "Append the KBS's journal to the audit container",
    after: 'network-online.target',
    exec: p.auditShip,
    bootSec: 60,
    timerDescription: "Ship the KBS's journal every minute",
  });
  const config = {
    // The VM has no agent provisioned (provision_vm_agent = false) and takes no extensions; the image still ships the
    // Azure Linux agent, so it is masked before anything else runs, on every boot: nothing may act on the control
    // plane's behalf inside the TEE.
    bootcmd: [['systemctl', '--no-block', 'mask', '--now', AZURE_LINUX_AGENT_UNIT]],
    package_update: true,
    packages: ['docker.io', 'jq', 'curl'],
    write_files: [
      file(`${p.config}/kbs-config.toml`, input.kbsConfigToml),
      file(`${p.config}/token-signer-ca.pem`, input.tokenSignerCaCertPem),
      file(`${p.config}/sync.env`, env, '0600'),
      file(p.sync, KBS_SYNC_SCRIPT, '0755'),
      file('/etc/systemd/system/kbs.service', kbsUnit),
      file('/etc/systemd/system/kbs-sync.service', sync.service),
      file('/etc/systemd/system/kbs-sync.timer', sync.timer),
      file(`${p.config}/audit.env`, auditEnv.join('\n'), '0600'),
      file(p.auditShip, KBS_AUDIT_SHIP_SCRIPT, '0755'),
      file('/etc/systemd/system/kbs-audit-ship.service', ship.service),
      file('/etc/systemd/system/kbs-audit-ship.timer', ship.timer),
    ],
    runcmd: [
      ['mkdir', '-p', p.storage, p.secrets],
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', 'kbs.service', 'kbs-sync.timer', 'kbs-audit-ship.timer'],
      [p.sync],
      ['systemctl', 'start', 'kbs-sync.timer', 'kbs-audit-ship.timer'],
    ],
  };
  return `#cloud-config\n${JSON.stringify(config, null, 2)}\n`;
}

/** A oneshot service and the timer that runs it every minute, first `bootSec` seconds after boot. */
function everyMinute(o: { description: string; after: string; exec: string; bootSec: number; timerDescription: string }) {
  return {
    service: [
      '[Unit]',
      `Description=${o.description}`,
      `After=${o.after}`,
      'Wants=network-online.target',
      '',
      '[Service]',
      'Type=oneshot',
      `ExecStart=${o.exec}`,
      '',
    ].join('\n'),
    timer: [
      '[Unit]',
      `Description=${o.timerDescription}`,
      '',
      '[Timer]',
      `OnBootSec=${o.bootSec}s`,
      'OnUnitActiveSec=60s',
      '',
      '[Install]',
      'WantedBy=timers.target',
      '',
    ].join('\n'),
  };
}
