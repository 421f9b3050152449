//! `tilt-img fix`: keep the generated `k8s_kind` block in the Tiltfile.

use super::{EXIT_FINDINGS, EXIT_USAGE, LoaderArgs, loader_options, out};
use std::path::PathBuf;
use tilt_img_core::diag::Severity;
use tilt_img_core::fix;
use tilt_img_core::load::LoadOptions;
use tilt_img_core::scan::{self, ScanOptions};

#[derive(clap::Args, Debug)]
pub struct FixArgs {
    /// Manifests and CRDs to scan (default: the Tiltfile's directory).
    pub paths: Vec<PathBuf>,
    /// The Tiltfile to update.
    #[arg(long, default_value = "Tiltfile")]
    pub tiltfile: PathBuf,
    /// Show the change as a diff; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// For CI: exit 1 and print the diff when the block is missing or
    /// stale; write nothing.
    #[arg(long, conflicts_with = "dry_run")]
    pub check: bool,
    /// Start a Tiltfile when there is none.
    #[arg(long)]
    pub create: bool,
    /// Remove hand-written k8s_kind lines for kinds the block declares
    /// (without it, fix names them and writes nothing).
    #[arg(long)]
    pub replace_hand_written: bool,
    /// Also scan files that .gitignore or hidden-file rules would skip.
    #[arg(long)]
    pub no_ignore: bool,
    #[command(flatten)]
    pub loader: LoaderArgs,
}

pub fn run(args: &FixArgs) -> u8 {
    let tiltfile = &args.tiltfile;
    let shown = tiltfile.display();
    let old = match std::fs::read_to_string(tiltfile) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && args.create => String::new(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            say_err!(
                "error: {shown}: no such Tiltfile; nothing written. Pass --tiltfile PATH, or --create to start one"
            );
            return EXIT_USAGE;
        }
        Err(e) => {
            say_err!("error: {shown}: cannot read: {e}");
            return EXIT_FINDINGS;
        }
    };
    // Relative paths keep the generated block the same on every checkout.
    let dir = match tiltfile.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let paths = if args.paths.is_empty() {
        vec![dir]
    } else {
        args.paths.clone()
    };
    let opts = ScanOptions {
        load: LoadOptions {
            no_ignore: args.no_ignore,
            ..Default::default()
        },
        validate: true,
        no_registry: true,
        ..Default::default()
    };
    let outcome = scan::scan(&paths, &opts);
    for d in outcome.report.diagnostics.iter() {
        if d.severity != Severity::Info {
            say_err!("{d}");
        }
    }
    if outcome.input_failed {
        // A block from a partial scan would silently drop the kinds of the
        // files that failed: keep the old one until every input reads.
        say_err!(
            "error: {shown}: not written: some input could not be read or parsed (see above); fix it and run again"
        );
        return EXIT_FINDINGS;
    }
    let kinds: Vec<&str> = outcome
        .report
        .kinds
        .iter()
        .filter(|k| k.tilt.is_some())
        .map(|k| k.key.kind.as_str())
        .collect();
    let by_hand = fix::hand_written(&old, &kinds);
    let base = if args.replace_hand_written {
        for h in by_hand.iter().filter(|h| h.lines.is_none()) {
            say_err!(
                "warning: {shown}:{}: k8s_kind({:?}) shares its line with other code; remove it by hand",
                h.line,
                h.pattern
            );
        }
        fix::without(&old, &by_hand)
    } else if !by_hand.is_empty() {
        for h in &by_hand {
            say_err!(
                "error: {shown}:{}: a hand-written k8s_kind({:?}) declares {}, which the tilt-img block declares too",
                h.line,
                h.pattern,
                h.kind
            );
        }
        say_err!(
            "error: {shown}: not written, to avoid declaring a kind twice; run `tilt-img fix --replace-hand-written` to replace those lines with the block"
        );
        return EXIT_FINDINGS;
    } else {
        old.clone()
    };
    let new = match fix::splice(&base, &fix::block(&outcome.report)) {
        Ok(n) => n,
        Err(e) => {
            say_err!("error: {shown}: {e}");
            return EXIT_FINDINGS;
        }
    };
    if new == old {
        if !out::quiet() {
            say!("{shown}: up to date");
        }
        return 0;
    }
    let loader = loader_options(&args.loader, &[]);
    if let Err(e) = fix::validate(tiltfile, &new, &loader) {
        return match fix::validate(tiltfile, &old, &loader) {
            Err(before) if !old.is_empty() => {
                say_err!(
                    "error: {shown} already fails to load, before any change by fix; fix that first (`tilt-img check {shown}`):\n{before}"
                );
                EXIT_FINDINGS
            }
            _ => {
                say_err!("error: {shown}: not written, the result would not load in Tilt:\n{e}");
                EXIT_FINDINGS
            }
        };
    }
    let diff = fix::diff(tiltfile, &old, &new);
    if args.check {
        out::emit(&diff);
        let what = if fix::has_block(&old) {
            "stale"
        } else {
            "missing"
        };
        say_err!("error: {shown}: the tilt-img block is {what}; run `tilt-img fix` to update it");
        return EXIT_FINDINGS;
    }
    if args.dry_run {
        out::emit(&diff);
        return 0;
    }
    if let Err(e) = fix::write_atomic(tiltfile, &new) {
        say_err!("error: {shown}: cannot write: {e}");
        return EXIT_FINDINGS;
    }
    if !out::quiet() {
        let what = if old.is_empty() {
            "created, with the tilt-img block"
        } else {
            "updated the tilt-img block"
        };
        say!("{shown}: {what}");
    }
    0
}
