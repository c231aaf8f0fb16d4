//! The rules `mapcheck crosswalk check` reports. The checks themselves are SQL in [`super::check`].

crate::finding::rule_set! {
    CONFLICT = "crosswalk-conflict", Error,
        "A source id has more than one active canonical id.",
        "When two feeds link the same source id (system, entity, id) to different canonical ids, every consumer that resolves it gets one of them depending on which row it reads first. Records from that source silently attach to the wrong canonical entity. Decide which link is right, then reload the wrong feed or merge the two canonical ids. Example: `crm/customer 001xx` -> `7f3c...` in feed `mdm` and -> `a91e...` in feed `manual`.";
    ONE_TO_ONE = "crosswalk-one-to-one", Error,
        "A canonical id has more than one active source id in a system declared one-to-one.",
        "`[crosswalk] one_to_one` in mapcheck.toml names systems where every canonical id has at most one id. Two source ids for one canonical id there usually mean a duplicate record in the source system, and writes back to it will go to either record. Example: ERP customers `C-1042` and `C-2210` both linked to canonical `7f3c...`.";
    MERGED_ID_REFERENCED = "crosswalk-merged-id-referenced", Warning,
        "An active link still points at a canonical id that was merged into another.",
        "After `mapcheck crosswalk merge A B`, links to `A` are moved to `B` and a redirect is kept. A link to `A` that appears later (a feed still sending the old id) resolves through the redirect, but the feed is out of date and the redirect can never be retired. Fix the feed so it sends the survivor.";
    DANGLING_REDIRECT = "crosswalk-dangling-redirect", Error,
        "A merge redirect leads to a canonical id that no active link uses.",
        "A redirect `A -> B` promises that whatever referred to `A` now means `B`. When no active link uses `B` (or the chain's survivor) any more, references to `A` resolve to an id nothing else knows. Re-merge `A` into the id that replaced `B`, or reload the links of `B`.";
    REDIRECT_CYCLE = "crosswalk-redirect-cycle", Error,
        "Merge redirects form a cycle.",
        "`mapcheck crosswalk merge` refuses merges that would close a cycle, so a cycle means the store was edited by other means. Ids on a cycle have no survivor and resolve to nothing. Example: `A -> B`, `B -> A`.";
    ORPHAN = "crosswalk-orphan", Warning,
        "Ids in a configured sample file have no active link.",
        "Each `[[crosswalk.samples]]` entry in mapcheck.toml names a file of real ids from a system. An id there without a link cannot be mapped to the canonical model: its records are dropped or create duplicates downstream. The finding points at the first such row and lists a few ids.";
    COVERAGE = "crosswalk-coverage", Info,
        "How many canonical ids of an entity a system has a link for.",
        "Coverage is the share of an entity's canonical ids (those with any active link) that have an active link from the system. It is reported as information; below `[crosswalk] min_coverage` in mapcheck.toml it is a warning. A system with half its ids unmapped is a crosswalk nobody is maintaining.";
}
