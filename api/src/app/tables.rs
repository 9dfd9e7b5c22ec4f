//! What every table import does first: find its columns in the header row.

use sheets::read::Table;

use crate::error::{ApiError, FieldError};

/// The column each header cell names (`column_of` maps a header to an index of the import's
/// own columns), after checking that every `required` column (index, name) is there: a header
/// without them is a 422 listing each missing one at `/rows/1/{name}`.
pub fn columns(
    table: &Table,
    column_of: impl Fn(&str) -> Option<usize>,
    required: &[(usize, &str)],
) -> Result<Vec<Option<usize>>, ApiError> {
    let columns: Vec<Option<usize>> = table.header.iter().map(|h| column_of(h)).collect();
    let missing: Vec<FieldError> = required
        .iter()
        .filter(|(index, _)| !columns.contains(&Some(*index)))
        .map(|(_, name)| {
            FieldError::new(
                format!("/rows/1/{name}"),
                format!("the header row has no `{name}` column"),
            )
        })
        .collect();
    if missing.is_empty() {
        Ok(columns)
    } else {
        Err(ApiError::Validation(missing))
    }
}
