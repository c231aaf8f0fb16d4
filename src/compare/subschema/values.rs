//! Whether a normal form accepts one JSON value (finite lists, `const`, `enum`, examples).

use super::*;

impl<'a> Checker<'a> {
    pub(super) fn norm_accepts_type(&mut self, t: &Type, v: &Value, depth: usize) -> bool {
        let side = self.sub_side.other();
        let n = self.norm(t, side, false, 0);
        self.norm_accepts(&n, v, depth)
    }

    /// Whether a normal form accepts the value `v`.
    pub fn norm_accepts(&mut self, n: &Norm<'_>, v: &Value, depth: usize) -> bool {
        if depth > 40 {
            return true;
        }
        match v {
            Value::Null => n.null,
            Value::Bool(b) => n.bools[usize::from(*b)],
            Value::Number(x) => {
                let x = x.as_f64().unwrap_or(0.0);
                n.nums.iter().any(|s| s.admits(x))
            }
            Value::String(s) => {
                let sets = n.strs.clone();
                sets.iter().any(|set| self.str_admits(set, s))
            }
            Value::Array(_) => {
                let sets = n.arrs.clone();
                sets.iter()
                    .any(|set| set.values.as_ref().is_none_or(|vs| vs.contains(v)) && self.arr_accepts(set, v, depth))
            }
            Value::Object(_) => {
                let sets = n.objs.clone();
                sets.iter()
                    .any(|set| set.values.as_ref().is_none_or(|vs| vs.contains(v)) && self.obj_accepts(set, v, depth))
            }
        }
    }

    pub(super) fn types_accept(&mut self, ts: &[&Type], v: &Value, depth: usize) -> bool {
        let side = self.sub_side;
        let n = self.norm_all(ts, side, false, 0);
        self.norm_accepts(&n, v, depth + 1)
    }

    pub(super) fn arr_accepts(&mut self, x: &ArrSet<'_>, v: &Value, depth: usize) -> bool {
        let Value::Array(items) = v else { return false };
        let (min, max) = self.arr_lengths(x);
        let n = items.len() as u64;
        if n < min || max.is_some_and(|m| n > m) {
            return false;
        }
        for (i, item) in items.iter().enumerate() {
            let ts = Self::arr_at(x, i);
            if !self.types_accept(&ts, item, depth) {
                return false;
            }
        }
        for p in &x.parts {
            let c = arr_ty(p).constraints();
            if c.unique_items {
                for i in 0..items.len() {
                    if items[i + 1..].contains(&items[i]) {
                        return false;
                    }
                }
            }
            if let Some(ct) = c.contains.as_deref() {
                let count = items.iter().filter(|it| self.types_accept(&[ct], it, depth)).count() as u64;
                if count < c.min_contains.unwrap_or(1) || c.max_contains.is_some_and(|m| count > m) {
                    return false;
                }
            }
        }
        true
    }

    pub(super) fn obj_accepts(&mut self, x: &ObjSet<'_>, v: &Value, depth: usize) -> bool {
        let Value::Object(map) = v else { return false };
        for name in self.required_names(x) {
            if !map.contains_key(&name) {
                return false;
            }
        }
        for (k, val) in map {
            match self.property_types(x, k) {
                None => return false,
                Some(ts) => {
                    if !self.types_accept(&ts, val, depth) {
                        return false;
                    }
                }
            }
        }
        for p in &x.parts {
            let c = obj_ty(p).constraints();
            let n = map.len() as u64;
            if c.min_properties.is_some_and(|m| n < m) || c.max_properties.is_some_and(|m| n > m) {
                return false;
            }
            if let ObjPart::Object(o, _) = p {
                for (t, deps) in &o.dependent_required {
                    if map.contains_key(t) && deps.iter().any(|d| !map.contains_key(d)) {
                        return false;
                    }
                }
                if let Some(pn) = &o.property_names {
                    for k in map.keys() {
                        if !self.types_accept(&[pn], &Value::String(k.clone()), depth) {
                            return false;
                        }
                    }
                }
            }
        }
        true
    }
}
