/**
 * The container rules of the pod agent policy: one of the pod's containers, or its pause container, exactly as
 * the runtime creates it (image storage, local volumes, mounts, process, environment). Used by
 * `agent-policy-rules.ts`; fixed text, everything that varies is `policy_data`.
 */
export const POD_CONTAINER_RULES = String.raw`app_container_ok(c) if {
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

# No capability at all, or exactly the container's: containerd puts the added ones in the bounding, effective and
# permitted sets and none in the inheritable and ambient ones. Fewer would make the ingress filter fail open.
capabilities_ok(caps, allowed) if {
	count(allowed) == 0
	is_null(caps)
}

capabilities_ok(caps, allowed) if {
	is_object(caps)
	every set in ["Bounding", "Effective", "Permitted"] {
		{cap | some cap in object.get(caps, set, [])} == {cap | some cap in allowed}
	}
	every set in ["Ambient", "Inheritable"] {
		count(object.get(caps, set, [])) == 0
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
