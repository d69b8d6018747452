import { isK8sName } from './k8s-names';
import { Field, check, inputError, pathSuffix, show, subField } from './errors';
import { ImageFacts, howToSave } from './image-facts';
import { imageDigest, imageNameForms, requirePinnedImage } from './image-reference';
import { requireSynthTimeString } from './tokens';

/** containerd's PATH when the image sets none. */
export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The longest Deployment name whose pods' names the kubelet never truncates (58-character generateName limit). */
export const MAX_DEPLOYMENT_NAME = 46;

/** A container of a confidential pod, exactly as the pod renders it. */
export interface PodContainer {
  /** Container name. */
  readonly name: string;
  /** Image, fully qualified and pinned by digest. */
  readonly image: string;
  /** The image's verified facts (entrypoint, command, ENV, WORKDIR, USER). @default - unknown: `command` is required */
  readonly imageFacts?: ImageFacts;
  /** Entrypoint override. @default - the image's */
  readonly command?: readonly string[];
  /** Arguments. @default - the image's */
  readonly args?: readonly string[];
  /** The environment the pod declares, in order. */
  readonly env: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  /** Working directory override. @default - the image's, else "/" */
  readonly workingDir?: string;
  /** The emptyDir volumes it mounts. */
  readonly volumeMounts: ReadonlyArray<{ readonly volume: string; readonly mountPath: string; readonly readOnly?: boolean }>;
  /** Whether the root filesystem is read-only. */
  readonly readOnlyRootFilesystem: boolean;
  /** UID. @default - the image's numeric USER */
  readonly runAsUser?: number;
  /** GID. @default 0 (the runtime cannot read the image's /etc/passwd when the image is pulled in the guest) */
  readonly runAsGroup?: number;
  /**
   * `ingress-filter`: the pod's first init container, which closes every inbound port but the TLS listeners. It
   * alone runs as root (UID 0) with one capability, NET_ADMIN, and the agent policy admits no other container
   * of the pod until it has started, and no signal to it.
   * @default - an ordinary container: non-root, no capabilities
   */
  readonly role?: 'ingress-filter';
}

/** The one capability of the ingress filter (containerd's spelling, as the runtime sends it). */
export const INGRESS_FILTER_CAPABILITIES: readonly string[] = ['CAP_NET_ADMIN'];

/**
 * A confidential pod as the construct renders it, with the settings the policy relies on: the pods of a
 * Deployment (named `<deployment>-<hash>-<suffix>`), no service account token, no service links, emptyDir
 * volumes only, every container non-root with all capabilities dropped and no privilege escalation.
 */
export interface PodSpec {
  /** Namespace of the Deployment. */
  readonly namespace: string;
  /** The Deployment's name; its pods are named `<name>-<template hash>-<suffix>`. */
  readonly name: string;
  /** Pod annotations other than the initdata (e.g. the machine type), passed to every container by the runtime. */
  readonly annotations: Readonly<Record<string, string>>;
  /** Init containers, in order. */
  readonly initContainers: readonly PodContainer[];
  /** Containers. */
  readonly containers: readonly PodContainer[];
}

/** What a container's process is once the runtime merged the pod spec with the image. */
export interface ContainerProcess {
  /** Process.Args. */
  readonly args: readonly string[];
  /** Process.Cwd. */
  readonly cwd: string;
  /** Process.Env without HOSTNAME, which the runtime sets to the pod name unless `hostnameFromRuntime` is false. */
  readonly env: readonly string[];
  /** True when HOSTNAME comes from the runtime (the pod's name). */
  readonly hostnameFromRuntime: boolean;
  /** Process.User.UID. */
  readonly uid: number;
  /** Process.User.GID. */
  readonly gid: number;
}

/**
 * The process the runtime starts for `container`, merged the way the kubelet and containerd do it:
 * Args (command + args, else the image's ENTRYPOINT + args, else ENTRYPOINT + CMD), Env (PATH first, then
 * HOSTNAME, the image's ENV, the declared env; PATH and HOSTNAME replaced in place), Cwd, and the user (with
 * the image pulled in the guest, the host has no /etc/passwd: the GID is runAsGroup, else 0).
 */
export function containerProcess(container: PodContainer, field: Field = 'container'): ContainerProcess {
  const facts = container.imageFacts;
  requirePinnedImage(container.image, subField(field, `.image`));
  if (facts) {
    check(
      imageNameForms(facts.image).pop() === imageNameForms(container.image).pop(),
      subField(field, `.imageFacts`),
      `describe ${facts.image}, not ${container.image} (digest ${imageDigest(container.image).slice(0, 12)}...); load the facts saved for this image`,
    );
  }
  check(
    container.command !== undefined || facts !== undefined,
    subField(field, `.command`),
    `is required when the image's entrypoint is not known: the agent policy pins the exact command line. ` +
      `Set command, or pass imageFacts (ImageFacts.fromDirectory); to create them, ${howToSave(container.image, '<dir>')}`,
  );
  for (const [name, list] of [
    ['command', container.command],
    ['args', container.args],
  ] as const) {
    (list ?? []).forEach((arg, i) => literal(arg, subField(field, `.${name}[${i}]`)));
  }

  let args: string[];
  if (container.command !== undefined && container.command.length > 0) {
    args = [...container.command, ...(container.args ?? [])];
  } else {
    const entrypoint = facts && !(facts.entrypoint.length === 1 && facts.entrypoint[0] === '') ? [...facts.entrypoint] : [];
    args = container.args !== undefined && container.args.length > 0 ? [...entrypoint, ...container.args] : [...entrypoint, ...(facts?.cmd ?? [])];
  }
  check(
    args.length > 0,
    subField(field, `.command`),
    `is empty and the image ${container.image} has no ENTRYPOINT or CMD: the runtime would refuse to start it; set command`,
  );

  // PATH and HOSTNAME are the only variables containerd replaces in place; any other name set by both the
  // image and the pod appears twice, the image's value first.
  let path = DEFAULT_PATH_ENV;
  let hostname: string | undefined;
  const env: string[] = [];
  const add = (entry: string): void => {
    const name = entry.split('=')[0];
    if (name === 'PATH') path = entry;
    else if (name === 'HOSTNAME') hostname = entry;
    else env.push(entry);
  };
  for (const entry of facts?.env ?? []) add(entry);
  container.env.forEach(({ name, value }, i) => add(`${name}=${literal(value, subField(field, name ? pathSuffix(['env', name]) : `.env[${i}]`))}`));

  const workingDir = container.workingDir ?? (facts?.workingDir || '/');
  const base = { args, cwd: workingDir, env: [path, ...(hostname ? [hostname] : []), ...env], hostnameFromRuntime: hostname === undefined };
  let uid = container.runAsUser;
  if (container.role === 'ingress-filter') {
    // It changes the pod's firewall: root, with NET_ADMIN alone (a non-root process loses the capability at exec).
    check(uid === 0, subField(field, `.runAsUser`), `must be 0 for the ingress filter (NET_ADMIN works only for root), got ${show(uid)}`);
    return { ...base, uid: 0, gid: container.runAsGroup ?? 0 };
  }
  if (uid === undefined && facts) uid = imageUid(facts, field);
  check(
    uid !== undefined,
    subField(field, `.runAsUser`),
    `is required: the image's user is not known without imageFacts, and the agent policy pins the UID the container runs as`,
  );
  check(
    Number.isInteger(uid) && uid! > 0 && uid! <= 2147483647,
    subField(field, `.runAsUser`),
    `must be a UID from 1 to 2147483647 (the pod runs as non-root), got ${show(uid)}`,
  );
  const gid = container.runAsGroup ?? 0;
  check(
    Number.isInteger(gid) && gid >= 0 && gid <= 2147483647,
    subField(field, `.runAsGroup`),
    `must be a GID from 0 to 2147483647, got ${show(gid)}`,
  );

  return { ...base, uid: uid!, gid };
}

/** The kubelet's pod-name pattern for a Deployment's pods: `<name>-<template hash>-<5 random>`. */
export function deploymentPodNamePattern(deploymentName: string, field: Field = 'name'): string {
  check(isK8sName(deploymentName), field, `must be a Kubernetes name (lowercase letters, digits, "-"), got ${show(deploymentName)}`);
  check(
    deploymentName.length <= MAX_DEPLOYMENT_NAME,
    field,
    `must be at most ${MAX_DEPLOYMENT_NAME} characters, got ${deploymentName.length} (${show(deploymentName)}): longer names are truncated in ` +
      "the pods' names, which the agent policy pins",
  );
  const alphabet = '[bcdfghjklmnpqrstvwxz2456789]';
  return `^${escapeRegex(deploymentName)}-${alphabet}{1,10}-${alphabet}{5}$`;
}

/** Escapes a literal for a regular expression (regorus and RE2 syntax). */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}-]/g, (c) => `\\${c}`);
}

function imageUid(facts: ImageFacts, field: Field): number {
  const user = facts.user.split(':')[0];
  check(
    user !== '',
    subField(field, `.runAsUser`),
    `is required: the image ${facts.image} sets no USER, so it would run as root, which the pod's runAsNonRoot forbids`,
  );
  check(
    /^[0-9]+$/.test(user),
    subField(field, `.runAsUser`),
    `is required: the image's USER is ${show(facts.user)}, a name, which the kubelet cannot ` +
      `verify as non-root and the runtime cannot resolve when the image is pulled in the guest`,
  );
  return Number(user);
}

/**
 * The kubelet expands `$(VAR)` and reduces `$$` in command, args and env values, so the container would not
 * receive what the policy pins; such values are refused.
 */
function literal(value: string, field: Field): string {
  check(typeof value === 'string', field, `must be a string, got ${show(value)}`);
  requireSynthTimeString(value, field);
  if (value.includes('$(') || value.includes('$$')) {
    throw inputError(
      field,
      `contains "$(" or "$$", which the kubelet rewrites ($(VAR) expansion) before the ` +
        `container sees it, so the agent policy could not pin the value; got ${show(value)}`,
    );
  }
  return value;
}
