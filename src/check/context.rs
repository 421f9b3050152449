//! The state a Tiltfile run shares with every builtin: what it declared,
//! where it runs, and what the sandbox allows. Builtins reach it through
//! the evaluator's `extra` slot.

use super::model::TiltState;
use starlark::any::ProvidesStaticType;
use starlark::eval::Evaluator;
use std::cell::RefCell;
use std::fmt;
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct Sandbox {
    /// Run `local()`, `helm()`, `kustomize()` for real.
    pub allow_exec: bool,
    /// Files outside the Tiltfile's directory that may be read anyway.
    pub extra_paths: Vec<PathBuf>,
}

#[derive(ProvidesStaticType)]
pub struct Ctx {
    pub state: RefCell<TiltState>,
    /// Directory of the main Tiltfile: the sandbox root and what `./` means
    /// in messages.
    pub root: PathBuf,
    /// Directories of the files being executed (main Tiltfile, then
    /// extensions and includes): relative paths resolve against the top.
    pub dirs: RefCell<Vec<PathBuf>>,
    pub sandbox: Sandbox,
    /// Arguments after `--`, for `config.parse()` and `sys.argv`.
    pub args: Vec<String>,
}

/// An error raised by a builtin, named the way Tilt names it
/// (`Error in k8s_kind: …`).
#[derive(Debug)]
pub struct BuiltinError {
    pub func: String,
    pub msg: String,
}

impl fmt::Display for BuiltinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for BuiltinError {}

pub fn fail(func: &str, msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BuiltinError {
        func: func.to_string(),
        msg: msg.into(),
    })
}

pub fn ctx<'a>(eval: &Evaluator<'_, 'a, '_>) -> &'a Ctx {
    eval.extra
        .and_then(|e| e.downcast_ref::<Ctx>())
        .expect("the evaluator always carries a Ctx")
}

/// Lexical normalization (`a/./b/../c` → `a/c`), like Go's filepath.Clean.
pub fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

impl Ctx {
    pub fn new(root: PathBuf, sandbox: Sandbox, args: Vec<String>) -> Ctx {
        Ctx {
            state: RefCell::new(TiltState::default()),
            dirs: RefCell::new(vec![root.clone()]),
            root,
            sandbox,
            args,
        }
    }

    pub fn cur_dir(&self) -> PathBuf {
        self.dirs
            .borrow()
            .last()
            .cloned()
            .unwrap_or_else(|| self.root.clone())
    }

    /// Absolute path of a path argument, relative to the running file.
    pub fn abs(&self, p: &str) -> PathBuf {
        clean(&self.cur_dir().join(p))
    }

    /// A path as Tilt's normalized results show it: `./x` under the root.
    pub fn display(&self, p: &Path) -> String {
        match p.strip_prefix(&self.root) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
            Ok(rel) => format!("./{}", rel.display()),
            Err(_) => p.display().to_string(),
        }
    }

    /// Reads a file if the sandbox allows it.
    pub fn read(&self, func: &str, p: &str) -> anyhow::Result<Option<String>> {
        let abs = self.abs(p);
        self.allowed(func, &abs)?;
        match std::fs::read(&abs) {
            Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(fail(
                func,
                format!("error reading {}: {e}", self.display(&abs)),
            )),
        }
    }

    pub fn allowed(&self, func: &str, abs: &Path) -> anyhow::Result<()> {
        let root = clean(&self.root);
        if abs.starts_with(&root)
            || self
                .sandbox
                .extra_paths
                .iter()
                .any(|x| abs.starts_with(clean(x)))
        {
            return Ok(());
        }
        Err(fail(
            func,
            format!(
                "tilt-img sandbox: {} is outside the Tiltfile's directory; pass it on the command line to allow reading it",
                abs.display()
            ),
        ))
    }
}
