// The pod's ingress filter: the first init container of a TLS workload, which closes every inbound port of the pod
// VM's pod network namespace except the TLS listeners. Defence in depth that does not depend on where the
// application binds: the agent policy admits no other container of the pod until the filter has started.
import { Field, check, show } from './errors';
import { ImageFacts } from './image-facts';
import { requirePinnedImage } from './image-reference';
import { PodContainer } from './pod-spec';

/** The filter container's name. */
export const INGRESS_FILTER_NAME = 'ingress-filter';

/** The environment variable that carries the ruleset (pinned by the agent policy like any other env). */
export const INGRESS_RULESET_ENV = 'INGRESS_RULESET';

/**
 * The nftables ruleset of the pod network namespace: inbound traffic is dropped unless it is loopback, a reply
 * to a connection the pod opened, IPv6 neighbour discovery, or TCP to one of `ports`. Outbound is untouched.
 */
export function renderIngressRuleset(ports: readonly number[], field: Field = 'ports'): string {
  check(ports.length > 0, field, 'must name at least one TLS port: with none the pod would accept no connection');
  for (const port of ports) check(Number.isInteger(port) && port >= 1 && port <= 65535, field, `must be TCP ports, got ${show(port)}`);
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  return [
    'table inet confidential_ai_ingress {',
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy drop;',
    '\t\tiif "lo" accept',
    '\t\tct state established,related accept',
    '\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept',
    `\t\ttcp dport { ${sorted.join(', ')} } accept`,
    '\t}',
    '}',
    '',
  ].join('\n');
}

/** What the filter container is built from. */
export interface IngressFilterOptions {
  /** An image with a POSIX `sh` and `nft` on its PATH (e.g. Kubernetes' distroless-iptables), pinned by digest. */
  readonly image: string;
  /** Its verified facts (ENV). @default - none */
  readonly imageFacts?: ImageFacts;
  /** The TCP ports admitted: the workload's TLS listeners. */
  readonly ports: readonly number[];
}

/**
 * The filter as a container of the pod: root with NET_ADMIN alone (`role: 'ingress-filter'`), read-only root
 * filesystem, loading the ruleset from its pinned environment with `nft -f -`, then exiting.
 */
export function ingressFilterContainer(options: IngressFilterOptions, field: Field = 'ingressFilter'): PodContainer {
  const image = requirePinnedImage(options.image, field);
  return {
    name: INGRESS_FILTER_NAME,
    image,
    ...(options.imageFacts ? { imageFacts: options.imageFacts } : {}),
    command: ['/bin/sh', '-c', `printf '%s' "$${INGRESS_RULESET_ENV}" | nft -f -`],
    env: [{ name: INGRESS_RULESET_ENV, value: renderIngressRuleset(options.ports, field) }],
    volumeMounts: [],
    readOnlyRootFilesystem: true,
    runAsUser: 0,
    role: 'ingress-filter',
  };
}
