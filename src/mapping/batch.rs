//! `map run`'s batch engine: sample records read in batches, mapped into canonical records on
//! all cores, validated against the canonical schema, crosswalk ids looked up in the store's
//! active links, duplicates resolved by key, and written in input order with rejects aside.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::ValueEnum;

use crate::mapping::spec::Mapping;

/// The active links of every (system, entity) a mapping looks ids up in, read once before the
/// run so that each record's lookup is a hash probe.
#[derive(Default)]
struct Crosswalks {
    #[cfg(feature = "crosswalk")]
    tables: std::collections::HashMap<String, std::collections::HashMap<String, crate::crosswalk::resolve::LinkTable>>,
}

impl Crosswalks {
    /// Reads the links `mapping` needs. Without a store (none given and none at the configured
    /// place) every looked-up id is an orphan, which the report says.
    /// `configured` says where the configured store is (read only when no store is given).
    fn open(
        mapping: &Mapping,
        db: Option<&Path>,
        configured: &dyn Fn() -> anyhow::Result<PathBuf>,
    ) -> anyhow::Result<Crosswalks> {
        use crate::mapping::spec::Transform;
        let pairs: std::collections::BTreeSet<(&str, &str)> = mapping
            .rules
            .iter()
            .filter_map(|r| match &r.transform {
                Transform::Crosswalk { system, entity } => Some((system.as_str(), entity.as_str())),
                _ => None,
            })
            .collect();
        if pairs.is_empty() {
            return Ok(Crosswalks::default());
        }
        Crosswalks::read(&pairs, db, configured)
    }

    #[cfg(feature = "crosswalk")]
    fn read(
        pairs: &std::collections::BTreeSet<(&str, &str)>,
        db: Option<&Path>,
        configured: &dyn Fn() -> anyhow::Result<PathBuf>,
    ) -> anyhow::Result<Crosswalks> {
        use crate::crosswalk::store::{Access, Store};
        use crate::load::display_path as shown;
        let path = match db {
            Some(p) => p.to_path_buf(),
            None => {
                let configured = configured()?;
                if !configured.exists() {
                    crate::progress::note(format!(
                        "map run: no crosswalk store at {}: every crosswalk id is reported as an orphan \
                         (load links with `mapcheck crosswalk load`, or give --db)",
                        shown(&configured)
                    ));
                    return Ok(Crosswalks::default());
                }
                configured
            }
        };
        let store = Store::open(&path, Access::Read)?;
        let mut tables: std::collections::HashMap<String, std::collections::HashMap<_, _>> = Default::default();
        for (system, entity) in pairs {
            let table = crate::crosswalk::resolve::active_links(&store, system, entity)?;
            if table.is_empty() {
                crate::progress::note(format!(
                    "map run: {} has no active {system}/{entity} links",
                    shown(&path)
                ));
            }
            tables
                .entry(system.to_string())
                .or_default()
                .insert(entity.to_string(), table);
        }
        Ok(Crosswalks { tables })
    }

    #[cfg(not(feature = "crosswalk"))]
    fn read(
        _: &std::collections::BTreeSet<(&str, &str)>,
        db: Option<&Path>,
        _: &dyn Fn() -> anyhow::Result<PathBuf>,
    ) -> anyhow::Result<Crosswalks> {
        if let Some(db) = db {
            anyhow::bail!(
                "--db {}: this mapcheck was built without the crosswalk store (feature `crosswalk`)",
                db.display()
            );
        }
        crate::progress::note(
            "map run: built without the crosswalk store: every crosswalk id is reported as an orphan",
        );
        Ok(Crosswalks::default())
    }

    /// The process ends soon after the run: a million boxed ids take a tenth of a second to free,
    /// so the links are left to the end of the process.
    fn leave(self) {
        #[cfg(feature = "crosswalk")]
        std::mem::forget(self.tables);
    }

    fn lookup(&self, system: &str, entity: &str, id: &str) -> Result<String, crate::mapping::run::Miss> {
        use crate::mapping::run::Miss;
        #[cfg(feature = "crosswalk")]
        if let Some(table) = self.tables.get(system).and_then(|t| t.get(entity)) {
            use crate::crosswalk::resolve::Lookup;
            return match table.get(id) {
                Lookup::Found(c) => Ok(c.to_string()),
                Lookup::Unlinked => Err(Miss::Unlinked),
                Lookup::Conflict => Err(Miss::Conflict),
            };
        }
        let _ = (system, entity, id);
        Err(Miss::Unlinked)
    }
}

/// What a run (or one batch of it) counted.
#[derive(Default)]
struct Tally {
    records: u64,
    written: u64,
    /// Records that failed (written to --rejects when given).
    rejected: u64,
    /// Duplicates dropped by --dedupe-key.
    skipped: u64,
    /// Events with no row to map (Debezium deletes and tombstones, under --envelope).
    deletes: u64,
    transform: crate::mapping::run::Problems,
    orphans: crate::mapping::run::Problems,
    invalid_records: crate::mapping::run::Problems,
    malformed: crate::mapping::run::Problems,
}

impl Tally {
    /// The line `map run` ends with: records read, written, rejected (and where), duplicates,
    /// deletes and malformed lines skipped, as the run's options make them relevant.
    fn summary_line(&self, rejects: Option<&Path>, keep_invalid: bool, deduped: bool, envelope: bool) -> String {
        let Tally {
            records,
            written,
            rejected,
            skipped,
            deletes,
            malformed,
            ..
        } = self;
        let malformed_lines: u64 = malformed.by_kind.values().map(|p| p.count).sum();
        format!(
            "map run: {records} source records: {written} canonical records written, {rejected} rejected{}{}{}{}",
            match rejects {
                Some(path) if *rejected > 0 => format!(" (to {})", path.display()),
                _ if *rejected > 0 && !keep_invalid => " (not written; --rejects FILE keeps them)".to_string(),
                _ => String::new(),
            },
            if deduped {
                format!(", {skipped} duplicates skipped")
            } else {
                String::new()
            },
            if envelope {
                format!(", {deletes} deletes and tombstones skipped")
            } else {
                String::new()
            },
            if malformed_lines > 0 {
                format!(", {malformed_lines} lines skipped as malformed")
            } else {
                String::new()
            }
        )
    }

    /// The findings of a run: one per kind of problem records had (invalid canonical records,
    /// failed transforms, orphan ids, malformed lines), at the first record that had it.
    fn findings(&self, mapping: &str, sample_file: &str) -> Vec<crate::finding::Finding> {
        use crate::finding::Finding;
        use crate::mapping::rules::{
            MAP_RUN_INVALID_RECORD, MAP_RUN_MALFORMED_RECORD, MAP_RUN_ORPHAN_ID, MAP_RUN_TRANSFORM_FAILED,
        };
        use crate::model::{Location, Pos};
        let records = self.records;
        let mut findings = Vec::new();
        for (rule, problems, one, many) in [
            (
                &MAP_RUN_INVALID_RECORD,
                &self.invalid_records,
                "canonical record fails",
                "canonical records fail",
            ),
            (
                &MAP_RUN_TRANSFORM_FAILED,
                &self.transform,
                "record: rule failed,",
                "records: rule failed,",
            ),
            (&MAP_RUN_ORPHAN_ID, &self.orphans, "record:", "records:"),
            (&MAP_RUN_MALFORMED_RECORD, &self.malformed, "line is", "lines are"),
        ] {
            for (kind, p) in &problems.by_kind {
                let what = if p.count == 1 { one } else { many };
                let first = p.places.first().cloned().unwrap_or_default();
                let (file, line) = first.rsplit_once(':').unwrap_or((sample_file, "0"));
                let rate = if records > 0 {
                    p.count as f64 * 100.0 / records as f64
                } else {
                    0.0
                };
                let message = format!(
                    "{} {what} {kind}: {} ({rate:.1}% of {records}; first at {})",
                    p.count,
                    p.example,
                    p.places.join(", ")
                );
                let location = Location::new(file.to_string(), "", Pos::new(line.parse().unwrap_or(0), 1));
                findings.push(Finding::new(rule, message, location).with_path(format!("{mapping}: {kind}")));
            }
        }
        findings
    }

    fn merge(&mut self, o: Tally) {
        self.records += o.records;
        self.written += o.written;
        self.rejected += o.rejected;
        self.skipped += o.skipped;
        self.deletes += o.deletes;
        self.transform.merge(o.transform);
        self.orphans.merge(o.orphans);
        self.invalid_records.merge(o.invalid_records);
        self.malformed.merge(o.malformed);
    }
}

/// Lines of one sample file, with their numbers.
/// A run of whole lines of one sample file, and the number of its first line.
/// Which of duplicate records `map run --dedupe-key` maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Keep {
    First,
    Last,
}

/// For `--dedupe-key`: per key hash, the record that is mapped, as (input index, line).
type Winners = std::collections::HashMap<u128, (u32, u64)>;

/// A record's key for `--dedupe-key`: a 128-bit hash of the JSON of the value at `path`
/// (`None` when the record has no value there: it is never a duplicate).
fn dedupe_hash(record: &crate::json::Tree, path: &[&str]) -> Option<u128> {
    use std::hash::{Hash, Hasher};
    let mut v = record;
    for key in path {
        v = v.get(key)?;
    }
    if v.is_null() {
        return None;
    }
    let mut text = Vec::new();
    v.write_json(&mut text);
    let half = |salt: u8| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        salt.hash(&mut h);
        text.hash(&mut h);
        h.finish()
    };
    Some((u128::from(half(0)) << 64) | u128::from(half(1)))
}

/// First pass of `--dedupe-key`: which occurrence of each key is mapped. Chunks are read on every
/// core; their answers merge by input order, so the result does not depend on timing.
fn dedupe_winners(samples: &[PathBuf], path: &[&str], keep: Keep, input: &Input) -> anyhow::Result<Winners> {
    use rayon::prelude::*;
    let better = |keep: Keep, new: (u32, u64), old: (u32, u64)| match keep {
        Keep::First => new < old,
        Keep::Last => new > old,
    };
    let offer = |map: &mut Winners, h: u128, at: (u32, u64)| {
        map.entry(h)
            .and_modify(|w| {
                if better(keep, at, *w) {
                    *w = at;
                }
            })
            .or_insert(at);
    };
    let merge = |mut a: Winners, b: Winners| {
        for (h, at) in b {
            offer(&mut a, h, at);
        }
        a
    };
    let mut winners = Winners::new();
    for (n, sample) in samples.iter().enumerate() {
        // Batches stream through (never the whole file at once); each fills its own map.
        let part = line_batches(sample, input)?
            .par_bridge()
            .map(|chunk| -> std::io::Result<Winners> {
                let mut chunk = chunk?;
                let mut part = Winners::new();
                let mut events = crate::samples::envelope::Events::default();
                crate::samples::read::ndjson_chunk(
                    &mut chunk,
                    input.max_record,
                    &mut |record, line| {
                        let Ok(Some(row)) = source_row(record, input.envelope, line, &mut events) else {
                            return;
                        };
                        if let Some(h) = dedupe_hash(&row, path) {
                            offer(&mut part, h, (n as u32, line));
                        }
                    },
                    &mut |_| {},
                );
                Ok(part)
            })
            .try_reduce(Winners::new, |a, b| Ok(merge(a, b)))
            .with_context(|| format!("{}: read failed", sample.display()))?;
        winners = merge(winners, part);
    }
    Ok(winners)
}

/// How `map run` reads its inputs.
struct Input<'p> {
    max_record: u64,
    envelope: crate::samples::envelope::Envelope,
    proto: Option<&'p crate::samples::protobuf::ProtoSamples>,
}

/// The source row a record holds: the record itself, the source record of a line of a rejects
/// file (replayed), or under an envelope the row as it stands after the event (`None` for a
/// delete or a tombstone). `Err` says why the record is malformed.
fn source_row<'a>(
    record: crate::json::View<'_, 'a>,
    envelope: crate::samples::envelope::Envelope,
    line: u64,
    events: &mut crate::samples::envelope::Events,
) -> Result<Option<crate::json::Tree<'a>>, String> {
    use crate::samples::envelope::{self, Envelope};
    if envelope == Envelope::None {
        if !record.is_object() {
            return Err("a JSON value that is not an object".into());
        }
        let tree = record.to_tree();
        return Ok(Some(match crate::mapping::run::replayed(&tree) {
            Some(source) => source.clone(),
            None => tree,
        }));
    }
    // A line of a rejects file holds a row already.
    if record.is_object() {
        let tree = record.to_tree();
        if let Some(source) = crate::mapping::run::replayed(&tree) {
            return Ok(Some(source.clone()));
        }
    }
    let at = crate::samples::observe::Loc { file: 0, line };
    let unwrapped = envelope::unwrap(envelope, record, at, events)?;
    match unwrapped.current {
        Some(row) if row.is_object() => Ok(Some(row.to_tree())),
        Some(_) => Err(format!("the {} row is not an object", envelope.name())),
        None => Ok(None),
    }
}

/// Batches of NDJSON lines from one sample file of any layout: NDJSON as it is read; other
/// layouts record by record, each written as a line that keeps its own line, row or record number
/// (read on a thread of their own, a few batches ahead).
fn line_batches(
    sample: &Path,
    input: &Input,
) -> anyhow::Result<Box<dyn Iterator<Item = std::io::Result<crate::samples::read::Chunk>> + Send>> {
    use crate::samples::read::{self, Chunk, Layout};
    let shown = crate::load::display_path(sample);
    let opened = read::open(sample, &shown)?;
    if opened.layout == Layout::Ndjson {
        return Ok(Box::new(read::Chunks::new(
            opened.reader,
            BATCH_BYTES,
            input.max_record,
        )));
    }
    let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<Chunk>>(4);
    let path = sample.to_path_buf();
    let proto = input.proto.cloned();
    let max_record = input.max_record;
    std::thread::Builder::new()
        .name("map-run-reader".into())
        .spawn(move || {
            let chunk = std::cell::RefCell::new(Chunk::default());
            let open = std::cell::Cell::new(true);
            let read = crate::samples::each_record(
                &path,
                &shown,
                opened,
                max_record,
                proto.as_ref(),
                &mut |value, n| {
                    let mut c = chunk.borrow_mut();
                    if c.numbers.is_empty() {
                        c.first_line = n;
                    }
                    if serde_json::to_writer(&mut c.bytes, &value).is_err() {
                        c.bytes.extend_from_slice(b"null");
                    }
                    c.bytes.push(b'\n');
                    c.numbers.push(n);
                    if c.bytes.len() >= BATCH_BYTES {
                        open.set(tx.send(Ok(std::mem::take(&mut *c))).is_ok());
                    }
                    open.get()
                },
                &mut |m| {
                    chunk.borrow_mut().malformed.push(m);
                    open.get()
                },
            );
            let chunk = chunk.into_inner();
            if open.get() && (!chunk.bytes.is_empty() || !chunk.malformed.is_empty()) {
                let _ = tx.send(Ok(chunk));
            }
            if let Err(e) = read {
                let _ = tx.send(Err(std::io::Error::other(format!("{shown}: {e}"))));
            }
        })
        .context("cannot start a reader thread")?;
    Ok(Box::new(rx.into_iter()))
}

struct Batch {
    index: usize,
    /// Which input, by position.
    input: u32,
    file: std::sync::Arc<str>,
    chunk: crate::samples::read::Chunk,
}

/// Bytes per batch (whole lines): about 1,000 records of a few hundred bytes.
const BATCH_BYTES: usize = 1 << 19;

/// Reads the samples in batches, maps and validates them on every core, and writes the canonical
/// records in input order.
/// Where `map run` writes: canonical records, and the records that fail.
struct Sinks<'s> {
    out: &'s mut dyn Write,
    rejects: Option<&'s mut dyn Write>,
    keep_invalid: bool,
    /// `--dedupe-key`: the key's path and which record of each key is mapped.
    dedupe: Option<(&'s [&'s str], &'s Winners)>,
}

fn run_batches(
    samples: &[PathBuf],
    mapping: &Mapping,
    validator: &Validators,
    crosswalks: &Crosswalks,
    input: &Input,
    sinks: Sinks,
) -> anyhow::Result<Tally> {
    let max_record = input.max_record;
    let envelope = input.envelope;
    use std::sync::{Arc, Mutex, mpsc};
    let Sinks {
        out: sink,
        rejects: mut rejects_sink,
        keep_invalid,
        dedupe,
    } = sinks;
    let with_rejects = rejects_sink.is_some();

    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    std::thread::scope(|scope| -> anyhow::Result<Tally> {
        let (work_tx, work_rx) = mpsc::sync_channel::<Batch>(workers * 2);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (done_tx, done_rx) = mpsc::channel::<(usize, Vec<u8>, Vec<u8>, Tally)>();
        for _ in 0..workers {
            let (work_rx, done_tx) = (Arc::clone(&work_rx), done_tx.clone());
            scope.spawn(move || {
                let mut lookup = |s: &str, e: &str, id: &str| crosswalks.lookup(s, e, id);
                let plan = crate::mapping::run::Plan::new(mapping);
                let mut failures = Vec::new();
                let mut seen: Vec<(bool, String)> = Vec::new();
                loop {
                    let next = work_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok(batch)) = next else { break };
                    let mut out = Vec::with_capacity(batch.chunk.bytes.len() + batch.chunk.bytes.len() / 2);
                    let mut rejected = Vec::new();
                    let mut t = Tally::default();
                    let file = &batch.file;
                    let input = batch.input;
                    let mut chunk = batch.chunk;
                    // Records of another layout, written as lines: their damage is not JSON's.
                    let converted = !chunk.numbers.is_empty() || !chunk.malformed.is_empty();
                    let mut events = crate::samples::envelope::Events::default();
                    let mut malformed = crate::mapping::run::Problems::default();
                    crate::samples::read::ndjson_chunk(
                        &mut chunk,
                        max_record,
                        &mut |record, line_no| {
                            t.records += 1;
                            let at = || format!("{file}:{line_no}");
                            // A line of a rejects file: its source record is mapped again.
                            let tree = match source_row(record, envelope, line_no, &mut events) {
                                Ok(Some(row)) => row,
                                Ok(None) => {
                                    t.deletes += 1;
                                    return;
                                }
                                Err(why) => {
                                    let kind = if envelope == crate::samples::envelope::Envelope::None {
                                        "not a JSON object".to_string()
                                    } else {
                                        format!("not a {} event", envelope.name())
                                    };
                                    t.malformed.add(&kind, at, || why);
                                    return;
                                }
                            };
                            let record = &tree;
                            if let Some((path, winners)) = dedupe
                                && let Some(h) = dedupe_hash(record, path)
                                && winners.get(&h) != Some(&(input, line_no))
                            {
                                t.skipped += 1;
                                return;
                            }
                            failures.clear();
                            let canonical = crate::mapping::run::apply(&plan, record, &mut lookup, &mut failures);
                            let valid = validator.keywords.is_valid(&canonical);
                            let failed = !failures.is_empty() || !valid;
                            // Only a record that failed is written out again, to the rejects file.
                            let mut reject = (with_rejects && failed).then(|| {
                                crate::mapping::run::Reject::new(file, line_no, record, &canonical, &failures)
                            });
                            // Counts are of records: a kind is counted once per record, however
                            // often the record shows it (each element of an array, say).
                            seen.clear();
                            for (target, why) in failures.drain(..) {
                                let orphan = crate::mapping::run::is_orphan(&why);
                                let kind = format!("`{target}`");
                                if seen.contains(&(orphan, kind.clone())) {
                                    continue;
                                }
                                let bucket = if orphan { &mut t.orphans } else { &mut t.transform };
                                bucket.add(&kind, at, || why.clone());
                                seen.push((orphan, kind));
                            }
                            if !valid {
                                for e in validator.keywords.iter_errors(&canonical) {
                                    let kind = crate::mapping::run::failure_kind(&e);
                                    if seen.iter().any(|(_, k)| *k == kind) {
                                        continue;
                                    }
                                    t.invalid_records.add(&kind, at, || validator.message(&canonical, &e));
                                    seen.push((false, kind));
                                }
                                if let Some(reject) = &mut reject {
                                    // The exact validator words each error of this record.
                                    for e in validator.exact.iter_errors(&canonical) {
                                        reject.invalid(&e);
                                    }
                                }
                            }
                            if failed {
                                t.rejected += 1;
                                if let Some(reject) = reject {
                                    reject.write(&mut rejected);
                                }
                            }
                            if !failed || keep_invalid {
                                plan.write(&canonical, &mut out);
                                out.push(b'\n');
                                t.written += 1;
                            }
                        },
                        &mut |m| {
                            let kind = if crate::samples::read::is_too_long(&m) {
                                "too long"
                            } else if converted {
                                "unreadable"
                            } else {
                                "not JSON"
                            };
                            malformed.add(kind, || format!("{file}:{}", m.line), || m.message)
                        },
                    );
                    // Malformed lines are records read too.
                    t.records += malformed.by_kind.values().map(|p| p.count).sum::<u64>();
                    t.malformed.merge(malformed);
                    if done_tx.send((batch.index, out, rejected, t)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        // The reader: runs of whole lines in batches; a closed channel means the workers are gone.
        // Every input is opened first, so one that cannot be read stops the run before any output.
        let mut batches = Vec::with_capacity(samples.len());
        for sample in samples {
            batches.push(Some(line_batches(sample, input)?));
        }
        let reader = scope.spawn(move || -> anyhow::Result<()> {
            let mut index = 0;
            for (position, sample) in samples.iter().enumerate() {
                let file: Arc<str> = crate::load::display_path(sample).into();
                for chunk in batches[position].take().into_iter().flatten() {
                    let chunk = chunk.with_context(|| format!("{}: read failed", sample.display()))?;
                    let batch = Batch {
                        index,
                        input: position as u32,
                        file: Arc::clone(&file),
                        chunk,
                    };
                    index += 1;
                    if work_tx.send(batch).is_err() {
                        return Ok(());
                    }
                }
            }
            Ok(())
        });
        // This thread writes: batches come back in any order and go out in input order.
        let mut pending = std::collections::BTreeMap::new();
        let (mut next, mut total) = (0usize, Tally::default());
        let mut write_error = None;
        for (index, bytes, rejected, t) in done_rx {
            pending.insert(index, (bytes, rejected, t));
            while let Some((bytes, rejected, t)) = pending.remove(&next) {
                if write_error.is_none()
                    && let Err(e) = sink.write_all(&bytes)
                {
                    write_error = Some(e);
                }
                if write_error.is_none()
                    && let Some(r) = rejects_sink.as_mut()
                    && let Err(e) = r.write_all(&rejected)
                {
                    write_error = Some(e);
                }
                total.merge(t);
                next += 1;
            }
        }
        reader.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        if let Some(e) = write_error {
            return Err(e.into());
        }
        Ok(total)
    })
}

/// What `map run` is asked to do.
pub struct RunRequest<'a> {
    /// The workspace root mapping paths are relative to.
    pub root: PathBuf,
    /// The mapping file.
    pub mapping: &'a Path,
    /// The source record files (that exist), mapped in this order.
    pub samples: &'a [PathBuf],
    pub envelope: crate::samples::envelope::Envelope,
    /// Binary Protobuf samples: the message and its files.
    pub proto: Option<crate::samples::protobuf::ProtoSpec>,
    /// Where canonical records go (`None`: the writer given to [`run`]).
    pub out: Option<&'a Path>,
    /// The crosswalk store (`None`: `configured_db`, read only then).
    pub db: Option<&'a Path>,
    /// Where mapcheck.toml puts the store.
    pub configured_db: &'a dyn Fn() -> anyhow::Result<PathBuf>,
    /// The dead-letter file.
    pub rejects: Option<&'a Path>,
    pub keep_invalid: bool,
    /// The dotted source path whose value identifies duplicates.
    pub dedupe_key: Option<&'a str>,
    pub keep: Keep,
    pub max_record_bytes: u64,
    pub load: crate::load::LoadOptions,
}

/// What a `map run` did: its findings, the mapping file as shown, and its closing line.
pub struct Ran {
    pub findings: Vec<crate::finding::Finding>,
    pub mapping_file: String,
    pub summary_line: String,
}

/// Runs a mapping over its samples: records to `req.out` (or `stdout`), failures to the rejects
/// file. `Err` inside when the mapping does not validate, with the errors.
pub fn run(req: &RunRequest, stdout: &mut dyn Write) -> anyhow::Result<Result<Ran, Vec<crate::finding::Finding>>> {
    use crate::progress::detail;
    let started = std::time::Instant::now();
    let read = crate::mapping::files::Read::of(req.root.clone(), &[req.mapping.to_path_buf()])?;
    let mut contracts = crate::mapping::Contracts::new(&read.root, req.load.clone());
    let prepared = prepare(&read, &mut contracts)?;
    detail(started, "map run: mapping validated");
    let (mapping, validator) = match prepared {
        Ok(ready) => ready,
        Err(invalid) => return Ok(Err(invalid)),
    };

    // Never write over an input (replaying a rejects file into itself would empty it first).
    for written in [req.out, req.rejects].into_iter().flatten() {
        let target = std::fs::canonicalize(written).ok();
        if target.is_some() && req.samples.iter().any(|s| std::fs::canonicalize(s).ok() == target) {
            anyhow::bail!("{}: is also an input; write to another file", written.display());
        }
    }
    let create = |path: &Path| -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
        let file = std::fs::File::create(path).with_context(|| format!("{}: cannot create", path.display()))?;
        Ok(std::io::BufWriter::with_capacity(1 << 16, file))
    };
    let mut rejects_file = req.rejects.map(create).transpose()?;
    let mut out_file = req.out.map(create).transpose()?;
    let sink: &mut dyn Write = match &mut out_file {
        Some(f) => f,
        None => stdout,
    };
    let started = std::time::Instant::now();
    let crosswalks = Crosswalks::open(mapping, req.db, req.configured_db)?;
    detail(started, "map run: crosswalk links read");
    let proto = match &req.proto {
        Some(spec) => Some(
            spec.resolve(&read.root.join(&mapping.source.contract), &req.load.proto_paths)
                .map_err(|e| anyhow::anyhow!("--proto-type: {e}"))?,
        ),
        None => None,
    };
    let input = Input {
        max_record: req.max_record_bytes,
        envelope: req.envelope,
        proto: proto.as_ref(),
    };
    let dedupe_path: Vec<&str> = req
        .dedupe_key
        .map(|k| k.split('.').filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let winners = match req.dedupe_key {
        Some(_) => {
            let started = std::time::Instant::now();
            let w = dedupe_winners(req.samples, &dedupe_path, req.keep, &input)?;
            detail(started, format_args!("map run: {} distinct keys", w.len()));
            Some(w)
        }
        None => None,
    };
    let started = std::time::Instant::now();
    let tally = run_batches(
        req.samples,
        mapping,
        &validator,
        &crosswalks,
        &input,
        Sinks {
            out: &mut *sink,
            rejects: rejects_file.as_mut().map(|f| f as &mut dyn Write),
            keep_invalid: req.keep_invalid,
            dedupe: winners.as_ref().map(|w| (dedupe_path.as_slice(), w)),
        },
    )?;
    crosswalks.leave();
    sink.flush()?;
    drop(out_file);
    if let Some(mut f) = rejects_file {
        f.flush()?;
    }
    detail(started, format_args!("map run: {} records", tally.records));
    let mut findings = tally.findings(&mapping.name, &crate::load::display_path(&req.samples[0]));
    crate::finding::normalize(&mut findings);
    Ok(Ok(Ran {
        findings,
        mapping_file: read.shown[0].clone(),
        summary_line: tally.summary_line(
            req.rejects,
            req.keep_invalid,
            req.dedupe_key.is_some(),
            req.envelope != crate::samples::envelope::Envelope::None,
        ),
    }))
}

/// The mapping of `read` (its first), validated against the contracts, with its canonical
/// version's schema compiled; `Err` with the errors when the mapping does not validate.
fn prepare<'r>(
    read: &'r crate::mapping::files::Read,
    contracts: &mut crate::mapping::Contracts,
) -> anyhow::Result<Result<(&'r Mapping, Validators), Vec<crate::finding::Finding>>> {
    let mut invalid = read.problems.clone();
    invalid.extend(
        crate::mapping::validate(&read.mappings, contracts)
            .into_iter()
            .filter(|f| f.severity == crate::finding::Severity::Error),
    );
    let Some(mapping) = read.mappings.first().filter(|_| invalid.is_empty()) else {
        return Ok(Err(invalid));
    };
    // The canonical schema the records must satisfy (JSON-Schema-shaped canonical versions).
    let canonical = contracts
        .canonical_versions(&mapping.target.entity)
        .get(&mapping.target.version)
        .cloned()
        .unwrap_or_default();
    let schema = crate::load::read_json_document(&read.root.join(&canonical), &canonical)?;
    // Records are validated for which keywords fail (no copy of a record per error); the exact
    // validator words the first message of each kind.
    fn compile<F: ::jsonschema::json::Json>(
        schema: &serde_json::Value,
        shown: &str,
    ) -> anyhow::Result<::jsonschema::Validator<F>> {
        // Formats are assertions here, as drift checks them: a canonical `uuid` that is not one
        // fails the record.
        ::jsonschema::options_for::<F>()
            .should_validate_formats(true)
            .build(schema)
            .map_err(|e| anyhow::anyhow!("{shown}: {e}"))
    }
    Ok(Ok((
        mapping,
        Validators {
            keywords: compile(&schema, &canonical)?,
            exact: compile(&schema, &canonical)?,
        },
    )))
}

/// The canonical schema, compiled for counting failures and for wording them.
struct Validators {
    keywords: ::jsonschema::Validator<crate::json::TreeKeywords>,
    exact: ::jsonschema::Validator<crate::json::Trees>,
}

impl Validators {
    /// The exact message of a failure `keywords` found.
    fn message(&self, record: &crate::json::Tree, failure: &::jsonschema::ValidationError) -> String {
        let kind = crate::mapping::run::failure_kind(failure);
        let same = |e: &::jsonschema::ValidationError| {
            e.schema_path() == failure.schema_path()
                && e.instance_path() == failure.instance_path()
                && crate::mapping::run::failure_kind(e) == kind
        };
        let exact = self.exact.iter_errors(record).find(same);
        short(&exact.as_ref().unwrap_or(failure).to_string())
    }
}

/// A validation message, cut to a readable length (they quote whole values).
fn short(message: &str) -> String {
    let mut s: String = message.chars().take(120).collect();
    if s.len() < message.len() {
        s.push('…');
    }
    s
}
