import { check } from './errors';
import { requireHex } from './encoding';
import { AZURE_TEES } from './reference-values';
import { ResourcePath } from './resource-path';

/** One resource and the workloads (by initdata PCR 8) that may receive it. */
export interface ResourceBinding {
  /** The KBS resource. */
  readonly resource: ResourcePath;
  /** PCR 8 values of the workloads that declared they need it. */
  readonly pcr8: readonly string[];
}

/** The bindings after merging and sorting: `repo/type/tag` -> sorted PCR 8 list. */
export type ResourceBindingTable = Readonly<Record<string, readonly string[]>>;

/** Merges bindings by path, validates every PCR 8, sorts paths and values. */
export function resourceBindingTable(bindings: readonly ResourceBinding[]): ResourceBindingTable {
  check(Array.isArray(bindings), 'bindings', 'must be a list of { resource, pcr8 }');
  const merged = new Map<string, Set<string>>();
  bindings.forEach((b, i) => {
    check(b.resource instanceof ResourcePath, `bindings[${i}].resource`, 'must be a ResourcePath (ResourcePath.parse("kbs:///repo/type/tag"))');
    check(Array.isArray(b.pcr8) && b.pcr8.length > 0, `bindings[${i}].pcr8`, `must name at least one workload PCR 8 for ${b.resource.uri}`);
    const set = merged.get(b.resource.path) ?? new Set<string>();
    b.pcr8.forEach((v: string, j: number) => set.add(requireHex(v, 32, `bindings[${i}].pcr8[${j}]`)));
    merged.set(b.resource.path, set);
  });
  const table: Record<string, string[]> = {};
  for (const path of [...merged.keys()].sort()) table[path] = [...merged.get(path)!].sort();
  return table;
}

/**
 * Renders the KBS resource policy (`package policy`, rule `allow`). Default deny: a resource is released only
 * when every appraisal of the attestation token is affirming AND the CPU evidence's PCR 8 is that of a
 * workload bound to exactly this resource path. Contraindicated or warning results never receive anything.
 *
 * The rego is a fixed template; the bindings are JSON, so no path or value can add a rule.
 */
export function renderResourcePolicy(bindings: readonly ResourceBinding[]): string {
  const table = resourceBindingTable(bindings);
  return [
    'package policy',
    '',
    'import rego.v1',
    '',
    '# Releases a KBS resource only to an affirming attestation of a workload bound to it.',
    "# Generated from the workloads' declared resources; regenerate, do not edit.",
    '',
    'default allow := false',
    '',
    `azure_tees := ${JSON.stringify(AZURE_TEES)}`,
    '',
    '# "repository/type/tag" -> PCR 8 (initdata) values of the workloads that may receive it.',
    `resource_bindings := ${JSON.stringify(table, null, 2)}`,
    '',
    'allow if {',
    '\tdata.plugin == "resource"',
    '\tcount(data["resource-path"]) == 3',
    '\tpath := concat("/", data["resource-path"])',
    '\tis_object(input.submods)',
    '\tcount(input.submods) > 0',
    '\tevery _, submod in input.submods {',
    '\t\tsubmod["ear.status"] == "affirming"',
    '\t}',
    '\tsome tee in azure_tees',
    '\tpcr8 := input.submods.cpu0["ear.veraison.annotated-evidence"][tee].tpm.pcr08',
    '\tpcr8 in resource_bindings[path]',
    '}',
    '',
  ].join('\n');
}
