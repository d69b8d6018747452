import { gzipSync } from 'node:zlib';
import { KbsState } from '../attestation/kbs-state';
import { kbsLocalFsLayout, KBS_NAMESPACES } from '../attestation/storage-layout';

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
} as const;

/** The Key Vault secrets the VM reads, by purpose. The model owner uploads the first four; Terraform writes the state. */
export const TRUSTEE_VM_SECRETS = {
  httpsKey: 'kbs-https-key',
  httpsCert: 'kbs-https-cert',
  signerKey: 'kbs-token-signer-key',
  signerChain: 'kbs-token-signer-chain',
  state: 'kbs-state',
} as const;

/** The state document the VM places into its storage (`kbs-state`, gzip and base64). */
export interface TrusteeVmStateDocument {
  /** Storage-relative LocalFs path -> content. */
  readonly files: Readonly<Record<string, string>>;
  /** Storage directories the state owns entirely: a file it no longer lists is removed (a dropped workload's PCR 8). */
  readonly owned_dirs: readonly string[];
  /** Resources read from Key Vault secrets, placed at their LocalFs paths. */
  readonly resources: ReadonlyArray<{ readonly file: string; readonly secret: string; readonly version?: string }>;
}

/** The state document of `state`: both policies, every reference value record, and the Key Vault resources. */
export function trusteeVmStateDocument(state: KbsState, expiration: string): TrusteeVmStateDocument {
  const files: Record<string, string> = {
    [kbsLocalFsLayout.attestationPolicy().relativePath]: state.attestationPolicy(),
    [kbsLocalFsLayout.resourcePolicy().relativePath]: state.resourcePolicy(),
  };
  for (const record of state.referenceValues().records(expiration))
    files[kbsLocalFsLayout.referenceValue(record.name).relativePath] = JSON.stringify(record);
  const resources = state
    .keyVaultResources()
    .map((r) => ({ file: kbsLocalFsLayout.resource(r.resource).relativePath, secret: r.secretName, ...(r.version ? { version: r.version } : {}) }));
  return {
    files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))),
    owned_dirs: [KBS_NAMESPACES.referenceValue],
    resources,
  };
}

/** The `kbs-state` secret value: the document's JSON, gzipped (Key Vault holds 25 KB per secret) and base64. */
export function encodeTrusteeVmState(doc: TrusteeVmStateDocument): string {
  return gzipSync(Buffer.from(JSON.stringify(doc), 'utf8'), { level: 9 }).toString('base64');
}

/** The Key Vault secret URL of the sync script's `secret <name> [version]` (bash; the version is optional). */
const KEY_VAULT_SECRET_URL = 'https://$VAULT_NAME.vault.azure.net/secrets/$1${2:+/$2}?api-version=7.4';

/**
 * The sync script of the Trustee VM (bash; needs curl, jq, gzip). `kbs-sync` fetches the key material and the
 * state from the VM's Key Vault with its managed identity, places them, and restarts the KBS when anything
 * changed; a systemd timer runs it every minute, so a policy change reaches the KBS without replacing the VM.
 * `kbs-sync place <dir>` places what a fetch left in `<dir>` and prints each path it changed.
 */
export const KBS_SYNC_SCRIPT = String.raw`#!/bin/bash
# kbs-sync: keeps this VM's KBS in step with its Key Vault, the model owner's channel.
set -euo pipefail
KBS_CONFIG_DIR=${'${'}KBS_CONFIG_DIR:-/etc/kbs}
# VAULT_NAME, STORAGE_DIR, SECRETS_DIR
# The VM has one managed identity (user-assigned, no system-assigned): IMDS issues its tokens without a client_id.
. "$KBS_CONFIG_DIR/sync.env"
umask 077

fetch() {
  local dir=$1 token i=0 name version
  token=$(curl -sf --retry 5 -H Metadata:true \
    "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net" | jq -er .access_token)
  secret() {
    curl -sf --retry 5 -H "Authorization: Bearer $token" "${KEY_VAULT_SECRET_URL}" | jq -jer .value
  }
  secret kbs-https-key > "$dir/https.key"
  secret kbs-https-cert > "$dir/https.crt"
  secret kbs-token-signer-key > "$dir/signer.key"
  secret kbs-token-signer-chain > "$dir/signer.crt"
  secret kbs-state | base64 -d | gunzip > "$dir/state.json"
  mkdir -p "$dir/res"
  while IFS=$'\t' read -r name version; do
    secret "$name" "$version" > "$dir/res/$i"
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

place() {
  local dir=$1 name file existing i=0
  for name in https.key https.crt signer.key signer.crt; do
    put "$dir/$name" "$SECRETS_DIR/$name"
  done
  while IFS= read -r -d '' name; do
    jq -j --arg n "$name" '.files[$n]' "$dir/state.json" > "$dir/file"
    put "$dir/file" "$STORAGE_DIR/$name"
  done < <(jq -j '.files | keys[] | (. + "\u0000")' "$dir/state.json")
  while IFS= read -r name; do
    for existing in "$STORAGE_DIR/$name"/*; do
      [ -e "$existing" ] || continue
      file=${'${'}existing#"$STORAGE_DIR/"}
      if ! jq -e --arg n "$file" '.files | has($n)' "$dir/state.json" > /dev/null; then
        rm -f -- "$existing"
        echo "$existing"
      fi
    done
  done < <(jq -r '.owned_dirs[]' "$dir/state.json")
  while IFS= read -r file; do
    put "$dir/res/$i" "$STORAGE_DIR/$file"
    i=$((i + 1))
  done < <(jq -r '.resources[].file' "$dir/state.json")
}

if [ "${'${'}1:-}" = place ]; then
  place "$2"
  exit 0
fi
dir=$(mktemp -d /run/kbs-sync.XXXXXX)
trap 'rm -rf "$dir"' EXIT
fetch "$dir"
changed=$(place "$dir")
if [ -n "$changed" ] || ! systemctl is-active --quiet kbs; then
  systemctl restart kbs
fi
`;

/** Ubuntu's Azure Linux agent (the `walinuxagent` package), which runs extensions and run commands. */
export const AZURE_LINUX_AGENT_UNIT = 'walinuxagent.service';

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
    `ExecStart=/usr/bin/docker run --rm --name kbs --network host -v ${p.config}:${p.config}:ro -v ${p.secrets}:${p.secrets}:ro ` +
      `-v ${p.storage}:${p.storage} ${input.image} /usr/local/bin/kbs --config-file ${p.config}/kbs-config.toml`,
    'ExecStop=/usr/bin/docker stop kbs',
    'Restart=always',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
  const syncUnit = [
    '[Unit]',
    'Description=Sync the KBS with its Key Vault',
    'After=network-online.target docker.service',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=${p.sync}`,
    '',
  ].join('\n');
  const timer = [
    '[Unit]',
    'Description=Sync the KBS with its Key Vault every minute',
    '',
    '[Timer]',
    'OnBootSec=30s',
    'OnUnitActiveSec=60s',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
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
      file('/etc/systemd/system/kbs-sync.service', syncUnit),
      file('/etc/systemd/system/kbs-sync.timer', timer),
    ],
    runcmd: [
      ['mkdir', '-p', p.storage, p.secrets],
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', 'kbs.service', 'kbs-sync.timer'],
      [p.sync],
      ['systemctl', 'start', 'kbs-sync.timer'],
    ],
  };
  return `#cloud-config\n${JSON.stringify(config, null, 2)}\n`;
}
