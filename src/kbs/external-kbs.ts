import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as v from 'valibot';
import { KbsBundleFiles, renderKbsBundle } from '../attestation/kbs-bundle';
import { Annotations, Construct } from '../internal/cdktf';
import { bool, ConstructValidationError, literalString, strictObject, parseProps } from '../internal/validation';
import { KbsAttestationProps, KeyBrokerBase, kbsAttestationShape, kbsCaCertificate } from './key-broker-base';

/** Props of ExternalKbs. */
export interface ExternalKbsProps extends KbsAttestationProps {
  /**
   * The URL pod VMs reach the KBS at, `https://<address>[:port]` (known at synth time: it goes into every
   * workload's initdata). The address must be reachable from the pod-VM subnet.
   */
  readonly url: string;
  /** PEM of the CA that issued the KBS's HTTPS certificate (pod VMs pin it through initdata). */
  readonly caCertPem: string;
  /**
   * Plain HTTP (development only): pod VMs then trust whatever answers at the address.
   * @default false
   */
  readonly plainHttpInsecure?: boolean;
  /** @deprecated use `plainHttpInsecure` (the same setting; this name goes in the next release). */
  readonly allowInsecureHttpForDevelopment?: boolean;
}

/** The schema of ExternalKbsProps (internal: not in the main entry). */
export const schema = strictObject({
  ...kbsAttestationShape,
  url: literalString((s) => /^https?:\/\/[^\s/]+(:\d+)?\/?$/.test(s), 'must be the KBS base URL, "https://<address>[:port]"'),
  caCertPem: kbsCaCertificate('the CA of the KBS'),
  plainHttpInsecure: v.optional(bool(), false),
  allowInsecureHttpForDevelopment: v.optional(bool(), false),
});

/**
 * A KBS you already run (on premises, or the Trustee operator on a cluster of the model owner): workloads
 * attest to it like to any other, and the library renders what it must be told (both policies and the
 * reference values, derived from the same registrations as every placement) as a bundle of reviewable files
 * with the admin commands that apply them (`bundle()`, `writeBundle(dir)`). Resources come out of band only.
 */
export class ExternalKbs extends KeyBrokerBase {
  constructor(scope: Construct, id: string, props: ExternalKbsProps) {
    super(scope, id, 'ExternalKbs', ['out-of-band']);
    const p = parseProps(this, 'ExternalKbs', schema, props);
    if (props.allowInsecureHttpForDevelopment !== undefined)
      Annotations.of(this).addWarning('allowInsecureHttpForDevelopment is deprecated: use plainHttpInsecure (the same setting)');
    const plainHttp = p.plainHttpInsecure || p.allowInsecureHttpForDevelopment;
    if (p.url.startsWith('http://')) {
      if (!plainHttp) {
        throw new ConstructValidationError(
          this.node.path,
          'ExternalKbs',
          'url',
          `${p.url} is plain HTTP: pod VMs could not tell the KBS from an impostor; use https, or plainHttpInsecure (development only)`,
        );
      }
      Annotations.of(this).addWarning(`plainHttpInsecure: ${p.url} is plain HTTP; development only`);
    }
    this.initKeyBroker({ url: p.url.replace(/\/$/, ''), caCertPem: p.caCertPem, plainHttpInsecure: plainHttp }, p);
  }

  /** The files to review and apply (`apply.sh`), by relative path. Call it after every workload is created. */
  public bundle(): KbsBundleFiles {
    return renderKbsBundle(this.state, this.kbsEndpoint);
  }

  /** Writes `bundle()` into `dir` (created if missing) and returns the paths written, sorted. */
  public writeBundle(dir: string): string[] {
    const files = this.bundle();
    const written: string[] = [];
    for (const name of Object.keys(files).sort()) {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, files[name], { mode: name.endsWith('.sh') ? 0o755 : 0o644 });
      written.push(path);
    }
    return written;
  }
}
