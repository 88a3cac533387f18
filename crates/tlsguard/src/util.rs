//! Small helpers shared by the modules.

use std::path::Path;

use crate::error::{Code, Error, Result};
pub(crate) use crate::text::url_without_credentials;

/// Largest file tlsguard reads as a CA bundle, key, certificate or CRL (64 MiB).
pub(crate) const MAX_INPUT_FILE: u64 = 64 * 1024 * 1024;

/// Reads a file given as an option, with an `IO` error that names the option and the path.
pub(crate) fn read_file(path: &Path, what: &str) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, what, &e))?;
    if meta.is_dir() {
        return Err(Error::new(Code::Io, format!("{what}: {} is a directory, not a file", path.display())));
    }
    if meta.len() > MAX_INPUT_FILE {
        return Err(Error::new(
            Code::Io,
            format!("{what}: {} is {} bytes, more than the {} byte limit", path.display(), meta.len(), MAX_INPUT_FILE),
        ));
    }
    // The size in the metadata is 0 for /dev/zero, FIFOs and /proc files: read through a limit.
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| io_error(path, what, &e))?;
    let mut data = Vec::new();
    file.take(MAX_INPUT_FILE + 1).read_to_end(&mut data).map_err(|e| io_error(path, what, &e))?;
    if data.len() as u64 > MAX_INPUT_FILE {
        return Err(Error::new(
            Code::Io,
            format!("{what}: {} is larger than the {MAX_INPUT_FILE} byte limit", path.display()),
        ));
    }
    Ok(data)
}

fn io_error(path: &Path, what: &str, e: &std::io::Error) -> Error {
    Error::new(Code::Io, format!("{what}: cannot read {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn endless_files_are_refused_not_read_forever() {
        let err = super::read_file(std::path::Path::new("/dev/zero"), "ca_file").unwrap_err();
        assert_eq!(err.code(), crate::Code::Io);
        assert!(err.message().contains("larger than"), "{err}");
    }
}
