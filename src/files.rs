//! Reading the curriculum and quiz files an organizer names: regular files only, and never more than a limit.

use std::fs::{File, Metadata};
use std::io::{self, ErrorKind, Read};
use std::os::unix::fs::FileTypeExt;
use std::path::Path;

/// The largest curriculum or quiz bank read. The shipped 30-day curriculum and its bank are
/// under 100 KB together; a file forty times that is a mistake, not a course.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads `path` whole if it is a regular file of at most [`MAX_FILE_BYTES`]. Anything else is
/// refused before a byte is read — a device such as /dev/zero would never end, a FIFO would block
/// — with an error whose text says why ("not a regular file (a character device)").
pub fn read_bounded(path: &Path) -> io::Result<Vec<u8>> {
    // stat before open: opening a FIFO blocks until someone writes to it.
    check(&std::fs::metadata(path)?)?;
    let file = File::open(path)?;
    // Again on the open file, in case the path was swapped in between.
    check(&file.metadata()?)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

fn check(meta: &Metadata) -> io::Result<()> {
    let kind = meta.file_type();
    let what = if kind.is_file() {
        return if meta.len() > MAX_FILE_BYTES { Err(too_large()) } else { Ok(()) };
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_fifo() {
        "a named pipe"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    };
    Err(io::Error::new(ErrorKind::InvalidInput, format!("not a regular file ({what})")))
}

fn too_large() -> io::Error {
    io::Error::new(ErrorKind::FileTooLarge, format!("larger than the limit of {} MiB", MAX_FILE_BYTES >> 20))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_up_to_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small.md");
        std::fs::write(&small, "# T\n").unwrap();
        assert_eq!(read_bounded(&small).unwrap(), b"# T\n");

        let big = dir.path().join("big.md");
        File::create(&big).unwrap().set_len(MAX_FILE_BYTES + 1).unwrap();
        assert_eq!(read_bounded(&big).unwrap_err().to_string(), "larger than the limit of 4 MiB");
        let exact = dir.path().join("exact.md");
        File::create(&exact).unwrap().set_len(MAX_FILE_BYTES).unwrap();
        assert_eq!(read_bounded(&exact).unwrap().len() as u64, MAX_FILE_BYTES);

        let cases = [(Path::new("/dev/zero"), "a character device"), (dir.path(), "a directory")];
        for (path, what) in cases {
            let err = read_bounded(path).unwrap_err().to_string();
            assert_eq!(err, format!("not a regular file ({what})"), "{}", path.display());
        }
        assert_eq!(read_bounded(&dir.path().join("absent")).unwrap_err().kind(), ErrorKind::NotFound);
    }
}
