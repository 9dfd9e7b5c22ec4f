//! Paging over a list held in memory: which slice a page of `offset` and `limit` is.
//!
//! Pure arithmetic, used by the published rankings (`caches::frozen`), the results lists
//! and the exports; it depends on nothing but `std`.

/// The `[start, end)` of a page of `offset` and `limit` in a list of `len` items.
pub fn page_bounds(len: usize, offset: u64, limit: u64) -> (usize, usize) {
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(len);
    let end = start
        .saturating_add(usize::try_from(limit).unwrap_or(usize::MAX))
        .min(len);
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_never_runs_past_the_list() {
        assert_eq!(page_bounds(10, 0, 3), (0, 3));
        assert_eq!(page_bounds(10, 8, 5), (8, 10));
        assert_eq!(page_bounds(10, 20, 5), (10, 10));
        assert_eq!(page_bounds(10, u64::MAX, u64::MAX), (10, 10));
    }
}
