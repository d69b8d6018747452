import { AgentPolicy, ConfidentialWorkload, KeyManager } from '../../src';
import { pinned } from '../attestation/fixtures/values';
import { emptyStack } from '../helpers/synth';
import { clusterParts, tlsOf } from './fixtures';

describe('trust report', () => {
  test('names each workload with its PCR 8, evidence, what it runs and its resources, and each resource with who receives it', () => {
    const scope = emptyStack();
    const parts = clusterParts(scope);
    const km = new KeyManager(scope, 'km', {
      runtime: parts.runtime,
      kbs: parts.trustee,
      image: pinned('key-manager'),
      command: ['/app/server'],
      runAsUser: 1000,
      ...tlsOf('key-manager'),
    });
    const report = parts.trustee.trustReport();
    expect(report).toContain('# Trust report: KBS https://10.224.0.250:8080');
    const row = report.split('\n').find((l) => l.startsWith('| test/km/Workload (confidential-ai/key-manager) |'))!;
    expect(row).toContain(`| \`${km.workload.pcr8}\` | az-snp-vtpm | tls-keys: `);
    expect(row).toContain(`<br>key-manager: \`${pinned('key-manager')}\` \`["/app/server"]\`<br>tls-server: `);
    expect(row).toMatch(/\| `kbs:\/\/\/enkrypt\/key-manager\/private-key`<br>`kbs:\/\/\/workload-tls\/key-manager\/tls-key` \|$/);
    expect(report).toContain('| `kbs:///enkrypt/key-manager/private-key` | out of band | test/km/Workload (confidential-ai/key-manager) |');
    expect(report).toMatch(/\| `az-snp-vtpm.pcr11` \| `[0-9a-f]{64}` \|/);
    expect(report).not.toContain('## Problems');
  });
});

test('an insecure agent policy is reported as running anything', () => {
  const scope = emptyStack();
  const parts = clusterParts(scope);
  new ConfidentialWorkload(scope, 'w', {
    runtime: parts.runtime,
    kbs: parts.trustee,
    name: 'w',
    containers: [{ name: 'w', image: pinned('w'), command: ['/w'], runAsUser: 1000 }],
    agentPolicy: AgentPolicy.allowAllInsecure(),
  });
  expect(parts.trustee.trustReport()).toContain('| **anything** (insecure agent policy) |');
});
