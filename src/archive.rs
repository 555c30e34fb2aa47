//! The export file of `dlq export` (read by `dlq import`): NDJSON, optionally gzip- or
//! zstd-compressed. A header line (format, version, source, time, filters, count, whether
//! secrets are kept), one line per entry (`{"type":"entry","dlq":…,"entry":{…}}`, the API's
//! entry whole: bodies byte-exact as `body`/`bodyBase64`), and a trailer with the count and the
//! SHA-256 of the entry lines, so a truncated or edited file is refused before anything is sent.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::DlqEntry;

pub const FORMAT: &str = "dlq-export";
pub const VERSION: u32 = 1;

/// The first line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// The QStash URL exported from (never the token).
    pub source: String,
    pub exported_at: String,
    pub filters: crate::select::Saved,
    pub count: u64,
    /// `masked` (sensitive header values replaced) or `included` (`--include-secrets`).
    pub secrets: String,
}

/// One entry line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// `qstash` or `workflow`.
    pub dlq: String,
    pub entry: DlqEntry,
}

/// The last line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trailer {
    pub count: u64,
    pub sha256: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum Line {
    Header(Box<Header>),
    Entry(Box<Item>),
    Trailer(Trailer),
}

/// How a file is compressed, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn of_path(p: &Path) -> Compression {
        match p.extension().and_then(|e| e.to_str()) {
            Some("gz") | Some("gzip") => Compression::Gzip,
            Some("zst") | Some("zstd") => Compression::Zstd,
            _ => Compression::None,
        }
    }
}

/// Writes entry lines (to a scratch file), counting and hashing them.
pub struct EntryWriter<W: Write> {
    out: W,
    hash: Sha256,
    count: u64,
}

impl<W: Write> EntryWriter<W> {
    pub fn new(out: W) -> Self {
        EntryWriter {
            out,
            hash: Sha256::new(),
            count: 0,
        }
    }

    pub fn write(&mut self, dlq: &str, entry: &DlqEntry) -> io::Result<()> {
        // The shape of `Line::Entry`, borrowed: no copy of the entry per line.
        #[derive(Serialize)]
        struct EntryLine<'a> {
            r#type: &'static str,
            dlq: &'a str,
            entry: &'a DlqEntry,
        }
        let mut line = serde_json::to_vec(&EntryLine {
            r#type: "entry",
            dlq,
            entry,
        })?;
        line.push(b'\n');
        self.hash.update(&line);
        self.out.write_all(&line)?;
        self.count += 1;
        Ok(())
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// The entry lines' writer, and the trailer.
    pub fn finish(mut self) -> io::Result<(W, Trailer)> {
        self.out.flush()?;
        let sha256 = hex(&self.hash.finalize());
        Ok((
            self.out,
            Trailer {
                count: self.count,
                sha256,
            },
        ))
    }
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Writes the whole file: the header, the entry lines copied from `entries`, the trailer,
/// compressed as asked. An error finishing the compressed stream is an error.
pub fn assemble<W: Write>(
    out: W,
    compression: Compression,
    header: &Header,
    entries: &mut (impl Read + Send),
    trailer: &Trailer,
) -> io::Result<()> {
    let mut lines = |w: &mut dyn Write| -> io::Result<()> {
        serde_json::to_writer(&mut *w, &Line::Header(Box::new(header.clone())))?;
        w.write_all(b"\n")?;
        io::copy(entries, w)?;
        serde_json::to_writer(&mut *w, &Line::Trailer(trailer.clone()))?;
        w.write_all(b"\n")?;
        w.flush()
    };
    match compression {
        Compression::None => {
            let mut out = out;
            lines(&mut out)
        }
        Compression::Gzip => {
            let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
            lines(&mut gz)?;
            gz.finish()?.flush()
        }
        Compression::Zstd => zstd_write(out, lines),
    }
}

/// Runs `write` into a zstd stream to `out`. The pure-Rust encoder (ruzstd, level 1's
/// equivalent) compresses from a reader: `write` runs on a scoped thread and writes into a
/// pipe the encoder reads here.
fn zstd_write<W: Write>(
    out: W,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()> + Send,
) -> io::Result<()> {
    let (reader, mut writer) = io::pipe()?;
    std::thread::scope(|s| {
        let worker = s.spawn(move || {
            let wrote = write(&mut writer);
            // The end of the stream (the pipe closes): the encoder finishes the frame.
            drop(writer);
            wrote
        });
        let mut drain = Drain { out, error: None };
        ruzstd::encoding::compress(
            reader,
            &mut drain,
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        let wrote = worker
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("writing the export stopped unexpectedly")));
        wrote?;
        match drain.error {
            Some(e) => Err(e),
            None => drain.out.flush(),
        }
    })
}

/// The encoder's output: the first write error is kept (the encoder cannot return one) and
/// nothing more is written.
struct Drain<W> {
    out: W,
    error: Option<io::Error>,
}

impl<W: Write> Write for Drain<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.error.is_none()
            && let Err(e) = self.out.write_all(buf)
        {
            self.error = Some(e);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Why a file cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("cannot read the export: {0}")]
    Io(#[from] io::Error),
    #[error("not a dlq export: {0}")]
    NotExport(String),
    #[error(
        "export format version {0} is not supported (this dlq reads version {VERSION}); use a matching dlq version"
    )]
    Version(u32),
    #[error("the export is damaged or incomplete: {0}; nothing was sent")]
    Damaged(String),
}

/// Opens an export, decompressing by its first bytes (gzip or zstd), or plain.
pub fn open(path: &Path) -> Result<Box<dyn BufRead>, ArchiveError> {
    let mut f = BufReader::new(std::fs::File::open(path)?);
    let magic = f
        .fill_buf()?
        .get(..4)
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    Ok(if magic.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(f)))
    } else if magic == [0x28, 0xb5, 0x2f, 0xfd] {
        Box::new(BufReader::new(
            ruzstd::decoding::StreamingDecoder::new(f)
                .map_err(|e| ArchiveError::Damaged(format!("not a readable zstd stream ({e})")))?,
        ))
    } else {
        Box::new(f)
    })
}

/// Reads an export through once: its header, checked against its trailer (count and
/// checksum). Nothing is kept but the header.
pub fn verify(path: &Path) -> Result<Header, ArchiveError> {
    verify_all(path, |_| {}).map(|(h, _)| h)
}

/// [`verify`], with the trailer (whose checksum names the file's content), showing each entry
/// to `each` as it passes (what it saw counts only if the file then proves whole).
pub fn verify_all(path: &Path, each: impl FnMut(&Item)) -> Result<(Header, Trailer), ArchiveError> {
    verify_from(open(path)?, each)
}

/// [`verify_all`] of an export already opened (and decompressed).
pub fn verify_from(
    mut r: impl BufRead,
    mut each: impl FnMut(&Item),
) -> Result<(Header, Trailer), ArchiveError> {
    let mut header: Option<Header> = None;
    let mut trailer: Option<Trailer> = None;
    let mut hash = Sha256::new();
    let mut count = 0u64;
    let mut line = Vec::new();
    let mut n = 0u64;
    while read_line(&mut r, &mut line, n)? {
        n += 1;
        if trailer.is_some() {
            return Err(ArchiveError::Damaged(format!(
                "line {n} follows the trailer"
            )));
        }
        match parse_line(&line, n)? {
            Line::Header(h) => header = Some(*h),
            Line::Entry(item) => {
                hash.update(&line);
                count += 1;
                each(&item);
            }
            Line::Trailer(t) => trailer = Some(t),
        }
    }
    let header = header.ok_or_else(|| ArchiveError::NotExport("the file is empty".into()))?;
    let trailer = trailer.ok_or_else(|| {
        ArchiveError::Damaged("no trailer: the file ends early (a copy cut short?)".into())
    })?;
    if trailer.count != count || header.count != count {
        return Err(ArchiveError::Damaged(format!(
            "{count} entries, but the header says {} and the trailer {}",
            header.count, trailer.count
        )));
    }
    if trailer.sha256 != hex(&hash.finalize()) {
        return Err(ArchiveError::Damaged(
            "the checksum does not match the entries (the file was changed)".into(),
        ));
    }
    Ok((header, trailer))
}

/// The next line (with its newline) into `line`; `false` at the end. `n`: lines read so far.
fn read_line(r: &mut impl BufRead, line: &mut Vec<u8>, n: u64) -> Result<bool, ArchiveError> {
    let more = crate::text::lines::bounded_line(r, line, crate::text::lines::MAX_LINE).map_err(
        |e| match e.kind() {
            io::ErrorKind::InvalidData => ArchiveError::Damaged(format!("line {} is {e}", n + 1)),
            _ => ArchiveError::Io(e),
        },
    )?;
    if more {
        line.push(b'\n');
    }
    Ok(more)
}

/// Line `n` of an export: a header first (of this format and version) and only there.
fn parse_line(line: &[u8], n: u64) -> Result<Line, ArchiveError> {
    let parsed: Line = serde_json::from_slice(line).map_err(|e| {
        if n == 1 {
            ArchiveError::NotExport(format!("its first line is not an export header ({e})"))
        } else {
            ArchiveError::Damaged(format!("line {n} is not a record ({e})"))
        }
    })?;
    match (parsed, n) {
        (Line::Header(h), 1) => {
            if h.format != FORMAT {
                return Err(ArchiveError::NotExport(format!("format is '{}'", h.format)));
            }
            if h.version != VERSION {
                return Err(ArchiveError::Version(h.version));
            }
            Ok(Line::Header(h))
        }
        (_, 1) => Err(ArchiveError::NotExport(
            "its first line is not an export header".into(),
        )),
        (Line::Header(_), _) => Err(ArchiveError::Damaged(format!(
            "a second header at line {n}"
        ))),
        (l, _) => Ok(l),
    }
}

/// The entries of an export (after [`verify`]), one at a time.
pub fn entries(
    path: &Path,
) -> Result<impl Iterator<Item = Result<Item, ArchiveError>>, ArchiveError> {
    let r = open(path)?;
    Ok(r.split(b'\n').filter_map(|l| match l {
        Err(e) => Some(Err(ArchiveError::Io(e))),
        Ok(l) if l.is_empty() => None,
        Ok(l) => match serde_json::from_slice::<Line>(&l) {
            Ok(Line::Entry(i)) => Some(Ok(*i)),
            Ok(_) => None,
            Err(e) => Some(Err(ArchiveError::Damaged(e.to_string()))),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(count: u64) -> Header {
        Header {
            format: FORMAT.into(),
            version: VERSION,
            source: "http://127.0.0.1:8080".into(),
            exported_at: "2026-11-30T00:00:00Z".into(),
            filters: crate::select::Saved {
                workflow: false,
                filter: Default::default(),
                status: vec![],
                grep: vec![],
                header: vec![],
                message_id: None,
            },
            count,
            secrets: "masked".into(),
        }
    }

    fn write(path: &Path, entries: &[DlqEntry]) {
        let mut w = EntryWriter::new(Vec::new());
        for e in entries {
            w.write("qstash", e).unwrap();
        }
        let (buf, trailer) = w.finish().unwrap();
        let f = std::fs::File::create(path).unwrap();
        assemble(
            f,
            Compression::of_path(path),
            &header(trailer.count),
            &mut buf.as_slice(),
            &trailer,
        )
        .unwrap();
    }

    #[test]
    fn round_trips_byte_exact_in_every_compression() {
        let dir = tempfile::tempdir().unwrap();
        let e = DlqEntry {
            dlq_id: "1-0".into(),
            body_base64: Some("AAEC/w==".into()),
            body: Some("héllo\u{0}".into()),
            ..DlqEntry::default()
        };
        for name in ["x.ndjson", "x.ndjson.gz", "x.ndjson.zst"] {
            let p = dir.path().join(name);
            write(&p, &[e.clone(), e.clone()]);
            assert_eq!(verify(&p).unwrap().count, 2, "{name}");
            let got: Vec<Item> = entries(&p).unwrap().map(Result::unwrap).collect();
            assert_eq!(got.len(), 2);
            assert_eq!(got[0].entry, e, "{name}");
        }
        let raw = std::fs::read(dir.path().join("x.ndjson.gz")).unwrap();
        assert_eq!(&raw[..2], &[0x1f, 0x8b], "gzip by extension");
    }

    #[test]
    fn damage_is_found_before_anything_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.ndjson");
        let e = DlqEntry {
            dlq_id: "1-0".into(),
            body: Some("a".into()),
            ..DlqEntry::default()
        };
        write(&p, &[e.clone(), e]);
        let text = std::fs::read_to_string(&p).unwrap();
        // An edited body.
        std::fs::write(&p, text.replacen("\"body\":\"a\"", "\"body\":\"b\"", 1)).unwrap();
        assert!(matches!(verify(&p), Err(ArchiveError::Damaged(m)) if m.contains("checksum")));
        // Cut short.
        let cut: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
        std::fs::write(&p, cut).unwrap();
        assert!(matches!(verify(&p), Err(ArchiveError::Damaged(m)) if m.contains("trailer")));
        // Another version.
        std::fs::write(&p, text.replacen("\"version\":1", "\"version\":9", 1)).unwrap();
        assert!(matches!(verify(&p), Err(ArchiveError::Version(9))));
        // Not an export at all.
        std::fs::write(&p, "{\"dlqId\":\"1-0\"}\n").unwrap();
        assert!(matches!(verify(&p), Err(ArchiveError::NotExport(_))));
    }
}
