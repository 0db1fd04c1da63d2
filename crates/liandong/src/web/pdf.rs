//! A4 PDF documents with Chinese text (posters, certificates). No IO.
//!
//! Chinese is set in STSong-Light, one of the Adobe-GB1 fonts PDF readers
//! provide without embedding (Acrobat, Chrome's and Firefox's viewers,
//! WPS): embedding a CJK font would add megabytes to the binary and to each
//! document. Latin text is in the base-14 Helvetica and Courier.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

pub const PAGE_W: f32 = 595.0;
pub const PAGE_H: f32 = 842.0;
pub const CJK: Name = Name(b"F1");
pub const SANS: Name = Name(b"F2");
pub const MONO: Name = Name(b"F3");

/// Text in STSong-Light's encoding (UCS-2, big-endian); a character
/// outside the basic plane (none in division names) is left out.
pub fn ucs2(text: &str) -> Vec<u8> {
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
pub fn width(text: &str, font: Name, size: f32) -> f32 {
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
pub fn line(content: &mut Content, text: &str, font: Name, size: f32, y: f32) {
    let size = size.min(size * (PAGE_W - 80.0) / width(text, font, size).max(1.0));
    let x = (PAGE_W - width(text, font, size)) / 2.0;
    show(content, text, font, size, x, y);
}

/// Text at (`x`, `y`) as it is, in `font`'s encoding.
fn show(content: &mut Content, text: &str, font: Name, size: f32, x: f32, y: f32) {
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

/// One line from the left margin at `x`, shrunk to end before the right
/// margin.
pub fn left(content: &mut Content, text: &str, font: Name, size: f32, x: f32, y: f32) {
    let size = size.min(size * (PAGE_W - 40.0 - x) / width(text, font, size).max(1.0));
    show(content, text, font, size, x, y);
}

/// Pages' drawings as one A4 document.
pub fn document(pages: Vec<Vec<u8>>) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let mut next = 0;
    let mut id = || {
        next += 1;
        Ref::new(next)
    };
    let (catalog, tree) = (id(), id());
    let (cjk, cid, descriptor, sans, mono) = (id(), id(), id(), id(), id());
    let refs: Vec<(Ref, Ref)> = pages.iter().map(|_| (id(), id())).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(refs.iter().map(|(p, _)| *p))
        .count(refs.len() as i32);
    for ((page_id, content_id), drawing) in refs.iter().zip(&pages) {
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
        pdf.stream(*content_id, drawing);
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
    pdf.finish()
}
