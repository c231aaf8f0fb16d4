//! Sample readers: NDJSON, a top-level JSON array, CSV with a header row; each plain, gzip or
//! zstd; and Parquet ([`super::parquet`]). Records are streamed one at a time (NDJSON in chunks of lines), so memory stays bounded
//! whatever the file size.

use std::cell::Cell;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::json::View;

/// How records are laid out in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One JSON value per line (`.ndjson`, `.jsonl`).
    Ndjson,
    /// One top-level JSON array of records.
    JsonArray,
    /// Comma-separated with a header row.
    Csv,
    /// Apache Parquet (`.parquet`, `.pq`, or the `PAR1` magic); read by [`super::parquet`].
    Parquet,
    /// An Avro Object Container File (`.avro`, or the `Obj\x01` magic); read by [`super::avro`].
    Avro,
    /// Binary Protobuf messages (`.binpb`, `.pb`), delimited or one per file; decoded by
    /// [`super::protobuf`] against the contract's message.
    Protobuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// The largest record read by default (`--max-record-bytes`, `max_record_bytes`): 64 MiB.
pub const DEFAULT_MAX_RECORD_BYTES: u64 = 64 << 20;

/// The first bytes of an Avro object container file.
pub const AVRO_MAGIC: &[u8; 4] = b"Obj\x01";

/// A record that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub line: u64,
    pub message: String,
}

/// A file that cannot be read at all (missing, unknown layout, broken compression).
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ReadError {
    pub path: String,
    pub message: String,
}

/// Compression from the extension, else from the magic bytes.
pub fn compression(path: &Path, head: &[u8]) -> Compression {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if name.ends_with(".gz") || name.ends_with(".gzip") || head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if name.ends_with(".zst") || name.ends_with(".zstd") || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// A file's extension (lowercase) under any compression suffix, and whether it had one.
fn extension(path: &Path) -> (String, bool) {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let inner = [".gz", ".gzip", ".zst", ".zstd"]
        .iter()
        .find_map(|s| name.strip_suffix(s));
    let compressed = inner.is_some();
    let inner = inner.unwrap_or(&name);
    let ext = inner.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    (ext.to_string(), compressed)
}

/// Whether a file met in a directory of samples is one: by its extension (`.json` included,
/// read as an array or as NDJSON by its first byte); Parquet and Avro only uncompressed.
pub fn is_sample_file(path: &Path) -> bool {
    let (ext, compressed) = extension(path);
    match layout(path, None) {
        Some(Layout::Parquet | Layout::Avro) => !compressed,
        Some(_) => true,
        None => ext == "json",
    }
}

/// The layout from the extension under any compression suffix, else from the first byte.
fn layout(path: &Path, first_byte: Option<u8>) -> Option<Layout> {
    let (ext, _) = extension(path);
    match ext.as_str() {
        "ndjson" | "jsonl" | "ldjson" => Some(Layout::Ndjson),
        "csv" => Some(Layout::Csv),
        "parquet" | "pq" => Some(Layout::Parquet),
        "avro" => Some(Layout::Avro),
        "binpb" | "pb" => Some(Layout::Protobuf),
        _ => match first_byte {
            Some(b'[') => Some(Layout::JsonArray),
            Some(b'{') => Some(Layout::Ndjson),
            _ => None,
        },
    }
}

/// An open sample file: decompressed, buffered, its layout known. For Parquet and Avro the reader
/// is empty: they are read by path.
pub struct Opened {
    pub layout: Layout,
    pub reader: Box<dyn BufRead + Send>,
}

/// Opens a sample file and works out its compression and layout.
pub fn open(path: &Path, display: &str) -> Result<Opened, ReadError> {
    let err = |message: String| ReadError {
        path: display.to_string(),
        message,
    };
    let mut file = File::open(path).map_err(|e| err(e.to_string()))?;
    let mut head = [0u8; 4];
    let n = read_up_to(&mut file, &mut head).map_err(|e| err(e.to_string()))?;
    let compression = compression(path, &head[..n]);
    // Parquet and Avro compress inside the file and are read by path.
    let binary = match layout(path, None) {
        _ if &head[..n] == b"PAR1" => Some(("Parquet", ".parquet", Layout::Parquet)),
        _ if &head[..n] == AVRO_MAGIC => Some(("Avro", ".avro", Layout::Avro)),
        Some(Layout::Parquet) => Some(("Parquet", ".parquet", Layout::Parquet)),
        Some(Layout::Avro) => Some(("Avro", ".avro", Layout::Avro)),
        _ => None,
    };
    if let Some((format, ext, layout)) = binary {
        if compression != Compression::None {
            return Err(err(format!(
                "a compressed {format} file: {format} compresses its own blocks; give the {ext} file itself"
            )));
        }
        return Ok(Opened {
            layout,
            reader: Box::new(io::empty()),
        });
    }
    let file = io::Cursor::new(head[..n].to_vec()).chain(file);
    let raw: Box<dyn Read + Send> = match compression {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
            1 << 16,
            file,
        ))),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(file).map_err(|e| err(format!("zstd: {e}")))?),
    };
    let mut reader = BufReader::with_capacity(1 << 18, raw);
    let first = {
        let buf = reader.fill_buf().map_err(|e| err(e.to_string()))?;
        let buf = buf.strip_prefix(b"\xef\xbb\xbf").unwrap_or(buf);
        buf.iter().copied().find(|b| !b.is_ascii_whitespace())
    };
    let layout = layout(path, first).ok_or_else(|| {
        err("not a sample file mapcheck can read (expected .ndjson/.jsonl, .json holding an array or one object per line, or .csv, or binary Protobuf .binpb/.pb, optionally .gz or .zst; or .parquet or .avro)".into())
    })?;
    Ok(Opened {
        layout,
        reader: Box::new(reader),
    })
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// What [`read_line_bounded`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineRead {
    /// The end of the input: nothing was read.
    End,
    /// A line (with its `\n`, unless it is the last line and has none) was appended.
    Line,
    /// The line was longer than the limit: nothing was appended, the line was read to its end and
    /// dropped. Its length in bytes, without the `\n`.
    TooLong(u64),
}

/// Appends the next line of `reader` to `buf`, unless the line holds more than `max` bytes (its
/// `\n` not counted): then the rest of it is read and thrown away as it streams past, so a line of
/// any length costs no more memory than `max`.
pub fn read_line_bounded(reader: &mut impl BufRead, buf: &mut Vec<u8>, max: u64) -> io::Result<LineRead> {
    let start = buf.len();
    let mut length: u64 = 0;
    let mut too_long = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(match (too_long, length) {
                (true, _) => LineRead::TooLong(length),
                (false, 0) => LineRead::End,
                (false, _) => LineRead::Line,
            });
        }
        let (content, used, ends) = match memchr::memchr(b'\n', available) {
            Some(at) => (at, at + 1, true),
            None => (available.len(), available.len(), false),
        };
        length += content as u64;
        if !too_long && length > max {
            too_long = true;
            buf.truncate(start);
        }
        if !too_long {
            buf.extend_from_slice(&available[..used]);
        }
        reader.consume(used);
        if ends {
            return Ok(if too_long {
                LineRead::TooLong(length)
            } else {
                LineRead::Line
            });
        }
    }
}

/// A size in bytes as written on the command line or in mapcheck.toml: a number of bytes, or one
/// with a unit (`64MiB`, `512 KiB`, `1GB`; KB, MB and GB are powers of 1,000).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    if number.is_empty() {
        return Err(format!("`{text}` is not a size (like 65536 or 64MiB)"));
    }
    let unit = unit.trim();
    let scale: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        _ => return Err(format!("`{text}`: unknown unit `{unit}` (use bytes, KiB, MiB or GiB)")),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size (like 65536 or 64MiB)"))?;
    match n.checked_mul(scale) {
        Some(0) | None => Err(format!("`{text}`: expected a size from 1 byte to {} bytes", u64::MAX)),
        Some(size) => Ok(size),
    }
}

/// The message for a record over the size limit.
pub fn too_long(size: u64, max: u64) -> String {
    format!("a record of {size} bytes, more than the limit of {max} (--max-record-bytes); skipped")
}

/// Whether a malformed record is one over the size limit.
pub fn is_too_long(m: &Malformed) -> bool {
    m.message.contains("(--max-record-bytes)")
}

/// A run of whole NDJSON lines.
#[derive(Debug, Default)]
pub struct Chunk {
    pub bytes: Vec<u8>,
    /// The line number of the chunk's first line.
    pub first_line: u64,
    /// Lines over the size limit, left out of `bytes` (an empty line stands in for each), with
    /// their sizes.
    pub too_long: Vec<(u64, u64)>,
    /// The number of each line, when they are not consecutive from `first_line` (records of
    /// another layout written as NDJSON: each keeps its own line or record number).
    pub numbers: Vec<u64>,
    /// Records that could not be read before they were written as lines (reported first).
    pub malformed: Vec<Malformed>,
}

/// Splits an NDJSON stream into chunks of about `size` bytes that end at a line end. A line longer
/// than the record limit is never held whole: see [`Chunk::too_long`].
pub struct Chunks<R> {
    reader: R,
    size: usize,
    max_record: u64,
    next_line: u64,
    done: bool,
}

impl<R: BufRead> Chunks<R> {
    pub fn new(reader: R, size: usize, max_record: u64) -> Self {
        Chunks {
            reader,
            size,
            max_record,
            next_line: 1,
            done: false,
        }
    }
}

impl<R: BufRead> Iterator for Chunks<R> {
    type Item = io::Result<Chunk>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let mut bytes = Vec::with_capacity(self.size + 4096);
        let mut too_long = Vec::new();
        let result = (|| -> io::Result<()> {
            while bytes.len() < self.size {
                let buf = self.reader.fill_buf()?;
                if buf.is_empty() {
                    self.done = true;
                    return Ok(());
                }
                let take = buf.len().min(self.size - bytes.len());
                bytes.extend_from_slice(&buf[..take]);
                self.reader.consume(take);
            }
            // Finish the line the chunk ends in, unless that makes it longer than a record may be.
            if bytes.last() != Some(&b'\n') {
                let line_start = memchr::memrchr(b'\n', &bytes).map_or(0, |i| i + 1);
                let held = (bytes.len() - line_start) as u64;
                match read_line_bounded(&mut self.reader, &mut bytes, self.max_record.saturating_sub(held))? {
                    LineRead::End => self.done = true,
                    LineRead::Line => {}
                    LineRead::TooLong(rest) => {
                        bytes.truncate(line_start);
                        let line = self.next_line + memchr::memchr_iter(b'\n', &bytes).count() as u64;
                        too_long.push((line, held + rest));
                        bytes.push(b'\n');
                    }
                }
            }
            Ok(())
        })();
        if let Err(e) = result {
            self.done = true;
            return Some(Err(e));
        }
        if bytes.is_empty() {
            return None;
        }
        let first_line = self.next_line;
        self.next_line += memchr::memchr_iter(b'\n', &bytes).count() as u64;
        Some(Ok(Chunk {
            bytes,
            first_line,
            too_long,
            ..Chunk::default()
        }))
    }
}

/// Calls `record` for each line of an NDJSON chunk that holds a JSON value, `malformed` for each
/// that holds something else or more than `max_record` bytes. Blank lines are skipped. Lines are
/// parsed in place with `simd-json` (which rewrites the chunk's bytes as it unescapes strings),
/// reusing one set of buffers.
pub fn ndjson_chunk(
    chunk: &mut Chunk,
    max_record: u64,
    record: &mut dyn FnMut(View, u64),
    malformed: &mut dyn FnMut(Malformed),
) {
    for m in chunk.malformed.drain(..) {
        malformed(m);
    }
    let first_line = chunk.first_line;
    let numbers = std::mem::take(&mut chunk.numbers);
    let mut too_long = chunk.too_long.iter().peekable();
    let mut buffers = simd_json::Buffers::default();
    // One tape (the parser's flat list of nodes) for every line of the chunk; records are read
    // from it as they are, without building a tree.
    let mut tape = simd_json::Tape::null();
    let mut open = Vec::new();
    let mut rest: &mut [u8] = &mut chunk.bytes;
    let mut i = 0u64;
    loop {
        let (line, next) = match memchr::memchr(b'\n', rest) {
            Some(at) => {
                let (line, tail) = std::mem::take(&mut rest).split_at_mut(at);
                (line, Some(&mut tail[1..]))
            }
            None => (std::mem::take(&mut rest), None),
        };
        let number = numbers.get(i as usize).copied().unwrap_or(first_line + i);
        i += 1;
        let line = match line.last() {
            Some(b'\r') => {
                let n = line.len() - 1;
                &mut line[..n]
            }
            _ => line,
        };
        // Over the limit: left out of the chunk by `Chunks`, or within it (a limit below the chunk
        // size).
        let over = match too_long.next_if(|(at, _)| *at == number) {
            Some((_, size)) => Some(*size),
            None => Some(line.len() as u64).filter(|n| *n > max_record),
        };
        if let Some(size) = over {
            malformed(Malformed {
                line: number,
                message: self::too_long(size, max_record),
            });
        } else if !line.iter().all(u8::is_ascii_whitespace) {
            match simd_json::fill_tape(line, &mut buffers, &mut tape) {
                Ok(()) => match readable(&tape.0, &mut open) {
                    Ok(()) => record(View::Tape(&tape.0), number),
                    Err(message) => malformed(Malformed { line: number, message }),
                },
                Err(e) => malformed(Malformed {
                    line: number,
                    message: format!("column {}: {}", e.index() + 1, describe(e.error())),
                }),
            }
        }
        match next {
            Some(tail) => rest = tail,
            None => break,
        }
    }
}

/// How deep a record may nest (objects and arrays): reading deeper values would only exhaust the
/// stack.
pub const MAX_DEPTH: usize = 512;

/// Refuses a parsed record that holds a number JSON cannot (a float too large for `f64`) or nests
/// deeper than [`MAX_DEPTH`]. `open` is scratch space: the ends of the containers still open.
fn readable(nodes: &[simd_json::Node], open: &mut Vec<usize>) -> Result<(), String> {
    open.clear();
    for (i, node) in nodes.iter().enumerate() {
        while open.last().is_some_and(|end| *end <= i) {
            open.pop();
        }
        match node {
            simd_json::Node::Static(simd_json::StaticNode::F64(f)) if !f.is_finite() => {
                return Err("a number that is not finite".into());
            }
            simd_json::Node::Object { count, .. } | simd_json::Node::Array { count, .. } => {
                open.push(i + count + 1);
                if open.len() > MAX_DEPTH {
                    return Err(format!("nested more than {MAX_DEPTH} levels deep"));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// simd-json's error kinds are enum names (`ExpectedObjectColon`, `InvalidNumber`): as words.
fn describe(e: &simd_json::ErrorType) -> String {
    let name = format!("{e:?}");
    let name = name.split(['(', ' ', '{']).next().unwrap_or(&name);
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
        }
        out.push(c.to_ascii_lowercase());
    }
    match out.as_str() {
        "syntax" => "syntax error".into(),
        "eof" => "unexpected end of the line".into(),
        "trailing data" => "trailing characters after the value".into(),
        _ => out,
    }
}

/// serde_json's messages end in ` at line L column C`; the caller says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Where a streaming parser is: lines and bytes handed out, and where the element being parsed
/// started.
#[derive(Default)]
pub(crate) struct Progress {
    lines: Cell<u64>,
    bytes: Cell<u64>,
    /// The byte offset and line of the element being parsed.
    element: Cell<Option<(u64, u64)>>,
    /// Set when the element passed the size limit (the reader then fails).
    too_long: Cell<Option<u64>>,
    /// The last bytes handed out (CSV only: `keep` is their most), and the offset of the first.
    recent: std::cell::RefCell<std::collections::VecDeque<u8>>,
    recent_start: Cell<u64>,
    keep: usize,
}

impl Progress {
    /// The record being parsed starts at byte `at`, on `line`: the reader fails once it has handed
    /// out more than its limit since then.
    pub(crate) fn start_record(&self, at: u64, line: u64) {
        self.element.set(Some((at, line)));
    }

    /// The line of the record that passed the limit, once one has.
    pub(crate) fn over_limit(&self) -> Option<u64> {
        self.too_long.get()
    }

    /// How many `\n` the run of line breaks (`\r`, `\n`) starting at byte `at` holds, when that
    /// run is among the bytes kept and ends there. (The csv crate places a record after a blank
    /// line, or after `\r\n`, at the line break before it; its line number is that of the break.)
    fn breaks_at(&self, at: u64) -> Option<u64> {
        let recent = self.recent.borrow();
        let skip = usize::try_from(at.checked_sub(self.recent_start.get())?).ok()?;
        let mut n = 0;
        for b in recent.iter().skip(skip) {
            match b {
                b'\n' => n += 1,
                b'\r' => {}
                _ => return Some(n),
            }
        }
        None
    }
}

/// Counts what a reader has handed out, so a streaming parser can say where it is, and fails the
/// read once the element being parsed holds more than `max` bytes.
pub(crate) struct LineCounter<R> {
    inner: R,
    progress: Rc<Progress>,
    max: u64,
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let p = &self.progress;
        let newlines = buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
        if newlines > 0 {
            p.lines.set(p.lines.get() + newlines);
        }
        p.bytes.set(p.bytes.get() + n as u64);
        if p.keep > 0 {
            let mut recent = p.recent.borrow_mut();
            recent.extend(&buf[..n]);
            let excess = recent.len().saturating_sub(p.keep);
            if excess > 0 {
                recent.drain(..excess);
                p.recent_start.set(p.recent_start.get() + excess as u64);
            }
        }
        if let Some((start, line)) = p.element.get()
            && p.bytes.get() - start > self.max
        {
            p.too_long.set(Some(line));
            return Err(io::Error::other("record too long"));
        }
        Ok(n)
    }
}

/// `inner`, failing once a record (see [`Progress::start_record`]) passes `max` bytes; the progress
/// says which one did, and keeps the last `keep` bytes for [`Progress::breaks_at`]. Used by every
/// streaming parser with a record limit (JSON arrays, CSV samples, crosswalk CSV rows).
pub(crate) fn limited<R: Read>(inner: R, max: u64, keep: usize) -> (LineCounter<R>, Rc<Progress>) {
    let progress = Rc::new(Progress {
        keep,
        ..Progress::default()
    });
    let counter = LineCounter {
        inner,
        progress: progress.clone(),
        max,
    };
    (counter, progress)
}

/// Streams the elements of a top-level JSON array: each element is parsed, handed to `record`
/// with the line it starts on, and dropped. A syntax error ends the file (JSON has no way to
/// resynchronise inside an array) and is returned as a malformed record; so does an element of
/// more than `max_record` bytes, which is never held whole.
pub fn json_array(reader: impl BufRead, max_record: u64, record: &mut dyn FnMut(Value, u64)) -> Option<Malformed> {
    let (counter, progress) = limited(reader, max_record, 0);
    let mut de = serde_json::Deserializer::from_reader(counter);
    let visitor = Elements {
        record,
        progress: progress.clone(),
    };
    let result = serde::Deserializer::deserialize_seq(&mut de, visitor).and_then(|()| de.end());
    if let Some(line) = progress.over_limit() {
        return Some(Malformed {
            line,
            message: format!(
                "an array element of more than {max_record} bytes (--max-record-bytes); the rest of the file is \
                 skipped (a JSON array cannot be resumed after it)"
            ),
        });
    }
    result.err().map(|e| Malformed {
        line: e.line() as u64,
        message: format!("column {}: {}", e.column(), strip_position(&e.to_string())),
    })
}

struct Elements<'a> {
    record: &'a mut dyn FnMut(Value, u64),
    progress: Rc<Progress>,
}

impl<'de> Visitor<'de> for Elements<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some((v, line)) = seq.next_element_seed(Element {
            progress: &self.progress,
        })? {
            (self.record)(v, line);
        }
        Ok(())
    }
}

/// One element, with the line it starts on. When the seed runs, the parser has read the
/// element's first byte, so the line count is the element's first line.
struct Element<'a> {
    progress: &'a Rc<Progress>,
}

impl<'de> DeserializeSeed<'de> for Element<'_> {
    type Value = (Value, u64);

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let p = self.progress;
        let line = p.lines.get() + 1;
        p.start_record(p.bytes.get().saturating_sub(1), line);
        let v = <Value as serde::Deserialize>::deserialize(d);
        p.element.set(None);
        Ok((v?, line))
    }
}

/// A CSV field as a typed value: empty is null; integers, numbers and `true`/`false` are what
/// they look like; everything else is a string.
pub fn csv_value(s: &str) -> Value {
    if s.is_empty() {
        return Value::Null;
    }
    match s {
        "true" | "TRUE" | "True" => return Value::Bool(true),
        "false" | "FALSE" | "False" => return Value::Bool(false),
        _ => {}
    }
    let b = s.as_bytes();
    let looks_numeric = b
        .iter()
        .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
        && b.iter().any(u8::is_ascii_digit);
    if looks_numeric {
        // Leading zeros are identifiers (`007`, zip codes), not numbers.
        let digits = s.trim_start_matches(['-', '+']);
        let leading_zero = digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
        if !leading_zero {
            if let Ok(i) = s.parse::<i64>() {
                return Value::from(i);
            }
            if let Ok(f) = s.parse::<f64>()
                && f.is_finite()
                && let Some(n) = serde_json::Number::from_f64(f)
            {
                return Value::Number(n);
            }
        }
    }
    Value::String(s.to_string())
}

/// How far the CSV reader reads ahead of the record it is parsing.
const CSV_BUFFER: usize = 1 << 16;

/// Streams the rows of a CSV file with a header row as objects keyed by the header.
/// Rows that cannot be read (wrong number of fields, invalid UTF-8) go to `malformed`; an I/O
/// error ends the file and is returned. A record of more than `max_record` bytes is malformed and
/// ends the file: it is never held whole, and a quoted field may hold line breaks, so there is no
/// safe place to resume.
pub fn csv_rows(
    reader: impl Read,
    max_record: u64,
    record: &mut dyn FnMut(Value, u64),
    malformed: &mut dyn FnMut(Malformed) -> bool,
) -> Result<(), String> {
    // The reader reads ahead of the record it parses by up to its buffer.
    let (counter, progress) = limited(reader, max_record.saturating_add(CSV_BUFFER as u64), 2 * CSV_BUFFER);
    // A record's line: the csv crate's, moved past the line breaks its position may sit on
    // (`breaks` remembers those found at the record's start while they were at hand, for a record
    // longer than what is kept).
    let line_of = |at: &csv::Position, breaks: Option<(u64, u64)>| {
        let run = progress
            .breaks_at(at.byte())
            .or_else(|| breaks.filter(|(b, _)| *b == at.byte()).map(|(_, n)| n))
            .unwrap_or(0);
        at.line() + run
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .buffer_capacity(CSV_BUFFER)
        .from_reader(counter);
    // From here on, the record being read starts where the reader stands: the limit counts from
    // there, and the line breaks found there are remembered.
    let mark = |csv: &csv::Reader<LineCounter<_>>| {
        let at = csv.position();
        let run = progress.breaks_at(at.byte());
        progress.start_record(at.byte(), at.line() + run.unwrap_or(0));
        run.map(|n| (at.byte(), n))
    };
    progress.start_record(0, 1);
    let headers: Vec<String> = match csv.headers() {
        Ok(h) => h.iter().map(str::to_string).collect(),
        Err(_) if progress.over_limit().is_some() => {
            malformed(Malformed {
                line: 1,
                message: format!("a header row of more than {max_record} bytes (--max-record-bytes)"),
            });
            return Ok(());
        }
        Err(e) => return Err(format!("the header row cannot be read: {e}")),
    };
    let mut breaks = mark(&csv);
    let mut row = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut row) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let start = row.position().map_or(0, |p| p.byte());
                let line = row.position().map_or(0, |p| line_of(p, breaks));
                breaks = mark(&csv);
                let size = csv.position().byte().saturating_sub(start);
                if size > max_record {
                    // Over the limit, but within what the reader reads ahead: skipped, and the
                    // next record is where the reader stands.
                    if !malformed(Malformed {
                        line,
                        message: too_long(size, max_record),
                    }) {
                        return Ok(());
                    }
                    continue;
                }
                let mut map = Map::with_capacity(headers.len());
                for (h, v) in headers.iter().zip(row.iter()) {
                    map.insert(h.clone(), csv_value(v));
                }
                record(Value::Object(map), line);
            }
            Err(_) if progress.over_limit().is_some() => {
                let line = progress.over_limit().unwrap_or_default();
                malformed(Malformed {
                    line,
                    message: format!(
                        "a record of more than {max_record} bytes (--max-record-bytes); the rest of the file is \
                         skipped (a quoted field may span lines, so there is no safe place to resume)"
                    ),
                });
                return Ok(());
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| line_of(p, breaks));
                breaks = mark(&csv);
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    return Err(e.to_string());
                }
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        format!("{len} fields where the header has {expected_len}")
                    }
                    _ => e.to_string(),
                };
                if !malformed(Malformed { line, message }) {
                    return Ok(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_values_are_typed() {
        assert_eq!(csv_value(""), Value::Null);
        assert_eq!(csv_value("42"), Value::from(42));
        assert_eq!(csv_value("-1.5"), serde_json::json!(-1.5));
        assert_eq!(csv_value("true"), Value::Bool(true));
        assert_eq!(csv_value("007"), Value::from("007"));
        assert_eq!(csv_value("0.5"), serde_json::json!(0.5));
        assert_eq!(csv_value("1e3"), serde_json::json!(1000.0));
        assert_eq!(csv_value("e"), Value::from("e"));
        assert_eq!(csv_value("2024-01-01"), Value::from("2024-01-01"));
        assert_eq!(csv_value("NaN"), Value::from("NaN"));
    }

    #[test]
    fn chunks_end_at_line_ends_and_count_lines() {
        let text = b"{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}\n{\"a\":";
        let mut chunks: Vec<Chunk> = Chunks::new(&text[..], 5, DEFAULT_MAX_RECORD_BYTES)
            .map(Result::unwrap)
            .collect();
        let mut seen = Vec::new();
        let mut bad = Vec::new();
        for c in &mut chunks {
            assert!(c.bytes.ends_with(b"\n") || c.bytes.ends_with(b":"));
            ndjson_chunk(
                c,
                DEFAULT_MAX_RECORD_BYTES,
                &mut |v, line| seen.push((v.to_value()["a"].clone(), line)),
                &mut |m| bad.push(m.line),
            );
        }
        assert_eq!(seen, [(Value::from(1), 1), (Value::from(2), 2), (Value::from(3), 4)]);
        assert_eq!(bad, [5]);
        // A number too large for a float is malformed, not infinity or null.
        let mut chunk = Chunk {
            bytes: b"{\"a\": 1e400}\n{\"a\": [1.5]}".to_vec(),
            first_line: 1,
            too_long: Vec::new(),
            ..Chunk::default()
        };
        let (mut seen, mut bad) = (Vec::new(), Vec::new());
        ndjson_chunk(
            &mut chunk,
            DEFAULT_MAX_RECORD_BYTES,
            &mut |v, line| seen.push((v.to_value(), line)),
            &mut |m| bad.push(m.line),
        );
        assert_eq!(seen, [(serde_json::json!({"a": [1.5]}), 2)]);
        assert_eq!(bad, [1]);
        // Nesting: MAX_DEPTH levels are read, one more is malformed (never a stack overflow).
        let nested = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let mut chunk = Chunk {
            bytes: format!(
                "{}\n{}\n[{{}}, [[1], {{\"a\": [2]}}]]",
                nested(MAX_DEPTH),
                nested(100_000)
            )
            .into_bytes(),
            first_line: 1,
            too_long: Vec::new(),
            ..Chunk::default()
        };
        let (mut seen, mut bad) = (Vec::new(), Vec::new());
        ndjson_chunk(
            &mut chunk,
            DEFAULT_MAX_RECORD_BYTES,
            &mut |_, line| seen.push(line),
            &mut |m| bad.push((m.line, m.message)),
        );
        assert_eq!(seen, [1, 3]);
        assert_eq!(bad, [(2, format!("nested more than {MAX_DEPTH} levels deep"))]);
    }

    #[test]
    fn ndjson_lines_parse_in_place_with_crlf_escapes_and_errors() {
        let text = "{\"a\": \"x\\ny\", \"b\": [1, 2.5, -3]}\r\n\r\n  \n{\"a\": \"\\u00e9\"}\n{\"a\" 1}\n[1]\n{\"a\": 1} trailing";
        let mut chunk = Chunk {
            bytes: text.as_bytes().to_vec(),
            first_line: 10,
            too_long: Vec::new(),
            ..Chunk::default()
        };
        let mut seen = Vec::new();
        let mut bad = Vec::new();
        ndjson_chunk(
            &mut chunk,
            DEFAULT_MAX_RECORD_BYTES,
            &mut |v, line| seen.push((v.to_value(), line)),
            &mut |m| bad.push(m),
        );
        assert_eq!(
            seen,
            [
                (serde_json::json!({"a": "x\ny", "b": [1, 2.5, -3]}), 10),
                (serde_json::json!({"a": "é"}), 13),
                (serde_json::json!([1]), 15),
            ]
        );
        let lines: Vec<u64> = bad.iter().map(|m| m.line).collect();
        assert_eq!(lines, [14, 16], "{bad:?}");
        assert!(bad.iter().all(|m| m.message.starts_with("column ")), "{bad:?}");
    }

    #[test]
    fn array_elements_know_their_lines() {
        let text = "[\n  {\"a\": 1},\n  {\n    \"a\": 2\n  },\n  3\n]\n";
        let mut seen = Vec::new();
        let err = json_array(text.as_bytes(), DEFAULT_MAX_RECORD_BYTES, &mut |v, line| {
            seen.push((v, line))
        });
        assert_eq!(err, None);
        assert_eq!(
            seen,
            [
                (serde_json::json!({"a": 1}), 2),
                (serde_json::json!({"a": 2}), 3),
                (serde_json::json!(3), 6)
            ]
        );
        let err = json_array(
            "[\n{\"a\": 1},\n{\"a\" 2}\n]".as_bytes(),
            DEFAULT_MAX_RECORD_BYTES,
            &mut |_, _| {},
        );
        assert_eq!(err.map(|m| m.line), Some(3));
    }

    /// Reads NDJSON text in chunks with a record limit: (records with their lines, malformed lines
    /// with their messages).
    fn read_limited(text: &[u8], chunk: usize, max: u64) -> (Vec<u64>, Vec<(u64, String)>) {
        let (mut seen, mut bad) = (Vec::new(), Vec::new());
        for c in Chunks::new(text, chunk, max) {
            let mut c = c.unwrap();
            assert!(
                c.bytes.len() as u64 <= chunk as u64 + max + 1,
                "a chunk held {} bytes",
                c.bytes.len()
            );
            ndjson_chunk(&mut c, max, &mut |_, line| seen.push(line), &mut |m| {
                bad.push((m.line, m.message))
            });
        }
        (seen, bad)
    }

    #[test]
    fn a_line_over_the_record_limit_is_malformed_and_the_scan_resumes_after_it() {
        let long = format!("{{\"a\": \"{}\"}}", "x".repeat(10_000));
        let text = format!("{{\"a\": 1}}\n{long}\n{{\"a\": 2}}\n{long}\n{{\"a\": 3}}\n{long}");
        for chunk in [1, 7, 64, 5_000, 1 << 20] {
            let (seen, bad) = read_limited(text.as_bytes(), chunk, 1_000);
            assert_eq!(seen, [1, 3, 5], "chunk {chunk}");
            let lines: Vec<u64> = bad.iter().map(|b| b.0).collect();
            assert_eq!(lines, [2, 4, 6], "chunk {chunk}");
            assert!(
                bad[0]
                    .1
                    .contains("a record of 10009 bytes, more than the limit of 1000"),
                "{bad:?}"
            );
        }
        // At the limit exactly, a line is read.
        let (seen, bad) = read_limited(long.as_bytes(), 64, long.len() as u64);
        assert_eq!((seen, bad.len()), (vec![1], 0));
    }

    /// Lines as a person counts them, whatever ends the lines: `\n`, `\r\n`, blank lines, line
    /// breaks inside quotes.
    #[test]
    fn csv_records_know_their_lines() {
        let lines = |text: &str| {
            let mut seen = Vec::new();
            let mut bad = Vec::new();
            csv_rows(
                text.as_bytes(),
                DEFAULT_MAX_RECORD_BYTES,
                &mut |_, line| seen.push(line),
                &mut |m| {
                    bad.push(m.line);
                    true
                },
            )
            .unwrap();
            (seen, bad)
        };
        assert_eq!(lines("id,x\n1,a\n2,b\n"), (vec![2, 3], vec![]));
        assert_eq!(lines("id,x\r\n1,a\r\n2,b\r\n"), (vec![2, 3], vec![]));
        assert_eq!(lines("id,x\n1,a\n\n\n2,b\n3\n"), (vec![2, 5], vec![6]));
        assert_eq!(lines("id,x\r\n1,\"a\r\nb\"\r\n\r\n2,b\r\n"), (vec![2, 5], vec![]));
        // A long CRLF record: its line is known though its start is no longer kept.
        let long = "y".repeat(300_000);
        assert_eq!(lines(&format!("id,x\r\n1,{long}\r\n2,b\r\n")), (vec![2, 3], vec![]));
        assert_eq!(
            lines(&format!("id,x\r\n\r\n1,{long}\r\n\r\n2,b\r\n")),
            (vec![3, 5], vec![])
        );
    }

    #[test]
    fn sizes_with_and_without_units() {
        assert_eq!(parse_size("65536"), Ok(65_536));
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_size("1gb"), Ok(1_000_000_000));
        assert_eq!(parse_size("2M"), Ok(2 << 20));
        assert!(parse_size("lots").unwrap_err().contains("is not a size"));
        assert!(parse_size("0").is_err());
        assert!(parse_size("5 parsecs").unwrap_err().contains("unknown unit"));
        assert!(parse_size("99999999999999999999").is_err());
        assert!(parse_size("18446744073709551615GiB").is_err());
    }

    #[test]
    fn read_line_bounded_drops_what_it_cannot_hold() {
        let mut r = &b"abc\ndefghij\nk"[..];
        let mut buf = Vec::new();
        assert_eq!(read_line_bounded(&mut r, &mut buf, 3).unwrap(), LineRead::Line);
        assert_eq!(read_line_bounded(&mut r, &mut buf, 3).unwrap(), LineRead::TooLong(7));
        assert_eq!(buf, b"abc\n");
        assert_eq!(read_line_bounded(&mut r, &mut buf, 3).unwrap(), LineRead::Line);
        assert_eq!(read_line_bounded(&mut r, &mut buf, 3).unwrap(), LineRead::End);
        assert_eq!(buf, b"abc\nk");
    }

    #[test]
    fn array_elements_and_csv_records_over_the_limit_end_the_file() {
        let big = "y".repeat(5_000);
        let text = format!("[\n{{\"a\": 1}},\n{{\"a\": \"{big}\"}},\n{{\"a\": 3}}\n]");
        let mut seen = Vec::new();
        let err = json_array(text.as_bytes(), 1_000, &mut |_, line| seen.push(line)).unwrap();
        assert_eq!(seen, [2]);
        assert_eq!(err.line, 3, "{err:?}");
        assert!(err.message.contains("more than 1000 bytes"), "{err:?}");

        let text = format!("id,name\n1,a\n2,{}\n3,c\n", "z".repeat(300_000));
        let (mut seen, mut bad) = (Vec::new(), Vec::new());
        let result = csv_rows(text.as_bytes(), 1_000, &mut |_, line| seen.push(line), &mut |m| {
            bad.push(m);
            true
        });
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(seen.len(), 1);
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert_eq!(bad[0].line, 3, "{bad:?}");
        assert!(bad[0].message.contains("the rest of the file is skipped"), "{bad:?}");
        // Over the limit but within the read-ahead: skipped exactly, and the file goes on.
        let text = format!("id,name\n1,a\n2,{}\n3,c\n", "z".repeat(5_000));
        let (mut seen, mut bad) = (Vec::new(), Vec::new());
        let result = csv_rows(text.as_bytes(), 1_000, &mut |_, line| seen.push(line), &mut |m| {
            bad.push(m);
            true
        });
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(seen.len(), 2);
        assert_eq!(bad.len(), 1, "{bad:?}");
        assert_eq!(
            (bad[0].line, bad[0].message.as_str()),
            (3, too_long(5_003, 1_000).as_str())
        );
    }
}
