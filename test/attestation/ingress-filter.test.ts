import { spawnSync } from 'node:child_process';
import { INGRESS_RULESET_ENV, ingressFilterContainer, renderIngressRuleset } from '../../src/attestation/ingress-filter';
import { containerProcess } from '../../src/attestation/pod-spec';
import { pinned } from './fixtures/values';

const filter = ingressFilterContainer({ image: pinned('filter'), ports: [8444, 8443, 8443] });

describe('the ingress filter, as rendered', () => {
  test('drops every inbound connection but loopback, replies, neighbour discovery and the TLS ports (sorted, once)', () => {
    expect(renderIngressRuleset([8444, 8443, 8443])).toBe(
      [
        'table inet confidential_ai_ingress {',
        '\tchain input {',
        '\t\ttype filter hook input priority filter; policy drop;',
        '\t\tiif "lo" accept',
        '\t\tct state established,related accept',
        '\t\ticmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept',
        '\t\ttcp dport { 8443, 8444 } accept',
        '\t}',
        '}',
        '',
      ].join('\n'),
    );
  });

  test('is a root container with NET_ADMIN alone whose command line and ruleset the agent policy pins', () => {
    expect(filter).toMatchObject({ name: 'ingress-filter', runAsUser: 0, role: 'ingress-filter', readOnlyRootFilesystem: true, volumeMounts: [] });
    const pinnedProcess = containerProcess(filter);
    expect(pinnedProcess.args).toEqual(['/bin/sh', '-c', `printf '%s' "$${INGRESS_RULESET_ENV}" | nft -f -`]);
    expect(pinnedProcess.env).toContain(`${INGRESS_RULESET_ENV}=${renderIngressRuleset([8443, 8444])}`);
    expect(pinnedProcess.uid).toBe(0);
  });

  test.each<[readonly number[], RegExp]>([
    [[], /ports: must name at least one TLS port/],
    [[0], /ports: must be TCP ports, got "0"/],
    [[70000], /ports: must be TCP ports, got "70000"/],
  ])('fails on ports %j', (ports, message) => {
    expect(() => renderIngressRuleset(ports)).toThrow(message);
  });

  test('fails on an image not pinned by digest', () => {
    expect(() => ingressFilterContainer({ image: 'registry.k8s.io/build-image/distroless-iptables:v0.9.6', ports: [8443] })).toThrow(
      /ingressFilter: must be a fully qualified image pinned by digest/,
    );
  });
});

// Runs the filter's own command line in a network namespace with a peer, and connects from the peer: the TLS ports
// open, every other port closed, loopback untouched. Needs root, iproute2 and nftables (.ci/run installs them).
const CAN_NETNS = ((): string | undefined => {
  if (process.getuid?.() !== 0) return 'not root';
  for (const tool of ['ip', 'nft'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `no ${tool} (apt-get install iproute2 nftables)`;
  const probe = spawnSync('ip', ['netns', 'add', `cai-probe-${process.pid}`]);
  spawnSync('ip', ['netns', 'del', `cai-probe-${process.pid}`]);
  return probe.status === 0 ? undefined : 'network namespaces are not available here';
})();

if (CAN_NETNS !== undefined && process.env.REQUIRE_NETNS === '1')
  throw new Error(`the ingress filter cannot be run here (${CAN_NETNS}) and REQUIRE_NETNS=1 (.ci/run) asks for it`);

const SCRIPT = String.raw`
set -eu
A=cai-filter-a-$$; B=cai-filter-b-$$
ip netns add "$A"; ip netns add "$B"
trap 'kill $(jobs -p) 2>/dev/null; ip netns del "$A"; ip netns del "$B"' EXIT
ip link add va netns "$A" type veth peer name vb netns "$B"
ip -n "$A" addr add 192.0.2.1/24 dev va; ip -n "$A" link set va up; ip -n "$A" link set lo up
ip -n "$B" addr add 192.0.2.2/24 dev vb; ip -n "$B" link set vb up; ip -n "$B" link set lo up
# The pod VM's side: the filter's command line, then a plaintext and a TLS-port listener on every interface.
ip netns exec "$A" env -i PATH="$PATH" INGRESS_RULESET="$RULESET" "$@"
ip netns exec "$A" node -e '
  const net = require("node:net");
  for (const port of [8080, 8443, 8444]) net.createServer((s) => s.end("ok")).listen(port, "0.0.0.0");
  setTimeout(() => process.exit(0), 8000);' &
sleep 0.5
probe() { # namespace address port
  ip netns exec "$1" node -e '
    const s = require("node:net").connect(Number(process.argv[2]), process.argv[1]);
    s.setTimeout(700, () => { console.log("closed"); process.exit(0); });
    s.on("data", () => { console.log("open"); process.exit(0); });
    s.on("error", () => { console.log("closed"); process.exit(0); });' "$2" "$3"
}
echo "from-node 8443 $(probe "$B" 192.0.2.1 8443)"
echo "from-node 8444 $(probe "$B" 192.0.2.1 8444)"
echo "from-node 8080 $(probe "$B" 192.0.2.1 8080)"
echo "loopback 8080 $(probe "$A" 127.0.0.1 8080)"
`;

(CAN_NETNS === undefined ? describe : describe.skip)(
  `the ingress filter, run in a network namespace${CAN_NETNS ? ` [skipped: ${CAN_NETNS}]` : ''}`,
  () => {
    test('GIVEN the filter ran WHEN a peer connects THEN only the TLS ports answer; loopback still reaches the application', () => {
      const pinnedProcess = containerProcess(filter);
      const ruleset = pinnedProcess.env.find((e) => e.startsWith(`${INGRESS_RULESET_ENV}=`))!.slice(INGRESS_RULESET_ENV.length + 1);
      const run = spawnSync('bash', ['-c', SCRIPT, 'filter-test', ...pinnedProcess.args], {
        encoding: 'utf8',
        env: { ...process.env, RULESET: ruleset },
        timeout: 20000,
      });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim().split('\n')).toEqual(['from-node 8443 open', 'from-node 8444 open', 'from-node 8080 closed', 'loopback 8080 open']);
    });
  },
);
