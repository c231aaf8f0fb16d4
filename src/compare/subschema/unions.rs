//! Arrays and objects within a union of alternatives: each alternative tried, the first failure
//! kept (an undecided one over a sure one).

use super::*;

impl<'a> Checker<'a> {
    /// Whether the array set `x` is within one of `ys`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn arr_in_union<'t>(
        &mut self,
        x: &ArrSet<'t>,
        ys: &[ArrSet<'t>],
        nb: &Norm<'t>,
        declared: bool,
        path: &str,
        depth: usize,
        a: &[&'t Type],
        b: &[&'t Type],
    ) -> Verdict
    where
        'a: 't,
    {
        if let Some(values) = &x.values {
            for v in values {
                if self.arr_accepts(x, v, depth) && !self.norm_accepts(nb, v, depth) {
                    return self.no(
                        c::Directed::either(&c::ENUM_CONSTRAINT_CHANGED),
                        path,
                        format!("the array {v}"),
                        a,
                        b,
                        &["enum", "const"],
                    );
                }
            }
            return Verdict::Yes;
        }
        if ys.is_empty() {
            return self.no(c::TYPE, path, "arrays".into(), a, b, &["type"]);
        }
        let mut first = None;
        for y in ys.iter().filter(|y| y.values.is_none()) {
            match self.arr_within(x, y, declared, path, depth) {
                Verdict::Yes => return Verdict::Yes,
                other => keep_first(&mut first, other),
            }
        }
        self.settle_alternatives(first, ys.len(), "arrays", path, a, b)
    }

    /// The verdict of a set within a union of alternatives none of which holds it alone (`first`:
    /// the first failure, `None` when every alternative is a finite list): with one alternative
    /// its failure; with several, undecided (together they may hold what none holds alone).
    pub(super) fn settle_alternatives(
        &self,
        first: Option<Verdict>,
        alternatives: usize,
        what: &str,
        path: &str,
        a: &[&Type],
        b: &[&Type],
    ) -> Verdict {
        match first {
            Some(Verdict::No(w)) if alternatives > 1 => Verdict::Unknown(format!(
                "the {what} fit none of the alternatives alone ({} at `{}`), and may fit their union",
                w.what, w.path
            )),
            Some(v) => v,
            None => self.no(
                c::TYPE,
                path,
                format!("{what} outside the listed values"),
                a,
                b,
                &["enum", "const"],
            ),
        }
    }

    /// Whether the object set `x` is within one of `ys`.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn obj_in_union<'t>(
        &mut self,
        x: &ObjSet<'t>,
        ys: &[ObjSet<'t>],
        nb: &Norm<'t>,
        declared: bool,
        path: &str,
        depth: usize,
        a: &[&'t Type],
        b: &[&'t Type],
    ) -> Verdict
    where
        'a: 't,
    {
        if let Some(values) = &x.values {
            for v in values {
                if self.obj_accepts(x, v, depth) && !self.norm_accepts(nb, v, depth) {
                    return self.no(
                        c::Directed::either(&c::ENUM_CONSTRAINT_CHANGED),
                        path,
                        format!("the object {v}"),
                        a,
                        b,
                        &["enum", "const"],
                    );
                }
            }
            return Verdict::Yes;
        }
        if self.obj_empty(x) {
            return Verdict::Yes;
        }
        if ys.is_empty() {
            return self.no(c::TYPE, path, "objects".into(), a, b, &["type"]);
        }
        let mut first = None;
        for y in ys.iter().filter(|y| y.values.is_none()) {
            match self.obj_within(x, y, declared, path, depth) {
                Verdict::Yes => return Verdict::Yes,
                other => keep_first(&mut first, other),
            }
        }
        self.settle_alternatives(first, ys.len(), "objects", path, a, b)
    }
}
