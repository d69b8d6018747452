import { KeyManager } from '../../src';
import { pinned } from '../attestation/fixtures/values';
import { emptyStack } from '../helpers/synth';
import { clusterParts } from './fixtures';

describe('trust report', () => {
  test('names each workload with its PCR 8, evidence and resources, and each resource with who receives it', () => {
    const scope = emptyStack();
    const parts = clusterParts(scope);
    const km = new KeyManager(scope, 'km', { runtime: parts.runtime, kbs: parts.trustee, image: pinned('key-manager') });
    const report = parts.trustee.trustReport();
    expect(report).toContain('# Trust report: KBS https://10.224.0.250:8080');
    expect(report).toContain(`| test/km/Workload (confidential-ai/key-manager) | \`${km.workload.pcr8}\` | az-snp-vtpm | \`kbs:///enkrypt/key-manager/private-key\` |`);
    expect(report).toContain('| `kbs:///enkrypt/key-manager/private-key` | out of band | test/km/Workload (confidential-ai/key-manager) |');
    expect(report).toMatch(/\| `az-snp-vtpm.pcr11` \| `[0-9a-f]{64}` \|/);
    expect(report).not.toContain('## Problems');
  });
});
