//! The progress bar of `crosswalk load`, on stderr: it appears only on a terminal and only once a
//! load has run for a second (short loads stay quiet); `--verbose` also announces each phase.

use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::input::InputFormat;
use super::load::Progress;

pub struct Bar {
    bar: ProgressBar,
    start: Instant,
    terminal: bool,
    shown: bool,
}

impl Bar {
    /// A bar for loading `file`: bytes read of its size, or rows of a Parquet file's row count.
    pub fn for_file(file: &Path, format: InputFormat) -> Bar {
        match format {
            InputFormat::Parquet => Bar::new(parquet_rows(file).unwrap_or(0), false),
            _ => Bar::new(std::fs::metadata(file).map_or(0, |m| m.len()), true),
        }
    }

    fn new(total: u64, unit_bytes: bool) -> Bar {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        let template = if unit_bytes {
            "{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} ({elapsed})"
        } else {
            "{spinner} {msg} [{bar:30}] {pos}/{len} rows ({elapsed})"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message("reading");
        Bar {
            bar,
            start: Instant::now(),
            terminal: std::io::stderr().is_terminal(),
            shown: false,
        }
    }

    fn maybe_show(&mut self) {
        if self.terminal && !self.shown && self.start.elapsed() >= Duration::from_secs(1) {
            self.shown = true;
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(200));
        }
    }
}

impl Progress for Bar {
    fn read(&mut self, done: u64) {
        self.bar.set_position(done);
        self.maybe_show();
    }

    fn phase(&mut self, what: &str) {
        crate::progress::detail(self.start, format_args!("load: {what}"));
        self.bar.set_message(what.to_string());
        self.maybe_show();
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

fn parquet_rows(path: &Path) -> Option<u64> {
    // Only for the progress bar: a file the reader cannot take is reported by the load itself.
    crate::contain::contained(|| {
        let file = std::fs::File::open(path).ok()?;
        let reader = parquet::file::serialized_reader::SerializedFileReader::new(file).ok()?;
        use parquet::file::reader::FileReader;
        u64::try_from(reader.metadata().file_metadata().num_rows()).ok()
    })
    .ok()
    .flatten()
}
