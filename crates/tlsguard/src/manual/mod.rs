//! Long-form documentation, rendered from Markdown files in this folder.

#[doc = include_str!("errors.md")]
pub mod errors {}

#[doc = include_str!("security.md")]
pub mod security {}

#[doc = include_str!("requests.md")]
pub mod requests {}
