//! `local('tilt-img …')` inside `tilt-img check`, answered in-process: the
//! Tilt extension runs `tilt-img scan --format json`, and `check` is
//! tilt-img, so the extension is checked offline and in the sandbox. The
//! loader judges every path this host declares before it runs the scan.

use crate::cli::{Cli, Command, scan_output};
use clap::Parser;
use std::path::{Path, PathBuf};
use tilt_loader::host::CommandHost;

pub struct InProcess;

enum Parsed {
    Version,
    Scan(Box<crate::cli::ScanArgs>),
}

fn parse(argv: &[String]) -> Option<Result<Parsed, String>> {
    if argv.first().map(String::as_str) != Some("tilt-img") {
        return None;
    }
    let shown = argv.join(" ");
    Some(match Cli::try_parse_from(argv) {
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayVersion => Ok(Parsed::Version),
        Err(e) => Err(format!(
            "command {shown:?} failed: {}",
            e.to_string().lines().next().unwrap_or("")
        )),
        Ok(cli) => match cli.command {
            Command::Scan(args) => Ok(Parsed::Scan(Box::new(args))),
            _ => Err(format!(
                "command {shown:?}: inside `tilt-img check` only `tilt-img scan` and `tilt-img --version` run in-process; pass --allow-exec to run other commands"
            )),
        },
    })
}

impl CommandHost for InProcess {
    fn serves(&self, argv: &[String], _cwd: &Path) -> Option<Result<Vec<PathBuf>, String>> {
        Some(parse(argv)?.and_then(|p| match p {
            Parsed::Version => Ok(vec![]),
            Parsed::Scan(args) => {
                if args.paths.iter().any(|p| p.as_os_str() == "-") {
                    return Err("`tilt-img scan -` reads standard input, which `local()` does not give inside `tilt-img check`".into());
                }
                Ok(args.paths.iter().chain(&args.config).cloned().collect())
            }
        }))
    }

    fn run(&self, argv: &[String], cwd: &Path, allowed: &[PathBuf]) -> Result<String, String> {
        match parse(argv) {
            None => Err(format!("{argv:?} is not a tilt-img command")),
            Some(Err(e)) => Err(e),
            Some(Ok(Parsed::Version)) => Ok(format!("tilt-img {}\n", env!("CARGO_PKG_VERSION"))),
            Some(Ok(Parsed::Scan(mut args))) => {
                for p in args.paths.iter_mut().chain(args.config.as_mut()) {
                    *p = cwd.join(&*p);
                }
                Ok(scan_output(&args, Some(allowed.to_vec())))
            }
        }
    }
}
