//! Runs a Tiltfile in the embedded interpreter (crate `starlark`) with the
//! Tilt builtins, and reports failures in Tilt's own format:
//!
//! ```text
//! Traceback (most recent call last):
//!   ./Tiltfile:3:9: in <toplevel>
//! Error in k8s_kind: unclosed action
//! ```
//!
//! Positions are Go Starlark's: the line of the call and the column of its
//! `(`, mapped back through the `while` rewrite.

use super::builtins::k8s_builtins;
use super::context::{BuiltinError, Ctx, ModuleState, clean};
use super::limits::OverCap;
use super::preprocess::{LineMap, rewrite_while};
use super::stdlib::{
    config_builtins, noop_builtins, os_builtins, os_path_builtins, shlex_builtins, std_builtins,
    v1alpha1_builtins, v1alpha1_noops,
};
use starlark::codemap::FileSpan;
use starlark::environment::{FrozenModule, Globals, GlobalsBuilder, LibraryExtension, Module};
use starlark::eval::{Evaluator, FileLoader};
use starlark::syntax::{AstModule, Dialect, DialectTypes};
use starlark::{ErrorKind, PrintHandler};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use super::context::DEFAULT_MAX_STEPS;

/// The Tilt API, per run: `config.main_dir`, `os.environ` and `sys.argv`
/// are values of this run.
pub fn globals(ctx: &Ctx) -> Globals {
    let main_dir = ctx.root.display().to_string();
    let main_path = ctx.root.join("Tiltfile").display().to_string();
    let argv: Vec<String> = ["tilt", "up"]
        .iter()
        .map(|s| s.to_string())
        .chain(ctx.args.iter().cloned())
        .collect();
    let environ: std::collections::BTreeMap<String, String> = std::env::vars().collect();
    GlobalsBuilder::extended_by(&[
        LibraryExtension::StructType,
        LibraryExtension::SetType,
        LibraryExtension::Print,
    ])
    .with(k8s_builtins)
    .with(std_builtins)
    .with(noop_builtins)
    .with(super::resources::resource_builtins)
    .with_namespace("config", |b| {
        config_builtins(b);
        b.set("main_dir", main_dir.clone());
        b.set("main_path", main_path.clone());
        b.set("tilt_subcommand", "up");
    })
    .with_namespace("os", |b| {
        os_builtins(b);
        b.set(
            "environ",
            serde_json::to_value(&environ).unwrap_or_default(),
        );
        b.set("name", "posix");
        b.namespace("path", os_path_builtins);
    })
    .with_namespace("sys", |b| {
        b.set("argv", serde_json::to_value(&argv).unwrap_or_default());
        b.set("executable", "tilt");
    })
    .with_namespace("v1alpha1", |b| {
        v1alpha1_builtins(b);
        v1alpha1_noops(b);
    })
    .with_namespace("shlex", shlex_builtins)
    .with(|b| {
        // Tilt's trigger-mode constants, used with k8s_resource/local_resource.
        b.set("TRIGGER_MODE_AUTO", 0);
        b.set("TRIGGER_MODE_MANUAL", 1);
    })
    .build()
}

fn dialect() -> Dialect {
    let mut d = Dialect::Extended;
    d.enable_types = DialectTypes::Disable;
    d.enable_f_strings = false;
    d
}

/// What `print()` wrote, kept for the report.
#[derive(Default)]
struct Prints(RefCell<Vec<String>>);

impl PrintHandler for Prints {
    fn println(&self, text: &str) -> starlark::Result<()> {
        self.0.borrow_mut().push(text.to_string());
        Ok(())
    }
}

/// One run's machinery: the context, globals, and the line maps of every
/// file executed (for positions in errors).
pub struct Runner<'a> {
    pub ctx: &'a Ctx,
    globals: Globals,
    line_maps: RefCell<HashMap<String, LineMap>>,
    prints: Prints,
    /// Set when a `load()` failed, with Tilt's message.
    load_error: RefCell<Option<String>>,
}

impl<'a> Runner<'a> {
    pub fn new(ctx: &'a Ctx) -> Self {
        Runner {
            ctx,
            globals: globals(ctx),
            line_maps: RefCell::new(HashMap::new()),
            prints: Prints::default(),
            load_error: RefCell::new(None),
        }
    }

    pub fn prints(&self) -> Vec<String> {
        self.prints.0.borrow().clone()
    }

    /// Executes one file through Tilt's load cache: each file runs once
    /// (a second `load` or `include` gets the first result) and a file that
    /// is still running is a `Circular load`, as in Tilt's starkit.
    pub fn exec(&self, file: &Path) -> Result<FrozenModule, String> {
        let key = super::context::canonical(file);
        let cached = self.ctx.modules.borrow().get(&key).cloned();
        match cached {
            Some(ModuleState::Executing) => {
                return Err(format!("Circular load: {}", file.display()));
            }
            Some(ModuleState::Done(r)) => return r,
            None => {}
        }
        self.ctx
            .modules
            .borrow_mut()
            .insert(key.clone(), ModuleState::Executing);
        let result = self.exec_uncached(file);
        self.ctx
            .modules
            .borrow_mut()
            .insert(key, ModuleState::Done(result.clone()));
        result
    }

    fn exec_uncached(&self, file: &Path) -> Result<FrozenModule, String> {
        let name = self.ctx.display(file);
        let src = match self.ctx.read_module(file) {
            Ok(Some(src)) => src,
            Ok(None) => return Err(format!("{name}: cannot read: no such file or directory")),
            Err(e) => return Err(format!("{name}: cannot read: {e}")),
        };
        let dir = file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| self.ctx.root.clone());
        self.exec_text(&name, &src, dir)
    }

    /// Executes Starlark text as if it were a file named `name` in `dir`.
    pub fn exec_text(&self, name: &str, src: &str, dir: PathBuf) -> Result<FrozenModule, String> {
        let name = name.to_string();
        let rw = rewrite_while(src);
        if let Some(line) = rw.unsupported.first() {
            return Err(format!(
                "{name}:{line}:1: tilt-img cannot run this `while` loop: its condition spans several lines; put the condition on one line"
            ));
        }
        self.line_maps
            .borrow_mut()
            .insert(name.clone(), rw.lines.clone());
        let ast = AstModule::parse(&name, rw.text, &dialect())
            .map_err(|e| self.syntax_error(&name, &e))?;
        self.ctx.dirs.borrow_mut().push(dir);
        let result = Module::with_temp_heap(|module| {
            let res = {
                let mut eval = Evaluator::new(&module);
                eval.extra = Some(self.ctx);
                eval.set_loader(self);
                eval.set_print_handler(&self.prints);
                // One step budget for the whole run, loads and includes too.
                let left = self
                    .ctx
                    .max_steps
                    .saturating_sub(self.ctx.steps_spent.get());
                let _ = eval.set_max_tick_count(left.max(1));
                // One memory cap for the whole run too (`Ctx::memory`).
                self.ctx.memory.enforce(&mut eval);
                let r = eval.eval_module(ast, &self.globals).map(|_| ());
                let spent = self.ctx.steps_spent.get();
                self.ctx
                    .steps_spent
                    .set(spent.saturating_add(eval.get_total_tick_count()));
                r
            };
            match res {
                Ok(()) => module.freeze().map_err(|e| format!("Error: {e:?}")),
                Err(e) => Err(self.runtime_error(&e)),
            }
        });
        self.ctx.dirs.borrow_mut().pop();
        result
    }

    fn map_line(&self, file: &str, line0: usize) -> usize {
        let line = line0 as u32 + 1;
        self.line_maps
            .borrow()
            .get(file)
            .map(|m| m.original(line))
            .unwrap_or(line) as usize
    }

    fn syntax_error(&self, name: &str, e: &starlark::Error) -> String {
        let msg = e.without_diagnostic().to_string();
        let msg = msg.trim_start_matches("Parse error: ").to_string();
        match e.span() {
            Some(s) => {
                let r = s.resolve_span();
                let at = s.file.source_span(s.span);
                let line_text = s.file.source_line(r.begin.line);
                let (msg, line, col) =
                    go_syntax_message(&msg, at, line_text, r.begin.line, r.begin.column);
                format!("{name}:{}:{}: {msg}", self.map_line(name, line), col + 1)
            }
            None => format!("{name}: {msg}"),
        }
    }

    /// `FILE:LINE:COL` of a call: Go reports the column of the `(`.
    fn call_position(&self, span: &FileSpan) -> String {
        let text = span.file.source_span(span.span);
        self.position(span, text.find('(').unwrap_or(0))
    }

    /// `FILE:LINE:COL` of the start of `span`, `offset` columns on.
    fn position(&self, span: &FileSpan, offset: usize) -> String {
        let file = span.file.filename().to_string();
        let r = span.resolve_span();
        let col = r.begin.column + offset + 1;
        format!("{file}:{}:{col}", self.map_line(&file, r.begin.line))
    }

    fn runtime_error(&self, e: &starlark::Error) -> String {
        if let Some(msg) = self.load_error.borrow_mut().take() {
            // A failed load(): Go points at the statement, column 1.
            let pos = e
                .span()
                .map(|s| {
                    let file = s.file.filename().to_string();
                    format!(
                        "{file}:{}:1",
                        self.map_line(&file, s.resolve_span().begin.line)
                    )
                })
                .unwrap_or_default();
            return format!(
                "Traceback (most recent call last):\n  {pos}: in <toplevel>\nError: {msg}"
            );
        }
        let inner = match e.kind() {
            ErrorKind::Fail(a)
            | ErrorKind::Value(a)
            | ErrorKind::Function(a)
            | ErrorKind::Native(a)
            | ErrorKind::Other(a) => Some(a),
            _ => None,
        };
        let builtin = inner.and_then(|a| a.downcast_ref::<BuiltinError>());
        let text = e.without_diagnostic().to_string();
        // The cap, seen before a statement, by starlark's cancellation
        // check (a loop) or by starlark's own heap count.
        let over_cap = builtin.is_none()
            && (inner.is_some_and(|a| a.downcast_ref::<OverCap>().is_some())
                || text.contains("Evaluation cancelled")
                || text.to_lowercase().contains("heap memory limit"));
        let frames = &e.call_stack().frames;
        let mut lines = vec!["Traceback (most recent call last):".to_string()];
        let mut enclosing = "<toplevel>".to_string();
        for f in frames {
            if let Some(loc) = &f.location {
                lines.push(format!("  {}: in {enclosing}", self.call_position(loc)));
            }
            enclosing = f.name.clone();
        }
        if over_cap {
            if let Some(s) = e.span() {
                lines.push(format!("  {}: in {enclosing}", self.position(s, 0)));
            }
        } else if frames.is_empty()
            && let Some(s) = e.span()
        {
            lines.push(format!("  {}: in <toplevel>", self.call_position(s)));
        }
        let last = match builtin {
            Some(b) => format!("Error in {}: {}", b.func, b.msg),
            None if over_cap => self.ctx.memory.message(),
            None if text.contains("ticks has been exceeded") => format!(
                "Error: tilt-img stopped the Tiltfile after {} steps (--max-steps): an endless loop?",
                self.ctx.max_steps
            ),
            None => format!("Error: {text}"),
        };
        lines.push(last);
        lines.join("\n")
    }

    /// Finds the Tiltfile of `ext://[host/]name`.
    fn resolve_ext(&self, spec: &str) -> Result<(PathBuf, PathBuf), String> {
        let rest = spec.trim_start_matches("ext://");
        // An extension name is a path inside its repository; `..`, an
        // absolute name or an empty part would leave it.
        if rest.is_empty()
            || rest.starts_with('/')
            || rest
                .split('/')
                .any(|p| p.is_empty() || p == "." || p == "..")
        {
            return Err(format!(
                "cannot load {spec}: invalid extension name {rest:?}: a name is a path inside the repository, without `..`"
            ));
        }
        let repos = self.ctx.state.borrow().ext_repos.clone();
        for (host, dir) in &repos {
            if let Some(name) = rest.strip_prefix(&format!("{host}/")) {
                let path = clean(&dir.join(name).join("Tiltfile"));
                if path.is_file() {
                    return Ok((path, dir.clone()));
                }
                return Err(format!(
                    "cannot load {spec}: loading extension {}: no extension tiltfile found at {}",
                    format!("{host}/{name}").replace('/', "_"),
                    self.ctx.display(&path)
                ));
            }
        }
        // The default repository is tilt-extensions; offline we serve the
        // project's own `tilt_extensions/` (searched upward).
        for dir in self.ctx.root.ancestors() {
            let repo = dir.join("tilt_extensions");
            let path = repo.join(rest).join("Tiltfile");
            if path.is_file() {
                return Ok((path, repo));
            }
        }
        Err(format!(
            "cannot load {spec}: extension {rest} is not in a local extension repository; tilt-img does not fetch extensions (add v1alpha1.extension_repo(url='file://…') or a tilt_extensions/{rest}/ directory)"
        ))
    }
}

impl FileLoader for Runner<'_> {
    fn load(&self, path: &str) -> starlark::Result<FrozenModule> {
        let file = if path.starts_with("ext://") {
            self.resolve_ext(path).and_then(|(file, repo)| {
                // Extensions come from repositories the Tiltfile names
                // itself (or a tilt_extensions/ directory): their modules
                // may be loaded, judged with symlinks resolved, but a
                // repository is no root for data reads.
                let repo = super::context::canonical(&repo);
                if !super::context::canonical(&file).starts_with(&repo) {
                    return Err(format!(
                        "cannot load {path}: tilt-img sandbox: {} leaves its extension repository {} (symlinks resolved)",
                        file.display(),
                        repo.display()
                    ));
                }
                self.ctx.module_roots.borrow_mut().push(repo);
                Ok(file)
            })
        } else {
            Ok(self.ctx.abs(path))
        };
        let result = file.and_then(|f| self.exec(&f));
        result.map_err(|msg| {
            self.load_error.borrow_mut().get_or_insert(msg.clone());
            starlark::Error::new_other(anyhow::anyhow!(msg))
        })
    }
}

/// A parse error of starlark-rust in go.starlark.net's words (and, where
/// Go points elsewhere, its place): `got ',', want primary expression`,
/// `keyword argument "a" is repeated`, … Checked against the real Tilt.
/// `at` is the source text the error spans, `line_text` its line; `line`
/// and `col` are 0-based. Messages with no Go equivalent known stay.
fn go_syntax_message(
    msg: &str,
    at: &str,
    line_text: &str,
    line: usize,
    col: usize,
) -> (String, usize, usize) {
    let ident = |s: &str| -> String {
        s.trim()
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("")
            .to_string()
    };
    let fixed = |m: &str| (m.to_string(), line, col);
    if let Some(rest) = msg.strip_prefix("unexpected symbol '")
        && let Some(sym) = rest.strip_suffix("', expected expression")
    {
        return if matches!(sym, ")" | "]" | "}") {
            fixed(&format!("unexpected '{sym}'"))
        } else {
            fixed(&format!("got '{sym}', want primary expression"))
        };
    }
    if msg == "unexpected new line, expected expression" {
        return fixed("got newline, want primary expression");
    }
    if let Some(rest) = msg.strip_prefix("unexpected new line, expected symbol '")
        && let Some(sym) = rest.strip_suffix('\'')
    {
        // Inside brackets Go skips newlines, so what it meets is the end
        // of the file; elsewhere its newline token starts the next line.
        return if matches!(sym, ")" | "]" | "}") {
            (format!("got end of file, want '{sym}'"), line, 0)
        } else {
            (format!("got newline, want '{sym}'"), line + 1, 0)
        };
    }
    if msg == "unexpected new indentation block, expected expression" {
        let indent = line_text.len() - line_text.trim_start().len();
        return ("got indent, want primary expression".into(), line, indent);
    }
    let text = match msg {
        "repeated named argument" => format!("keyword argument {:?} is repeated", ident(at)),
        "duplicated parameter name" => format!("duplicate parameter: {}", ident(at)),
        "positional argument after non positional" => {
            "positional argument may not follow named".into()
        }
        "Args array after another args or kwargs" => "*args may not follow **kwargs".into(),
        "positional parameter after non positional" => {
            "required parameter may not follow optional".into()
        }
        "unfinished string literal" => "unexpected newline in string".into(),
        "`return` cannot be used outside of a `def` function" => {
            "return statement not within a function".into()
        }
        "`break` cannot be used outside of a `for` loop" => "break not in a loop".into(),
        "`continue` cannot be used outside of a `for` loop" => "continue not in a loop".into(),
        other => other.to_string(),
    };
    (text, line, col)
}

#[cfg(test)]
mod syntax_tests {
    use super::go_syntax_message;

    #[test]
    fn parse_errors_read_as_go_starlark() {
        let m = |msg: &str, at: &str| go_syntax_message(msg, at, "", 0, 4).0;
        assert_eq!(
            m("unexpected symbol ',', expected expression", ","),
            "got ',', want primary expression"
        );
        assert_eq!(
            m("unexpected symbol ')', expected expression", ")"),
            "unexpected ')'"
        );
        assert_eq!(
            m("repeated named argument", "resource_deps=['a']"),
            "keyword argument \"resource_deps\" is repeated"
        );
        assert_eq!(
            go_syntax_message(
                "unexpected new line, expected symbol ':'",
                "",
                "if True",
                0,
                7
            ),
            ("got newline, want ':'".to_string(), 1, 0)
        );
    }
}
