use std::io::Write;

use clap::Args;

use super::Exit;
use crate::rules;

/// `rules` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format: text (grouped by category) or json (an array of rules).
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id, as findings name it (`field-removed`).
    #[arg(value_name = "RULE-ID")]
    pub rule: String,
}

pub fn run_rules(args: &RulesArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    match args.format {
        RulesFormat::Text => out.write_all(rules::list_text().as_bytes())?,
        RulesFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &rules::all())?;
            writeln!(out)?;
        }
    }
    Ok(Exit::Clean)
}

pub fn run_explain(args: &ExplainArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    match rules::find(&args.rule) {
        Some(rule) => {
            out.write_all(rules::explain_text(&rule).as_bytes())?;
            Ok(Exit::Clean)
        }
        None => {
            let similar = rules::similar(&args.rule);
            let hint = if similar.is_empty() {
                "run `mapcheck rules` to list them".to_string()
            } else {
                format!("did you mean: {}?", similar.join(", "))
            };
            anyhow::bail!("no rule '{}': {hint}", args.rule)
        }
    }
}
