//! Liandong (联动): help requests, volunteers, vulnerable residents and
//! screening lists shared across a city's offices and organisations.
//! `main.rs` is a thin shim over [`cli::main`]; tests start the real server
//! through [`serve::start`].

/// An enum stored and sent by name: its derives written once (serde and
/// strum in snake_case, the OpenAPI schema), with `ALL`, `as_str` and
/// `parse`. Doc comments and variants pass through.
macro_rules! stored_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Clone,
            Copy,
            Debug,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            serde::Serialize,
            serde::Deserialize,
            utoipa::ToSchema,
            strum::VariantArray,
            strum::IntoStaticStr,
            strum::EnumString,
        )]
        #[strum(serialize_all = "snake_case")]
        #[serde(rename_all = "snake_case")]
        $vis enum $name {
            $($(#[$vmeta])* $variant),*
        }

        impl $name {
            pub const ALL: &'static [$name] = <$name as strum::VariantArray>::VARIANTS;
            pub fn as_str(self) -> &'static str {
                self.into()
            }
            pub fn parse(s: &str) -> Option<$name> {
                s.parse().ok()
            }
        }
    };
}
pub(crate) use stored_enum;

/// Lower-case hex of a digest (content keys, session ids). Written here:
/// `format!` per byte cost a list import seconds at a million rows.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

pub mod access;
pub mod app;
pub mod audit;
pub mod care;
pub mod cli;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod dispatch;
pub mod divisions;
pub mod live;
pub mod management;
pub mod needs;
pub mod orgs;
pub mod phone;
pub mod screening;
pub mod serve;
pub mod squads;
pub mod supply;
pub mod tables;
pub mod training;
pub mod volunteers;
pub mod web;
