import { KbsEndpoint, validateKbsEndpoint } from './guest-config';
import { KbsState, TRUSTEE_RELEASE } from './kbs-state';
import { renderTrustReport } from './trust-report';

/** The files of a KBS bundle, by relative path. */
export type KbsBundleFiles = Readonly<Record<string, string>>;

const base64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

/**
 * The state of a KBS someone else runs (on premises, the Trustee operator on another cluster), as files to
 * review and apply with its admin API: both policies and the reference values as readable documents, the exact
 * request bodies, `apply.sh` that posts them with curl (the CA pinned, an admin token from a file), and the trust
 * report. Deterministic: the same deployment renders the same bytes.
 *
 * The request bodies are Trustee v0.21.0's: `POST /kbs/v0/attestation-policy` `{"policy_id", "policy"}` and
 * `POST /kbs/v0/resource-policy` `{"policy"}` with the rego base64url-encoded without padding, and
 * `POST /kbs/v0/reference-value` with the `sample` extractor's message (every value of a name at once, so a
 * re-apply replaces the lists).
 */
export function renderKbsBundle(state: KbsState, endpoint: KbsEndpoint): KbsBundleFiles {
  const kbs = validateKbsEndpoint(endpoint, 'kbsEndpoint');
  const attestation = state.attestationPolicy();
  const resource = state.resourcePolicy();
  const rv = state.referenceValues();
  const outOfBand = state.declaredResources.filter((r) => r.source.kind === 'out-of-band');
  const files: Record<string, string> = {
    'attestation-policy.rego': attestation,
    'resource-policy.rego': resource,
    'reference-values.json': `${JSON.stringify(Object.fromEntries(rv.entries), null, 2)}\n`,
    'requests/attestation-policy.json': `${JSON.stringify({ policy_id: 'default_cpu', policy: base64url(attestation) })}\n`,
    'requests/resource-policy.json': `${JSON.stringify({ policy: base64url(resource) })}\n`,
    'requests/reference-values.json': `${rv.sampleMessage()}\n`,
    'trust-report.md': renderTrustReport(state, kbs.url),
    'README.md': bundleReadme(kbs.url),
    'apply.sh': [
      '#!/bin/sh',
      `# Applies this bundle to the KBS at ${kbs.url} (Trustee ${TRUSTEE_RELEASE.version} admin API). Review the .rego and .json files first.`,
      '# Usage: ADMIN_TOKEN_FILE=admin-token.jwt [KBS_CA=kbs-ca.pem] [KBS_URL=...] sh apply.sh',
      'set -eu',
      'cd "$(dirname "$0")"',
      `KBS_URL=\${KBS_URL:-${kbs.url}}`,
      ': "${ADMIN_TOKEN_FILE:?set ADMIN_TOKEN_FILE to a file holding an admin JWT of the KBS}"',
      'KBS_CA=${KBS_CA:-kbs-ca.pem}',
      'post() {',
      '  curl --fail-with-body --silent --show-error --cacert "$KBS_CA" \\',
      '    -H "Authorization: Bearer $(cat "$ADMIN_TOKEN_FILE")" -H "Content-Type: application/json" \\',
      '    --data-binary "@requests/$1.json" "$KBS_URL/kbs/v0/$2"',
      '  echo "applied $1"',
      '}',
      'post reference-values reference-value',
      'post attestation-policy attestation-policy',
      'post resource-policy resource-policy',
      ...(outOfBand.length > 0
        ? [
            '# Resources the model owner writes out of band (never part of this bundle):',
            ...outOfBand.map(
              (r) =>
                `#   kbs-client --url "$KBS_URL" --cert-file "$KBS_CA" config --admin-token-file ` +
                `"$ADMIN_TOKEN_FILE" set-resource --path ${r.path.path} --resource-file <file>`,
            ),
          ]
        : []),
      '',
    ].join('\n'),
  };
  if (kbs.caCertPem !== undefined) files['kbs-ca.pem'] = kbs.caCertPem.endsWith('\n') ? kbs.caCertPem : `${kbs.caCertPem}\n`;
  return files;
}

/**
 * What the operator of an external KBS is asked to provide besides the policies: the same availability and audit
 * a TrusteeVm deployment gets, since every pod VM attests to this KBS when it starts.
 */
function bundleReadme(url: string): string {
  return [
    `# KBS bundle for ${url}`,
    '',
    `What this deployment needs its KBS (Trustee ${TRUSTEE_RELEASE.version}) to hold: the attestation policy (\`default_cpu\`),`,
    'the resource policy and the reference values, rendered from the same synth as the workloads that attest to it.',
    'Review the `.rego` and `.json` files and `trust-report.md`, then apply them with `apply.sh` and an admin token.',
    'Apply again after every synth that changes them: a workload whose PCR 8 is not in `reference-values.json` is',
    'refused every resource.',
    '',
    '## Availability and audit: what the KBS operator provides',
    '',
    'Every confidential pod attests to this KBS when it starts, so no KBS means no new or restarted pod. This',
    'library does not run this KBS; its operator is asked to provide what the library gives a `TrusteeVm`:',
    '',
    '- **More than one replica**, in distinct failure domains, each with the same policies, reference values,',
    '  resources and token signer (so any replica verifies any token). Trustee keeps each attestation session in',
    '  its own storage backend, so a client must reach the replica it authenticated with for the rest of the',
    '  session: route by source address (session affinity) or give all replicas one session store.',
    '- **A health check** of `GET /healthz` that takes a dead replica out of service.',
    '- **Updates one replica at a time**, so attestation never stops.',
    '- **A record of every release and refusal** (time, client address, resource path, decision; the KBS logs',
    '  each request and each policy denial) kept where the cluster operator cannot write or erase it.',
    '- **The admin API reachable only from the model owner**: it replaces policies and resources.',
    '',
  ].join('\n');
}
