use std::process::ExitCode;

fn main() -> ExitCode {
    tilt_img::cli::main()
}
