//! The one file reader of the workspace (the loader's builtins and
//! tilt-img's scan, doctor and config reads all use it).

use std::io::Read;
use std::path::Path;

/// At most `max + 1` bytes (so a
/// caller can tell "over the cap" from "exactly the cap"), regular files
/// only (a FIFO or device named on the command line would block or never
/// end), opened without blocking so a FIFO swapped in after the check
/// cannot hang the read either.
pub fn read_capped(p: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(0o4000); // O_NONBLOCK
    }
    let f = o.open(p)?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other(
            "not a regular file (a FIFO, socket or device is never read)",
        ));
    }
    // Sized once: a large file costs its size, not a doubled buffer.
    let mut buf = Vec::with_capacity(meta.len().min(max + 1) as usize);
    f.take(max + 1).read_to_end(&mut buf)?;
    Ok(buf)
}
