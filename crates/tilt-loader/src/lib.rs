//! Tilt's Tiltfile loader, emulated offline: a Tiltfile runs in an embedded
//! Starlark interpreter with Tilt's builtins, then Tilt's assembly and image
//! matching; the result is what real Tilt would load, error texts included.
//!
//! Stages: [`preprocess`] (Tilt's `while`) → [`eval`] (builtins in
//! [`builtins`] and [`stdlib`] fill a [`model::TiltState`]) → [`assemble`]
//! (resources, image matching, warnings) → [`deploy`] / [`report`].
//! The languages Tilt speaks sit below them: [`tree`] (positioned YAML/JSON),
//! [`jsonpath`] (client-go's template dialect), [`reference`] (Go's
//! `distribution/reference`), [`fieldpath`], and [`facts`] (what Tilt
//! injects by itself).
//!
//! Invariant: this crate knows nothing of scan, inference or any CLI.
//! Commands a Tiltfile runs reach the host through [`host::CommandHost`].

pub mod assemble;
pub mod deploy;
pub mod eval;
// The run's modules, at the paths the rest of the workspace knows.
pub use eval::{args, builtins, context, host, preprocess, stdlib, values};
pub mod facts;
pub mod fieldpath;
pub mod files;
pub mod jsonpath;
pub mod memory;
pub mod reference;
pub mod refs;
pub mod report;
pub mod state;
pub mod tree;

use assemble::Assembly;
use eval::context::{Ctx, Sandbox};
use state::{DefaultRegistry, Entity, TiltState};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone)]
pub struct CheckOptions {
    pub sandbox: Sandbox,
    pub max_steps: u64,
    /// Bytes the run may hold (measured: see [`memory`]).
    pub max_memory: usize,
    /// Arguments for `config.parse()` / `sys.argv`.
    pub args: Vec<String>,
    /// Commands the host answers in-process (`local('tilt-img …')`).
    pub host: Option<Arc<dyn host::CommandHost>>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            sandbox: Sandbox::default(),
            max_steps: eval::DEFAULT_MAX_STEPS,
            max_memory: eval::DEFAULT_MAX_MEMORY,
            args: vec![],
            host: None,
        }
    }
}

/// What a run starts with besides its Tiltfile: objects already declared
/// (as if by `k8s_yaml`) and a `default_registry`. Used to prove generated
/// lines against scanned objects.
#[derive(Default, Clone)]
pub struct Preset {
    pub objects: Vec<serde_json::Value>,
    pub default_registry: Option<DefaultRegistry>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Eval,
    Assemble,
}

/// The outcome of loading one Tiltfile.
pub struct CheckResult {
    /// Directory of the Tiltfile (what `./` means).
    pub root: std::path::PathBuf,
    pub state: TiltState,
    /// Tilt's error text when the load failed (Tilt exits 5).
    pub error: Option<String>,
    /// Where it failed: running the Tiltfile, or assembling what it declared.
    pub failed_in: Option<Stage>,
    pub assembly: Option<Assembly>,
    /// Tilt's warnings, in Tilt's text.
    pub warnings: Vec<String>,
    pub prints: Vec<String>,
}

impl CheckResult {
    pub fn loaded(&self) -> bool {
        self.error.is_none()
    }
}

/// Loads the Tiltfile at `tiltfile`, as Tilt would.
pub fn check(tiltfile: &Path, opts: &CheckOptions) -> CheckResult {
    let abs = std::path::absolute(tiltfile).unwrap_or_else(|_| tiltfile.to_path_buf());
    evaluate(abs, None, Preset::default(), opts)
}

/// Loads `text` as if it were the Tiltfile at `path` (which need not
/// exist), with `preset` declared first. One entry point for `check`,
/// `fix` (the file it would write) and the proof of generated lines.
pub fn run(path: &Path, text: &str, preset: Preset, opts: &CheckOptions) -> CheckResult {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    evaluate(abs, Some(text.to_string()), preset, opts)
}

/// Starlark values and the loader's own walks recurse; a Tiltfile may nest
/// values thousands deep, as Tilt (Go, growable stacks) allows. The run
/// gets a thread with a stack that holds that.
const STACK: usize = 1 << 30;

fn evaluate(
    abs: PathBuf,
    text: Option<String>,
    preset: Preset,
    opts: &CheckOptions,
) -> CheckResult {
    let opts = opts.clone();
    let work = move || evaluate_here(&abs, text.as_deref(), preset, &opts);
    match std::thread::Builder::new()
        .name("tiltfile".into())
        .stack_size(STACK)
        .spawn(work)
    {
        Ok(h) => h
            .join()
            .unwrap_or_else(|_| internal_error("the loader panicked")),
        Err(e) => internal_error(&format!("cannot start the loader thread: {e}")),
    }
}

fn internal_error(msg: &str) -> CheckResult {
    CheckResult {
        root: PathBuf::new(),
        state: TiltState::default(),
        error: Some(format!(
            "Error: tilt-img internal error: {msg}; please report it with the Tiltfile"
        )),
        failed_in: Some(Stage::Eval),
        assembly: None,
        warnings: vec![],
        prints: vec![],
    }
}

fn evaluate_here(
    abs: &Path,
    text: Option<&str>,
    preset: Preset,
    opts: &CheckOptions,
) -> CheckResult {
    // The run's memory is measured from here, on its own thread; the
    // allocator's ceiling holds while the Tiltfile runs.
    let memory = eval::limits::MemoryCap::starting_now(opts.max_memory);
    let ceiling = memory.ceiling();
    let root = abs.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut ctx = Ctx::new(root.clone(), opts.sandbox.clone(), opts.args.clone())
        .with_host(opts.host.clone());
    ctx.max_steps = opts.max_steps;
    ctx.memory = memory;
    {
        let mut st = ctx.state.borrow_mut();
        st.entities
            .extend(preset.objects.into_iter().filter_map(Entity::from_json));
        st.default_registry = preset.default_registry;
    }
    let runner = eval::Runner::new(&ctx);
    let error = match text {
        None => runner.exec(abs).err(),
        Some(text) => runner.exec_text("./Tiltfile", text, root.clone()).err(),
    };
    drop(ceiling);
    let prints = runner.prints();
    drop(runner);
    let state = std::mem::take(&mut *ctx.state.borrow_mut());
    drop(ctx);
    finish(root, state, error, prints)
}

fn finish(
    root: PathBuf,
    state: TiltState,
    error: Option<String>,
    prints: Vec<String>,
) -> CheckResult {
    if let Some(error) = error {
        return CheckResult {
            root,
            state,
            error: Some(error),
            failed_in: Some(Stage::Eval),
            assembly: None,
            warnings: vec![],
            prints,
        };
    }
    match assemble::assemble(&state) {
        Err(e) => CheckResult {
            root,
            state,
            error: Some(e),
            failed_in: Some(Stage::Assemble),
            assembly: None,
            warnings: vec![],
            prints,
        },
        Ok(asm) => {
            let mut warnings: Vec<String> = assemble::unused_image_warning(&state, &asm)
                .into_iter()
                .collect();
            warnings.extend(assemble::dependency_warnings(&state, &asm.resources));
            CheckResult {
                root,
                state,
                error: None,
                failed_in: None,
                assembly: Some(asm),
                warnings,
                prints,
            }
        }
    }
}
