//! Reading lines of untrusted input with a bound: a line longer than the bound is an error,
//! and no more of it than the bound is ever held.

/// The longest line read from stdin or an export (an entry with large bodies fits); a longer
/// one is an error, not a reason to hold it all.
pub const MAX_LINE: usize = 64 * 1024 * 1024;

/// Reads one line into `buf` (without its newline); false at the end. A line longer than
/// `max` is an error, and no more of it than `max` is held.
pub fn bounded_line(
    input: &mut impl std::io::BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<bool> {
    buf.clear();
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(!buf.is_empty());
        }
        let (take, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        if buf.len() + take > max {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("longer than {} MiB", max / (1024 * 1024)),
            ));
        }
        buf.extend_from_slice(&chunk[..take]);
        input.consume(take + usize::from(done));
        if done {
            return Ok(true);
        }
    }
}
