import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResourceSource, TrusteeVm } from '../../src';
import { KBS_AUDIT_SHIP_SCRIPT } from '../../src/kbs/trustee-vm-audit-script';
import { baseInfra } from '../azure/fixtures';
import { resourceOf, synth } from '../helpers/synth';
import { TestWorkload } from '../helpers/workload-identity';
import { vmProps } from './fixtures';

// kbs-audit-ship runs in bash against stand-ins for journalctl and curl; nothing here reaches Azure.

describe('TrusteeVm key-release audit store', () => {
  let kbs: TrusteeVm | undefined;
  const json = synth((stack) => {
    const infra = baseInfra(stack);
    kbs = new TrusteeVm(stack, 'Kbs', { ...vmProps(infra.network), replicas: 2, zones: ['1', '2', '3'] });
    kbs.trustImage(infra.image);
    kbs.grantResources(
      new TestWorkload(stack, 'w', 'a'.repeat(64), ['az-snp-vtpm']),
      kbs.declareResource('kbs:///enkrypt/model/key', ResourceSource.outOfBand()),
    );
  });

  test('is a storage account of Entra ID access only (no shared keys), closed to all but the KBS subnet and the owner', () => {
    expect(resourceOf(json, 'azurerm_storage_account')).toMatchObject({
      name: 'ownerkbskvaudit',
      shared_access_key_enabled: false,
      default_to_oauth_authentication: true,
      allow_nested_items_to_be_public: false,
      account_replication_type: 'ZRS',
      network_rules: {
        default_action: 'Deny',
        bypass: ['None'],
        ip_rules: ['203.0.113.7'],
        virtual_network_subnet_ids: [expect.stringContaining('/subnets/kbs')],
      },
    });
  });

  test('keeps the journal in a container under a time-based retention policy that admits appends only', () => {
    expect(resourceOf(json, 'azurerm_storage_container')).toMatchObject({ name: 'kbs-audit', container_access_type: 'private' });
    expect(resourceOf(json, 'azurerm_storage_container_immutability_policy')).toMatchObject({
      immutability_period_in_days: 365,
      protected_append_writes_enabled: true,
      storage_container_resource_manager_id: expect.stringContaining('azurerm_storage_container.'),
    });
  });

  test('the VMs may write blobs into that container only; the deployer may read them', () => {
    expect(resourceOf(json, 'azurerm_role_assignment', 'VmWritesAudit')).toMatchObject({
      role_definition_name: 'Storage Blob Data Contributor',
      scope: expect.stringMatching(/^\$\{azurerm_storage_container\.[^.]+\.id\}$/),
      principal_id: expect.stringContaining('azurerm_user_assigned_identity.'),
    });
    expect(resourceOf(json, 'azurerm_role_assignment', 'DeployerReadsAudit')).toMatchObject({ role_definition_name: 'Storage Blob Data Reader' });
  });

  test('the trust report says where the record of releases goes', () => {
    expect(kbs!.trustReport()).toContain(
      '## Key-release audit\n\nEvery release and refusal is recorded in container kbs-audit of storage account ownerkbskvaudit',
    );
  });

  test('fails when the audit account name is not a storage account name', () => {
    expect(() =>
      synth((s) => {
        new TrusteeVm(s, 'Kbs', { ...vmProps(baseInfra(s).network), auditStorageAccountName: 'Owner-Audit' });
      }),
    ).toThrow(/TrusteeVm test\/Kbs: auditStorageAccountName: must be 3-24 lower-case letters and digits/);
  });
});

/** A journal: `$JOURNAL` holds `cursor<TAB>line` rows; `--after-cursor C` starts after C; `--show-cursor` ends with the last cursor. */
const JOURNALCTL = String.raw`#!/bin/bash
after=''
while [ $# -gt 0 ]; do
  case $1 in
    --after-cursor) after=$2; shift 2 ;;
    *) shift ;;
  esac
done
seen=$([ -z "$after" ] && echo 1 || echo 0) last=''
while IFS=$'\t' read -r cursor line; do
  if [ "$seen" = 1 ]; then printf '%s\n' "$line"; last=$cursor; fi
  [ "$cursor" = "$after" ] && seen=1
done < "$JOURNAL"
if [ -n "$last" ]; then echo "-- cursor: $last"; fi
`;

/**
 * Blob storage: `Put Blob` (AppendBlob, If-None-Match: *) creates `$BLOBS/<container>/<vm>/<day>.log` (409 when it
 * exists), `Append Block` appends the body; with `$BLOBS/fail` present every Append Block answers 500. Requests go to
 * `$BLOBS/requests`.
 */
const CURL = String.raw`#!/bin/bash
out='' url='' body='' headers=()
while [ $# -gt 0 ]; do
  case $1 in
    -o) out=$2; shift 2 ;;
    -H) headers+=("$2"); shift 2 ;;
    --data-binary) body=${'${'}2#@}; shift 2 ;;
    -w | -X | --retry) shift 2 ;;
    -*) shift ;;
    *) url=$1; shift ;;
  esac
done
case $url in
  http://169.254.169.254/*) echo '{"access_token":"storage-token"}' ;;
  https://ownerkbskvaudit.blob.core.windows.net/*)
    echo "$url ${'${'}headers[*]}" >> "$BLOBS/requests"
    path=${'${'}url#https://ownerkbskvaudit.blob.core.windows.net/}
    file="$BLOBS/${'${'}path%%\?*}"
    : > "$out"
    case $url in
      *'?comp=appendblock')
        if [ -e "$BLOBS/fail" ] || [ ! -e "$file" ]; then printf 500; else cat "$body" >> "$file"; printf 201; fi ;;
      *)
        if [ -e "$file" ]; then printf 409; else mkdir -p "$(dirname "$file")"; cp "$body" "$file"; printf 201; fi ;;
    esac
    ;;
  *) exit 6 ;;
esac
`;

describe('kbs-audit-ship (journal and Blob storage answered by stand-ins)', () => {
  function vm(): { root: string; env: NodeJS.ProcessEnv; run: () => ReturnType<typeof spawnSync>; log: (...lines: string[]) => void } {
    const root = mkdtempSync(join(tmpdir(), 'kbs-audit-'));
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'blobs'));
    writeFileSync(join(root, 'kbs-audit-ship'), KBS_AUDIT_SHIP_SCRIPT);
    writeFileSync(join(root, 'audit.env'), `AUDIT_ACCOUNT=ownerkbskvaudit\nAUDIT_CONTAINER=kbs-audit\nAUDIT_CURSOR=${root}/audit.cursor\n`);
    for (const [name, text] of [
      ['journalctl', JOURNALCTL],
      ['curl', CURL],
    ]) {
      writeFileSync(join(root, 'bin', name), text);
      chmodSync(join(root, 'bin', name), 0o755);
    }
    writeFileSync(join(root, 'journal'), '');
    let n = 0;
    const env = {
      ...process.env,
      KBS_CONFIG_DIR: root,
      JOURNAL: join(root, 'journal'),
      BLOBS: join(root, 'blobs'),
      PATH: `${join(root, 'bin')}:${process.env.PATH}`,
    };
    return {
      root,
      env,
      run: () => spawnSync('bash', [join(root, 'kbs-audit-ship')], { env, encoding: 'utf8' }),
      log: (...lines) => lines.forEach((l) => appendFileSync(join(root, 'journal'), `s=${++n}\t${l}\n`)),
    };
  }
  const day = () => new Date().toISOString().slice(0, 10);
  const shipped = (root: string): string => readFileSync(join(root, 'blobs', 'kbs-audit', hostname(), `${day()}.log`), 'utf8');

  const release = '10.225.0.7 "GET /kbs/v0/resource/enkrypt/model/key HTTP/1.1" 200 1310 "-" "attestation-agent-kbs-client/0.1.0" 0.004';
  const refusal = '10.225.0.8 "GET /kbs/v0/resource/enkrypt/model/key HTTP/1.1" 401 87 "-" "attestation-agent-kbs-client/0.1.0" 0.003';

  test('GIVEN lines over several runs THEN each line reaches the day blob of this VM once, in order, with a storage token', () => {
    const { root, run, log } = vm();
    log('Cookie 9f0c request to get resource', release);
    expect(run().status).toBe(0);
    expect(shipped(root)).toBe(`Cookie 9f0c request to get resource\n${release}\n`);
    expect(readFileSync(join(root, 'audit.cursor'), 'utf8')).toBe('s=2');

    // Nothing new: no request at all.
    const requests = readFileSync(join(root, 'blobs', 'requests'), 'utf8');
    expect(run().status).toBe(0);
    expect(readFileSync(join(root, 'blobs', 'requests'), 'utf8')).toBe(requests);

    log('ERROR kbs::error: PolicyDeny', refusal);
    expect(run().status).toBe(0);
    expect(shipped(root)).toBe(`Cookie 9f0c request to get resource\n${release}\nERROR kbs::error: PolicyDeny\n${refusal}\n`);
    expect(requests).toContain(`https://ownerkbskvaudit.blob.core.windows.net/kbs-audit/${hostname()}/${day()}.log?comp=appendblock`);
    expect(requests).toContain('Authorization: Bearer storage-token');
    expect(requests).toContain('x-ms-blob-type: AppendBlob If-None-Match: *');
  });

  test('GIVEN Append Block fails THEN the run fails and the cursor stays, so the next run sends the same lines (none lost)', () => {
    const { root, run, log } = vm();
    log(release);
    expect(run().status).toBe(0);
    log(refusal);
    writeFileSync(join(root, 'blobs', 'fail'), '');
    const failed = run();
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toContain('answered HTTP 500; the lines will be sent again');
    expect(readFileSync(join(root, 'audit.cursor'), 'utf8')).toBe('s=1');
    rmSync(join(root, 'blobs', 'fail'));
    log('Cookie 77aa request to get resource');
    expect(run().status).toBe(0);
    expect(shipped(root)).toBe(`${release}\n${refusal}\nCookie 77aa request to get resource\n`);
    expect(readFileSync(join(root, 'audit.cursor'), 'utf8')).toBe('s=3');
  });

  test('the shipper is valid bash that writes nothing when the journal is empty', () => {
    const { root, run } = vm();
    execFileSync('bash', ['-n', join(root, 'kbs-audit-ship')]);
    expect(run().status).toBe(0);
    expect(existsSync(join(root, 'audit.cursor'))).toBe(false);
    expect(readdirSync(join(root, 'blobs'))).toEqual([]);
  });
});
