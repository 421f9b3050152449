//! `tilt-img check`: runs a Tiltfile offline in an embedded Starlark
//! interpreter that emulates Tilt's loader, then Tilt's assembly and image
//! matching, and reports what real Tilt would — plus the fix for every
//! custom-resource image Tilt would skip.
//!
//! Stages: [`preprocess`] (Tilt's `while`) → [`eval`] (builtins in
//! [`builtins`] and [`stdlib`] fill a [`model::TiltState`]) → [`assemble`]
//! (resources, image matching, warnings) → [`report`].

pub mod args;
pub mod assemble;
pub mod builtins;
pub mod context;
pub mod deploy;
pub mod eval;
pub mod model;
pub mod preprocess;
pub mod refs;
pub mod report;
pub mod stdlib;
pub mod validate;
pub mod values;

use assemble::Assembly;
use context::{Ctx, Sandbox};
use model::TiltState;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct CheckOptions {
    pub sandbox: Sandbox,
    pub max_steps: u64,
    /// Arguments for `config.parse()` / `sys.argv`.
    pub args: Vec<String>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            sandbox: Sandbox::default(),
            max_steps: eval::DEFAULT_MAX_STEPS,
            args: vec![],
        }
    }
}

/// The outcome of loading one Tiltfile.
pub struct CheckResult {
    /// Directory of the Tiltfile (what `./` means).
    pub root: std::path::PathBuf,
    pub state: TiltState,
    /// Tilt's error text when the load failed (Tilt exits 5).
    pub error: Option<String>,
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

pub fn check(tiltfile: &Path, opts: &CheckOptions) -> CheckResult {
    let abs = std::path::absolute(tiltfile).unwrap_or_else(|_| tiltfile.to_path_buf());
    let root = abs.parent().map(Path::to_path_buf).unwrap_or_default();
    let ctx = Ctx::new(root.clone(), opts.sandbox.clone(), opts.args.clone());
    let runner = eval::Runner::new(&ctx, opts.max_steps);
    let error = runner.exec(&abs).err();
    let prints = runner.prints();
    drop(runner);
    let state = ctx.state.into_inner();
    if let Some(error) = error {
        return CheckResult {
            root,
            state,
            error: Some(error),
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
            assembly: None,
            warnings: vec![],
            prints,
        },
        Ok(asm) => {
            let warnings = assemble::unused_image_warning(&state, &asm)
                .into_iter()
                .collect();
            CheckResult {
                root,
                state,
                error: None,
                assembly: Some(asm),
                warnings,
                prints,
            }
        }
    }
}
