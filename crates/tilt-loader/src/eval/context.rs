//! The state a Tiltfile run shares with every builtin: what it declared,
//! where it runs, and what the sandbox allows. Builtins reach it through
//! the evaluator's `extra` slot.

use super::limits::{DEFAULT_MAX_MEMORY, MemoryCap};
use crate::host::CommandHost;
use crate::state::TiltState;
use starlark::any::ProvidesStaticType;
use starlark::environment::FrozenModule;
use starlark::eval::Evaluator;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Sandbox {
    /// Run `local()`, `helm()`, `kustomize()` for real.
    pub allow_exec: bool,
    /// Files outside the project that may be read anyway.
    pub extra_paths: Vec<PathBuf>,
}

/// The run's step budget unless `--max-steps` says otherwise.
pub const DEFAULT_MAX_STEPS: u64 = 50_000_000;

/// Largest file a builtin reads (Tilt itself has no cap; a Tiltfile that
/// reads more than this is not a Tiltfile we can check).
pub const MAX_READ: u64 = 256 << 20;

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
    /// Commands the host program answers in-process.
    pub host: Option<Arc<dyn CommandHost>>,
    /// The directories reads may reach, symlinks resolved: the root and
    /// every `--allow-read` path.
    allowed_roots: Vec<PathBuf>,
    /// Tilt's load cache: a file is executed once; a file on the stack of
    /// files being executed is a `Circular load`.
    pub modules: RefCell<HashMap<PathBuf, ModuleState>>,
    /// Steps used by finished evaluations and by the evaluators waiting on
    /// an `include`: one budget for the whole run.
    pub steps_spent: Cell<u64>,
    /// Extension repositories a `load('ext://…')` used: Starlark modules
    /// may be loaded from them (never data read).
    pub module_roots: RefCell<Vec<PathBuf>>,
    /// The run's step budget (`--max-steps`).
    pub max_steps: u64,
    /// The run's memory cap (`--max-memory`), measured from the run's start.
    pub memory: MemoryCap,
}

/// A file in Tilt's load cache.
#[derive(Clone)]
pub enum ModuleState {
    Executing,
    Done(Result<FrozenModule, String>),
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

/// The project a Tiltfile belongs to: the enclosing git work tree (the
/// nearest directory above it with a `.git`), else the Tiltfile's own
/// directory. A Tiltfile in `dev/` that reads `../k8s`, or includes a
/// shared `../Tiltfile`, is ordinary; the sandbox reads within the project
/// and judges every path on its real location as before.
pub fn project_root(tiltfile_dir: &Path) -> PathBuf {
    let real = canonical(&clean(
        &std::path::absolute(tiltfile_dir).unwrap_or_else(|_| tiltfile_dir.to_path_buf()),
    ));
    real.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
        .unwrap_or(real)
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
        let project = project_root(&root);
        let allowed_roots = std::iter::once(&project)
            .chain(&sandbox.extra_paths)
            .map(|p| {
                canonical(&clean(
                    &std::path::absolute(p).unwrap_or_else(|_| p.clone()),
                ))
            })
            .collect();
        Ctx {
            state: RefCell::new(TiltState::default()),
            dirs: RefCell::new(vec![root.clone()]),
            root,
            sandbox,
            args,
            host: None,
            allowed_roots,
            modules: RefCell::new(HashMap::new()),
            steps_spent: Cell::new(0),
            module_roots: RefCell::new(Vec::new()),
            max_steps: DEFAULT_MAX_STEPS,
            memory: MemoryCap::starting_now(DEFAULT_MAX_MEMORY),
        }
    }

    pub fn with_host(mut self, host: Option<Arc<dyn CommandHost>>) -> Ctx {
        self.host = host;
        self
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

    /// Whether the sandbox lets the run see `abs`: judged on the path with
    /// every symlink resolved, so a link inside the tree to a file outside
    /// it is outside.
    pub fn inside(&self, abs: &Path) -> bool {
        let real = canonical(abs);
        self.allowed_roots.iter().any(|r| real.starts_with(r))
    }

    /// Reads a file if the sandbox allows it: inside the allowed roots
    /// (symlinks resolved), a regular file (never a FIFO, socket or
    /// device, which would hang or never end), at most [`MAX_READ`] bytes.
    pub fn read(&self, func: &str, p: &str) -> anyhow::Result<Option<String>> {
        let abs = self.abs(p);
        self.read_abs(func, &abs)
    }

    pub fn read_abs(&self, func: &str, abs: &Path) -> anyhow::Result<Option<String>> {
        self.allowed(func, abs)?;
        self.read_regular(func, abs)
    }

    /// The read itself, once the path was allowed: a regular file, capped.
    fn read_regular(&self, func: &str, abs: &Path) -> anyhow::Result<Option<String>> {
        let err = |e: String| fail(func, format!("error reading {}: {e}", self.display(abs)));
        let meta = match std::fs::metadata(abs) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(err(e.to_string())),
        };
        if !meta.is_file() {
            return Err(err(if meta.is_dir() {
                "is a directory".into()
            } else {
                "tilt-img sandbox: not a regular file (a FIFO, socket or device is never read)"
                    .into()
            }));
        }
        let bytes = crate::files::read_capped(abs, MAX_READ).map_err(|e| err(e.to_string()))?;
        if bytes.len() as u64 > MAX_READ {
            return Err(err(format!(
                "tilt-img sandbox: larger than {} MiB",
                MAX_READ >> 20
            )));
        }
        // Valid UTF-8 keeps its buffer: a large file is not copied twice.
        Ok(Some(String::from_utf8(bytes).unwrap_or_else(|e| {
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        })))
    }

    /// Reads a Starlark module for `load`/`include`: inside the allowed
    /// roots, or inside an extension repository already loaded from.
    pub fn read_module(&self, abs: &Path) -> anyhow::Result<Option<String>> {
        let real = canonical(abs);
        if self
            .module_roots
            .borrow()
            .iter()
            .any(|r| real.starts_with(r))
        {
            return self.read_regular("load", abs);
        }
        self.read_abs("load", abs)
    }

    pub fn allowed(&self, func: &str, abs: &Path) -> anyhow::Result<()> {
        if self.inside(abs) {
            return Ok(());
        }
        Err(fail(
            func,
            format!(
                "tilt-img sandbox: {} is outside the project (the enclosing git work tree, else the Tiltfile's directory; symlinks resolved); pass --allow-read PATH to allow reading it",
                abs.display()
            ),
        ))
    }

    /// `local()` of a command the host answers in-process: the paths it
    /// declares are judged like any read, then it runs. `Ok(None)` when no
    /// host serves this command.
    pub fn serve_hosted(&self, func: &str, cmd: &[String]) -> anyhow::Result<Option<String>> {
        let Some(host) = &self.host else {
            return Ok(None);
        };
        let argv = match cmd {
            [sh, c, text] if sh == "sh" && c == "-c" => match crate::host::simple_command(text) {
                Some(argv) => argv,
                None => return Ok(None),
            },
            _ => cmd.to_vec(),
        };
        let cwd = self.cur_dir();
        let reads = match host.serves(&argv, &cwd) {
            None => return Ok(None),
            Some(Err(e)) => return Err(fail(func, e)),
            Some(Ok(reads)) => reads,
        };
        for p in reads {
            self.allowed(func, &clean(&cwd.join(p)))?;
        }
        host.run(&argv, &cwd, &self.allowed_roots)
            .map(Some)
            .map_err(|e| fail(func, e))
    }
}

/// `p` with symlinks resolved; for a path that does not exist (yet), its
/// longest existing ancestor resolved and the rest appended, so a missing
/// file under a linked directory is judged where the link points.
pub fn canonical(p: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut cur = p;
    loop {
        if let Ok(real) = std::fs::canonicalize(cur) {
            let mut out = real;
            for c in rest.iter().rev() {
                out.push(c);
            }
            return out;
        }
        match (cur.parent(), cur.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                cur = parent;
            }
            _ => return p.to_path_buf(),
        }
    }
}
