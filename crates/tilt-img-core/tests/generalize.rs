//! Hand-written CRDs that are not in the corpus: shapes and look-alikes the
//! inference must judge from names, descriptions and structure alone
//! (run without the knowledge base).

use std::fs;
use tempfile::TempDir;
use tilt_img_core::scan::{ScanOptions, scan};

fn crd(group: &str, kind: &str, spec_props: &str) -> String {
    let indented: String = spec_props
        .lines()
        .map(|l| format!("              {l}\n"))
        .collect();
    format!(
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: x.{group}\nspec:\n  group: {group}\n  names: {{kind: {kind}, plural: x}}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n{indented}"
    )
}

fn fields_of(yaml: &str) -> Vec<String> {
    let d = TempDir::new().unwrap();
    fs::write(d.path().join("crd.yaml"), yaml).unwrap();
    let out = scan(
        &[d.path().to_path_buf()],
        &ScanOptions {
            no_knowledge: true,
            ..Default::default()
        },
    );
    out.report
        .kinds
        .iter()
        .flat_map(|k| k.fields.iter().map(|f| f.field.to_string()))
        .collect()
}

#[test]
fn image_plus_version_described_as_tag_is_a_split() {
    let f = fields_of(&crd(
        "argoproj.io",
        "ArgoCD",
        "image:\n  type: string\n  description: Image is the ArgoCD container image.\nversion:\n  type: string\n  description: Version is the tag to use with the ArgoCD container image.\n",
    ));
    assert_eq!(f, vec!["spec.{image, version}"]);
}

#[test]
fn build_push_targets_and_pictures_are_not_images() {
    let f = fields_of(&crd(
        "shipwright.io",
        "Build",
        "output:\n  type: object\n  properties:\n    image:\n      type: string\n      description: Image is the reference of the image.\nlogoImage:\n  type: string\n  description: URL of the logo shown in the UI.\ndiskImage:\n  type: string\n  description: The virtual machine disk image to boot.\nbuilderImage:\n  type: string\n  description: The image of the builder container that runs the build.\n",
    ));
    assert_eq!(f, vec!["spec.builderImage"]);
}

#[test]
fn maps_and_lists_of_components() {
    let f = fields_of(&crd(
        "acme.example.com",
        "Stack",
        "components:\n  type: array\n  items:\n    type: object\n    properties:\n      name: {type: string}\n      image: {type: string}\nreplicas:\n  type: object\n  additionalProperties:\n    type: object\n    properties:\n      template:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              containers:\n                type: array\n                items:\n                  type: object\n                  properties:\n                    name: {type: string}\n                    image: {type: string}\n              ephemeralContainers:\n                type: array\n                items:\n                  type: object\n                  properties:\n                    image: {type: string}\n",
    ));
    assert_eq!(
        f,
        vec![
            "spec.components[*].image",
            "spec.replicas.*.template.spec.containers[*].image"
        ]
    );
}

#[test]
fn registry_repository_tag_and_hub_splits() {
    let f = fields_of(&crd(
        "acme.example.com",
        "Engine",
        "image:\n  type: object\n  properties:\n    registry: {type: string}\n    repository: {type: string}\n    tag: {type: string}\n    pullPolicy: {type: string}\nproxy:\n  type: object\n  properties:\n    hub: {type: string, description: Hub to pull the image from.}\n    image: {type: string, description: Image name without registry.}\n    tag: {type: string}\n",
    ));
    assert_eq!(
        f,
        vec![
            "spec.image.{registry, repository, tag}",
            "spec.proxy.{hub, image, tag}"
        ]
    );
}

#[test]
fn pull_policies_secrets_tags_and_status_are_never_images() {
    let f = fields_of(&crd(
        "acme.example.com",
        "Quiet",
        "imagePullPolicy: {type: string}\nimagePullSecrets:\n  type: array\n  items: {type: object, properties: {name: {type: string}}}\ntag: {type: string, description: The tag of the event.}\nversion: {type: string, description: Version of the app.}\nstatus:\n  type: object\n  properties:\n    image: {type: string}\n",
    ));
    assert!(f.is_empty(), "{f:?}");
}

#[test]
fn served_versions_that_keep_images_elsewhere_get_their_own_lines() {
    let yaml = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: apps.acme.example.com\nspec:\n  group: acme.example.com\n  names: {kind: App, plural: apps}\n  scope: Namespaced\n  versions:\n  - name: v1alpha1\n    served: true\n    storage: false\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              image: {type: string}\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            required: [runtime]\n            properties:\n              runtime:\n                type: object\n                required: [image]\n                properties:\n                  image: {type: string}\n";
    let d = TempDir::new().unwrap();
    fs::write(d.path().join("crd.yaml"), yaml).unwrap();
    let out = scan(
        &[d.path().to_path_buf()],
        &ScanOptions {
            no_knowledge: true,
            ..Default::default()
        },
    );
    let k = &out.report.kinds[0];
    assert_eq!(k.versions, vec!["v1", "v1alpha1"]);
    assert_eq!(
        k.fields
            .iter()
            .map(|f| f.field.to_string())
            .collect::<Vec<_>>(),
        vec!["spec.runtime.image"]
    );
    assert_eq!(k.fields_by_version.len(), 1);
    let tilt = k.tilt.as_deref().unwrap();
    assert!(tilt.contains("k8s_kind('^App$', api_version='^acme\\\\.example\\\\.com/v1$', image_json_path='{.spec.runtime.image}')"), "{tilt}");
    assert!(tilt.contains("api_version='^acme\\\\.example\\\\.com/v1alpha1$', image_json_path='{[?(@.image)].image}')"), "{tilt}");
}

#[test]
fn lists_are_expanded_and_objects_keep_file_and_line() {
    let d = TempDir::new().unwrap();
    fs::write(
        d.path().join("list.yaml"),
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: acme.example.com/v1\n  kind: Widget\n  metadata: {name: a}\n  spec: {image: acme/a:1}\n- apiVersion: acme.example.com/v1\n  kind: WidgetList\n  items:\n  - apiVersion: acme.example.com/v1\n    kind: Widget\n    metadata: {name: b}\n    spec: {image: acme/b:1}\n",
    )
    .unwrap();
    let out = scan(
        &[d.path().to_path_buf()],
        &ScanOptions {
            no_knowledge: true,
            ..Default::default()
        },
    );
    let k = &out.report.kinds[0];
    let seen: Vec<(String, u32)> = k
        .images
        .iter()
        .map(|i| (i.reference.clone(), i.line))
        .collect();
    assert_eq!(
        seen,
        vec![("acme/a:1".to_string(), 7), ("acme/b:1".to_string(), 14)]
    );
    assert_eq!(
        k.instances.iter().map(|i| i.line).collect::<Vec<_>>(),
        vec![4, 11]
    );
}

#[test]
fn a_documented_split_overrides_the_name_heuristic() {
    // Temporal's operator runs `image:version`; the schema alone reads
    // `image` as a whole reference, the knowledge base knows better.
    let yaml = crd(
        "temporal.io",
        "TemporalCluster",
        "image: {type: string, description: Image defines the temporal server docker image the cluster should use for each services.}\nversion: {type: string, description: Version defines the temporal version the cluster to be deployed.}\n",
    );
    assert_eq!(
        fields_of(&yaml),
        vec!["spec.image"],
        "without knowledge the schema guess stands"
    );
    let d = TempDir::new().unwrap();
    fs::write(d.path().join("crd.yaml"), &yaml).unwrap();
    let out = scan(&[d.path().to_path_buf()], &ScanOptions::default());
    let f: Vec<String> = out.report.kinds[0]
        .fields
        .iter()
        .map(|f| f.field.to_string())
        .collect();
    assert_eq!(f, vec!["spec.{image, version}"]);
}
