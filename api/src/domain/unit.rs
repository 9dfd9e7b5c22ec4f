//! Units of the organisation tree and the rules of their fields.
//!
//! # Implementation notes
//! A unit's place in the tree is its materialised path `/root/…/self/` of UUIDs. Subtree tests
//! are prefix tests, and a unit cannot be moved under its own subtree because the new parent's
//! path would start with the unit's own path.

use chrono::NaiveDate;

use super::Invalid;
use super::ids::UnitId;
use super::text::collapse_spaces;

/// Deepest tree allowed; real trees are 2 to 5 levels.
pub const MAX_DEPTH: i32 = 10;

/// A unit's name, white space collapsed, 2–200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitName(String);

impl UnitName {
    /// Checks and tidies `input`.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let name = collapse_spaces(input);
        match name.chars().count() {
            0..2 => Err(Invalid::new("unit name must be at least 2 characters")),
            201.. => Err(Invalid::new("unit name must be at most 200 characters")),
            _ => Ok(Self(
                unicode_normalization::UnicodeNormalization::nfc(name.as_str()).collect(),
            )),
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A unit's short code: letters, digits, `-`, `_`, `.`; stored upper case; unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitCode(String);

impl UnitCode {
    /// Checks and upper-cases `input`.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let code = input.trim();
        if code.is_empty() || code.len() > 50 {
            return Err(Invalid::new("unit code must be 1 to 50 characters"));
        }
        if !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(Invalid::new(
                "unit code may contain only letters A–Z, digits, '-', '_' and '.'",
            ));
        }
        Ok(Self(code.to_ascii_uppercase()))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The declared member count and the date it was declared; rates are computed against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberCount {
    /// Number of members.
    pub count: i32,
    /// When it was declared.
    pub declared_on: NaiveDate,
}

impl MemberCount {
    /// Checks a count declared on `declared_on` (defaulting to `today`).
    pub fn parse(
        count: i64,
        declared_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<Self, Invalid> {
        let count = i32::try_from(count)
            .ok()
            .filter(|c| (0..=10_000_000).contains(c))
            .ok_or_else(|| Invalid::new("member count must be between 0 and 10,000,000"))?;
        let declared_on = declared_on.unwrap_or(today);
        if declared_on > today {
            return Err(Invalid::new("member count date is in the future"));
        }
        Ok(Self { count, declared_on })
    }
}

/// The materialised path of a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreePath(String);

impl TreePath {
    /// The path of a root unit.
    pub fn root(id: UnitId) -> Self {
        Self(format!("/{id}/"))
    }

    /// The path of `id` placed under this path.
    pub fn child(&self, id: UnitId) -> Self {
        Self(format!("{}{id}/", self.0))
    }

    /// Wraps a stored path.
    pub fn from_stored(path: String) -> Self {
        Self(path)
    }

    /// The stored form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this path is `ancestor` itself or lies below it.
    pub fn is_within(&self, ancestor: &TreePath) -> bool {
        self.0.starts_with(&ancestor.0)
    }

    /// Depth: 0 for a root.
    pub fn depth(&self) -> i32 {
        i32::try_from(self.0.matches('/').count().saturating_sub(2)).unwrap_or(i32::MAX)
    }

    /// The ids from the root down to this unit, inclusive.
    pub fn ids(&self) -> Vec<UnitId> {
        self.0
            .split('/')
            .filter_map(|s| s.parse().ok())
            .map(UnitId::from_uuid)
            .collect()
    }

    /// The deepest unit whose subtree holds every one of `paths` (`None` for no paths, or
    /// paths in different trees): what an event touching all of them is about.
    pub fn common_ancestor<'a>(paths: impl IntoIterator<Item = &'a TreePath>) -> Option<UnitId> {
        let mut paths = paths.into_iter();
        let mut shared = paths.next()?.ids();
        for path in paths {
            let ids = path.ids();
            let same = shared.iter().zip(&ids).take_while(|(a, b)| a == b).count();
            shared.truncate(same);
        }
        shared.pop()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_ancestor_is_the_deepest_shared_unit() {
        let (root, a, b, a1) = (UnitId::new(), UnitId::new(), UnitId::new(), UnitId::new());
        let r = TreePath::root(root);
        let pa = r.child(a);
        let pb = r.child(b);
        let pa1 = pa.child(a1);
        assert_eq!(TreePath::common_ancestor([&pa1, &pb]), Some(root));
        assert_eq!(TreePath::common_ancestor([&pa1, &pa]), Some(a));
        assert_eq!(TreePath::common_ancestor([&pa1]), Some(a1));
        assert_eq!(TreePath::common_ancestor([]), None);
        let other = TreePath::root(UnitId::new());
        assert_eq!(TreePath::common_ancestor([&pa, &other]), None);
    }

    #[test]
    fn codes_are_upper_cased_and_checked() {
        assert_eq!(
            UnitCode::parse(" dk-01 ").map(|c| c.0),
            Ok("DK-01".to_owned())
        );
        assert!(UnitCode::parse("").is_err());
        assert!(UnitCode::parse("Đoàn").is_err());
        assert!(UnitCode::parse("a b").is_err());
    }

    #[test]
    fn paths_know_their_subtree_and_depth() {
        let (a, b, c) = (UnitId::new(), UnitId::new(), UnitId::new());
        let pa = TreePath::root(a);
        let pb = pa.child(b);
        let pc = TreePath::root(c);
        assert!(pb.is_within(&pa));
        assert!(pa.is_within(&pa));
        assert!(!pa.is_within(&pb));
        assert!(!pc.is_within(&pa));
        assert_eq!((pa.depth(), pb.depth()), (0, 1));
        assert_eq!(pb.ids(), vec![a, b]);
    }

    #[test]
    fn member_counts_are_bounded() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 28).expect("date");
        assert!(MemberCount::parse(120, None, today).is_ok());
        assert!(MemberCount::parse(-1, None, today).is_err());
        assert!(MemberCount::parse(5, today.succ_opt(), today).is_err());
    }
}
