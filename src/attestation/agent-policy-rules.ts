import { POD_CONTAINER_RULES } from './agent-policy-container-rules';

/**
 * The fixed Rego rules of the pod agent policy. Nothing here varies with the pod: everything that does is the
 * JSON `policy_data` appended after these rules (see `agent-policy.ts`), so no user string becomes Rego.
 *
 * The shapes checked are the kata agent 4.0.0's own request JSON (serde of its ttRPC messages) as the Go
 * runtime with the remote hypervisor (cloud-api-adaptor peer pods, guest image pull) sends it, after the
 * in-VM agent-protocol-forwarder appended the pod network namespace. docs/security.md lists what each rule
 * pins and why.
 */

/** Requests a running peer pod needs that carry nothing the host could use to change what runs. */
export const ALWAYS_ALLOWED_REQUESTS = [
  'DestroySandboxRequest',
  'GetOOMEventRequest',
  'GuestDetailsRequest',
  'RemoveContainerRequest',
  'RemoveStaleVirtiofsShareMountsRequest',
  'StatsContainerRequest',
  'WaitProcessRequest',
] as const;

/** Requests decided by a rule below (default deny). */
export const RULE_DECIDED_REQUESTS = [
  'CopyFileRequest',
  'CreateContainerRequest',
  'CreateSandboxRequest',
  'ReadStreamRequest',
  'SignalProcessRequest',
  'StartContainerRequest',
] as const;

/** The Rego MASKED_PATHS below (one list here, as it is too long for one line of the rules). */
const maskedPaths = [
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
];

/**
 * The request-level rules: which requests are decided how, what every CreateContainerRequest must look like,
 * the pod's identity and the annotations it may carry. `policy_data` (appended by the renderer) supplies:
 * `pod.namespace`, `pod.name` (a regex of the Deployment's pod names), `pod.annotations` (key -> value regex),
 * `sandbox.mounts`, `containers[]` (name, images, args, cwd, env, hostname_env, user, readonly_root,
 * no_new_privileges, capabilities, volumes, mounts) and `log_streaming`.
 */
export const POD_REQUEST_RULES = String.raw`
# The pause container opens the pod VM's one sandbox: its id is recorded in the policy state (the agent applies
# "ops" only to an allowed request), and no second sandbox is admitted.
CreateContainerRequest := {"allowed": true, "ops": [state_add("sandbox_id", input.container_id)]} if {
	not data.pstate.sandbox_id
	create_input_ok
	pause_container_ok
}

# A container of the pod, in the recorded sandbox; with an ingress filter, nothing but the filter until it has started.
CreateContainerRequest := {"allowed": true, "ops": ops} if {
	create_input_ok
	input.OCI.Annotations["io.kubernetes.cri.sandbox-id"] == data.pstate.sandbox_id
	some c in policy_data.containers
	app_container_ok(c)
	ops := container_ops(c)
}

# The ingress filter may be created again until one has started (the kubelet retries a failed pull or create under a
# new container id); the id of the last one created is recorded, and its start opens the pod.
container_ops(c) := [state_add("filter_id", input.container_id)] if {
	c.ingress_filter == true
	not data.pstate.filter_started
}

container_ops(c) := [] if {
	c.ingress_filter == false
	filter_has_started
}

filter_has_started if {
	policy_data.ingress_filter == false
}

filter_has_started if {
	data.pstate.filter_started == true
}

is_filter(container_id) if {
	data.pstate.filter_id == container_id
}

StartContainerRequest := true if {
	not is_filter(input.container_id)
}

# Starting the filter opens the pod to its other containers (recorded once).
StartContainerRequest := {"allowed": true, "ops": [state_add("filter_started", true)]} if {
	is_filter(input.container_id)
	not data.pstate.filter_started
}

# No signal reaches the ingress filter through the agent. This does not make it unstoppable: RemoveContainerRequest,
# which teardown needs, stays allowed, so a racing host can still end it between its start and its ruleset loading
# (docs/security.md, what remains). (The runtime's own SIGKILL after the filter exits ignores a refusal.)
SignalProcessRequest if {
	not is_filter(input.container_id)
}

state_add(key, value) := {"op": "add", "path": concat("", ["/pstate/", key]), "value": value}

CreateSandboxRequest if {
	input.sandbox_pidns == false
	input.guest_hook_path == ""
	input.kernel_modules == []
	regex.match(policy_data.pod.name, input.hostname)
	every s in input.storages {
		sandbox_shm_ok(s)
	}
}

# Only the files the runtime copies for this pod's containers (hosts, hostname, resolv.conf,
# termination-log), as regular files directly in the shared directory: no directories, no symlinks.
CopyFileRequest if {
	input.file_type == "Regular"
	regex.match(COPY_FILE_PATH, input.path)
}

ReadStreamRequest if {
	policy_data.log_streaming == true
}

COPY_FILE_PATH := "^/run/kata-containers/shared/containers/[0-9a-f]{64}-[0-9a-f]{16}-(hosts|hostname|resolv\\.conf|termination-log)$"

SHARED_DIR := "/run/kata-containers/shared/containers/"

# Paths every container must have masked (kubelet's and containerd's lists agree on these), and paths that must
# be read-only or masked. More masking is fine.
MASKED_PATHS := [${maskedPaths.map((path) => `"${path}"`).join(', ')}]

READONLY_PATHS := ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

# The variables the kubelet adds for the cluster's API service (enableServiceLinks is false, so only these):
# an IPv4 address or, where an admission webhook rewrites them, a DNS name.
KUBERNETES_ENV := {
	"KUBERNETES_SERVICE_HOST": "^(?:[0-9]{1,3}\\.){3}[0-9]{1,3}$|^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$",
	"KUBERNETES_SERVICE_PORT": "^[0-9]{1,5}$",
	"KUBERNETES_SERVICE_PORT_HTTPS": "^[0-9]{1,5}$",
	"KUBERNETES_PORT": "^tcp://(?:(?:[0-9]{1,3}\\.){3}[0-9]{1,3}|[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?):[0-9]{1,5}$",
	"KUBERNETES_PORT_443_TCP": "^tcp://(?:(?:[0-9]{1,3}\\.){3}[0-9]{1,3}|[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?):443$",
	"KUBERNETES_PORT_443_TCP_PROTO": "^tcp$",
	"KUBERNETES_PORT_443_TCP_PORT": "^443$",
	"KUBERNETES_PORT_443_TCP_ADDR": "^(?:[0-9]{1,3}\\.){3}[0-9]{1,3}$|^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$",
}

# Annotations the runtime adds to every container besides the io.kubernetes.cri.* ones.
RUNTIME_ANNOTATIONS := {
	"io.katacontainers.pkg.oci.bundle_path": "^/run/containerd/io\\.containerd\\.runtime\\.v2\\.task/k8s\\.io/[0-9a-f]{64}$",
	"io.katacontainers.pkg.oci.container_type": "^pod_(?:container|sandbox)$",
	"io.kubernetes.container.terminationMessagePath": "^/dev/termination-log$",
	"io.kubernetes.container.terminationMessagePolicy": "^File$",
	"nerdctl/network-namespace": "^/var/run/netns/cni-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
}

# What every container request must look like, whoever it is for: no hooks (they would run host-chosen
# programs in the guest), no devices, no extra namespaces, the rootfs where the pulled image is mounted.
create_input_ok if {
	regex.match("^[0-9a-f]{64}$", input.container_id)
	input.exec_id == input.container_id
	input.sandbox_pidns == false
	is_null(input.string_user)
	input.shared_mounts == []
	input.devices == []
	oci := input.OCI
	is_null(oci.Hooks)
	is_null(oci.Solaris)
	is_null(oci.Windows)
	oci.Root.Path == concat("", ["/run/kata-containers/", input.container_id, "/rootfs"])
	linux := oci.Linux
	is_null(linux.Seccomp)
	is_null(linux.IntelRdt)
	linux.UIDMappings == []
	linux.GIDMappings == []
	linux.MountLabel == ""
	linux.RootfsPropagation == ""
	linux.Devices == []
	linux.Resources.Devices == []
	is_null(linux.Resources.BlockIO)
	is_null(linux.Resources.Network)
	is_null(linux.Resources.Pids)
	not regex.match("(?:^|[/:])\\.\\.(?:$|[/:])", linux.CgroupsPath)
	namespaces_ok(linux.Namespaces)
	masked_paths_ok(linux)
	count({m.destination | some m in oci.Mounts}) == count(oci.Mounts)
}

namespaces_ok(namespaces) if {
	types := [ns.Type | some ns in namespaces]
	count(types) == count({t | some t in types})
	{t | some t in types} == {"ipc", "uts", "mount", "network"}
	every ns in namespaces {
		namespace_ok(ns)
	}
}

namespace_ok(ns) if {
	ns.Type in {"ipc", "uts", "mount"}
	ns.Path == ""
}

namespace_ok(ns) if {
	ns.Type == "network"
	ns.Path == "/run/netns/podns"
}

masked_paths_ok(linux) if {
	every p in MASKED_PATHS {
		p in linux.MaskedPaths
	}
	every p in READONLY_PATHS {
		readonly_or_masked(p, linux)
	}
}

readonly_or_masked(p, linux) if {
	p in linux.ReadonlyPaths
}

readonly_or_masked(p, linux) if {
	p in linux.MaskedPaths
}

pod_identity_ok(annotations) if {
	annotations["io.kubernetes.cri.sandbox-namespace"] == policy_data.pod.namespace
	regex.match(policy_data.pod.name, annotations["io.kubernetes.cri.sandbox-name"])
	regex.match("^[0-9a-f]{64}$", annotations["io.kubernetes.cri.sandbox-id"])
}

# Every annotation is containerd's (io.kubernetes.cri.*), the runtime's, or a pod annotation this pod sets;
# anything else (cloud volumes, CDI devices, ...) could make the forwarder or the agent act on it.
annotation_ok(key, _) if {
	startswith(key, "io.kubernetes.cri.")
}

annotation_ok(key, value) if {
	regex.match(RUNTIME_ANNOTATIONS[key], value)
}

annotation_ok(key, value) if {
	regex.match(policy_data.pod.annotations[key], value)
}
`;

/** The fixed Rego rules of the pod policy: the request rules, then the container rules. */
export const POD_POLICY_RULES = `${POD_REQUEST_RULES.trimEnd()}\n\n${POD_CONTAINER_RULES}`;
