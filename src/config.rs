//! `mapcheck.toml`: contract sets, rule severities, and ignores. Found in the repository root (the
//! nearest directory upwards holding `mapcheck.toml`, stopping at the git top level).
//!
//! ```toml
//! [[contracts]]                       # a contract set (any number)
//! name = "erp"
//! paths = ["contracts/erp/**/*.proto"] # globs relative to this file's directory
//! format = "protobuf"                 # optional: openapi, avro, protobuf, jsonschema
//! mode = "full"                       # diff mode for these contracts
//! proto_level = "wire-json"           # Protobuf strictness
//! proto_paths = ["third_party"]       # Protobuf import paths, relative to this file
//! ignore_unstable_packages = true     # optional: leave out packages like acme.v1alpha1
//! content_model = "declared"          # optional: how undeclared properties are read (any format)
//!
//! [jsonschema]
//! content_model = "exact"             # JSON Schema documents: "exact" (default) or "declared"
//!
//! [protobuf]
//! buf_yaml = "proto/buf.yaml"         # optional: the buf.yaml whose `breaking` section applies
//!                                     # (default: the nearest one above the compared files;
//!                                     # "off": none)
//! ignore_unstable_packages = true     # optional, for every contract set
//!
//! [rules]
//! optional-field-removed = "off"      # or "error", "warning", "info"
//!
//! [[ignore]]
//! rule = "field-removed"              # a rule id, or "*"
//! path = "contracts/legacy/**"        # glob on the finding's file (relative to this file)
//! element = "Account.Legacy*"         # optional glob on the finding's model path
//! reason = "agreed with the two consumers in PLAT-1432"
//! until = 2027-01-31                  # optional: afterwards the finding returns, marked expired
//!
//! [[samples]]                         # drift: sample files that must match a contract (`check`)
//! contract = "contracts/crm/accounts.openapi.yaml"
//! type = "Account"                    # optional: the type records should have
//! paths = ["samples/crm/*.ndjson"]    # files, directories or globs, relative to this file
//! max_rate = 0.01                     # optional: anomalies up to this share are warnings
//! max_errors = 100                    # optional: malformed records tolerated
//! max_record_bytes = "64MiB"          # optional: longer records are malformed
//! freshness = "updated_at"            # optional: the newest value of this field ...
//! max_age = "24h"                     # ... must be at most this old (both or neither)
//! envelope = "debezium"               # optional: debezium or kafka-connect records
//! proto_type = "shop.v1.Order"        # binary Protobuf samples: the message (as --proto-type)
//! proto = "contracts/orders.proto"    # optional: the .proto declaring it (default: the contract)
//! proto_framing = "delimited"         # optional: delimited (default) or single
//!
//! [crosswalk]
//! db = ".mapcheck/crosswalk.duckdb"   # the store (default), relative to this file
//! one_to_one = ["erp"]                # systems with at most one source id per canonical id
//! min_coverage = 0.9                  # optional: coverage below this is a warning
//! required = false                    # optional: true makes a missing store an error in `check`
//!
//! [[crosswalk.samples]]               # ids that should have links (orphan check)
//! system = "crm"
//! entity = "customer"
//! path = "samples/crm/accounts.ndjson"
//! column = "account_id"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use globset::{Glob, GlobMatcher};
use serde::Deserialize;

use crate::compare::subschema::Reading;
pub use crate::crosswalk::settings::{CrosswalkConfig, CrosswalkSample};
use crate::finding::Severity;

/// The file name mapcheck looks for.
pub const FILE_NAME: &str = "mapcheck.toml";

/// A parsed `mapcheck.toml`.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it was read from (`None`: no file, defaults).
    pub path: Option<PathBuf>,
    /// The directory relative paths in it are resolved against.
    pub dir: PathBuf,
    pub contracts: Vec<ContractSet>,
    /// Rule id -> severity, or `None` for off.
    pub rules: BTreeMap<String, Option<Severity>>,
    pub ignores: Vec<Ignore>,
    /// `[openapi] relaxed_stability`: operation maturity levels whose breaking changes are
    /// warnings (`None`: the default, alpha, beta and experimental).
    pub relaxed_stability: Option<Vec<String>>,
    /// `[jsonschema] content_model`: how JSON Schema documents read undeclared properties
    /// (`None`: exact).
    pub jsonschema: JsonschemaConfig,
    /// `[protobuf]`.
    pub protobuf: ProtobufConfig,
    pub crosswalk: CrosswalkConfig,
    /// `[[samples]]`: what `check` runs drift on.
    pub samples: Vec<SampleSet>,
    /// Whether the file has a `[crosswalk]` table (then `check` runs the crosswalk checks).
    pub crosswalk_configured: bool,
}

/// A `[[samples]]` entry: sample files that should match a contract.
#[derive(Debug, Clone)]
pub struct SampleSet {
    /// `[[samples]] #N`, for messages.
    pub label: String,
    /// The contract, resolved against the config's directory.
    pub contract: PathBuf,
    pub type_name: Option<String>,
    /// Files, directories or globs, relative to the config's directory.
    pub paths: Vec<String>,
    pub max_rate: f64,
    pub max_errors: u64,
    /// The largest record read; longer ones are malformed.
    pub max_record_bytes: u64,
    /// `freshness` and `max_age`: the field whose newest value must be recent, and how recent
    /// (milliseconds).
    pub freshness: Option<(String, i64)>,
    /// `envelope`: how records wrap the rows.
    pub envelope: crate::samples::envelope::Envelope,
    /// `proto_type`, `proto`, `proto_framing`: the message binary Protobuf samples hold.
    pub proto: Option<crate::samples::protobuf::ProtoSpec>,
}

impl SampleSet {
    /// The sample files: literal paths as they are (files, or directories to search), globs
    /// matched under their literal leading directories. Relative to `dir`, sorted.
    pub fn files(&self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        let mut out = Vec::new();
        for pattern in &self.paths {
            if !pattern.contains(['*', '?', '[', '{']) {
                let p = dir.join(pattern);
                if !p.exists() {
                    return Err(format!("{}: {pattern}: no such file or directory", self.label));
                }
                out.push(p);
                continue;
            }
            let matcher = glob(pattern).map_err(|e| format!("{}: {e}", self.label))?;
            let literal: Vec<&str> = pattern
                .split('/')
                .take_while(|part| !part.contains(['*', '?', '[', '{']))
                .collect();
            let base = dir.join(literal.join("/"));
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(&base)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .filter(|e| {
                    e.path()
                        .strip_prefix(dir)
                        .ok()
                        .and_then(|r| r.to_str())
                        .is_some_and(|r| matcher.is_match(r.replace('\\', "/")))
                })
                .map(|e| e.into_path())
                .collect();
            if found.is_empty() {
                return Err(format!("{}: `{pattern}` matches no file", self.label));
            }
            found.sort();
            out.extend(found);
        }
        Ok(out)
    }
}

impl Config {
    /// Where the crosswalk store is: `[crosswalk] db`, else `.mapcheck/crosswalk.duckdb` beside
    /// the config file (or in the current directory without one).
    pub fn crosswalk_db(&self) -> PathBuf {
        match &self.crosswalk.db {
            Some(p) => self.dir.join(p),
            None => self.dir.join(".mapcheck").join("crosswalk.duckdb"),
        }
    }
}

/// `[jsonschema]`: settings for every JSON Schema contract.
#[derive(Debug, Clone, Default)]
pub struct JsonschemaConfig {
    pub content_model: Option<Reading>,
}

/// `[protobuf]`: settings for every Protobuf contract.
#[derive(Debug, Clone, Default)]
pub struct ProtobufConfig {
    /// Which buf.yaml applies.
    pub buf_yaml: BufYaml,
    /// Leave out packages whose last component is `v1alpha1`, `v2beta`, `v1test`, ...
    pub ignore_unstable_packages: bool,
}

/// Which buf.yaml's `breaking` section applies to Protobuf comparisons.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum BufYaml {
    /// The nearest buf.yaml at or above the compared files.
    #[default]
    Nearest,
    /// None.
    Off,
    /// This one.
    File(PathBuf),
}

/// A group of contracts checked the same way.
#[derive(Debug, Clone)]
pub struct ContractSet {
    pub name: Option<String>,
    pub paths: Vec<String>,
    matchers: Vec<GlobMatcher>,
    pub format: Option<String>,
    pub mode: Option<String>,
    pub proto_level: Option<String>,
    pub proto_paths: Vec<PathBuf>,
    pub ignore_unstable_packages: bool,
    /// How undeclared object properties are read in these contracts (any format).
    pub content_model: Option<Reading>,
}

impl ContractSet {
    /// Whether a file (relative to the config's directory, `/`-separated) belongs to the set.
    pub fn matches(&self, relative: &str) -> bool {
        self.matchers.iter().any(|m| m.is_match(relative))
    }
}

/// A suppressed rule, with why and until when.
#[derive(Debug, Clone)]
pub struct Ignore {
    pub rule: String,
    pub path: Option<String>,
    path_matcher: Option<GlobMatcher>,
    pub element: Option<String>,
    element_matcher: Option<GlobMatcher>,
    pub reason: String,
    /// `YYYY-MM-DD`: the last day the ignore applies.
    pub until: Option<String>,
    /// 1-based position in the `[[ignore]]` list, for messages.
    pub index: usize,
}

impl Ignore {
    /// Whether this ignore covers a finding of `rule` in `file` (relative to the config's
    /// directory) at model path `element`.
    pub fn covers(&self, rule: &str, file: &str, element: &str) -> bool {
        (self.rule == "*" || self.rule == rule)
            && self.path_matcher.as_ref().is_none_or(|m| m.is_match(file))
            && self.element_matcher.as_ref().is_none_or(|m| m.is_match(element))
    }

    /// Whether the ignore has run out as of `today` (`YYYY-MM-DD`).
    pub fn expired(&self, today: &str) -> bool {
        self.until.as_deref().is_some_and(|u| u < today)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    contracts: Vec<RawSet>,
    #[serde(default)]
    rules: BTreeMap<String, String>,
    #[serde(default)]
    ignore: Vec<RawIgnore>,
    openapi: Option<RawOpenapi>,
    jsonschema: Option<RawJsonschema>,
    protobuf: Option<RawProtobuf>,
    crosswalk: Option<RawCrosswalk>,
    #[serde(default)]
    samples: Vec<RawSampleSet>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSampleSet {
    contract: String,
    #[serde(rename = "type")]
    type_name: Option<String>,
    paths: Vec<String>,
    max_rate: Option<f64>,
    max_errors: Option<u64>,
    max_record_bytes: Option<toml::Spanned<toml::Value>>,
    freshness: Option<String>,
    max_age: Option<toml::Spanned<String>>,
    envelope: Option<String>,
    proto_type: Option<String>,
    proto: Option<OneOrMany>,
    proto_framing: Option<crate::samples::protobuf::Framing>,
}

/// A path, or a list of them.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOpenapi {
    relaxed_stability: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJsonschema {
    content_model: Option<Reading>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProtobuf {
    buf_yaml: Option<String>,
    #[serde(default)]
    ignore_unstable_packages: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCrosswalk {
    db: Option<String>,
    #[serde(default)]
    one_to_one: Vec<String>,
    min_coverage: Option<f64>,
    #[serde(default)]
    required: bool,
    #[serde(default)]
    samples: Vec<RawSample>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSample {
    system: String,
    entity: String,
    path: String,
    column: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    name: Option<String>,
    paths: Vec<String>,
    format: Option<String>,
    mode: Option<String>,
    proto_level: Option<String>,
    #[serde(default)]
    proto_paths: Vec<String>,
    #[serde(default)]
    ignore_unstable_packages: bool,
    content_model: Option<Reading>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    rule: String,
    path: Option<String>,
    element: Option<String>,
    reason: String,
    until: Option<toml::Spanned<toml::Value>>,
}

/// For serde's "unknown field `x`, expected one of `a`, `b`": the closest expected key.
fn did_you_mean(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return String::new();
    };
    let Some((unknown, expected)) = rest.split_once('`') else {
        return String::new();
    };
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|k| (crate::suggest::edit_distance(unknown, k), k))
        .filter(|(d, k)| *d <= 3 && *d < k.len())
        .min()
        .map(|(_, k)| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default()
}

const FORMATS: &[&str] = &["openapi", "avro", "protobuf", "jsonschema"];
const MODES: &[&str] = &[
    "backward",
    "forward",
    "full",
    "none",
    "backward-transitive",
    "forward-transitive",
    "full-transitive",
];
const PROTO_LEVELS: &[&str] = &["wire", "wire-json", "file", "package"];

impl Config {
    /// Finds and reads `mapcheck.toml` for the current directory: the nearest one upwards, not
    /// above the git top level. No file: the defaults.
    pub fn discover() -> anyhow::Result<Config> {
        let cwd = std::env::current_dir().context("the current directory")?;
        let mut dir = Some(cwd.as_path());
        while let Some(d) = dir {
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                return Config::read(&candidate);
            }
            if d.join(".git").exists() {
                break;
            }
            dir = d.parent();
        }
        Ok(Config {
            dir: cwd,
            ..Config::default()
        })
    }

    /// Reads one config file; errors name the file and what is wrong where.
    pub fn read(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
        let dir = crate::load::absolute(path.parent().unwrap_or(Path::new(".")));
        Config::parse(&text, path, dir)
    }

    /// Parses config text; `path` names it in errors, `dir` resolves its relative paths.
    pub fn parse(text: &str, path: &Path, dir: PathBuf) -> anyhow::Result<Config> {
        let shown = crate::load::display_path(path);
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let pos = line_col(text, s.start);
                    format!(":{}:{}", pos.0, pos.1)
                })
                .unwrap_or_default();
            anyhow::anyhow!("{shown}{at}: {}{}", e.message(), did_you_mean(e.message()))
        })?;
        let bad = |what: String| anyhow::anyhow!("{shown}: {what}");
        let mut config = Config {
            path: Some(path.to_path_buf()),
            dir: dir.clone(),
            ..Config::default()
        };
        for (i, set) in raw.contracts.into_iter().enumerate() {
            let label = set.name.clone().unwrap_or_else(|| format!("[[contracts]] #{}", i + 1));
            check_choice(&set.format, FORMATS, &format!("{label}: format")).map_err(bad)?;
            check_choice(&set.mode, MODES, &format!("{label}: mode")).map_err(bad)?;
            check_choice(&set.proto_level, PROTO_LEVELS, &format!("{label}: proto_level")).map_err(bad)?;
            if set.paths.is_empty() {
                return Err(bad(format!("{label}: `paths` needs at least one glob")));
            }
            for p in &set.paths {
                inside(&dir, &format!("{label}: paths"), p).map_err(bad)?;
            }
            for p in &set.proto_paths {
                inside(&dir, &format!("{label}: proto_paths"), p).map_err(bad)?;
            }
            let matchers = set
                .paths
                .iter()
                .map(|p| glob(p).map_err(|e| bad(format!("{label}: {e}"))))
                .collect::<anyhow::Result<_>>()?;
            config.contracts.push(ContractSet {
                name: set.name,
                paths: set.paths,
                matchers,
                format: set.format,
                mode: set.mode,
                proto_level: set.proto_level,
                proto_paths: set.proto_paths.iter().map(|p| dir.join(p)).collect(),
                ignore_unstable_packages: set.ignore_unstable_packages,
                content_model: set.content_model,
            });
        }
        for (rule, level) in raw.rules {
            if crate::rules::find(&rule).is_none() {
                let similar = crate::rules::similar(&rule);
                let hint = if similar.is_empty() {
                    String::new()
                } else {
                    format!(" (did you mean {}?)", similar.join(", "))
                };
                return Err(bad(format!("[rules]: unknown rule '{rule}'{hint}")));
            }
            let severity = match level.as_str() {
                "off" => None,
                "error" => Some(Severity::Error),
                "warning" => Some(Severity::Warning),
                "info" => Some(Severity::Info),
                other => {
                    return Err(bad(format!(
                        "[rules]: '{rule}' = '{other}': expected off, error, warning or info"
                    )));
                }
            };
            config.rules.insert(rule, severity);
        }
        for (i, ig) in raw.ignore.into_iter().enumerate() {
            let label = format!("[[ignore]] #{}", i + 1);
            if ig.rule != "*" && crate::rules::find(&ig.rule).is_none() {
                return Err(bad(format!("{label}: unknown rule '{}'", ig.rule)));
            }
            if ig.reason.trim().is_empty() {
                return Err(bad(format!("{label}: `reason` must say why")));
            }
            let until = match ig.until {
                None => None,
                Some(spanned) => {
                    let at = line_col(text, spanned.span().start);
                    let date = match spanned.into_inner() {
                        toml::Value::Datetime(d) if d.date.is_some() && d.time.is_none() && d.offset.is_none() => {
                            d.to_string()
                        }
                        toml::Value::String(s) => s,
                        other => format!("a TOML {}", other.type_str()),
                    };
                    if !crate::format::is_calendar_date(&date) {
                        return Err(anyhow::anyhow!(
                            "{shown}:{}:{}: {label}: `until` must be a date of the calendar like 2027-01-31, not `{date}`",
                            at.0,
                            at.1
                        ));
                    }
                    Some(date)
                }
            };
            let path_matcher = ig
                .path
                .as_deref()
                .map(glob)
                .transpose()
                .map_err(|e| bad(format!("{label}: {e}")))?;
            let element_matcher = ig
                .element
                .as_deref()
                .map(glob)
                .transpose()
                .map_err(|e| bad(format!("{label}: {e}")))?;
            config.ignores.push(Ignore {
                rule: ig.rule,
                path: ig.path,
                path_matcher,
                element: ig.element,
                element_matcher,
                reason: ig.reason,
                until,
                index: i + 1,
            });
        }
        config.relaxed_stability = raw.openapi.and_then(|o| o.relaxed_stability);
        config.jsonschema.content_model = raw.jsonschema.and_then(|j| j.content_model);
        if let Some(p) = raw.protobuf {
            config.protobuf = ProtobufConfig {
                buf_yaml: match p.buf_yaml.as_deref() {
                    None => BufYaml::Nearest,
                    Some("off") => BufYaml::Off,
                    Some(file) => {
                        inside(&dir, "[protobuf] buf_yaml", file).map_err(bad)?;
                        // Read when a Protobuf comparison needs it; a missing file is an error then.
                        BufYaml::File(dir.join(file))
                    }
                },
                ignore_unstable_packages: p.ignore_unstable_packages,
            };
        }
        for (i, set) in raw.samples.into_iter().enumerate() {
            let label = format!("[[samples]] #{}", i + 1);
            if set.paths.is_empty() {
                return Err(bad(format!("{label}: `paths` needs at least one file or glob")));
            }
            for p in &set.paths {
                if p.contains(['*', '?', '[', '{']) {
                    glob(p).map_err(|e| bad(format!("{label}: {e}")))?;
                }
                inside(&dir, &format!("{label}: paths"), p).map_err(bad)?;
            }
            inside(&dir, &format!("{label}: contract"), &set.contract).map_err(bad)?;
            let max_rate = set.max_rate.unwrap_or(0.0);
            if !(0.0..=1.0).contains(&max_rate) {
                return Err(bad(format!(
                    "{label}: max_rate {max_rate}: expected a fraction from 0 to 1"
                )));
            }
            let max_record_bytes = match set.max_record_bytes {
                None => crate::samples::read::DEFAULT_MAX_RECORD_BYTES,
                Some(v) => {
                    let at = line_col(text, v.span().start);
                    let parsed = match v.get_ref() {
                        toml::Value::Integer(n) if *n > 0 => Ok(*n as u64),
                        toml::Value::String(s) => crate::samples::read::parse_size(s),
                        other => Err(format!(
                            "is a TOML {}: expected a size in bytes or a string like \"64MiB\"",
                            other.type_str()
                        )),
                    };
                    parsed.map_err(|e| anyhow::anyhow!("{shown}:{}:{}: {label}: max_record_bytes {e}", at.0, at.1))?
                }
            };
            let envelope = match set.envelope.as_deref() {
                None => crate::samples::envelope::Envelope::None,
                Some(name) => crate::samples::envelope::Envelope::parse(name).ok_or_else(|| {
                    bad(format!(
                        "{label}: envelope `{name}`: expected none, debezium or kafka-connect"
                    ))
                })?,
            };
            let freshness = match (
                set.freshness.or(envelope
                    .default_freshness()
                    .map(str::to_string)
                    .filter(|_| set.max_age.is_some())),
                set.max_age,
            ) {
                (None, None) => None,
                (Some(field), Some(age)) => {
                    if field.is_empty() || field.split('.').any(str::is_empty) {
                        return Err(bad(format!(
                            "{label}: freshness `{field}`: expected a field path like `updated_at` or `source.ts_ms`"
                        )));
                    }
                    let at = line_col(text, age.span().start);
                    let ms = crate::samples::freshness::parse_duration(age.get_ref())
                        .map_err(|e| anyhow::anyhow!("{shown}:{}:{}: {label}: max_age {e}", at.0, at.1))?;
                    Some((field, ms))
                }
                (Some(_), None) => {
                    return Err(bad(format!(
                        "{label}: `freshness` needs `max_age` (how old the newest value may be)"
                    )));
                }
                (None, Some(_)) => {
                    return Err(bad(format!(
                        "{label}: `max_age` needs `freshness` (the timestamp field to check)"
                    )));
                }
            };
            let proto_files = set.proto.map(OneOrMany::into_vec).unwrap_or_default();
            let proto = match set.proto_type {
                Some(message) => {
                    for p in &proto_files {
                        inside(&dir, &format!("{label}: proto"), p).map_err(bad)?;
                    }
                    Some(crate::samples::protobuf::ProtoSpec {
                        message,
                        files: proto_files.iter().map(|p| dir.join(p)).collect(),
                        framing: set.proto_framing.unwrap_or_default(),
                    })
                }
                None if !proto_files.is_empty() || set.proto_framing.is_some() => {
                    return Err(bad(format!(
                        "{label}: `proto` and `proto_framing` need `proto_type` (the message the samples hold)"
                    )));
                }
                None => None,
            };
            config.samples.push(SampleSet {
                label,
                contract: dir.join(set.contract),
                type_name: set.type_name,
                paths: set.paths,
                max_rate,
                max_errors: set.max_errors.unwrap_or(100),
                max_record_bytes,
                freshness,
                envelope,
                proto,
            });
        }
        config.crosswalk_configured = raw.crosswalk.is_some();
        if let Some(cw) = raw.crosswalk {
            if let Some(m) = cw.min_coverage
                && !(0.0..=1.0).contains(&m)
            {
                return Err(bad(format!(
                    "[crosswalk]: min_coverage {m}: expected a fraction from 0 to 1"
                )));
            }
            let mut samples = Vec::new();
            for (i, s) in cw.samples.into_iter().enumerate() {
                if s.system.is_empty() || s.entity.is_empty() || s.column.is_empty() {
                    return Err(bad(format!(
                        "[[crosswalk.samples]] #{}: system, entity and column must not be empty",
                        i + 1
                    )));
                }
                inside(&dir, &format!("[[crosswalk.samples]] #{}: path", i + 1), &s.path).map_err(bad)?;
                samples.push(CrosswalkSample {
                    system: s.system,
                    entity: s.entity,
                    path: dir.join(s.path),
                    column: s.column,
                });
            }
            if let Some(db) = &cw.db {
                inside(&dir, "[crosswalk]: db", db).map_err(bad)?;
            }
            config.crosswalk = CrosswalkConfig {
                db: cw.db.map(PathBuf::from),
                one_to_one: cw.one_to_one,
                min_coverage: cw.min_coverage,
                required: cw.required,
                samples,
            };
        }
        Ok(config)
    }

    /// A file's path relative to the config's directory, `/`-separated (for globs).
    pub fn relative(&self, file: &str) -> String {
        let abs = crate::load::absolute(Path::new(file));
        abs.strip_prefix(&self.dir)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| file.replace('\\', "/"))
    }

    /// The first contract set a file belongs to.
    pub fn set_for(&self, file: &str) -> Option<&ContractSet> {
        let rel = self.relative(file);
        self.contracts.iter().find(|s| s.matches(&rel))
    }
}

/// Refuses a path of mapcheck.toml (a file, a directory, or a glob's literal leading directories)
/// that leads out of the file's directory, as written or through a symbolic link.
fn inside(dir: &Path, what: &str, value: &str) -> Result<(), String> {
    let literal: Vec<&str> = value
        .split('/')
        .take_while(|part| !part.contains(['*', '?', '[', '{']))
        .collect();
    let path = crate::load::absolute(&dir.join(literal.join("/")));
    crate::load::inside_root(dir, &path).map_err(|outside| {
        format!(
            "{what}: `{value}` names {}; mapcheck reads only files under the directory of mapcheck.toml",
            match outside {
                crate::load::Outside::Path => format!("a path {}", outside.describe(dir)),
                _ => outside.describe(dir),
            }
        )
    })
}

fn glob(pattern: &str) -> Result<GlobMatcher, String> {
    Glob::new(pattern)
        .map(|g| g.compile_matcher())
        .map_err(|e| format!("invalid glob '{pattern}': {e}"))
}

fn check_choice(value: &Option<String>, allowed: &[&str], what: &str) -> Result<(), String> {
    match value {
        Some(v) if !allowed.contains(&v.as_str()) => {
            Err(format!("{what} '{v}': expected one of {}", allowed.join(", ")))
        }
        _ => Ok(()),
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Today's date in UTC as `YYYY-MM-DD` (for ignore expiry).
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<Config> {
        Config::parse(text, Path::new("mapcheck.toml"), PathBuf::from("/repo"))
    }

    #[test]
    fn dates_from_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(20_513), (2026, 3, 1));
        assert_eq!(today().len(), 10);
    }

    #[test]
    fn every_key_parses() {
        let c = parse(
            r#"
[[contracts]]
name = "erp"
paths = ["contracts/erp/**/*.proto"]
format = "protobuf"
mode = "full"
proto_level = "wire-json"
proto_paths = ["third_party"]

[rules]
optional-field-removed = "off"
operation-id-changed = "error"

[[ignore]]
rule = "field-removed"
path = "contracts/legacy/**"
element = "Account.*"
reason = "agreed"
until = 2027-01-31
"#,
        )
        .expect("valid");
        assert!(c.contracts[0].matches("contracts/erp/v1/x.proto"));
        assert!(!c.contracts[0].matches("contracts/crm/x.yaml"));
        assert_eq!(c.contracts[0].proto_paths, [PathBuf::from("/repo/third_party")]);
        assert_eq!(c.rules["optional-field-removed"], None);
        assert_eq!(c.rules["operation-id-changed"], Some(Severity::Error));
        let ig = &c.ignores[0];
        assert_eq!(ig.until.as_deref(), Some("2027-01-31"));
        assert!(ig.covers("field-removed", "contracts/legacy/a.yaml", "Account.Name"));
        assert!(!ig.covers("field-removed", "contracts/crm/a.yaml", "Account.Name"));
        assert!(!ig.covers("field-removed", "contracts/legacy/a.yaml", "Contact.Name"));
        assert!(ig.expired("2027-02-01"));
        assert!(!ig.expired("2027-01-31"));
        assert_eq!(c.crosswalk_db(), PathBuf::from("/repo/.mapcheck/crosswalk.duckdb"));
    }

    #[test]
    fn crosswalk_table_parses() {
        let c = parse(
            r#"
[crosswalk]
db = "state/xw.duckdb"
one_to_one = ["erp"]
min_coverage = 0.9

[[crosswalk.samples]]
system = "crm"
entity = "customer"
path = "samples/crm.ndjson"
column = "account_id"
"#,
        )
        .expect("valid");
        assert_eq!(c.crosswalk_db(), PathBuf::from("/repo/state/xw.duckdb"));
        assert_eq!(c.crosswalk.one_to_one, ["erp"]);
        assert_eq!(c.crosswalk.samples[0].path, PathBuf::from("/repo/samples/crm.ndjson"));
        let err = parse("[crosswalk]\nmin_coverage = 90")
            .expect_err("out of range")
            .to_string();
        assert!(err.contains("min_coverage 90"), "{err}");
        assert!(parse("[crosswalk]\ndatabase = \"x\"").is_err());
    }

    #[test]
    fn mistakes_are_named() {
        let err = |t: &str| parse(t).expect_err("invalid").to_string();
        assert!(
            err("[rules]\nfield-remove = \"off\"").contains("unknown rule 'field-remove' (did you mean field-removed")
        );
        assert!(err("[[contracts]]\npaths = [\"a\"]\nmodee = \"full\"").contains("(did you mean `mode`?)"));
        assert!(err("[rules]\nfield-removed = \"loud\"").contains("expected off, error, warning or info"));
        assert!(err("[[contracts]]\npaths = [\"a\"]\nmode = \"sideways\"").contains("mode 'sideways'"));
        assert!(err("[[ignore]]\nrule = \"field-removed\"\nreason = \"\"").contains("`reason` must say why"));
        assert!(
            err("[[ignore]]\nrule = \"field-removed\"\nreason = \"x\"\nuntil = \"soon\"")
                .contains("`until` must be a date")
        );
        // Impossible days are refused with where they are, quoted or not.
        let until = |v: &str| {
            err(&format!(
                "[[ignore]]\nrule = \"field-removed\"\nreason = \"x\"\nuntil = {v}"
            ))
        };
        for quoted in ["\"2027-13-45\"", "\"2027-02-29\"", "\"2026-04-31\""] {
            let e = until(quoted);
            assert!(
                e.starts_with("mapcheck.toml:4:9: [[ignore]] #1: `until` must be a date of the calendar"),
                "{e}"
            );
        }
        // An unquoted TOML date is checked by the TOML parser itself.
        let e = until("2027-02-29");
        assert!(e.starts_with("mapcheck.toml:4:9: invalid date"), "{e}");
        assert!(
            err("colour = 1").starts_with("mapcheck.toml:1:1:"),
            "{}",
            err("colour = 1")
        );
        assert!(err("[[contracts]]\npaths = [\"a[\"]").contains("invalid glob"));
    }
}
