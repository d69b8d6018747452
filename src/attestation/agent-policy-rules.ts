/**
 * The fixed Rego rules of the pod agent policy. Nothing here varies with the pod: everything that does is the
 * JSON `policy_data` appended after these rules (see `pod-policy-data.ts`), so no user string becomes Rego.
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
  'SignalProcessRequest',
  'StartContainerRequest',
  'StatsContainerRequest',
  'WaitProcessRequest',
] as const;

/** Requests decided by a rule below (default deny). */
export const RULE_DECIDED_REQUESTS = ['CopyFileRequest', 'CreateContainerRequest', 'CreateSandboxRequest', 'ReadStreamRequest'] as const;

/**
 * The Rego rules. `policy_data` (appended by the renderer) supplies:
 * `pod.namespace`, `pod.name` (a regex of the Deployment's pod names), `pod.annotations` (key -> value regex),
 * `sandbox.mounts`, `containers[]` (name, images, args, cwd, env, hostname_env, user, readonly_root,
 * no_new_privileges, capabilities, volumes, mounts) and `log_streaming`.
 */
export const POD_POLICY_RULES = String.raw`
CreateContainerRequest if {
	create_input_ok
	some c in policy_data.containers
	app_container_ok(c)
}

CreateContainerRequest if {
	create_input_ok
	pause_container_ok
}

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
MASKED_PATHS := ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"]

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

app_container_ok(c) if {
	oci := input.OCI
	a := oci.Annotations
	a["io.kubernetes.cri.container-type"] == "container"
	a["io.katacontainers.pkg.oci.container_type"] == "pod_container"
	a["io.kubernetes.cri.container-name"] == c.name
	a["io.kubernetes.cri.image-name"] in c.images
	not a["nerdctl/network-namespace"]
	pod_identity_ok(a)
	every key, value in a {
		annotation_ok(key, value)
	}
	image_storage_ok(c.images, "container")
	local_storages_ok(c.volumes, a["io.kubernetes.cri.sandbox-id"])
	mounts_ok(c.mounts, a["io.kubernetes.cri.sandbox-id"])
	oci.Root.Readonly == c.readonly_root
	oci.Linux.Sysctl == {}
	process_ok(c, oci.Process, a["io.kubernetes.cri.sandbox-name"])
}

# The pause container: the agent replaces its process with the pod VM's own pause bundle (the request's
# Args, Env and User are never used) when both the storage metadata and the annotations say "sandbox".
pause_container_ok if {
	oci := input.OCI
	a := oci.Annotations
	a["io.kubernetes.cri.container-type"] == "sandbox"
	a["io.katacontainers.pkg.oci.container_type"] == "pod_sandbox"
	not a["io.kubernetes.cri.container-name"]
	a["io.kubernetes.cri.sandbox-id"] == input.container_id
	pod_identity_ok(a)
	every key, value in a {
		annotation_ok(key, value)
	}
	image_storage_ok(["pause"], "sandbox")
	count(input.storages) == 1
	mounts_ok(policy_data.sandbox.mounts, input.container_id)
	oci.Root.Readonly == true
	every name, value in oci.Linux.Sysctl {
		policy_data.sandbox.sysctl[name] == value
	}
}

# Exactly one guest-pulled image: one this container may run, pinned by digest, mounted as its rootfs, with
# metadata of the same container type (the agent unpacks its own pause bundle when it says "sandbox").
image_storage_ok(images, container_type) if {
	pulls := [s | some s in input.storages; s.driver == "image_guest_pull"]
	count(pulls) == 1
	s := pulls[0]
	s.source in images
	s.fstype == "overlay"
	s.options == []
	is_null(s.fs_group)
	s.shared == false
	s.mount_point == input.OCI.Root.Path
	count(s.driver_options) == 1
	startswith(s.driver_options[0], "image_guest_pull=")
	pull := json.unmarshal(substring(s.driver_options[0], count("image_guest_pull="), -1))
	object.get(pull.metadata, "io.kubernetes.cri.container-type", "") == container_type
	object.get(pull.metadata, "io.kubernetes.cri-o.ContainerType", container_type) == container_type
}

# One local storage per emptyDir volume the container mounts, and nothing else.
local_storages_ok(volumes, sandbox_id) if {
	others := [s | some s in input.storages; s.driver != "image_guest_pull"]
	count(others) == count(volumes)
	every s in others {
		some v in volumes
		local_storage_ok(s, v, sandbox_id)
	}
	every v in volumes {
		some s in others
		local_storage_ok(s, v, sandbox_id)
	}
}

local_storage_ok(s, volume, sandbox_id) if {
	s.driver == "local"
	s.source == "local"
	s.fstype == "local"
	s.driver_options == []
	s.options == ["mode=0777"]
	is_null(s.fs_group)
	s.shared == false
	s.mount_point == concat("", [SHARED_DIR, sandbox_id, "/rootfs/local/", volume])
}

sandbox_shm_ok(s) if {
	s.driver == "ephemeral"
	s.source == "shm"
	s.fstype == "tmpfs"
	s.driver_options == []
	s.mount_point == "/run/kata-containers/sandbox/shm"
	is_null(s.fs_group)
	s.shared == false
	count(s.options) == 5
	every o in ["noexec", "nosuid", "nodev", "mode=1777"] {
		o in s.options
	}
	some size in s.options
	regex.match("^size=[0-9]+$", size)
}

# The mounts are exactly the ones the pod renders (by destination, type, options and source), each once.
mounts_ok(specs, sandbox_id) if {
	every m in input.OCI.Mounts {
		some spec in specs
		mount_ok(spec, m, sandbox_id)
	}
	every spec in specs {
		some m in input.OCI.Mounts
		m.destination == spec.destination
	}
}

mount_ok(spec, m, sandbox_id) if {
	m.destination == spec.destination
	m.type_ == spec.type
	count(m.options) == count({o | some o in m.options})
	every o in spec.options {
		o in m.options
	}
	every o in m.options {
		mount_option_ok(spec, o)
	}
	mount_source_ok(spec.source, m.source, sandbox_id)
}

mount_option_ok(spec, o) if {
	o in spec.options
}

mount_option_ok(spec, o) if {
	o in spec.optional_options
}

mount_source_ok(source, actual, _) if {
	actual == source.literal
}

# A file the runtime copied in for this container: <shared dir>/<container id>-<16 hex>-<name>.
mount_source_ok(source, actual, _) if {
	prefix := concat("", [SHARED_DIR, input.container_id, "-"])
	suffix := concat("", ["-", source.copied_file])
	startswith(actual, prefix)
	endswith(actual, suffix)
	regex.match("^[0-9a-f]{16}$", substring(actual, count(prefix), (count(actual) - count(prefix)) - count(suffix)))
}

mount_source_ok(source, actual, sandbox_id) if {
	actual == concat("", [SHARED_DIR, sandbox_id, "/rootfs/local/", source.local_volume])
}

process_ok(c, p, sandbox_name) if {
	p.SelinuxLabel == ""
	p.User.Username == ""
	p.Rlimits == []
	p.Args == c.args
	p.Cwd == c.cwd
	p.Terminal == false
	p.NoNewPrivileges == c.no_new_privileges
	p.User.UID == c.user.uid
	p.User.GID == c.user.gid
	{g | some g in p.User.AdditionalGids} == {g | some g in c.user.additional_gids}
	capabilities_ok(p.Capabilities, c.capabilities)
	env_ok(c, p.Env, sandbox_name)
}

capabilities_ok(caps, _) if {
	is_null(caps)
}

capabilities_ok(caps, allowed) if {
	is_object(caps)
	every set in ["Ambient", "Bounding", "Effective", "Inheritable", "Permitted"] {
		every cap in object.get(caps, set, []) {
			cap in allowed
		}
	}
}

# The environment is exactly the pod's: every variable the pod renders (image ENV, declared env, resource
# URLs) with its value, HOSTNAME as the pod's name, and the kubelet's API service variables; nothing else.
env_ok(c, env, sandbox_name) if {
	exact_names := {env_name(e) | some e in c.env}
	every e in env {
		env_entry_ok(c, e, exact_names, sandbox_name)
	}
	every e in c.env {
		e in env
	}
	hostname_ok(c, env, sandbox_name)
}

hostname_ok(c, _, _) if {
	c.hostname_env == false
}

hostname_ok(c, env, sandbox_name) if {
	c.hostname_env == true
	concat("", ["HOSTNAME=", sandbox_name]) in env
}

env_entry_ok(c, e, _, _) if {
	e in c.env
}

env_entry_ok(c, e, _, sandbox_name) if {
	c.hostname_env == true
	e == concat("", ["HOSTNAME=", sandbox_name])
}

env_entry_ok(_, e, exact_names, _) if {
	contains(e, "=")
	name := env_name(e)
	not name in exact_names
	regex.match(KUBERNETES_ENV[name], substring(e, count(name) + 1, -1))
}

env_name(e) := split(e, "=")[0]
`;
