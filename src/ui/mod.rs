//! Drawing. Reads the app state, never changes it, never awaits.

pub mod text;
pub mod theme;
