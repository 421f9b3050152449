//! Shell completions and the man page, generated from the clap definitions
//! (`clap_complete`, `clap_mangen`), so they never drift from the options.

use clap::CommandFactory;

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(clap::Args, Debug)]
pub struct ManArgs {
    /// Write tilt-img.1 and a page per command (tilt-img-scan.1, …) into
    /// this directory, instead of printing tilt-img.1.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<std::path::PathBuf>,
}

pub fn completions(args: &CompletionsArgs) -> u8 {
    let mut cmd = super::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "tilt-img", &mut out);
    super::out::emit(&String::from_utf8_lossy(&out));
    0
}

pub fn man(args: &ManArgs) -> u8 {
    let cmd = super::Cli::command();
    let Some(dir) = &args.out_dir else {
        let mut out = Vec::new();
        if let Err(e) = clap_mangen::Man::new(cmd).render(&mut out) {
            say_err!("error: cannot render the man page: {e}");
            return super::EXIT_FINDINGS;
        }
        super::out::emit(&String::from_utf8_lossy(&out));
        return 0;
    };
    if let Err(e) = clap_mangen::generate_to(cmd, dir) {
        say_err!("error: {}: cannot write the man pages: {e}", dir.display());
        return super::EXIT_FINDINGS;
    }
    0
}
