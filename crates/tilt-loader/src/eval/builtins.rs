//! Tilt's builtins that declare objects, images and how to find images:
//! `k8s_yaml`, `k8s_kind`, `k8s_image_json_path`, `k8s_resource`,
//! `docker_build`, `custom_build`, `default_registry`, `update_settings`.
//! Argument names, defaults and error texts follow Tilt (internal/tiltfile).

use super::args::{Spec, Via, shown};
use super::context::{Ctx, ctx, fail};
use super::values::{Blob, parse_yaml_stream, text_of};
use crate::jsonpath::JsonPath;
use crate::state::*;
use starlark::environment::GlobalsBuilder;
use starlark::eval::Evaluator;
use starlark::starlark_module;
use starlark::values::dict::DictRef;
use starlark::values::list::ListRef;
use starlark::values::none::NoneType;
use starlark::values::tuple::UnpackTuple;
use starlark::values::{Value, ValueLike};

pub type Args<'v> = UnpackTuple<Value<'v>>;

pub fn kw<'v>(kwargs: &DictRef<'v>) -> Vec<(String, Value<'v>)> {
    kwargs
        .iter()
        .map(|(k, v)| (k.unpack_str().unwrap_or_default().to_string(), v))
        .collect()
}

/// Unpacks with Go's messages, raising them as `Error in <func>`.
pub fn unpack<'v>(
    func: &str,
    spec: &[&str],
    args: &Args<'v>,
    kwargs: &DictRef<'v>,
) -> anyhow::Result<super::args::Unpacked<'v>> {
    Spec(spec)
        .unpack(func, &args.items, &kw(kwargs))
        .map_err(|m| fail(func, m))
}

/// Column (1-based) of the current call's `(`, where Go's positions point.
pub fn call_column(eval: &Evaluator<'_, '_, '_>) -> u32 {
    eval.call_stack_top_location()
        .map(|l| {
            let text = l.file.source_span(l.span);
            (l.resolve_span().begin.column + text.find('(').unwrap_or(0) + 1) as u32
        })
        .unwrap_or(0)
}

/// Current call line (1-based) in the running file.
pub fn call_line(eval: &Evaluator<'_, '_, '_>) -> u32 {
    eval.call_stack_top_location()
        .map(|l| l.resolve_span().begin.line as u32 + 1)
        .unwrap_or(0)
}

pub fn type_name(v: Value<'_>) -> String {
    match v.get_type() {
        "NoneType" => "NoneType".into(),
        t => t.to_string(),
    }
}

/// A plain string parameter, with Go's `got X, want string`.
pub fn string_arg(
    func: &str,
    name: &str,
    v: Option<Value<'_>>,
    via: Via,
) -> anyhow::Result<String> {
    match v {
        None => Ok(String::new()),
        Some(v) => v.unpack_str().map(str::to_string).ok_or_else(|| {
            fail(
                func,
                format!(
                    "{func}: for parameter {}: got {}, want string",
                    shown(name, via),
                    type_name(v)
                ),
            )
        }),
    }
}

pub fn bool_arg(func: &str, name: &str, v: Option<Value<'_>>, via: Via) -> anyhow::Result<bool> {
    match v {
        None => Ok(false),
        Some(v) => v.unpack_bool().ok_or_else(|| {
            fail(
                func,
                format!(
                    "{func}: for parameter {}: got {}, want bool",
                    shown(name, via),
                    type_name(v)
                ),
            )
        }),
    }
}

/// Elements of a list or tuple, or a single value.
pub fn items<'v>(v: Value<'v>) -> Vec<Value<'v>> {
    if let Some(l) = ListRef::from_value(v) {
        return l.iter().collect();
    }
    if let Some(t) = starlark::values::tuple::TupleRef::from_value(v) {
        return t.iter().collect();
    }
    vec![v]
}

fn string_list(
    func: &str,
    name: &str,
    v: Option<Value<'_>>,
    via: Via,
) -> anyhow::Result<Vec<String>> {
    let Some(v) = v else { return Ok(vec![]) };
    if v.is_none() {
        return Ok(vec![]);
    }
    let mut out = Vec::new();
    for item in items(v) {
        match item.unpack_str() {
            Some(s) => out.push(s.to_string()),
            None => {
                return Err(fail(
                    func,
                    format!(
                        "{func}: for parameter {}: Expected string, got: {}",
                        shown(name, via),
                        item.to_repr()
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// Entities from a `k8s_yaml` argument: a path, a Blob, or a list of them.
fn entities_from(c: &Ctx, v: Value<'_>, out: &mut Vec<Entity>) -> anyhow::Result<()> {
    const F: &str = "k8s_yaml";
    if ListRef::from_value(v).is_some() {
        for item in items(v) {
            entities_from(c, item, out)?;
        }
        return Ok(());
    }
    let text = if let Some(b) = v.downcast_ref::<Blob>() {
        b.text.clone()
    } else if let Some(p) = v.unpack_str() {
        match c.read(F, p)? {
            Some(t) => t,
            None => {
                return Err(fail(
                    F,
                    format!(
                        "error reading yaml file: open {}: no such file or directory",
                        c.display(&c.abs(p))
                    ),
                ));
            }
        }
    } else {
        return Err(fail(
            F,
            format!(
                "expected blob | path (string). Actual type: {}",
                type_name(v)
            ),
        ));
    };
    let docs = parse_yaml_stream(&text).map_err(|e| fail(F, e))?;
    for d in docs {
        push_entity(d, out);
    }
    Ok(())
}

/// Adds an object, expanding `List` kinds as Tilt's YAML decoder does.
pub fn push_entity(doc: serde_json::Value, out: &mut Vec<Entity>) {
    let is_list = doc
        .get("kind")
        .and_then(|k| k.as_str())
        .is_some_and(|k| k.ends_with("List"))
        && doc.get("items").is_some_and(|i| i.is_array());
    if is_list {
        if let Some(serde_json::Value::Array(items)) = doc.get("items") {
            for i in items {
                push_entity(i.clone(), out);
            }
        }
        return;
    }
    if let Some(e) = Entity::from_json(doc) {
        out.push(e);
    }
}

fn json_path(func: &str, text: &str) -> anyhow::Result<JsonPath> {
    JsonPath::parse(text).map_err(|e| fail(func, e))
}

/// `image_json_path`: a string or a list of strings.
fn json_paths(func: &str, v: Option<Value<'_>>, via: Via) -> anyhow::Result<Vec<Locator>> {
    let mut out = Vec::new();
    for p in string_list(func, "image_json_path", v, via)? {
        out.push(Locator::JsonPath(json_path(func, &p)?));
    }
    Ok(out)
}

/// `image_object`: `{'json_path': str, 'repo_field': str, 'tag_field': str}`.
fn image_object(func: &str, v: Value<'_>, via: Via) -> anyhow::Result<Locator> {
    let form = "Expected dict of the form {'json_path': str, 'repo_field': str, 'tag_field': str}";
    let param = shown("image_object", via);
    let Some(d) = DictRef::from_value(v) else {
        return Err(fail(
            func,
            format!(
                "{func}: for parameter {param}: {form}. Actual: {}",
                v.to_repr()
            ),
        ));
    };
    let keys: Vec<String> = d
        .iter()
        .map(|(k, _)| {
            k.unpack_str()
                .map(|s| format!("{s:?}"))
                .unwrap_or_else(|| k.to_repr())
        })
        .collect();
    let get = |k: &str| {
        d.iter()
            .find(|(kk, _)| kk.unpack_str() == Some(k))
            .and_then(|(_, v)| v.unpack_str().map(str::to_string))
    };
    match (get("json_path"), get("repo_field"), get("tag_field")) {
        (Some(p), Some(r), Some(t)) if d.len() == 3 => Ok(Locator::ImageObject {
            path: json_path(func, &p)?,
            repo_field: r,
            tag_field: t,
        }),
        _ => Err(fail(
            func,
            format!(
                "{func}: for parameter {param}: {form}: Missing keys. Actual keys: [{}]",
                keys.join(" ")
            ),
        )),
    }
}

#[starlark_module]
pub fn k8s_builtins(builder: &mut GlobalsBuilder) {
    fn k8s_yaml<'v>(
        #[starlark(args)] args: Args<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<NoneType> {
        let a = unpack("k8s_yaml", &["yaml", "allow_duplicates?"], &args, &kwargs)?;
        let c = ctx(eval);
        let mut found = Vec::new();
        if let Some(v) = a.get(0) {
            entities_from(c, v, &mut found)?;
        }
        c.state.borrow_mut().entities.extend(found);
        Ok(NoneType)
    }

    fn k8s_kind<'v>(
        #[starlark(args)] args: Args<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<NoneType> {
        const F: &str = "k8s_kind";
        if args.items.len() > 1 {
            return Err(fail(
                F,
                format!("{F}: got {} arguments, want at most 1", args.items.len()),
            ));
        }
        let a = unpack(
            F,
            &[
                "kind",
                "image_json_path?",
                "api_version?",
                "image_object?",
                "pod_readiness?",
            ],
            &args,
            &kwargs,
        )?;
        let kind = string_arg(F, "kind", a.get(0), a.via(0))?;
        let api_version = string_arg(F, "api_version", a.get(2), a.via(2))?;
        let selector =
            ObjectSelector::partial(&api_version, &kind, "", "").map_err(|e| fail(F, e))?;
        let paths = json_paths(F, a.get(1).filter(|v| !v.is_none()), a.via(1))?;
        let object = match a.get(3).filter(|v| !v.is_none()) {
            Some(v) => Some(image_object(F, v, a.via(3))?),
            None => None,
        };
        if !paths.is_empty() && object.is_some() {
            return Err(fail(
                F,
                "Cannot specify both image_json_path and image_object",
            ));
        }
        let locators = if paths.is_empty() {
            object.into_iter().collect()
        } else {
            paths
        };
        ctx(eval)
            .state
            .borrow_mut()
            .kinds
            .push(KindInfo { selector, locators });
        Ok(NoneType)
    }

    fn k8s_image_json_path<'v>(
        #[starlark(args)] args: Args<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<NoneType> {
        const F: &str = "k8s_image_json_path";
        let a = unpack(
            F,
            &["paths", "api_version?", "kind?", "name?", "namespace?"],
            &args,
            &kwargs,
        )?;
        let s = |i: usize, n: &str| string_arg(F, n, a.get(i), a.via(i));
        let (api, kind, name, ns) = (
            s(1, "api_version")?,
            s(2, "kind")?,
            s(3, "name")?,
            s(4, "namespace")?,
        );
        if kind.is_empty() && name.is_empty() && ns.is_empty() {
            return Err(fail(
                F,
                "at least one of kind, name, or namespace must be specified",
            ));
        }
        let selector = ObjectSelector::partial(&api, &kind, &name, &ns).map_err(|e| fail(F, e))?;
        let mut locators = Vec::new();
        for p in string_list(F, "paths", a.get(0), a.via(0))? {
            locators.push(Locator::JsonPath(json_path(F, &p)?));
        }
        ctx(eval)
            .state
            .borrow_mut()
            .kinds
            .push(KindInfo { selector, locators });
        Ok(NoneType)
    }

    fn k8s_resource<'v>(
        #[starlark(args)] args: Args<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<NoneType> {
        const F: &str = "k8s_resource";
        let a = unpack(
            F,
            &[
                "workload?",
                "new_name?",
                "port_forwards?",
                "extra_pod_selectors?",
                "trigger_mode?",
                "resource_deps?",
                "objects?",
                "auto_init?",
                "pod_readiness?",
                "links?",
                "labels?",
                "discovery_strategy?",
            ],
            &args,
            &kwargs,
        )?;
        let workload = string_arg(F, "workload", a.get(0), a.via(0))?;
        let new_name = string_arg(F, "new_name", a.get(1), a.via(1))?;
        let objects = string_list(F, "objects", a.get(6), a.via(6))?;
        let resource_deps = string_list(F, "resource_deps", a.get(5), a.via(5))?;
        if workload.is_empty() && new_name.is_empty() {
            return Err(fail(
                F,
                "k8s_resource: At least one of workload or new_name must be specified",
            ));
        }
        let manually_grouped = workload.is_empty();
        if manually_grouped && objects.is_empty() {
            return Err(fail(
                F,
                "k8s_resource doesn't specify a workload or any objects. All non-workload resources must specify 1 or more objects",
            ));
        }
        let line = call_line(eval);
        let workload = if manually_grouped {
            new_name.clone()
        } else {
            workload
        };
        ctx(eval)
            .state
            .borrow_mut()
            .resource_opts
            .push(ResourceOpts {
                workload,
                new_name,
                objects,
                manually_grouped,
                resource_deps,
                position: format!("./Tiltfile:{line}:{}", call_column(eval)),
            });
        Ok(NoneType)
    }

    fn docker_build<'v>(
        #[starlark(args)] args: Args<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<NoneType> {
        const F: &str = "docker_build";
        let a = unpack(
            F,
            &[
                "ref",
                "context",
                "build_args?",
                "dockerfile?",
                "dockerfile_contents?",
                "cache?",
                "live_update?",
                "match_in_env_vars?",
                "ignore?",
                "only?",
                "entrypoint?",
                "container_args?",
                "target?",
                "ssh?",
                "secret?",
                "network?",
                "extra_tag?",
                "cache_from?",
                "pull?",
                "platform?",
                "extra_hosts?",
            ],
            &args,
            &kwargs,
        )?;
        let r = string_arg(F, "ref", a.get(0), a.via(0))?;
        crate::refs::parse_ref(&r)
            .map_err(|e| fail(F, format!("Argument 1 (ref): can't parse {r:?}: {e}")))?;
        let c = ctx(eval);
        let context_abs = a.get(1).and_then(text_of).map(|p| c.abs(&p));
        let context = context_abs
            .as_ref()
            .map(|p| c.display(p))
            .unwrap_or_default();
        let dockerfile = match a.get(3).and_then(text_of) {
            Some(p) => Some(c.abs(&p)),
            None => context_abs.map(|d| d.join("Dockerfile")),
        };
        if a.get(3).is_some_and(|v| !v.is_none()) && a.get(4).is_some_and(|v| !v.is_none()) {
            return Err(fail(
                F,
                "Cannot specify both dockerfile and dockerfile_contents keyword arguments",
            ));
        }
        let match_in_env_vars = bool_arg(F, "match_in_env_vars", a.get(7), a.via(7))?;
        let line = call_line(eval);
        // Read now, through the sandbox (outside it, a FIFO or a device is
        // never opened): assembly only needs its `FROM` lines.
        let dockerfile_text = match (a.get(4).and_then(text_of), &dockerfile) {
            (Some(t), _) => Some(t),
            (None, Some(p)) => match c.read_abs(F, p) {
                Ok(t) => t,
                Err(_) => {
                    c.state.borrow_mut().sandboxed.push((
                        format!("docker_build(dockerfile={:?})", p.display().to_string()),
                        line,
                    ));
                    None
                }
            },
            (None, None) => None,
        };
        c.state.borrow_mut().images.push(ImageTarget {
            ref_text: r,
            build: BuildKind::Docker,
            context: Some(context),
            command: None,
            disable_push: false,
            skips_local_docker: false,
            tag: None,
            outputs_image_ref_to: None,
            match_in_env_vars,
            dockerfile,
            dockerfile_text,
            line,
        });
        Ok(NoneType)
    }

    fn custom_build<'v>(
        #[starlark(args)] args: Args<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<NoneType> {
        const F: &str = "custom_build";
        let a = unpack(
            F,
            &[
                "ref",
                "command",
                "deps",
                "tag?",
                "disable_push?",
                "skips_local_docker?",
                "live_update?",
                "match_in_env_vars?",
                "ignore?",
                "entrypoint?",
                "container_args?",
                "command_bat_val",
                "outputs_image_ref_to",
                "command_bat",
                "image_deps",
                "env?",
                "dir?",
            ],
            &args,
            &kwargs,
        )?;
        let r = string_arg(F, "ref", a.get(0), a.via(0))?;
        crate::refs::parse_ref(&r)
            .map_err(|e| fail(F, format!("Argument 1 (ref): can't parse {r:?}: {e}")))?;
        let command = match a.get(1) {
            Some(v) if v.unpack_str().is_some() => {
                let s = v.unpack_str().unwrap_or_default().to_string();
                if s.is_empty() {
                    vec![]
                } else {
                    vec!["sh".to_string(), "-c".to_string(), s]
                }
            }
            Some(v) if ListRef::from_value(v).is_some() => items(v)
                .iter()
                .map(|x| {
                    x.unpack_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_str())
                })
                .collect(),
            _ => vec![],
        };
        if command.is_empty() && a.get(13).is_none() && a.get(11).is_none() {
            return Err(fail(F, "Argument 2 (command) can't be empty"));
        }
        let tag = string_arg(F, "tag", a.get(3), a.via(3))?;
        let disable_push = bool_arg(F, "disable_push", a.get(4), a.via(4))?;
        let skips_local_docker = bool_arg(F, "skips_local_docker", a.get(5), a.via(5))?;
        let match_in_env_vars = bool_arg(F, "match_in_env_vars", a.get(7), a.via(7))?;
        let c = ctx(eval);
        let outputs = a
            .get(12)
            .and_then(text_of)
            .filter(|s| !s.is_empty())
            .map(|p| c.display(&c.abs(&p)));
        if !tag.is_empty() && outputs.is_some() {
            return Err(fail(
                F,
                "Cannot specify both tag= and outputs_image_ref_to=",
            ));
        }
        let line = call_line(eval);
        c.state.borrow_mut().images.push(ImageTarget {
            ref_text: r,
            build: BuildKind::Custom,
            context: None,
            command: Some(command),
            disable_push,
            skips_local_docker,
            tag: (!tag.is_empty()).then_some(tag),
            outputs_image_ref_to: outputs,
            match_in_env_vars,
            dockerfile: None,
            dockerfile_text: None,
            line,
        });
        Ok(NoneType)
    }

    fn default_registry<'v>(
        #[starlark(args)] args: Args<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<NoneType> {
        const F: &str = "default_registry";
        let a = unpack(
            F,
            &["host", "host_from_cluster?", "single_name?"],
            &args,
            &kwargs,
        )?;
        let host = string_arg(F, "host", a.get(0), a.via(0))?;
        let host_from_cluster = string_arg(
            F,
            "host_from_cluster",
            a.get(1).filter(|v| !v.is_none()),
            a.via(1),
        )?;
        let single_name = string_arg(F, "single_name", a.get(2), a.via(2))?;
        let c = ctx(eval);
        if c.state.borrow().default_registry.is_some() {
            return Err(fail(F, "default registry already defined"));
        }
        for (field, value) in [("host", &host), ("hostFromCluster", &host_from_cluster)] {
            if !value.is_empty() && crate::refs::parse_ref(&format!("{value}/fake")).is_err() {
                return Err(fail(
                    F,
                    format!(
                        "validating defaultRegistry: {field}: Invalid value: {value:?}: invalid reference format"
                    ),
                ));
            }
        }
        c.state.borrow_mut().default_registry = Some(DefaultRegistry {
            host,
            host_from_cluster,
            single_name,
        });
        Ok(NoneType)
    }

    fn update_settings<'v>(
        #[starlark(args)] args: Args<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<NoneType> {
        const F: &str = "update_settings";
        let a = unpack(
            F,
            &[
                "max_parallel_updates?",
                "k8s_upsert_timeout_secs?",
                "suppress_unused_image_warnings?",
            ],
            &args,
            &kwargs,
        )?;
        let list = string_list(F, "suppress_unused_image_warnings", a.get(2), a.via(2))?;
        ctx(eval).state.borrow_mut().suppress_unused.extend(list);
        Ok(NoneType)
    }
}
