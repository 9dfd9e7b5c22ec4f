//! A bank with its pictures: one zip holding the sheet and an `anh/` folder.
//!
//! ```text
//! cau-hoi.xlsx            the questions (any readable format: .xlsx, .csv, .yaml, …)
//! anh/3a…f0.png           every picture a question names, under its image name
//! ```
//!
//! The sheet's `image` / `image_a` … `image_f` cells (Vietnamese headers "Ảnh câu hỏi",
//! "Ảnh A" …) hold image names, which are the SHA-256 of the picture: a picture in the zip must
//! hash to its own file name, so the sheet and the files cannot disagree. A plain XLSX or CSV
//! carries only the names; they import when the pictures are already on the server.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

use crate::images::{image_name, parse_image_name, sniff};
use crate::problem::Problem;

/// The folder of pictures inside a package.
pub const IMAGE_DIR: &str = "anh/";

/// Most entries a package may hold.
pub const MAX_ENTRIES: usize = 5_000;

/// What a package holds.
#[derive(Debug, Default)]
pub struct Package {
    /// The sheet's file name (tells its format) and bytes.
    pub sheet: Option<(String, Vec<u8>)>,
    /// Pictures by image name, each checked: a PNG/JPEG/WebP whose bytes hash to the name.
    pub images: BTreeMap<String, Vec<u8>>,
}

/// Whether `bytes` are a zip that is not itself an Office file (an XLSX is a zip too).
pub fn is_package(bytes: &[u8]) -> bool {
    if !bytes.starts_with(b"PK\x03\x04") {
        return false;
    }
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return false;
    };
    archive.by_name("[Content_Types].xml").is_err()
}

fn problem(en: String, vi: String, field: &str) -> Problem {
    Problem::new(en, vi).field(field)
}

/// Reads a package, within `max_total` decompressed bytes and `max_image` bytes a picture.
/// Every problem (a picture that is not one, or not named by its content; no sheet or two)
/// names the entry.
pub fn read(bytes: &[u8], max_total: u64, max_image: u64) -> Result<Package, Vec<Problem>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| {
        vec![problem(
            "the file is not a readable zip".into(),
            "tệp không phải tệp nén zip đọc được".into(),
            "file",
        )]
    })?;
    if archive.len() > MAX_ENTRIES {
        return Err(vec![problem(
            format!("the zip holds more than {MAX_ENTRIES} files"),
            format!("tệp zip chứa quá {MAX_ENTRIES} tệp"),
            "file",
        )]);
    }
    let mut package = Package::default();
    let mut problems = Vec::new();
    let mut budget = max_total;
    for i in 0..archive.len() {
        let Ok(mut entry) = archive.by_index(i) else {
            problems.push(problem(
                format!("entry {i} of the zip cannot be read"),
                format!("không đọc được tệp thứ {i} trong zip"),
                "file",
            ));
            continue;
        };
        if entry.is_dir() {
            continue;
        }
        let Ok(name) = entry.name().map(|n| n.into_owned()) else {
            continue;
        };
        let base = name.rsplit('/').next().unwrap_or(&name).to_owned();
        if base.starts_with('.') || name.starts_with("__MACOSX/") {
            continue;
        }
        let is_image = name.starts_with(IMAGE_DIR);
        let cap = if is_image { max_image } else { budget };
        let mut data = Vec::new();
        let read = (&mut entry)
            .take(cap.min(budget) + 1)
            .read_to_end(&mut data);
        if read.is_err() {
            problems.push(problem(
                format!("{name} in the zip cannot be read"),
                format!("không đọc được {name} trong zip"),
                &name,
            ));
            continue;
        }
        let size = u64::try_from(data.len()).unwrap_or(u64::MAX);
        if size > cap.min(budget) {
            problems.push(problem(
                format!("{name} is too large"),
                format!("{name} quá lớn"),
                &name,
            ));
            return Err(problems);
        }
        budget -= size;
        if is_image {
            match sniff(&data) {
                Ok(info) => {
                    let expected = image_name(&data, info.kind);
                    if parse_image_name(&base).is_none() || base != expected {
                        problems.push(problem(
                            format!("{name} must be named by its content: {expected}"),
                            format!("ảnh {name} phải mang tên theo nội dung: {expected}"),
                            &name,
                        ));
                    } else {
                        package.images.insert(base, data);
                    }
                }
                Err(e) => problems.push(problem(
                    format!("{name}: {e}"),
                    format!("{name} không phải ảnh PNG, JPEG hoặc WebP hợp lệ"),
                    &name,
                )),
            }
        } else if package.sheet.is_some() {
            problems.push(problem(
                format!(
                    "the zip holds a second sheet, {name}; put one sheet beside the anh/ folder"
                ),
                format!("tệp zip có thêm bảng tính {name}; chỉ để một bảng tính cạnh thư mục anh/"),
                &name,
            ));
        } else {
            package.sheet = Some((base, data));
        }
    }
    if package.sheet.is_none() {
        problems.push(problem(
            "the zip holds no sheet of questions".into(),
            "tệp zip không có bảng tính câu hỏi".into(),
            "file",
        ));
    }
    if problems.is_empty() {
        Ok(package)
    } else {
        Err(problems)
    }
}

/// Writes a package: the sheet under `sheet_name` and each picture under `anh/<name>`.
pub fn write(
    sheet_name: &str,
    sheet: &[u8],
    images: &BTreeMap<String, Vec<u8>>,
) -> zip::result::ZipResult<Vec<u8>> {
    let mut buffer = Vec::new();
    {
        let mut zip = zip::ZipWriter::new(Cursor::new(&mut buffer));
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        // Pictures are already compressed.
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file(sheet_name, deflated)?;
        zip.write_all(sheet)?;
        for (name, bytes) in images {
            zip.start_file(format!("{IMAGE_DIR}{name}"), stored)?;
            zip.write_all(bytes)?;
        }
        zip.finish()?;
    }
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG_1X1: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f,
        0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
        0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x56, 0xc7, 0x2f, 0x0d, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];

    #[test]
    fn a_package_round_trips_and_checks_names() {
        let name = image_name(PNG_1X1, crate::ImageType::Png);
        let images = BTreeMap::from([(name.clone(), PNG_1X1.to_vec())]);
        let zip = write("cau-hoi.csv", b"topic_code,text\n", &images).unwrap();
        assert!(is_package(&zip));
        let package = read(&zip, 1 << 20, 1 << 20).unwrap();
        assert_eq!(package.sheet.unwrap().0, "cau-hoi.csv");
        assert_eq!(package.images.keys().collect::<Vec<_>>(), vec![&name]);

        let misnamed = BTreeMap::from([("hinh.png".to_owned(), PNG_1X1.to_vec())]);
        let zip = write("cau-hoi.csv", b"x", &misnamed).unwrap();
        let problems = read(&zip, 1 << 20, 1 << 20).unwrap_err();
        assert_eq!(problems[0].field.as_deref(), Some("anh/hinh.png"));
    }
}
