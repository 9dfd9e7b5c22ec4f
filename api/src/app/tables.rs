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

/// Vietnamese for the problems the table imports (units, admission dates) and the unit forms
/// report, so the console's row-by-row preview reads as an officer would say it. Keyed by the
/// English wording this layer and `domain::unit`/`domain::phone` write (each test of an import
/// checks that its rows come back with `detail_vi`); an unknown wording gets none, and the
/// frontend then says what the field's rules are.
pub fn detail_vi(detail: &str) -> Option<String> {
    // `x` quoted by the English messages, shown with Vietnamese quotation marks.
    let quoted = || detail.split('`').nth(1).unwrap_or_default().to_owned();
    let number_in = || {
        detail
            .split(|c: char| !c.is_ascii_digit())
            .rfind(|s| !s.is_empty())
            .unwrap_or_default()
            .to_owned()
    };
    let word_after = |prefix: &str| {
        detail
            .strip_prefix(prefix)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_default()
            .to_owned()
    };
    let vi = match detail {
        d if d.starts_with("the header row has no") => {
            format!("Dòng tiêu đề thiếu cột «{}».", quoted())
        }
        "the file has a header but no rows" => {
            "Tệp chỉ có dòng tiêu đề, chưa có dòng dữ liệu nào.".into()
        }
        "unit name must be at least 2 characters" => "Tên đơn vị cần ít nhất 2 ký tự.".into(),
        "unit name must be at most 200 characters" => "Tên đơn vị dài tối đa 200 ký tự.".into(),
        "unit code must be 1 to 50 characters" => "Mã đơn vị gồm 1 đến 50 ký tự.".into(),
        d if d.starts_with("unit code may contain only") => {
            "Mã đơn vị chỉ gồm chữ cái không dấu (A–Z), chữ số và các dấu - _ .".into()
        }
        d if d.starts_with("member count must be between") => {
            "Số đoàn viên phải là số nguyên từ 0 đến 10.000.000.".into()
        }
        "member count date is in the future" => "Ngày số liệu không được ở tương lai.".into(),
        "give member_count together with its date" => {
            "Nhập số đoàn viên cùng với ngày số liệu.".into()
        }
        "a date needs a member count" => "Có ngày số liệu nhưng thiếu số đoàn viên.".into(),
        d if d.ends_with("is not a whole number") => {
            format!("«{}» không phải là số nguyên.", quoted())
        }
        d if d.contains("is not a date") => format!(
            "«{}» không phải là ngày hợp lệ (viết dd/mm/yyyy, ví dụ 26/03/2024).",
            quoted()
        ),
        d if d.starts_with("code ") && d.contains("is already used on row") => format!(
            "Mã {} bị lặp: đã có ở dòng {} của tệp.",
            word_after("code "),
            number_in()
        ),
        d if d.starts_with("a unit with code") => {
            format!("Đã có đơn vị mang mã {}.", word_after("a unit with code "))
        }
        "another unit already has this code" => "Mã này đã được dùng cho đơn vị khác.".into(),
        d if d.starts_with("only a system admin can import root units") => {
            "Chỉ Quản trị hệ thống mới nhập được đơn vị cấp cao nhất; hãy điền mã đơn vị cấp trên."
                .into()
        }
        "only a system admin can create a root unit" => {
            "Chỉ Quản trị hệ thống mới tạo được đơn vị cấp cao nhất; hãy chọn đơn vị cấp trên."
                .into()
        }
        "only a system admin can make a unit a root" => {
            "Chỉ Quản trị hệ thống mới chuyển được một đơn vị lên cấp cao nhất.".into()
        }
        "the parent chain loops back to this row" => {
            "Chuỗi đơn vị cấp trên quay vòng lại chính dòng này.".into()
        }
        d if d.starts_with("no unit with code") => format!(
            "Không có đơn vị mã {} trong tệp hoặc trong phạm vi quản lý của bạn.",
            word_after("no unit with code ")
        ),
        "no such unit in your scope" => "Không có đơn vị này trong phạm vi quản lý của bạn.".into(),
        "a unit cannot be moved under itself or one of its own sub-units" => {
            "Không thể chuyển đơn vị vào chính nó hoặc vào một đơn vị trực thuộc của nó: cây \
             đơn vị sẽ bị vòng lặp. Hãy chọn một đơn vị cấp trên khác."
                .into()
        }
        d if d.starts_with("after the move the tree would be more than") => {
            format!("Sau khi chuyển, cây đơn vị sẽ có hơn {} cấp.", number_in())
        }
        d if d.starts_with("the tree would be more than")
            || d.starts_with("the tree may be at most") =>
        {
            format!("Cây đơn vị có tối đa {} cấp.", number_in())
        }
        "no member with this phone in your scope" => {
            "Không có đoàn viên nào dùng số điện thoại này trong phạm vi quản lý của bạn.".into()
        }
        d if d.starts_with("this phone is already on row") => {
            format!("Số điện thoại này bị lặp: đã có ở dòng {}.", number_in())
        }
        d if d.starts_with("enter a Vietnamese mobile number")
            || d.starts_with("phone number may contain only") =>
        {
            "Số điện thoại không hợp lệ: cần số di động Việt Nam 10 chữ số, ví dụ 0912 345 678."
                .into()
        }
        "admission date is in the future" => "Ngày kết nạp không được ở tương lai.".into(),
        "admission date must be after the birth date" => {
            "Ngày kết nạp phải sau ngày sinh của đoàn viên.".into()
        }
        d if d.starts_with("admission date is before the Union was founded") => {
            "Ngày kết nạp không được trước ngày thành lập Đoàn (26/3/1931).".into()
        }
        _ => return None,
    };
    Some(vi)
}

/// `errors` with their Vietnamese wording added where [`detail_vi`] knows it.
pub fn in_vietnamese(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| match (&e.detail_vi, detail_vi(&e.detail)) {
            (None, Some(vi)) => e.with_vi(vi),
            _ => e,
        })
        .collect()
}

/// The same for a whole error: a validation failure gets its Vietnamese wording.
pub fn error_in_vietnamese(error: ApiError) -> ApiError {
    match error {
        ApiError::Validation(errors) => ApiError::Validation(in_vietnamese(errors)),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::detail_vi;

    #[test]
    fn row_problems_read_in_vietnamese_with_their_values() {
        assert_eq!(
            detail_vi("code HN-01 is already used on row 3").as_deref(),
            Some("Mã HN-01 bị lặp: đã có ở dòng 3 của tệp.")
        );
        assert_eq!(
            detail_vi("`31/02/2024` is not a date (DD/MM/YYYY or YYYY-MM-DD)").as_deref(),
            Some("«31/02/2024» không phải là ngày hợp lệ (viết dd/mm/yyyy, ví dụ 26/03/2024).")
        );
        assert_eq!(
            detail_vi("no unit with code XYZ in this file or in your scope").as_deref(),
            Some("Không có đơn vị mã XYZ trong tệp hoặc trong phạm vi quản lý của bạn.")
        );
        assert_eq!(
            detail_vi("the tree may be at most 8 levels deep").as_deref(),
            Some("Cây đơn vị có tối đa 8 cấp.")
        );
        assert_eq!(detail_vi("something new"), None);
    }
}
