//! The rest of Tilt's API a real Tiltfile leans on: files and encodings,
//! `os`, `sys`, `config`, `local` (sandboxed), extension repositories,
//! `fail`, and every other Tilt builtin as a recorded no-op so that real
//! Tiltfiles load.

use super::builtins::{Args, call_line, items, string_arg, type_name, unpack};
use super::context::{ctx, fail};
use super::values::{self, alloc_blob, parse_yaml_stream, text_of};
use starlark::environment::GlobalsBuilder;
use starlark::eval::Evaluator;
use starlark::starlark_module;
use starlark::values::Value;
use starlark::values::dict::DictRef;
use starlark::values::none::NoneType;

fn record_noop(eval: &Evaluator<'_, '_, '_>, name: &str) {
    let line = call_line(eval);
    ctx(eval)
        .state
        .borrow_mut()
        .noops
        .push((name.to_string(), line));
}

fn path_arg(func: &str, v: Option<Value<'_>>) -> anyhow::Result<String> {
    match v {
        None => Err(fail(func, format!("{func}: missing argument for path"))),
        Some(v) => text_of(v).ok_or_else(|| {
            fail(
                func,
                format!(
                    "{func}: for parameter path: got {}, want string",
                    type_name(v)
                ),
            )
        }),
    }
}

/// `read_*` with Tilt's `default=`: a missing file yields the default.
fn read_or_default<'v>(
    func: &str,
    args: &Args<'v>,
    kwargs: &DictRef<'v>,
    eval: &mut Evaluator<'v, '_, '_>,
) -> anyhow::Result<Result<String, Value<'v>>> {
    let a = unpack(func, &["paths", "default?"], args, kwargs)?;
    let p = path_arg(func, a.get(0))?;
    let c = ctx(eval);
    match c.read(func, &p)? {
        Some(t) => Ok(Ok(t)),
        None => match a.get(1) {
            Some(d) => Ok(Err(d)),
            None => Err(fail(
                func,
                format!(
                    "error reading file: open {}: no such file or directory",
                    c.display(&c.abs(&p))
                ),
            )),
        },
    }
}

fn decode_yaml_docs(func: &str, text: &str) -> anyhow::Result<Vec<serde_json::Value>> {
    parse_yaml_stream(text).map_err(|e| fail(func, e))
}

fn from_json_text(func: &str, text: &str) -> anyhow::Result<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| fail(func, format!("error parsing JSON: {e}")))
}

fn sandboxed(eval: &Evaluator<'_, '_, '_>, name: &str) {
    let line = call_line(eval);
    ctx(eval)
        .state
        .borrow_mut()
        .sandboxed
        .push((name.to_string(), line));
}

#[starlark_module]
pub fn std_builtins(builder: &mut GlobalsBuilder) {
    fn read_file<'v>(
        #[starlark(args)] args: Args<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<Value<'v>> {
        Ok(match read_or_default("read_file", &args, &kwargs, eval)? {
            Ok(t) => alloc_blob(eval.heap(), t),
            Err(d) => d,
        })
    }

    fn read_yaml<'v>(
        #[starlark(args)] args: Args<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<Value<'v>> {
        Ok(match read_or_default("read_yaml", &args, &kwargs, eval)? {
            Ok(t) => eval.heap().alloc(
                decode_yaml_docs("read_yaml", &t)?
                    .into_iter()
                    .next()
                    .unwrap_or(serde_json::Value::Null),
            ),
            Err(d) => d,
        })
    }

    fn read_yaml_stream<'v>(
        #[starlark(args)] args: Args<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<Value<'v>> {
        Ok(
            match read_or_default("read_yaml_stream", &args, &kwargs, eval)? {
                Ok(t) => eval.heap().alloc(serde_json::Value::Array(decode_yaml_docs(
                    "read_yaml_stream",
                    &t,
                )?)),
                Err(d) => d,
            },
        )
    }

    fn read_json<'v>(
        #[starlark(args)] args: Args<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<Value<'v>> {
        Ok(match read_or_default("read_json", &args, &kwargs, eval)? {
            Ok(t) => eval.heap().alloc(from_json_text("read_json", &t)?),
            Err(d) => d,
        })
    }

    fn decode_yaml<'v>(
        yaml: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<Value<'v>> {
        let t = text_of(yaml)
            .ok_or_else(|| fail("decode_yaml", "decode_yaml: expected string or blob"))?;
        Ok(eval.heap().alloc(
            decode_yaml_docs("decode_yaml", &t)?
                .into_iter()
                .next()
                .unwrap_or(serde_json::Value::Null),
        ))
    }

    fn decode_yaml_stream<'v>(
        yaml: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<Value<'v>> {
        let t = text_of(yaml).ok_or_else(|| {
            fail(
                "decode_yaml_stream",
                "decode_yaml_stream: expected string or blob",
            )
        })?;
        Ok(eval.heap().alloc(serde_json::Value::Array(decode_yaml_docs(
            "decode_yaml_stream",
            &t,
        )?)))
    }

    fn encode_yaml<'v>(
        obj: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<Value<'v>> {
        let j = values::to_json(obj).map_err(|e| fail("encode_yaml", e))?;
        Ok(alloc_blob(eval.heap(), values::to_yaml(&j)))
    }

    fn encode_yaml_stream<'v>(
        objs: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<Value<'v>> {
        let docs = items(objs)
            .into_iter()
            .map(values::to_json)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| fail("encode_yaml_stream", e))?;
        Ok(alloc_blob(eval.heap(), values::to_yaml_stream(&docs)))
    }

    fn decode_json<'v>(
        json: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<Value<'v>> {
        let t = text_of(json)
            .ok_or_else(|| fail("decode_json", "decode_json: expected string or blob"))?;
        Ok(eval.heap().alloc(from_json_text("decode_json", &t)?))
    }

    fn encode_json<'v>(
        obj: Value<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<Value<'v>> {
        let j = values::to_json(obj).map_err(|e| fail("encode_json", e))?;
        Ok(alloc_blob(
            eval.heap(),
            serde_json::to_string_pretty(&j).unwrap_or_default() + "\n",
        ))
    }

    fn blob<'v>(input: Value<'v>, eval: &mut Evaluator<'v, '_, '_>) -> anyhow::Result<Value<'v>> {
        let t = text_of(input).ok_or_else(|| {
            fail(
                "blob",
                format!(
                    "blob: for parameter input: got {}, want string",
                    type_name(input)
                ),
            )
        })?;
        Ok(alloc_blob(eval.heap(), t))
    }

    fn listdir<'v>(
        #[starlark(args)] args: Args<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<Value<'v>> {
        const F: &str = "listdir";
        let a = unpack(F, &["directory", "recursive?"], &args, &kwargs)?;
        let dir = string_arg(F, "directory", a.get(0), a.via(0))?;
        let recursive = a.get(1).and_then(|v| v.unpack_bool()).unwrap_or(false);
        let c = ctx(eval);
        let abs = c.abs(&dir);
        c.allowed(F, &abs)?;
        // As Go's filepath.WalkDir: entries in name order, depth first;
        // a symlink is listed, never followed (so a link loop cannot hang).
        let mut out = Vec::new();
        walk_dir(&abs, recursive, &mut out);
        Ok(eval.heap().alloc(out))
    }

    fn local<'v>(
        #[starlark(args)] args: Args<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<Value<'v>> {
        const F: &str = "local";
        let a = unpack(
            F,
            &[
                "command",
                "quiet?",
                "command_bat?",
                "echo_off?",
                "env?",
                "dir?",
                "stdin?",
            ],
            &args,
            &kwargs,
        )?;
        let cmd: Vec<String> = match a.get(0) {
            Some(v) if v.unpack_str().is_some() => vec![
                "sh".into(),
                "-c".into(),
                v.unpack_str().unwrap_or_default().to_string(),
            ],
            Some(v) => items(v).iter().map(|x| x.to_str()).collect(),
            None => vec![],
        };
        let shown = if cmd.len() == 3 && cmd[0] == "sh" {
            cmd[2].clone()
        } else {
            cmd.join(" ")
        };
        // Tilt logs the command unless echo_off, and its output (stdout and
        // stderr, as " → " lines) unless quiet; a quiet command that fails
        // carries its output in the error instead.
        let flag = |i: usize| a.get(i).and_then(|v| v.unpack_bool()).unwrap_or(false);
        let (log_output, log_command) = (!flag(1), !flag(3));
        let c = ctx(eval);
        // `ok`: Tilt says "[no output]" only for a command that succeeded.
        let log = |stdout: &str, stderr: &str, ok: bool| {
            let mut st = c.state.borrow_mut();
            if log_command {
                st.output.push(format!("local: {shown}"));
            }
            if log_output {
                for l in stdout.lines().chain(stderr.lines()) {
                    st.output.push(format!(" → {l}"));
                }
                if ok && log_command && stdout.is_empty() && stderr.is_empty() {
                    st.output.push(" → [no output]".to_string());
                }
            }
        };
        if let Some(out) = c.serve_hosted(F, &cmd)? {
            log(&out, "", true);
            return Ok(alloc_blob(eval.heap(), out));
        }
        if !c.sandbox.allow_exec {
            sandboxed(eval, &format!("local({shown:?})"));
            return Ok(alloc_blob(eval.heap(), String::new()));
        }
        let out = std::process::Command::new(&cmd[0])
            .args(&cmd[1..])
            .current_dir(c.cur_dir())
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| fail(F, format!("command {shown:?} failed.\nerror: {e}")))?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        log(&stdout, &stderr, out.status.success());
        if !out.status.success() {
            let mut msg = format!(
                "command {shown:?} failed.\nerror: exit status {}",
                out.status.code().unwrap_or(-1)
            );
            if !log_output {
                msg.push_str(&format!("\nstdout:\n{stdout}\nstderr:\n{stderr}\n"));
            }
            return Err(fail(F, msg));
        }
        Ok(alloc_blob(eval.heap(), stdout))
    }

    fn helm<'v>(
        #[starlark(args)] _args: Args<'v>,
        #[starlark(kwargs)] _kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<Value<'v>> {
        sandboxed(eval, "helm()");
        Ok(alloc_blob(eval.heap(), String::new()))
    }

    fn kustomize<'v>(
        #[starlark(args)] _args: Args<'v>,
        #[starlark(kwargs)] _kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<Value<'v>> {
        sandboxed(eval, "kustomize()");
        Ok(alloc_blob(eval.heap(), String::new()))
    }

    fn fail(msg: Value) -> anyhow::Result<NoneType> {
        Err(super::context::fail(
            "fail",
            msg.unpack_str()
                .map(str::to_string)
                .unwrap_or_else(|| msg.to_str()),
        ))
    }

    /// Runs another Tiltfile with the same state; its variables stay its own.
    fn include<'v>(path: &str, eval: &mut Evaluator<'v, '_, '_>) -> anyhow::Result<NoneType> {
        let c = ctx(eval);
        let file = c.abs(path);
        c.allowed("include", &file)?;
        // The steps this file used so far count against the included one.
        let outer = eval.get_total_tick_count();
        c.steps_spent.set(c.steps_spent.get() + outer);
        let runner = super::runner::Runner::new(c);
        let r = runner.exec(&file);
        c.steps_spent.set(c.steps_spent.get().saturating_sub(outer));
        r.map_err(|e| fail("include", e))?;
        Ok(NoneType)
    }

    fn k8s_context() -> anyhow::Result<String> {
        // As Tilt with no kubeconfig: the oracle cases were run that way.
        Ok(String::new())
    }

    fn k8s_namespace() -> anyhow::Result<String> {
        Ok("default".to_string())
    }
}

macro_rules! noops {
    ($($name:ident),* $(,)?) => {
        #[starlark_module]
        pub fn noop_builtins(builder: &mut GlobalsBuilder) {
            $(
                fn $name<'v>(#[starlark(args)] _args: Args<'v>, #[starlark(kwargs)] _kwargs: DictRef<'v>, eval: &mut Evaluator<'v, '_, '_>) -> anyhow::Result<NoneType> {
                    record_noop(eval, stringify!($name));
                    Ok(NoneType)
                }
            )*
        }
    };
}

// Accepted so that real Tiltfiles load; each call is named in the report.
noops!(
    allow_k8s_contexts,
    watch_file,
    set_team,
    enable_feature,
    disable_snapshots,
    docker_prune_settings,
    analytics_settings,
    version_settings,
    secret_settings,
    ci_settings,
    watch_settings,
    dc_resource,
    docker_compose,
    port_forward,
    link,
    sync,
    run,
    restart_container,
    fall_back_on,
    initial_sync,
    k8s_custom_deploy,
    workload_to_resource_function,
    probe,
    exec_action,
    http_get_action,
    tcp_socket_action,
    warn,
    trigger_mode,
    filter_yaml,
    exit,
    load_dynamic
);

/// Declares a no-op constructor per name in the `v1alpha1` namespace: they
/// build API objects `check` does not model; each call is recorded.
macro_rules! v1alpha1_noops {
    ($($name:ident),* $(,)?) => {
        #[starlark_module]
        pub fn v1alpha1_noops(builder: &mut GlobalsBuilder) {
            $(
                fn $name<'v>(#[starlark(args)] _args: Args<'v>, #[starlark(kwargs)] _kwargs: DictRef<'v>, eval: &mut Evaluator<'v, '_, '_>) -> anyhow::Result<NoneType> {
                    record_noop(eval, concat!("v1alpha1.", stringify!($name)));
                    Ok(NoneType)
                }
            )*
        }
    };
}

v1alpha1_noops!(
    extension,
    cmd,
    config_map,
    file_watch,
    kubernetes_apply,
    kubernetes_discovery,
    ui_button,
    ui_text_input_spec,
    ui_bool_input_spec,
    ui_component_location,
    ignore_def,
    label_selector,
    object_selector,
    port_forward_template_spec,
    start_on_spec,
    restart_on_spec,
    handler,
    probe,
    exec_action,
    http_get_action,
    tcp_socket_action
);

#[starlark_module]
pub fn shlex_builtins(builder: &mut GlobalsBuilder) {
    /// POSIX shell quoting, as Python's `shlex.quote`.
    fn quote(s: &str) -> anyhow::Result<String> {
        Ok(shlex_quote(s))
    }
}

/// Tilt's `shlex.quote` (alessio/shellescape, Python's `shlex.quote`):
/// safe words as they are, anything else in single quotes with each `'`
/// written `'"'"'`. Commands tilt-img generates quote with this too, so
/// they equal what the extension builds in Starlark.
pub fn shlex_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c))
    {
        return s.to_string();
    }
    format!("'{}'", s.replace('\'', "'\"'\"'"))
}

#[starlark_module]
pub fn config_builtins(builder: &mut GlobalsBuilder) {
    fn define_string<'v>(
        #[starlark(args)] _args: Args<'v>,
        #[starlark(kwargs)] _kwargs: DictRef<'v>,
    ) -> anyhow::Result<NoneType> {
        Ok(NoneType)
    }
    fn define_string_list<'v>(
        #[starlark(args)] _args: Args<'v>,
        #[starlark(kwargs)] _kwargs: DictRef<'v>,
    ) -> anyhow::Result<NoneType> {
        Ok(NoneType)
    }
    fn define_bool<'v>(
        #[starlark(args)] _args: Args<'v>,
        #[starlark(kwargs)] _kwargs: DictRef<'v>,
    ) -> anyhow::Result<NoneType> {
        Ok(NoneType)
    }
    fn define_object<'v>(
        #[starlark(args)] _args: Args<'v>,
        #[starlark(kwargs)] _kwargs: DictRef<'v>,
    ) -> anyhow::Result<NoneType> {
        Ok(NoneType)
    }
    /// With no `tilt up -- args` and no tilt_config.json, Tilt returns an
    /// empty dict, so `cfg.get(name, default)` yields the default.
    fn parse<'v>(eval: &mut Evaluator<'v, '_, '_>) -> anyhow::Result<Value<'v>> {
        Ok(eval.heap().alloc(serde_json::json!({})))
    }
    fn set_enabled_resources<'v>(
        #[starlark(args)] _args: Args<'v>,
        #[starlark(kwargs)] _kwargs: DictRef<'v>,
    ) -> anyhow::Result<NoneType> {
        Ok(NoneType)
    }
    fn clear_enabled_resources<'v>(
        #[starlark(args)] _args: Args<'v>,
        #[starlark(kwargs)] _kwargs: DictRef<'v>,
    ) -> anyhow::Result<NoneType> {
        Ok(NoneType)
    }
}

#[starlark_module]
pub fn os_builtins(builder: &mut GlobalsBuilder) {
    fn getcwd(eval: &mut Evaluator<'_, '_, '_>) -> anyhow::Result<String> {
        Ok(ctx(eval).cur_dir().display().to_string())
    }
    fn getenv<'v>(
        key: &str,
        default: Option<Value<'v>>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<Value<'v>> {
        Ok(match std::env::var(key) {
            Ok(v) => eval.heap().alloc(v),
            Err(_) => default.unwrap_or(Value::new_none()),
        })
    }
    fn putenv(_key: &str, _value: &str) -> anyhow::Result<NoneType> {
        Ok(NoneType)
    }
    fn unsetenv(_key: &str) -> anyhow::Result<NoneType> {
        Ok(NoneType)
    }
}

#[starlark_module]
pub fn os_path_builtins(builder: &mut GlobalsBuilder) {
    fn abspath(path: &str, eval: &mut Evaluator<'_, '_, '_>) -> anyhow::Result<String> {
        Ok(ctx(eval).abs(path).display().to_string())
    }
    fn realpath(path: &str, eval: &mut Evaluator<'_, '_, '_>) -> anyhow::Result<String> {
        // Where a link points is only told inside the sandbox.
        let c = ctx(eval);
        let p = c.abs(path);
        if !c.inside(&p) {
            sandboxed(eval, &format!("os.path.realpath({path:?})"));
            return Ok(p.display().to_string());
        }
        Ok(std::fs::canonicalize(&p).unwrap_or(p).display().to_string())
    }
    fn relpath(
        targpath: &str,
        basepath: Option<&str>,
        eval: &mut Evaluator<'_, '_, '_>,
    ) -> anyhow::Result<String> {
        let c = ctx(eval);
        let t = c.abs(targpath);
        let b = basepath.map(|b| c.abs(b)).unwrap_or_else(|| c.cur_dir());
        Ok(t.strip_prefix(&b)
            .map(|r| {
                if r.as_os_str().is_empty() {
                    ".".to_string()
                } else {
                    r.display().to_string()
                }
            })
            .unwrap_or_else(|_| t.display().to_string()))
    }
    fn basename(path: &str) -> anyhow::Result<String> {
        Ok(path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string())
    }
    fn dirname(path: &str) -> anyhow::Result<String> {
        Ok(match path.rfind('/') {
            Some(0) => "/".to_string(),
            Some(i) => path[..i].to_string(),
            None => String::new(),
        })
    }
    fn exists(path: &str, eval: &mut Evaluator<'_, '_, '_>) -> anyhow::Result<bool> {
        // Outside the sandbox (symlinks resolved) nothing is said to exist.
        let c = ctx(eval);
        let p = c.abs(path);
        if !c.inside(&p) {
            sandboxed(eval, &format!("os.path.exists({path:?})"));
            return Ok(false);
        }
        Ok(p.exists())
    }
    fn join(#[starlark(args)] parts: Args<'_>) -> anyhow::Result<String> {
        let mut p = std::path::PathBuf::new();
        for part in &parts.items {
            p.push(part.unpack_str().unwrap_or_default());
        }
        Ok(p.display().to_string())
    }
}

#[starlark_module]
pub fn v1alpha1_builtins(builder: &mut GlobalsBuilder) {
    fn extension_repo<'v>(
        #[starlark(args)] args: Args<'v>,
        #[starlark(kwargs)] kwargs: DictRef<'v>,
        eval: &mut Evaluator<'v, '_, '_>,
    ) -> anyhow::Result<NoneType> {
        const F: &str = "v1alpha1.extension_repo";
        let a = unpack(
            F,
            &[
                "name",
                "url?",
                "ref?",
                "load_host?",
                "git_subpath?",
                "labels?",
                "annotations?",
            ],
            &args,
            &kwargs,
        )?;
        let name = string_arg(F, "name", a.get(0), a.via(0))?;
        let url = string_arg(F, "url", a.get(1), a.via(1))?;
        let load_host = string_arg(F, "load_host", a.get(3), a.via(3))?;
        let Some(path) = url.strip_prefix("file://") else {
            // Remote repositories cannot be fetched offline; loads from them fail later.
            return Ok(NoneType);
        };
        if !path.starts_with('/') {
            return Err(fail(
                F,
                format!(
                    "spec.url: Invalid value: {url:?}: file:// URLs must be absolute (e.g., file:///home/user/repo)"
                ),
            ));
        }
        let key = if load_host.is_empty() {
            name
        } else {
            load_host
        };
        ctx(eval)
            .state
            .borrow_mut()
            .ext_repos
            .push((key, std::path::PathBuf::from(path)));
        Ok(NoneType)
    }
}

/// `listdir`'s walk: Go's `filepath.WalkDir` order (sorted per directory,
/// depth first), directories entered only when `recursive`, symlinks
/// listed as files. Iterative, so a deep tree cannot overflow the stack.
fn walk_dir(root: &std::path::Path, recursive: bool, out: &mut Vec<String>) {
    let read = |d: &std::path::Path| {
        let mut es: Vec<(std::path::PathBuf, bool)> = std::fs::read_dir(d)
            .map(|rd| {
                rd.flatten()
                    .map(|e| (e.path(), e.file_type().is_ok_and(|t| t.is_dir())))
                    .collect()
            })
            .unwrap_or_default();
        es.sort_by(|a, b| a.0.file_name().cmp(&b.0.file_name()));
        es.into_iter()
    };
    let mut stack = vec![read(root)];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            None => {
                stack.pop();
            }
            Some((p, true)) => {
                if recursive {
                    stack.push(read(&p));
                }
            }
            Some((p, false)) => out.push(p.display().to_string()),
        }
    }
}
