//! `local_resource`: a resource with no Kubernetes objects, which Tilt
//! lists beside the others (`objects: []`) and which `resource_deps` of
//! any resource may name. Argument parsing, validations and error texts
//! follow Tilt's `internal/tiltfile/local_resource.go`, checked against the
//! real loader.

use super::builtins::{Args, call_line, type_name, unpack};
use super::context::{ctx, fail};
use crate::state::LocalResource;
use starlark::environment::GlobalsBuilder;
use starlark::eval::Evaluator;
use starlark::starlark_module;
use starlark::values::dict::DictRef;
use starlark::values::none::NoneType;
use starlark::values::{Heap, Value};

/// Go's type name of a value in Tilt's "found starlark.X" messages.
fn go_type(v: Value<'_>) -> String {
    match v.get_type() {
        "int" => "starlark.Int".into(),
        "bool" => "starlark.Bool".into(),
        "float" => "starlark.Float".into(),
        "dict" => "*starlark.Dict".into(),
        "tuple" => "starlark.Tuple".into(),
        "NoneType" => "starlark.NoneType".into(),
        "function" => "*starlark.Function".into(),
        t => format!("starlark.{t}"),
    }
}

/// The strings of a Starlark sequence (Go's `starlark.Sequence`: a list,
/// tuple, dict — its keys — or set), or the first item that is not one.
fn strings<'v>(v: Value<'v>, heap: Heap<'v>) -> Option<Result<Vec<String>, Value<'v>>> {
    if !matches!(v.get_type(), "list" | "tuple" | "dict" | "set") {
        return None;
    }
    // A dict iterates its keys, as in Go.
    let elems: Vec<Value<'v>> = v.iterate(heap).ok()?.collect();
    let mut out = Vec::new();
    for x in elems {
        match x.unpack_str() {
            Some(s) => out.push(s.to_string()),
            None => return Some(Err(x)),
        }
    }
    Some(Ok(out))
}

/// A command argument (`cmd`, `serve_cmd`), as Tilt's `valueToCmdHelper`:
/// absent is empty, a string is `sh -c`, a sequence of strings is argv.
fn command<'v>(func: &str, v: Option<Value<'v>>, heap: Heap<'v>) -> anyhow::Result<Vec<String>> {
    let Some(v) = v else { return Ok(vec![]) };
    if let Some(s) = v.unpack_str() {
        return Ok(if s.is_empty() {
            vec![]
        } else {
            vec!["sh".into(), "-c".into(), s.to_string()]
        });
    }
    match strings(v, heap) {
        Some(Ok(argv)) => Ok(argv),
        Some(Err(x)) => Err(fail(
            func,
            format!(
                "a command must be a string or a list of strings: '{}' is a {}, not a string",
                x.to_str(),
                go_type(x)
            ),
        )),
        None => Err(fail(
            func,
            format!(
                "a command must be a string or list of strings. found {}",
                go_type(v)
            ),
        )),
    }
}

/// The conversions Go's `UnpackArgs` makes while it assigns arguments
/// (positional ones first, then keywords in order), so that their errors
/// come before those of later arguments: `name` must be a string,
/// `resource_deps` a sequence.
fn convert<'v>(func: &str, param: &str, v: Value<'v>, heap: Heap<'v>) -> anyhow::Result<()> {
    match param {
        "name" if v.unpack_str().is_none() => Err(fail(
            func,
            format!(
                "{func}: for parameter name: Value should be convertible to string, but is type {}",
                type_name(v)
            ),
        )),
        "resource_deps" if strings(v, heap).is_none() && !v.is_none() => Err(fail(
            func,
            format!(
                "{func}: for parameter \"resource_deps\": got {}, want starlark.Sequence",
                type_name(v)
            ),
        )),
        _ => Ok(()),
    }
}

#[starlark_module]
pub fn resource_builtins(builder: &mut GlobalsBuilder) {
    fn local_resource<'v>(
        #[starlark(args)] args: Args<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<NoneType> {
        const F: &str = "local_resource";
        const PARAMS: &[&str] = &[
            "name",
            "cmd?",
            "deps?",
            "trigger_mode?",
            "resource_deps?",
            "ignore?",
            "auto_init?",
            "serve_cmd?",
            "cmd_bat?",
            "serve_cmd_bat?",
            "allow_parallel?",
            "links?",
            "labels?",
            "env?",
            "serve_env?",
            "readiness_probe?",
            "dir?",
            "serve_dir?",
        ];
        for (v, spec) in args.items.iter().zip(PARAMS) {
            convert(F, spec.trim_end_matches('?'), *v, eval.heap())?;
        }
        for (k, v) in kwargs.iter() {
            let k = k.unpack_str().unwrap_or_default();
            if !PARAMS.iter().any(|p| p.trim_end_matches('?') == k) {
                break; // unpack reports it
            }
            convert(F, k, v, eval.heap())?;
        }
        let a = unpack(F, PARAMS, &args, &kwargs)?;
        let name = a
            .get(0)
            .and_then(|v| v.unpack_str())
            .unwrap_or_default()
            .to_string();
        let resource_deps = match a.get(4).and_then(|v| strings(v, eval.heap())) {
            Some(Ok(deps)) => deps,
            Some(Err(x)) => {
                return Err(fail(
                    F,
                    format!(
                        "{F}: resource_deps: '{}' is a {}, not a string",
                        x.to_str(),
                        go_type(x)
                    ),
                ));
            }
            None => vec![],
        };
        let cmd = command(F, a.get(1), eval.heap())?;
        let serve_cmd = command(F, a.get(7), eval.heap())?;
        // Given at all: Go tells an absent argument (nil) from an explicit
        // None, and `dir=None` counts as given (checked against real Tilt).
        let given = |i: usize| a.get(i).is_some();
        if given(16) && cmd.is_empty() {
            return Err(fail(
                F,
                if serve_cmd.is_empty() {
                    format!("{F}: 'dir' specified but 'cmd' is empty")
                } else {
                    format!(
                        "{F}: 'dir' only affects 'cmd', not 'serve_cmd'. Did you mean to use 'serve_dir' instead?"
                    )
                },
            ));
        }
        if given(17) && serve_cmd.is_empty() {
            return Err(fail(
                F,
                format!("{F}: 'serve_dir' specified but 'serve_cmd' is empty"),
            ));
        }
        if cmd.is_empty() && serve_cmd.is_empty() {
            return Err(fail(
                F,
                format!("{F} must have a cmd and/or a serve_cmd, but both were empty"),
            ));
        }
        let line = call_line(eval);
        let c = ctx(eval);
        let mut st = c.state.borrow_mut();
        if st.local_resources.iter().any(|r| r.name == name) {
            return Err(fail(F, format!("{F} named {name:?} already exists")));
        }
        st.local_resources.push(LocalResource {
            name,
            resource_deps,
            line,
        });
        Ok(NoneType)
    }
}
