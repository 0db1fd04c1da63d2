//! Printable QR posters: for each community a page that opens the public
//! help form with the community filled in, as PDF (A4, one page per
//! community: a street's or a district's posters print at once) and the
//! code alone as PNG (for a group notice or a document). No IO.
//!
//! The PDF's text is set as `web::pdf` sets it.

use pdf_writer::Content;

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

use crate::web::pdf::{CJK, MONO, PAGE_H, PAGE_W, SANS, line};

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
    let pages = posters.iter().map(page).collect::<Result<Vec<_>, _>>()?;
    Ok(crate::web::pdf::document(pages))
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
        let size = 22.0_f32.min(22.0 * (PAGE_W - 80.0) / crate::web::pdf::width(name, CJK, 22.0));
        assert!(crate::web::pdf::width(name, CJK, size) <= PAGE_W - 80.0 + 0.01);
    }
}
