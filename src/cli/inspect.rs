use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{Exit, LoadArgs};
use crate::load::load_paths;

/// `inspect` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InspectFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Contract files or directories (directories are walked recursively).
    #[arg(required = true, value_name = "FILE|DIR")]
    pub paths: Vec<PathBuf>,
    /// Output format. The JSON shape is documented in docs/inspect-json.md.
    #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
    pub format: InspectFormat,
    #[command(flatten)]
    pub load: LoadArgs,
}

pub fn run(args: &InspectArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let loaded = load_paths(&args.paths, &args.load.options())?;
    let report = crate::inspect::build(&loaded.contracts);
    match args.format {
        InspectFormat::Text => crate::inspect::render_text(&report, out)?,
        InspectFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)?;
        }
    }
    // Inspect shows what loaded; files that did not load at all are errors on stderr.
    for f in loaded
        .findings
        .iter()
        .filter(|f| f.rule == crate::load::lint::PARSE_ERROR.id || f.rule == crate::load::lint::PROTO_COMPILE_ERROR.id)
    {
        let at = f.location.as_ref().map(|l| l.to_string()).unwrap_or_default();
        eprintln!("error: {at}: {}", f.message);
    }
    Ok(if loaded.unusable.is_empty() {
        Exit::Clean
    } else {
        Exit::Error
    })
}
