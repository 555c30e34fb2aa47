//! Files that may hold secrets (journals, exports, the `--edit` scratch file): created new,
//! never through an existing name (a planted symlink or someone's file is refused, not
//! followed or overwritten), readable by their owner only (0600), scratch names unguessable.

use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::path::{Path, PathBuf};

/// Creates `path` for writing: it must not exist (a symlink there counts as existing), and
/// only its owner may read it.
pub fn create_private(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true).write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            io::Error::new(
                e.kind(),
                format!(
                    "{} exists: it is never overwritten or followed",
                    path.display()
                ),
            )
        } else {
            io::Error::new(e.kind(), format!("cannot create {}: {e}", path.display()))
        }
    })
}

/// Opens an existing file to append to it, refusing a symlink in its place.
pub fn open_append(path: &Path) -> io::Result<File> {
    if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is a symbolic link: it is not followed", path.display()),
        ));
    }
    OpenOptions::new().append(true).open(path)
}

/// A name nobody can guess in advance: `<prefix><16 hex digits><suffix>`.
pub fn random_name(prefix: &str, suffix: &str) -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    format!("{prefix}{:016x}{suffix}", h.finish())
}

/// A new file with an unguessable name in `dir` (beside its final place, for a rename).
pub fn create_scratch(dir: &Path, prefix: &str, suffix: &str) -> io::Result<(PathBuf, File)> {
    for _ in 0..8 {
        let p = dir.join(random_name(prefix, suffix));
        match create_private(&p) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("cannot find a free scratch name in {}", dir.display()),
    ))
}

/// A new directory only its owner can enter (0700), unguessably named, in the temp dir.
pub fn private_dir(prefix: &str) -> io::Result<PathBuf> {
    let base = std::env::temp_dir();
    for _ in 0..8 {
        let p = base.join(random_name(prefix, ""));
        let mut b = std::fs::DirBuilder::new();
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        match b.create(&p) {
            Ok(()) => return Ok(p),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "cannot make a private directory in the temp dir",
    ))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_planted_symlink_or_file_is_refused_and_left_alone() {
        let d = tempfile::tempdir().unwrap();
        let victim = d.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let link = d.path().join("out");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let e = create_private(&link).unwrap_err();
        assert!(e.to_string().contains("never overwritten"), "{e}");
        assert!(create_private(&victim).is_err());
        assert!(open_append(&link).is_err());
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }

    #[test]
    fn new_files_are_the_owners_only_and_scratch_names_differ() {
        let d = tempfile::tempdir().unwrap();
        let (p, _) = create_scratch(d.path(), ".x-", ".tmp").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (q, _) = create_scratch(d.path(), ".x-", ".tmp").unwrap();
        assert_ne!(p, q);
        let dir = private_dir("dlq-test-").unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        std::fs::remove_dir(dir).unwrap();
    }
}
