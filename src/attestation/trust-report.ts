import { RegisteredWorkload, KbsState } from './kbs-state';
import { describeExposure } from './workload-exposure';

/** Where a KBS's record of releases and refusals goes (for the trust report). */
export interface KbsAuditTrail {
  /** The store. */
  readonly where: string;
  /** What a release and a refusal look like there. */
  readonly releases: string;
}

/**
 * A human-readable account of what a KBS will release to whom: the image measurements pod VMs are held to,
 * each workload's PCR 8 and evidence type, and for each resource its source and the workloads it is
 * released to. Everything in it is derived from the same registry as the policies, so it cannot disagree
 * with them.
 */
export function renderTrustReport(state: KbsState, kbsUrl: string, audit?: KbsAuditTrail): string {
  const rv = state.referenceValues();
  const lines = [
    `# Trust report: KBS ${kbsUrl}`,
    '',
    'A resource is released only to an affirming attestation (image measurements match, debug off, known',
    'initdata) whose PCR 8 is one of the workloads listed for it. Nothing else receives anything.',
    '',
    '## Image measurements pod VMs are held to',
    '',
    '| reference value | accepted values |',
    '|---|---|',
    ...rv.entries
      .filter(([id]) => id !== 'initdata.pcr08')
      .map(([id, value]) => `| \`${id}\` | ${(Array.isArray(value) ? value : [value]).map((v) => `\`${v}\``).join('<br>')} |`),
    '',
    '## Workloads',
    '',
    '| workload | PCR 8 (initdata) | evidence | runs (all its agent policy admits) | reachable from outside its pod VM | may receive |',
    '|---|---|---|---|---|---|',
    ...state.registeredWorkloads.map(
      (w) =>
        `| ${w.name} | \`${w.pcr8}\` | ${w.evidenceTypes.join(', ') || 'none (not confidential)'} ` +
        `| ${runs(w.runs)} | ${w.exposure ? describeExposure(w.exposure) : 'not reported'} ` +
        `| ${w.resources.map((r) => `\`${r.uri}\``).join('<br>') || 'nothing'} |`,
    ),
    '',
    '## Resources',
    '',
    '| resource | source | released to |',
    '|---|---|---|',
    ...state.declaredResources.map(({ path, source }) => {
      const to = state.registeredWorkloads.filter((w) => w.resources.some((r) => r.equals(path))).map((w) => w.name);
      return `| \`${path.uri}\` | ${source.describe()} | ${to.join('<br>') || 'no one'} |`;
    }),
    '',
  ];
  if (audit) lines.push('## Key-release audit', '', `Every release and refusal is recorded in ${audit.where}.`, `Look for ${audit.releases}.`, '');
  const problems = state.problems();
  if (problems.length > 0) lines.push('## Problems', '', ...problems.map((p) => `- ${p}`), '');
  return lines.join('\n');
}

function runs(containers: RegisteredWorkload['runs']): string {
  if (containers === undefined) return 'not reported';
  if (containers.length === 0) return '**anything** (insecure agent policy)';
  return containers.map((c) => `${c.name}: \`${c.image}\` \`${JSON.stringify(c.args).replace(/\|/g, '\\|')}\``).join('<br>');
}
