//! Files kept in the media store beside the bank's pictures: the pictures themselves (PNG, JPEG,
//! WebP, see `question_bank::images`) and the PDF documents of study materials (#20).
//!
//! Every stored file is named by its content, `<lowercase hex SHA-256>.<extension>`, so the
//! same file uploaded twice is stored once, a stored file never changes (it is cached for a
//! year) and a name can never reach outside the store. A picture's media name is its image
//! name; a question may only name pictures, never a PDF, which is why `/images` keeps using
//! `question_bank::parse_image_name` and only the store and `/materials` read media names.

use question_bank::ImageType;

/// What a stored file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    /// A picture (PNG, JPEG or WebP).
    Image(ImageType),
    /// A PDF document.
    Pdf,
}

impl MediaType {
    /// The extension in its name.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Image(kind) => kind.extension(),
            Self::Pdf => "pdf",
        }
    }

    /// The MIME type it is stored and served as.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Image(kind) => kind.mime(),
            Self::Pdf => "application/pdf",
        }
    }

    /// The type a declared MIME type names, if it is one of ours.
    pub fn from_mime(mime: &str) -> Option<Self> {
        if mime.trim().eq_ignore_ascii_case("application/pdf") {
            return Some(Self::Pdf);
        }
        ImageType::from_mime(mime).map(Self::Image)
    }

    fn from_extension(ext: &str) -> Option<Self> {
        match ext {
            "pdf" => Some(Self::Pdf),
            other => ImageType::from_extension(other).map(Self::Image),
        }
    }
}

/// The name a file of `kind` with these bytes is stored under (a picture's is its image name).
pub fn media_name(bytes: &[u8], kind: MediaType) -> String {
    question_bank::images::content_name(bytes, kind.extension())
}

/// The type a well-formed media name stands for; `None` for anything else (a path, a URL, an
/// uppercase digest, an unknown extension).
pub fn parse_media_name(name: &str) -> Option<MediaType> {
    MediaType::from_extension(question_bank::images::content_name_extension(name)?)
}

/// Why a file is not a PDF we keep.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    /// It does not start with a PDF header.
    #[error("the file is not a PDF")]
    NotPdf,
    /// It starts like a PDF but has no end-of-file marker: cut off in transfer, or not a PDF.
    #[error("the PDF is incomplete (no %%EOF marker near its end)")]
    Truncated,
}

/// Whether `bytes` are a whole PDF: the `%PDF-1.x`/`%PDF-2.x` header at the start and the
/// `%%EOF` marker in the last kilobyte. A reader needs both (the cross-reference table sits at
/// the end), so this catches a file cut off by a weak network before members are sent it;
/// what is in between is the reader's business, the browser's PDF viewer being sandboxed.
pub fn check_pdf(bytes: &[u8]) -> Result<(), PdfError> {
    let header = bytes.get(..8).ok_or(PdfError::NotPdf)?;
    let versioned = header.starts_with(b"%PDF-")
        && matches!(header[5], b'1' | b'2')
        && header[6] == b'.'
        && header[7].is_ascii_digit();
    if !versioned {
        return Err(PdfError::NotPdf);
    }
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if tail.windows(5).any(|w| w == b"%%EOF") {
        Ok(())
    } else {
        Err(PdfError::Truncated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_refuse_anything_else() {
        let name = media_name(b"%PDF-1.4 x %%EOF", MediaType::Pdf);
        assert_eq!(parse_media_name(&name), Some(MediaType::Pdf));
        assert!(name.ends_with(".pdf"));
        let png = question_bank::image_name(b"abc", ImageType::Png);
        assert_eq!(media_name(b"abc", MediaType::Image(ImageType::Png)), png);
        assert_eq!(
            parse_media_name(&png),
            Some(MediaType::Image(ImageType::Png))
        );
        for bad in [
            "../etc/passwd".to_owned(),
            format!("{}.PDF", "a".repeat(64)),
            format!("{}.pdf", "A".repeat(64)),
            format!("{}.exe", "a".repeat(64)),
            format!("{}.pdf", "a".repeat(63)),
            format!("{}.pdf/x", "a".repeat(64)),
        ] {
            assert_eq!(parse_media_name(&bad), None, "{bad}");
        }
    }

    #[test]
    fn a_pdf_needs_its_header_and_its_end() {
        assert_eq!(check_pdf(b"%PDF-1.7\n1 0 obj\n%%EOF\n"), Ok(()));
        assert_eq!(check_pdf(b"%PDF-2.0\n%%EOF"), Ok(()));
        assert_eq!(
            check_pdf(b"%PDF-1.7\n1 0 obj\n<< /Len"),
            Err(PdfError::Truncated)
        );
        assert_eq!(check_pdf(b"%PDF"), Err(PdfError::NotPdf));
        assert_eq!(check_pdf(b"<html>%%EOF"), Err(PdfError::NotPdf));
        assert_eq!(check_pdf(b"%PDF-x.y %%EOF"), Err(PdfError::NotPdf));
        // The marker must be near the end, not anywhere.
        let mut long = b"%PDF-1.4\n%%EOF\n".to_vec();
        long.extend(std::iter::repeat_n(b' ', 4096));
        assert_eq!(check_pdf(&long), Err(PdfError::Truncated));
    }

    #[test]
    fn declared_types() {
        assert_eq!(
            MediaType::from_mime("Application/PDF"),
            Some(MediaType::Pdf)
        );
        assert_eq!(
            MediaType::from_mime("image/jpg"),
            Some(MediaType::Image(ImageType::Jpeg))
        );
        assert_eq!(MediaType::from_mime("text/html"), None);
    }
}
