//! Pictures in questions and options: what an image file is (PNG, JPEG or WebP, told by its
//! bytes, never by its name or declared type) and how a question names one.
//!
//! A question stores an *image name*: the lowercase hex SHA-256 of the file's bytes and the
//! extension of its sniffed type, e.g. `3a…f0.png`. The name is the content, so the same
//! picture uploaded twice is stored once, a stored file never changes (it may be cached
//! forever), and an exported bank can carry its files beside the sheet under those names.

use sha2::{Digest, Sha256};

/// The picture types accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageType {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// WebP (lossy, lossless or extended).
    Webp,
}

impl ImageType {
    /// The extension used in image names.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Webp => "webp",
        }
    }

    /// The MIME type served.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
        }
    }

    /// The type an image name's extension stands for.
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext {
            "png" => Some(Self::Png),
            "jpg" => Some(Self::Jpeg),
            "webp" => Some(Self::Webp),
            _ => None,
        }
    }

    /// The type a declared MIME type names (`image/jpg` included, as some browsers send it).
    pub fn from_mime(mime: &str) -> Option<Self> {
        match mime.trim().to_ascii_lowercase().as_str() {
            "image/png" => Some(Self::Png),
            "image/jpeg" | "image/jpg" | "image/pjpeg" => Some(Self::Jpeg),
            "image/webp" => Some(Self::Webp),
            _ => None,
        }
    }
}

/// Why bytes are not an accepted picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageError {
    /// Not PNG, JPEG or WebP at all (by the first bytes).
    UnsupportedType,
    /// Starts like one of them but its header cannot be decoded.
    Corrupt(&'static str),
    /// Decoded, but wider or taller than allowed (or zero).
    BadDimensions {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
    },
}

impl std::fmt::Display for ImageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnsupportedType => f.write_str("only PNG, JPEG and WebP pictures are accepted"),
            Self::Corrupt(what) => write!(f, "the picture is damaged: {what}"),
            Self::BadDimensions { width, height } => write!(
                f,
                "the picture is {width}×{height} pixels; each side must be 1–{MAX_SIDE}"
            ),
        }
    }
}

/// Longest side a picture may have, in pixels.
pub const MAX_SIDE: u32 = 4096;

/// What a picture's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    /// Its type, by its bytes.
    pub kind: ImageType,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Tells a picture's type by its magic bytes, then decodes its header for the dimensions; a
/// file whose first bytes claim a type its header does not bear out is refused as damaged.
pub fn sniff(bytes: &[u8]) -> Result<ImageInfo, ImageError> {
    let (kind, (width, height)) = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        (ImageType::Png, png_size(bytes)?)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        (ImageType::Jpeg, jpeg_size(bytes)?)
    } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        (ImageType::Webp, webp_size(bytes)?)
    } else {
        return Err(ImageError::UnsupportedType);
    };
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageError::BadDimensions { width, height });
    }
    Ok(ImageInfo {
        kind,
        width,
        height,
    })
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn png_size(b: &[u8]) -> Result<(u32, u32), ImageError> {
    // Signature, then the IHDR chunk: length 13, type "IHDR", width, height, …, CRC.
    if be32(b, 8) != Some(13) || b.get(12..16) != Some(b"IHDR") || b.len() < 33 {
        return Err(ImageError::Corrupt("no PNG image header"));
    }
    let crc = crc32(&b[12..29]);
    if be32(b, 29) != Some(crc) {
        return Err(ImageError::Corrupt(
            "the PNG image header's checksum is wrong",
        ));
    }
    match (be32(b, 16), be32(b, 20)) {
        (Some(w), Some(h)) => Ok((w, h)),
        _ => Err(ImageError::Corrupt("no PNG image header")),
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

fn jpeg_size(b: &[u8]) -> Result<(u32, u32), ImageError> {
    // Walk the segments after SOI to the first start-of-frame marker.
    let mut i = 2;
    while i + 4 <= b.len() {
        if b[i] != 0xFF {
            return Err(ImageError::Corrupt(
                "a JPEG segment does not start with a marker",
            ));
        }
        let marker = b[i + 1];
        if marker == 0xFF {
            i += 1;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
        if len < 2 {
            return Err(ImageError::Corrupt("a JPEG segment is too short"));
        }
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let seg = b
                .get(i + 4..i + 2 + len)
                .filter(|s| s.len() >= 5)
                .ok_or(ImageError::Corrupt("the JPEG frame header is cut short"))?;
            let height = u32::from(u16::from_be_bytes([seg[1], seg[2]]));
            let width = u32::from(u16::from_be_bytes([seg[3], seg[4]]));
            return Ok((width, height));
        }
        if marker == 0xDA || marker == 0xD9 {
            break;
        }
        i += 2 + len;
    }
    Err(ImageError::Corrupt("no JPEG frame header"))
}

fn webp_size(b: &[u8]) -> Result<(u32, u32), ImageError> {
    let le24 = |at: usize| -> Option<u32> {
        b.get(at..at + 3)
            .map(|s| u32::from(s[0]) | (u32::from(s[1]) << 8) | (u32::from(s[2]) << 16))
    };
    let le16 = |at: usize| -> Option<u32> {
        b.get(at..at + 2)
            .map(|s| u32::from(u16::from_le_bytes([s[0], s[1]])))
    };
    let corrupt = ImageError::Corrupt("no WebP image header");
    match b.get(12..16) {
        Some(b"VP8 ") => {
            // Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height.
            if b.get(23..26) != Some(&[0x9d, 0x01, 0x2a]) {
                return Err(corrupt);
            }
            match (le16(26), le16(28)) {
                (Some(w), Some(h)) => Ok((w & 0x3FFF, h & 0x3FFF)),
                _ => Err(corrupt),
            }
        }
        Some(b"VP8L") => {
            if b.get(20) != Some(&0x2f) {
                return Err(corrupt);
            }
            let bits = b
                .get(21..25)
                .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
                .ok_or(corrupt)?;
            Ok(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        Some(b"VP8X") => match (le24(24), le24(27)) {
            (Some(w), Some(h)) => Ok((w + 1, h + 1)),
            _ => Err(corrupt),
        },
        _ => Err(corrupt),
    }
}

/// The image name of `bytes` of type `kind`: `<sha256 hex>.<ext>`.
pub fn image_name(bytes: &[u8], kind: ImageType) -> String {
    content_name(bytes, kind.extension())
}

/// Whether `name` is a well-formed image name (and which type it names); anything else, such
/// as a path or a URL, is refused, so a name can never reach outside the image store.
pub fn parse_image_name(name: &str) -> Option<ImageType> {
    ImageType::from_extension(content_name_extension(name)?)
}

/// A file's name by its content: the lowercase hex SHA-256 of `bytes`, a dot and `extension`.
/// Image names are these; so are the other files kept beside them (the API's study materials).
pub fn content_name(bytes: &[u8], extension: &str) -> String {
    let digest = Sha256::digest(bytes);
    let mut name = String::with_capacity(64 + 1 + extension.len());
    for byte in digest {
        name.push_str(&format!("{byte:02x}"));
    }
    name.push('.');
    name.push_str(extension);
    name
}

/// The extension of a well-formed content name (64 lowercase hex digits, a dot, the rest);
/// `None` for anything else. The caller decides which extensions it keeps.
pub fn content_name_extension(name: &str) -> Option<&str> {
    let (hash, ext) = name.split_once('.')?;
    (hash.len() == 64 && hash.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')))
        .then_some(ext)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1×1 PNG.
    pub(crate) const PNG_1X1: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f,
        0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
        0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x56, 0xc7, 0x2f, 0x0d, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];

    #[test]
    fn a_png_is_read_with_its_size() {
        let info = sniff(PNG_1X1).unwrap();
        assert_eq!((info.kind, info.width, info.height), (ImageType::Png, 1, 1));
        let name = image_name(PNG_1X1, info.kind);
        assert_eq!(parse_image_name(&name), Some(ImageType::Png));
    }

    #[test]
    fn a_png_signature_over_other_bytes_is_damaged() {
        let mut lying = b"\x89PNG\r\n\x1a\n".to_vec();
        lying.extend_from_slice(b"<script>alert(1)</script> and more text to fill it up");
        assert!(matches!(sniff(&lying), Err(ImageError::Corrupt(_))));
        let mut bad_crc = PNG_1X1.to_vec();
        bad_crc[19] = 2; // width 2, checksum still for width 1
        assert!(matches!(sniff(&bad_crc), Err(ImageError::Corrupt(_))));
    }

    #[test]
    fn other_files_are_unsupported() {
        assert_eq!(sniff(b"GIF89a...."), Err(ImageError::UnsupportedType));
        assert_eq!(sniff(b"<svg></svg>"), Err(ImageError::UnsupportedType));
        assert_eq!(sniff(b""), Err(ImageError::UnsupportedType));
    }

    #[test]
    fn jpeg_and_webp_headers() {
        // SOI, APP0 (len 4: 2 bytes of data), SOF0 with height 3, width 5.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00,
            0x03, 0x00, 0x05, 0x01, 0x01, 0x11, 0x00,
        ];
        assert_eq!(
            sniff(&jpeg).map(|i| (i.kind, i.width, i.height)),
            Ok((ImageType::Jpeg, 5, 3))
        );
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        webp.extend_from_slice(&[9, 0, 0, 19, 0, 0]); // 10 × 20
        assert_eq!(
            sniff(&webp).map(|i| (i.kind, i.width, i.height)),
            Ok((ImageType::Webp, 10, 20))
        );
    }

    #[test]
    fn names_never_escape_the_store() {
        assert_eq!(parse_image_name("../etc/passwd"), None);
        assert_eq!(parse_image_name(&format!("{}.gif", "a".repeat(64))), None);
        assert_eq!(parse_image_name(&format!("{}.png", "A".repeat(64))), None);
        assert_eq!(
            parse_image_name(&format!("{}.webp", "0".repeat(64))),
            Some(ImageType::Webp)
        );
    }
}
