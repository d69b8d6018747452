// The zod schemas that parse ConfidentialWorkloadProps (confidential-workload-props.ts): internal, not exported.
import { z } from 'zod';
import { AgentPolicy } from '../attestation/agent-policy';
import { ImageFacts } from '../attestation/image-facts';
import { Field } from '../attestation/errors';
import { ResourcePath } from '../attestation/resource-path';
import { vmSizeSchema } from '../azure/vm-sizes';
import { ResourceSource } from '../attestation/resource-source';
import { Probe } from './probe';
import { KEY_BROKER, PEER_PODS_RUNTIME } from '../internal/construct-interfaces';
import { workloadTlsSchema } from './workload-tls';
import { k8sName, namespaceSchema, pinnedImageSchema, resourceSourceSchema } from './prop-schemas';

import { KbsResourceSpec } from './confidential-workload-props';

/** Verified image facts. */
export const imageFactsSchema = z.custom<ImageFacts>(
  (f) => f instanceof ImageFacts,
  'must be ImageFacts.fromDirectory(image, dir) or ImageFacts.verify(...)',
);

/** A Kubernetes memory or storage quantity in bytes, with an optional binary or decimal suffix ("512Mi", "1G"). */
const byteQuantity = (example: string) =>
  z.string().regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/, `must be a Kubernetes quantity such as "${example}"`);

/** A UID or GID. */
const id = (min: number, message: string) => z.number().int().min(min, message).max(2147483647);

/** A KBS resource, bare or with its source. */
export const kbsResourceSpecSchema = z.union([
  z.string(),
  z.instanceof(ResourcePath),
  z.object({
    resource: z.union([z.string(), z.instanceof(ResourcePath)]),
    source: resourceSourceSchema.optional(),
  }),
]);

/** A KBS resource prop with its path parsed: a bad path fails naming `field` (the prop of the construct given it). */
export function parseResourceSpec(
  spec: string | ResourcePath | KbsResourceSpec,
  field: Field,
): { readonly resource: ResourcePath; readonly source?: ResourceSource } {
  const { resource, source } = typeof spec === 'string' || spec instanceof ResourcePath ? { resource: spec, source: undefined } : spec;
  return { resource: resource instanceof ResourcePath ? resource : ResourcePath.parse(resource, field), ...(source ? { source } : {}) };
}

const probeSchema = z.custom<Probe>(
  (p) => p instanceof Probe,
  'must be Probe.fromHttpGet(...) or Probe.fromTcpSocket(...); exec probes are denied by the agent policy',
);

/** The zod schema of a ServerProbes prop. */
export const serverProbesSchema = z
  .object({ readiness: probeSchema.optional(), liveness: probeSchema.optional(), startup: probeSchema.optional() })
  .strict()
  .default({});

export const replicasSchema = z.number().int().min(0).max(100).default(1);
// zod reports a bad record key as "Invalid key in record"; the names are checked here to say what is wrong.
export const envSchema = z.record(z.string(), z.string()).superRefine((env, ctx) => {
  for (const name of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `${JSON.stringify(name)} is not an environment variable name (letters, digits and "_")`,
      });
    }
  }
});

export const containerSchema = z.object({
  name: k8sName,
  image: pinnedImageSchema,
  imageFacts: imageFactsSchema.optional(),
  command: z.array(z.string()).min(1, 'must name the program to run; omit it to use the image entrypoint').optional(),
  args: z.array(z.string()).optional(),
  workingDir: z
    .string()
    .regex(/^\/[^\0]*$/, 'must be an absolute path')
    .optional(),
  env: envSchema.optional(),
  ports: z.array(z.number().int().min(1).max(65535)).optional(),
  resources: z
    .object({ cpu: z.string().regex(/^\d+(\.\d+)?m?$/, 'must be a CPU quantity such as "500m"'), memory: byteQuantity('2Gi') })
    .default({ cpu: '250m', memory: '512Mi' }),
  readOnlyRootFilesystem: z.boolean().default(true),
  runAsUser: id(1, 'must not be 0: the namespace enforces non-root pods').optional(),
  runAsGroup: id(0, 'must be a GID').optional(),
  readinessProbe: probeSchema.optional(),
  livenessProbe: probeSchema.optional(),
  startupProbe: probeSchema.optional(),
});

/** The parsed ConfidentialWorkload props. */
export type ParsedWorkloadProps = z.infer<typeof workloadSchema>;

/** A peer-pods runtime prop. */
export const runtimeSchema = PEER_PODS_RUNTIME.schema();

/** A KBS prop. */
export const kbsSchema = KEY_BROKER.schema();

/** The zod schema of ConfidentialWorkloadProps. */
export const workloadSchema = z
  .object({
    runtime: runtimeSchema,
    kbs: kbsSchema,
    name: k8sName,
    namespace: namespaceSchema.optional(),
    containers: z.array(containerSchema).min(1, 'must have at least one container'),
    initContainers: z.array(containerSchema).default([]),
    resources: z
      .array(
        z.union([
          z.string(),
          z.instanceof(ResourcePath),
          z.object({
            resource: z.union([z.string(), z.instanceof(ResourcePath)]),
            env: z
              .string()
              .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
              .optional(),
          }),
        ]),
      )
      .default([]),
    instanceSize: vmSizeSchema.optional(),
    replicas: replicasSchema,
    service: z.object({ port: z.number().int().min(1).max(65535), targetPort: z.number().int().min(1).max(65535).optional() }).optional(),
    imagePull: z
      .object({
        registryCredentials: kbsResourceSpecSchema.optional(),
        signaturePolicy: kbsResourceSpecSchema.optional(),
        sigstoreConfig: kbsResourceSpecSchema.optional(),
      })
      .strict()
      .optional(),
    scratchVolumes: z
      .array(
        z.object({
          name: k8sName.refine((n) => n !== 'tmp', 'must not be "tmp": every workload already has a "tmp" volume on /tmp'),
          mountPath: z
            .string()
            .regex(/^\/[A-Za-z0-9._/-]*$/, 'must be an absolute path')
            .refine((m) => m.replace(/\/+$/, '') !== '/tmp', 'must not be /tmp: every workload already mounts a scratch volume there'),
          sizeLimit: byteQuantity('1Gi').optional(),
        }),
      )
      .default([]),
    tls: workloadTlsSchema.optional(),
    plainHttpInsecure: z.boolean().default(false),
    allowLogStreaming: z.boolean().default(false),
    agentPolicy: z.custom<AgentPolicy>((a) => a instanceof AgentPolicy, 'must be an AgentPolicy').optional(),
  })
  .superRefine((p, ctx) => {
    p.initContainers.forEach((c, i) => {
      for (const key of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
        if (c[key])
          ctx.addIssue({
            code: 'custom',
            path: ['initContainers', i, key],
            message: 'init containers run to completion and take no probes; drop it',
          });
      }
    });
    // Kubernetes refuses a pod whose containers and init containers share a name, or whose volumes do.
    const seen = new Map<string, string>();
    for (const [list, items] of [
      ['initContainers', p.initContainers],
      ['containers', p.containers],
    ] as const) {
      items.forEach((c, i) => {
        const first = seen.get(c.name);
        if (first)
          ctx.addIssue({
            code: 'custom',
            path: [list, i, 'name'],
            message: `"${c.name}" is already the name of ${first}; containers and init containers of a pod need distinct names`,
          });
        else seen.set(c.name, `${list}.${i}`);
      });
    }
    const volumes = new Set<string>();
    const mounts = new Set<string>();
    p.scratchVolumes.forEach((v, i) => {
      if (volumes.has(v.name))
        ctx.addIssue({
          code: 'custom',
          path: ['scratchVolumes', i, 'name'],
          message: `"${v.name}" names two scratch volumes; give each its own name`,
        });
      if (mounts.has(v.mountPath))
        ctx.addIssue({
          code: 'custom',
          path: ['scratchVolumes', i, 'mountPath'],
          message: `${v.mountPath} is the mount path of two scratch volumes; give each its own`,
        });
      volumes.add(v.name);
      mounts.add(v.mountPath);
    });
  });
