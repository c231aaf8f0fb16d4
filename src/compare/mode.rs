//! Compatibility modes, as schema registries name them, and the variances each judges under.

use super::Variance;

/// Compatibility modes, as schema registries name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// New readers read old data (the new schema accepts what the old one allowed).
    Backward,
    /// Old readers read new data (the new schema produces only what the old one allowed).
    Forward,
    /// Both.
    Full,
    /// Report changes, judge none breaking.
    None,
    /// `backward` against every earlier version given, not only the latest.
    BackwardTransitive,
    /// `forward` against every earlier version given.
    ForwardTransitive,
    /// `full` against every earlier version given.
    FullTransitive,
}

impl Mode {
    /// The variances a data-schema change is judged under.
    pub(crate) fn variances(self) -> &'static [Variance] {
        match self.base() {
            Mode::Backward => &[Variance::Accepts],
            Mode::Forward => &[Variance::Produces],
            Mode::Full => &[Variance::Accepts, Variance::Produces],
            _ => &[],
        }
    }

    /// The mode one comparison of two versions runs under.
    pub fn base(self) -> Mode {
        match self {
            Mode::BackwardTransitive => Mode::Backward,
            Mode::ForwardTransitive => Mode::Forward,
            Mode::FullTransitive => Mode::Full,
            m => m,
        }
    }

    /// Whether the newest version is compared with every earlier one, not only the one before it.
    pub fn is_transitive(self) -> bool {
        self.base() != self
    }
}
