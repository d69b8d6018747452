import { Synthesized, resourcesOf } from './synth';

/**
 * The side-door checks of a synthesized cluster stack, read from its Terraform JSON without the library: for each
 * named TLS workload, every declared port, probe and Service target is a TLS listener of its proxies (their own
 * --listen and --status addresses), the application binds 127.0.0.1 by its visible args or env, the ingress filter
 * runs first as root with NET_ADMIN alone and admits exactly those ports, and the key manager admits named
 * callers and the users' CA only.
 */
export function describeNoSideDoors(stack: () => Synthesized, workloads: readonly string[]): void {
  describe('no side door: outside a pod VM only its TLS listeners are reachable', () => {
    type Tf = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- synthesized JSON, read as it is
    const deployments = (): Tf[] => Object.values(resourcesOf(stack(), 'kubernetes_deployment_v1')) as Tf[];
    const services = (): Tf[] => Object.values(resourcesOf(stack(), 'kubernetes_service_v1')) as Tf[];
    const podSpec = (d: Tf): Tf => d.spec.template.spec;
    const ghostunnels = (d: Tf): string[][] =>
      (podSpec(d).container as Tf[]).map((c) => c.command ?? []).filter((cmd: string[]) => cmd[0] === '/usr/bin/ghostunnel' && cmd[1] === 'server');
    // Read from the proxies' own command lines: --listen and --status addresses.
    const tlsPorts = (d: Tf): number[] =>
      ghostunnels(d)
        .flatMap((cmd) => cmd.flatMap((arg, i) => (['--listen', '--status'].includes(cmd[i - 1]) ? [Number(arg.split(':').pop())] : [])))
        .sort((a, b) => a - b);
    const byName = (name: string): Tf => deployments().find((d) => d.metadata.name === name)!;

    test.each(workloads)('%s: declared ports, probes and Service target TLS listeners only', (name) => {
      const d = byName(name);
      const tls = tlsPorts(d);
      expect(tls.length).toBeGreaterThanOrEqual(3); // the workload listener, its status endpoint, the users' listener
      const containers = podSpec(d).container as Tf[];
      for (const c of containers) {
        for (const p of c.port ?? []) expect([c.name, tls.includes(p.container_port)]).toEqual([c.name, true]);
        for (const key of ['readiness_probe', 'liveness_probe', 'startup_probe']) {
          const probe = c[key];
          if (!probe) continue;
          const port = Number(probe.http_get?.port ?? probe.tcp_socket?.[0]?.port);
          expect([c.name, key, tls.includes(port)]).toEqual([c.name, key, true]);
          if (probe.http_get) expect(probe.http_get.scheme).toBe('HTTPS');
        }
      }
      const svc = services().find((s) => s.metadata.name === name)!;
      for (const p of svc.spec.port) expect(tls).toContain(Number(p.target_port));
    });

    test.each(workloads)('%s: the application binds 127.0.0.1 by its pinned args or env', (name) => {
      const app = (podSpec(byName(name)).container as Tf[]).find((c) => !String(c.image).includes('ghostunnel'))!;
      const visible = [...(app.args ?? []), ...(app.command ?? []), ...(app.env ?? []).map((e: Tf) => e.value)];
      expect(visible).toContain('127.0.0.1');
      expect(visible.join(' ')).not.toMatch(/0\.0\.0\.0/);
    });

    test.each(workloads)('%s: the ingress filter runs first, as root with NET_ADMIN alone, admitting the TLS ports only', (name) => {
      const d = byName(name);
      const filter = (podSpec(d).init_container as Tf[])[0];
      expect(filter.name).toBe('ingress-filter');
      expect(filter.security_context).toMatchObject({
        run_as_user: '0',
        run_as_non_root: false,
        privileged: false,
        allow_privilege_escalation: false,
        capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
      });
      const ruleset = (filter.env as Tf[]).find((e) => e.name === 'INGRESS_RULESET')!.value as string;
      expect(ruleset).toContain('policy drop;');
      const admitted = /tcp dport \{ ([0-9, ]+) \} accept/.exec(ruleset)![1].split(', ').map(Number);
      expect(admitted).toEqual(tlsPorts(d));
      expect(d.spec.template.metadata.annotations['io.katacontainers.config.hypervisor.cc_init_data']).toBeDefined();
    });

    test("the key manager admits the inference identity and users of the users' CA, not every workload certificate", () => {
      const [server, users] = ghostunnels(byName('key-manager'));
      expect(server).toEqual(expect.arrayContaining(['--cacert', '/tls/ca.pem', '--allow-cn', 'inference']));
      expect(server).not.toContain('--allow-all');
      expect(server).not.toContain('--disable-authentication');
      expect(users).toEqual(expect.arrayContaining(['--cacert', '/tls/users-ca.pem', '--allow-all']));
      expect(users).not.toContain('/tls/ca.pem');
    });

    test('the workload namespace admits the filter (privileged enforce) and still warns at restricted', () => {
      const ns = Object.values(resourcesOf(stack(), 'kubernetes_namespace_v1')) as Tf[];
      expect(ns.map((n) => n.metadata.labels)).toContainEqual(
        expect.objectContaining({ 'pod-security.kubernetes.io/enforce': 'privileged', 'pod-security.kubernetes.io/warn': 'restricted' }),
      );
    });
  });
}
