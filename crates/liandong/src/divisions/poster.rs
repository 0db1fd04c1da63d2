//! Printable QR posters: for each community a page that opens the public
//! help form with the community filled in, as PDF (A4, one page per
//! community: a street's or a district's posters print at once) and the
//! code alone as PNG (for a group notice or a document). No IO.
//!
//! The PDF's Chinese is set in STSong-Light, one of the Adobe-GB1 fonts
//! PDF readers provide without embedding (Acrobat, Chrome's and Firefox's
//! viewers, WPS): embedding a CJK font would add megabytes to the binary
//! and to each poster. Latin text (the address, the hotline) is in the
//! base-14 Helvetica and Courier.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

use crate::web::error::AppError;

/// What one poster says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poster {
    /// The community's full name (陕西省西安市雁塔区小寨路街道兴善社区).
    pub place: String,
    /// The link the code opens.
    pub link: String,
    /// The hotline to call instead.
    pub hotline: String,
}

/// Posters per document at most (a district's communities; more is a
/// city, printed district by district).
pub const MAX_POSTERS: usize = 600;

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const CJK: Name = Name(b"F1");
const SANS: Name = Name(b"F2");
const MONO: Name = Name(b"F3");

/// The QR code of a link: its modules, row by row (`true` dark), and its
/// width in modules.
fn modules(link: &str) -> Result<(Vec<bool>, usize), AppError> {
    let code = qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("QR code: {e}")))?;
    let width = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok((dark, width))
}

/// The code alone as a PNG: 8 pixels a module, the quiet zone of 4
/// modules around it, grey levels.
pub fn qr_png(link: &str) -> Result<Vec<u8>, AppError> {
    const SCALE: usize = 8;
    const QUIET: usize = 4;
    let (dark, width) = modules(link)?;
    let side = (width + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
        let (row, col) = (i / width + QUIET, i % width + QUIET);
        for y in row * SCALE..(row + 1) * SCALE {
            pixels[y * side + col * SCALE..y * side + (col + 1) * SCALE].fill(0);
        }
    }
    let mut out = Vec::new();
    let failed = |e: png::EncodingError| AppError::Internal(anyhow::anyhow!("PNG: {e}"));
    {
        let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(failed)?;
        writer.write_image_data(&pixels).map_err(failed)?;
    }
    Ok(out)
}

/// Text in STSong-Light's encoding (UCS-2, big-endian); a character
/// outside the basic plane (none in division names) is left out.
fn ucs2(text: &str) -> Vec<u8> {
    text.chars()
        .filter_map(|c| u16::try_from(u32::from(c)).ok())
        .flat_map(|u| u.to_be_bytes())
        .collect()
}

/// Helvetica's advance widths (per 1000) for ASCII 32–126, from its AFM.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// A line's width in points at `size`: CJK full width, Helvetica by its
/// widths, Courier 600 per character.
fn width(text: &str, font: Name, size: f32) -> f32 {
    let units: f32 = text
        .chars()
        .map(|c| match font {
            CJK => 1000.0,
            MONO => 600.0,
            _ => (c as usize)
                .checked_sub(32)
                .and_then(|i| HELVETICA.get(i))
                .map_or(556.0, |w| f32::from(*w)),
        })
        .sum();
    units * size / 1000.0
}

/// One centred line at height `y`, shrunk to fit the page's margins.
fn line(content: &mut Content, text: &str, font: Name, size: f32, y: f32) {
    let size = size.min(size * (PAGE_W - 80.0) / width(text, font, size).max(1.0));
    let x = (PAGE_W - width(text, font, size)) / 2.0;
    let bytes = if font == CJK {
        ucs2(text)
    } else {
        text.bytes().filter(|b| (32..127).contains(b)).collect()
    };
    content.begin_text();
    content.set_font(font, size);
    content.next_line(x, y);
    content.show(Str(&bytes));
    content.end_text();
}

/// A page's drawing: the ask, the place, the code, how to use it, the
/// hotline and the link spelled out.
fn page(p: &Poster) -> Result<Vec<u8>, AppError> {
    let mut c = Content::new();
    // A red band across the top, the ask in white on it.
    c.set_fill_rgb(0.72, 0.13, 0.16);
    c.rect(0.0, PAGE_H - 150.0, PAGE_W, 150.0);
    c.fill_nonzero();
    c.set_fill_rgb(1.0, 1.0, 1.0);
    line(&mut c, "需要帮助？扫码登记", CJK, 44.0, PAGE_H - 85.0);
    line(&mut c, "Need help? Scan to ask", SANS, 18.0, PAGE_H - 122.0);
    c.set_fill_rgb(0.0, 0.0, 0.0);
    line(&mut c, &p.place, CJK, 22.0, PAGE_H - 200.0);
    // The code, 360 pt square with its quiet zone, dark runs as rectangles.
    let (dark, width) = modules(&p.link)?;
    let side = 340.0;
    let module = side / width as f32;
    let (left, top) = ((PAGE_W - side) / 2.0, PAGE_H - 240.0);
    for row in 0..width {
        let mut col = 0;
        while col < width {
            if dark[row * width + col] {
                let start = col;
                while col < width && dark[row * width + col] {
                    col += 1;
                }
                let y = top - (row + 1) as f32 * module;
                c.rect(
                    left + start as f32 * module,
                    y,
                    (col - start) as f32 * module,
                    module,
                );
            } else {
                col += 1;
            }
        }
    }
    c.fill_nonzero();
    let below = top - side - 50.0;
    line(
        &mut c,
        "用手机扫码，填写住址和需要，社区会电话联系您",
        CJK,
        17.0,
        below,
    );
    line(&mut c, "不方便扫码请拨打求助热线", CJK, 17.0, below - 34.0);
    line(&mut c, &p.hotline, SANS, 40.0, below - 84.0);
    line(&mut c, &p.link, MONO, 11.0, below - 118.0);
    c.set_fill_rgb(0.4, 0.4, 0.4);
    line(&mut c, "联动　社区求助登记", CJK, 11.0, 40.0);
    Ok(c.finish().into_vec())
}

/// The posters as one PDF, a page each.
pub fn posters_pdf(posters: &[Poster]) -> Result<Vec<u8>, AppError> {
    let mut pdf = Pdf::new();
    let mut next = 0;
    let mut id = || {
        next += 1;
        Ref::new(next)
    };
    let (catalog, tree) = (id(), id());
    let (cjk, cid, descriptor, sans, mono) = (id(), id(), id(), id(), id());
    let pages: Vec<(Ref, Ref)> = posters.iter().map(|_| (id(), id())).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(pages.iter().map(|(p, _)| *p))
        .count(pages.len() as i32);
    for ((page_id, content_id), poster) in pages.iter().zip(posters) {
        let mut page_w = pdf.page(*page_id);
        page_w.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page_w.parent(tree);
        page_w.contents(*content_id);
        let mut resources = page_w.resources();
        resources
            .fonts()
            .pair(CJK, cjk)
            .pair(SANS, sans)
            .pair(MONO, mono);
        resources.finish();
        page_w.finish();
        pdf.stream(*content_id, &page(poster)?);
    }
    pdf.type0_font(cjk)
        .base_font(Name(b"STSong-Light"))
        .encoding_predefined(Name(b"UniGB-UCS2-H"))
        .descendant_font(cid);
    pdf.cid_font(cid)
        .subtype(CidFontType::Type0)
        .base_font(Name(b"STSong-Light"))
        .system_info(SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"GB1"),
            supplement: 4,
        })
        .font_descriptor(descriptor)
        .default_width(1000.0);
    // The metrics Adobe publishes for STSong-Light.
    pdf.font_descriptor(descriptor)
        .name(Name(b"STSong-Light"))
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(-25.0, -254.0, 1000.0, 880.0))
        .italic_angle(0.0)
        .ascent(880.0)
        .descent(-120.0)
        .cap_height(880.0)
        .stem_v(93.0);
    pdf.type1_font(sans).base_font(Name(b"Helvetica"));
    pdf.type1_font(mono).base_font(Name(b"Courier"));
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poster(place: &str) -> Poster {
        Poster {
            place: place.into(),
            link: "https://liandong.example.org/help?at=610113001002".into(),
            hotline: "12345".into(),
        }
    }

    #[test]
    fn a_pdf_has_a_page_per_community_in_chinese() {
        let pdf = posters_pdf(&[poster("兴善社区"), poster("长延堡社区")]).unwrap();
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-"));
        assert!(text.contains("/Count 2"));
        assert!(text.contains("/STSong-Light") && text.contains("/UniGB-UCS2-H"));
        // 兴 is U+5174: written as its UCS-2 bytes (in hex), not as UTF-8.
        assert!(text.contains("5174"), "{text}");
        assert!(!text.contains("兴"));
        assert!(text.contains("(https://liandong.example.org/help?at=610113001002) Tj"));
    }

    #[test]
    fn the_png_is_the_code_with_its_quiet_zone() {
        let link = "https://liandong.example.org/help?at=610113001002";
        let png = qr_png(link).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let (_, modules) = modules(link).unwrap();
        assert_eq!(info.width as usize, (modules + 8) * 8);
        // The quiet zone is white; the finder pattern's corner is dark.
        assert_eq!(buf[0], 255);
        let corner = 4 * 8 * info.width as usize + 4 * 8;
        assert_eq!(buf[corner], 0);
    }

    #[test]
    fn long_lines_shrink_to_the_page() {
        let name = "新疆维吾尔自治区伊犁哈萨克自治州察布查尔锡伯自治县孙扎齐牛录镇";
        let size = 22.0_f32.min(22.0 * (PAGE_W - 80.0) / width(name, CJK, 22.0));
        assert!(width(name, CJK, size) <= PAGE_W - 80.0 + 0.01);
    }
}
