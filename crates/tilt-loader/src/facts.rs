//! Kinds Tilt handles by itself: it injects images into `containers` and
//! `initContainers` of these (not `ephemeralContainers`), so they get no
//! `k8s_kind`, only a listing of their images.

use crate::fieldpath::FieldPath;

/// API groups of Kubernetes itself: objects there are not custom kinds.
const BUILTIN_GROUPS: &[&str] = &[
    "",
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "extensions",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "apiextensions.k8s.io",
    "admissionregistration.k8s.io",
    "apiregistration.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "node.k8s.io",
    "certificates.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "events.k8s.io",
    "resource.k8s.io",
    "internal.apiserver.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "storagemigration.k8s.io",
];

pub fn is_builtin_group(group: &str) -> bool {
    BUILTIN_GROUPS.contains(&group)
}

/// Where the pod spec sits in each pod-bearing built-in kind.
pub fn pod_spec_path(group: &str, kind: &str) -> Option<FieldPath> {
    let root = FieldPath::root();
    Some(match (group, kind) {
        ("", "Pod") => root.key("spec"),
        ("", "PodTemplate") => root.key("template").key("spec"),
        ("", "ReplicationController")
        | ("apps" | "extensions", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet")
        | ("batch", "Job") => root.key("spec").key("template").key("spec"),
        ("batch", "CronJob") => root
            .key("spec")
            .key("jobTemplate")
            .key("spec")
            .key("template")
            .key("spec"),
        _ => return None,
    })
}

/// The container lists Tilt injects into.
pub const INJECTED_LISTS: [&str; 2] = ["containers", "initContainers"];
