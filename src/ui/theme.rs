//! Themes: named styles for every part of the screen, loaded from TOML and adapted to what the
//! terminal can show.
//!
//! Four themes are built in (`themes/*.toml`, embedded); a file `<name>.toml` in the user's
//! themes folder wins over a built-in of the same name. A slot a theme leaves out takes the
//! built-in default theme's style. RGB colours are only used when the terminal says it has
//! truecolor (`COLORTERM`), otherwise the default theme is used instead; with `NO_COLOR` every
//! colour is removed and only modifiers (bold, reversed, ...) remain, so nothing on screen may
//! rely on colour alone. This module never decides what a slot is used for; drawing code does.

use std::io;
use std::path::{Path, PathBuf};

use ratatui::style::{Color, Modifier, Style};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::keymap::source::{SourceFile, did_you_mean, type_with_article};

/// The built-in themes, by name, embedded at compile time. `default` comes first.
const BUILT_IN: [(&str, &str); 4] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("truecolor", include_str!("../../themes/truecolor.toml")),
];

/// The 16 ANSI colours and `reset`, by the names theme files use.
const NAMED_COLORS: [(&str, Color); 17] = [
    ("black", Color::Black),
    ("red", Color::Red),
    ("green", Color::Green),
    ("yellow", Color::Yellow),
    ("blue", Color::Blue),
    ("magenta", Color::Magenta),
    ("cyan", Color::Cyan),
    ("gray", Color::Gray),
    ("darkgray", Color::DarkGray),
    ("lightred", Color::LightRed),
    ("lightgreen", Color::LightGreen),
    ("lightyellow", Color::LightYellow),
    ("lightblue", Color::LightBlue),
    ("lightmagenta", Color::LightMagenta),
    ("lightcyan", Color::LightCyan),
    ("white", Color::White),
    ("reset", Color::Reset),
];

const MODIFIERS: [(&str, Modifier); 9] = [
    ("bold", Modifier::BOLD),
    ("dim", Modifier::DIM),
    ("italic", Modifier::ITALIC),
    ("underlined", Modifier::UNDERLINED),
    ("slow_blink", Modifier::SLOW_BLINK),
    ("rapid_blink", Modifier::RAPID_BLINK),
    ("reversed", Modifier::REVERSED),
    ("hidden", Modifier::HIDDEN),
    ("crossed_out", Modifier::CROSSED_OUT),
];

const EXPECTED_COLOR: &str = "one of black, red, green, yellow, blue, magenta, cyan, gray, \
     darkgray, lightred, lightgreen, lightyellow, lightblue, lightmagenta, lightcyan, white, \
     reset, a \"#rrggbb\" colour or an index 0..255";

/// Declares the theme's style slots once: the struct fields, their names in theme files, and
/// lookup by name.
macro_rules! theme_slots {
    ($($(#[doc = $doc:literal])+ $slot:ident,)+) => {
        /// A style for every part of the screen.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Theme {
            /// The theme in use (after any fallback), as listed by [`names`].
            pub name: String,
            $($(#[doc = $doc])+ pub $slot: Style,)+
        }

        impl Theme {
            /// Every slot name, as written under `[styles]` in theme files.
            pub const SLOTS: &'static [&'static str] = &[$(stringify!($slot)),+];

            /// The style of a slot by its name in theme files.
            pub fn slot(&self, name: &str) -> Option<Style> {
                match name {
                    $(stringify!($slot) => Some(self.$slot),)+
                    _ => None,
                }
            }

            fn slot_mut(&mut self, name: &str) -> Option<&mut Style> {
                match name {
                    $(stringify!($slot) => Some(&mut self.$slot),)+
                    _ => None,
                }
            }

            fn map_slots(mut self, change: impl Fn(Style) -> Style) -> Theme {
                $(self.$slot = change(self.$slot);)+
                self
            }

            /// A theme with the terminal's own colours everywhere and the selection reversed.
            pub fn plain() -> Theme {
                Theme {
                    name: "plain".to_owned(),
                    $($slot: Style::new(),)+
                }
                .with_visible_selection()
            }
        }
    };
}

theme_slots! {
    /// The whole screen: text and background outside any other slot.
    base,
    /// Pane borders.
    border,
    /// The focused pane's border.
    border_focused,
    /// Pane titles.
    title,
    /// The focused pane's title.
    title_focused,
    /// Table column headers.
    header,
    /// The selected row of the focused pane.
    selected,
    /// The selected row of a pane without focus.
    selected_unfocused,
    /// Secondary text: ages, counts, hints.
    muted,
    /// The status line.
    status_bar,
    /// Key names in the help overlay and status hints.
    help_key,
    /// Critical severity.
    crit,
    /// Warning severity.
    warn,
    /// Informational severity.
    info,
    /// Healthy, finished, resolved.
    ok,
    /// Data older than its source's refresh interval.
    stale,
    /// A source whose requests fail.
    failing,
    /// A source still loading its first data.
    loading,
    /// A value flagged as anomalous.
    anomaly,
    /// Sparkline bars.
    sparkline,
    /// Sparkline points without data.
    sparkline_gap,
    /// The `/` filter line and the active-filter marker.
    filter,
    /// The `:` command line.
    command,
    /// Error messages.
    error_text,
    /// Text being typed in an input line.
    input,
}

impl Theme {
    /// Removes every colour and keeps the modifiers, for `NO_COLOR`.
    fn without_colors(self) -> Theme {
        self.map_slots(|style| {
            Style::new()
                .add_modifier(style.add_modifier)
                .remove_modifier(style.sub_modifier)
        })
        .with_visible_selection()
    }

    /// Makes sure the selection shows without colour: the focused selection is reversed and
    /// an unfocused selection without any modifier is underlined.
    fn with_visible_selection(mut self) -> Theme {
        if self.selected.fg.is_none() && self.selected.bg.is_none() {
            self.selected = self.selected.add_modifier(Modifier::REVERSED);
        }
        let unfocused = &self.selected_unfocused;
        if unfocused.fg.is_none() && unfocused.bg.is_none() && unfocused.add_modifier.is_empty() {
            self.selected_unfocused = self.selected_unfocused.add_modifier(Modifier::UNDERLINED);
        }
        self
    }
}

impl Default for Theme {
    /// The built-in default theme. Falls back to [`Theme::plain`] only if the embedded file
    /// were broken, which the tests rule out.
    fn default() -> Theme {
        built_in_default().unwrap_or_else(|_| Theme::plain())
    }
}

/// What the terminal can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ColorSupport {
    /// 24-bit colour (`COLORTERM=truecolor` or `24bit`).
    pub truecolor: bool,
    /// `NO_COLOR` is set and not empty: no colours at all.
    pub no_color: bool,
}

impl ColorSupport {
    /// Colour support from environment variables, read through `env` (for tests).
    pub fn detect(env: &dyn Fn(&str) -> Option<String>) -> ColorSupport {
        let truecolor = env("COLORTERM").is_some_and(|value| {
            let value = value.trim();
            value.eq_ignore_ascii_case("truecolor") || value.eq_ignore_ascii_case("24bit")
        });
        let no_color = env("NO_COLOR").is_some_and(|value| !value.is_empty());
        ColorSupport {
            truecolor,
            no_color,
        }
    }

    /// Colour support from this process's environment.
    pub fn from_environment() -> ColorSupport {
        ColorSupport::detect(&|name| std::env::var(name).ok())
    }
}

/// Why a theme could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("unknown theme \"{found}\"; expected one of: {}", .available.join(", "))]
    Unknown {
        found: String,
        available: Vec<String>,
    },
    #[error("theme name \"{found}\" is not a file name; expected letters, digits, '-' and '_'")]
    BadName { found: String },
    #[error("cannot read theme file {}: {source}", .path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("{position}: {message}; expected TOML with name = \"...\" and a [styles] table")]
    Syntax { position: String, message: String },
    /// Every bad value of one file, one line each.
    #[error("{}", .errors.join("\n"))]
    Invalid { errors: Vec<String> },
}

/// The built-in theme names, then the names of `*.toml` files in the user's themes folder;
/// sorted, each once.
pub fn names(user_themes_dir: Option<&Path>) -> Vec<String> {
    let mut names: Vec<String> = BUILT_IN
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect();
    let user_files = user_themes_dir.and_then(|dir| std::fs::read_dir(dir).ok());
    for entry in user_files.into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().and_then(|extension| extension.to_str()) != Some("toml") {
            continue;
        }
        let stem = path.file_stem().and_then(|stem| stem.to_str());
        if let Some(stem) = stem.filter(|stem| is_valid_name(stem)) {
            names.push(stem.to_owned());
        }
    }
    names.sort();
    names.dedup();
    names
}

/// Loads theme `name` and adapts it to `caps`. Returns the theme and warnings for the
/// operator (unknown slots, a truecolor theme on a terminal without truecolor).
pub fn load(
    name: &str,
    user_themes_dir: Option<&Path>,
    caps: ColorSupport,
) -> Result<(Theme, Vec<String>), ThemeError> {
    let default_theme = built_in_default()?;
    let mut warnings = Vec::new();
    let (mut theme, uses_rgb) = load_named(name, user_themes_dir, &default_theme, &mut warnings)?;

    // Without colours at all, RGB does no harm: it is removed below.
    if uses_rgb && !caps.truecolor && !caps.no_color {
        let instead = if name == "default" {
            "the built-in default"
        } else {
            "default"
        };
        warnings.push(format!(
            "theme {name} needs a truecolor terminal (COLORTERM=truecolor); using {instead}"
        ));
        theme = truecolor_fallback(name, user_themes_dir, &default_theme, &mut warnings);
    }

    if caps.no_color {
        theme = theme.without_colors();
    }
    Ok((theme, warnings))
}

/// The theme used instead of one that needs truecolor: the user's `default.toml` when it
/// loads and uses no RGB, else the built-in default.
fn truecolor_fallback(
    name: &str,
    user_themes_dir: Option<&Path>,
    default_theme: &Theme,
    warnings: &mut Vec<String>,
) -> Theme {
    if name == "default" {
        return default_theme.clone();
    }
    let mut fallback_warnings = Vec::new();
    match load_named(
        "default",
        user_themes_dir,
        default_theme,
        &mut fallback_warnings,
    ) {
        Ok((theme, false)) => {
            warnings.extend(fallback_warnings);
            theme
        }
        Ok((_, true)) => {
            warnings.push(
                "theme default in the themes folder needs truecolor too; using the built-in \
                 default"
                    .to_owned(),
            );
            default_theme.clone()
        }
        Err(error) => {
            warnings.push(format!("{error}; using the built-in default"));
            default_theme.clone()
        }
    }
}

fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || matches!(character, '-' | '_'))
}

fn built_in_default() -> Result<Theme, ThemeError> {
    let source = SourceFile {
        label: "themes/default.toml (built-in)".to_owned(),
        text: BUILT_IN[0].1,
    };
    let mut warnings = Vec::new();
    let parsed = parse_theme(&source, &mut warnings)?;
    let mut theme = Theme::plain();
    theme.name = "default".to_owned();
    Ok(parsed.apply_to(theme))
}

/// Finds and parses theme `name` over `default_theme`. Also says whether it uses RGB.
fn load_named(
    name: &str,
    user_themes_dir: Option<&Path>,
    default_theme: &Theme,
    warnings: &mut Vec<String>,
) -> Result<(Theme, bool), ThemeError> {
    if !is_valid_name(name) {
        return Err(ThemeError::BadName {
            found: name.to_owned(),
        });
    }

    let user_path = user_themes_dir.map(|dir| dir.join(format!("{name}.toml")));
    let user_text = match &user_path {
        Some(path) => read_optional(path)?,
        None => None,
    };
    let (label, text) = match (user_text, &user_path) {
        (Some(text), Some(path)) => (path.display().to_string(), text),
        _ => {
            let built_in = BUILT_IN.iter().find(|(built_in, _)| *built_in == name);
            let Some((_, text)) = built_in else {
                return Err(ThemeError::Unknown {
                    found: name.to_owned(),
                    available: names(user_themes_dir),
                });
            };
            (format!("themes/{name}.toml (built-in)"), (*text).to_owned())
        }
    };

    let source = SourceFile { label, text: &text };
    let parsed = parse_theme(&source, warnings)?;
    let uses_rgb = parsed.uses_rgb;
    let mut theme = default_theme.clone();
    theme.name = name.to_owned();
    Ok((parsed.apply_to(theme), uses_rgb))
}

fn read_optional(path: &Path) -> Result<Option<String>, ThemeError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ThemeError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// The styles a theme file sets, in file order.
struct ParsedTheme {
    styles: Vec<(String, Style)>,
    uses_rgb: bool,
}

impl ParsedTheme {
    fn apply_to(self, mut theme: Theme) -> Theme {
        for (slot, style) in self.styles {
            if let Some(target) = theme.slot_mut(&slot) {
                *target = style;
            }
        }
        theme
    }
}

type Key<'text> = Spanned<std::borrow::Cow<'text, str>>;
type Value<'text> = Spanned<DeValue<'text>>;

/// Reads a theme file. Unknown names become warnings; bad values are collected and returned
/// together as one error.
fn parse_theme(
    source: &SourceFile<'_>,
    warnings: &mut Vec<String>,
) -> Result<ParsedTheme, ThemeError> {
    let root = DeTable::parse(source.text).map_err(|error| ThemeError::Syntax {
        position: error
            .span()
            .map_or_else(|| source.label.clone(), |span| source.position(&span)),
        message: error.message().trim_end().to_owned(),
    })?;

    let mut reader = ThemeReader {
        source,
        errors: Vec::new(),
        warnings: Vec::new(),
        uses_rgb: false,
    };
    let mut styles = Vec::new();
    for (key, value) in root.get_ref().iter() {
        match key.get_ref().as_ref() {
            "name" => reader.check_name(key, value),
            "styles" => reader.read_styles(value, &mut styles),
            _ => reader.unknown_top_level(key),
        }
    }

    // The parsed table is ordered by name; report in the order of the file.
    reader.errors.sort_by_key(|(offset, _)| *offset);
    reader.warnings.sort_by_key(|(offset, _)| *offset);
    warnings.extend(reader.warnings.into_iter().map(|(_, warning)| warning));
    if !reader.errors.is_empty() {
        let errors = reader.errors.into_iter().map(|(_, error)| error).collect();
        return Err(ThemeError::Invalid { errors });
    }
    Ok(ParsedTheme {
        styles,
        uses_rgb: reader.uses_rgb,
    })
}

/// Problems found while reading one theme file, with their byte offsets for ordering.
struct ThemeReader<'source, 'text> {
    source: &'source SourceFile<'text>,
    errors: Vec<(usize, String)>,
    warnings: Vec<(usize, String)>,
    uses_rgb: bool,
}

impl ThemeReader<'_, '_> {
    fn error(&mut self, span: &std::ops::Range<usize>, text: String) {
        let line = format!("{}: {text}", self.source.position(span));
        self.errors.push((span.start, line));
    }

    fn warning(&mut self, span: &std::ops::Range<usize>, text: String) {
        let line = format!("{}: {text}", self.source.position(span));
        self.warnings.push((span.start, line));
    }

    fn check_name(&mut self, key: &Key<'_>, value: &Value<'_>) {
        if !matches!(value.get_ref(), DeValue::String(_)) {
            let text = format!(
                "\"{}\" is {}; expected a string like name = \"default\"",
                key.get_ref(),
                type_with_article(value.get_ref())
            );
            self.error(&value.span(), text);
        }
    }

    fn unknown_top_level(&mut self, key: &Key<'_>) {
        let found = key.get_ref().as_ref();
        let text = if Theme::SLOTS.contains(&found) {
            format!(
                "style slot \"{found}\" is outside [styles]; expected it under [styles]; ignored"
            )
        } else {
            match did_you_mean(found, ["name", "styles"]) {
                Some(name) => {
                    format!("unknown key \"{found}\" (did you mean \"{name}\"?); ignored")
                }
                None => format!("unknown key \"{found}\"; expected name or [styles]; ignored"),
            }
        };
        self.warning(&key.span(), text);
    }

    fn read_styles(&mut self, value: &Value<'_>, styles: &mut Vec<(String, Style)>) {
        let DeValue::Table(table) = value.get_ref() else {
            let text = format!(
                "\"styles\" is {}; expected a table [styles] of slot = {{ fg = ..., bg = ..., \
                 modifiers = [...] }} lines",
                type_with_article(value.get_ref())
            );
            self.error(&value.span(), text);
            return;
        };

        for (slot, style_value) in table.iter() {
            let name = slot.get_ref().as_ref();
            if !Theme::SLOTS.contains(&name) {
                let text = match did_you_mean(name, Theme::SLOTS.iter().copied()) {
                    Some(close) => {
                        format!(
                            "unknown style slot \"{name}\" (did you mean \"{close}\"?); ignored"
                        )
                    }
                    None => format!(
                        "unknown style slot \"{name}\"; expected one of: {}; ignored",
                        Theme::SLOTS.join(", ")
                    ),
                };
                self.warning(&slot.span(), text);
                continue;
            }
            if let Some(style) = self.read_style(name, style_value) {
                styles.push((name.to_owned(), style));
            }
        }
    }

    fn read_style(&mut self, slot: &str, value: &Value<'_>) -> Option<Style> {
        let DeValue::Table(fields) = value.get_ref() else {
            let text = format!(
                "styles.{slot} is {}; expected a table like {{ fg = \"red\", modifiers = \
                 [\"bold\"] }}",
                type_with_article(value.get_ref())
            );
            self.error(&value.span(), text);
            return None;
        };

        let mut style = Style::new();
        for (field, field_value) in fields.iter() {
            match field.get_ref().as_ref() {
                "fg" => {
                    if let Some(color) = self.read_color(slot, "fg", field_value) {
                        style = style.fg(color);
                    }
                }
                "bg" => {
                    if let Some(color) = self.read_color(slot, "bg", field_value) {
                        style = style.bg(color);
                    }
                }
                "modifiers" => style = style.add_modifier(self.read_modifiers(slot, field_value)),
                other => {
                    let fields = ["fg", "bg", "modifiers"];
                    let text = match did_you_mean(other, fields) {
                        Some(close) => format!(
                            "unknown field \"{other}\" in styles.{slot} (did you mean \
                             \"{close}\"?); ignored"
                        ),
                        None => format!(
                            "unknown field \"{other}\" in styles.{slot}; expected fg, bg or \
                             modifiers; ignored"
                        ),
                    };
                    self.warning(&field.span(), text);
                }
            }
        }
        Some(style)
    }

    fn read_color(&mut self, slot: &str, field: &str, value: &Value<'_>) -> Option<Color> {
        let parsed = match value.get_ref() {
            DeValue::String(text) => parse_color(text),
            DeValue::Integer(integer) => parse_color(integer.as_str()),
            other => Err(format!("{} instead of a colour", type_with_article(other))),
        };
        match parsed {
            Ok(color) => {
                self.uses_rgb |= matches!(color, Color::Rgb(..));
                Some(color)
            }
            Err(found) => {
                let text = format!("bad colour for styles.{slot}.{field}: {found}");
                self.error(&value.span(), text);
                None
            }
        }
    }

    fn read_modifiers(&mut self, slot: &str, value: &Value<'_>) -> Modifier {
        let DeValue::Array(items) = value.get_ref() else {
            let text = format!(
                "styles.{slot}.modifiers is {}; expected a list like [\"bold\", \"reversed\"]",
                type_with_article(value.get_ref())
            );
            self.error(&value.span(), text);
            return Modifier::empty();
        };

        let mut modifiers = Modifier::empty();
        for item in items.iter() {
            let parsed = match item.get_ref() {
                DeValue::String(text) => parse_modifier(text),
                other => Err(format!(
                    "{} instead of a modifier name",
                    type_with_article(other)
                )),
            };
            match parsed {
                Ok(modifier) => modifiers |= modifier,
                Err(found) => {
                    let text = format!("bad modifier in styles.{slot}.modifiers: {found}");
                    self.error(&item.span(), text);
                }
            }
        }
        modifiers
    }
}

/// A colour from its theme-file text; the error quotes the value and says what was expected.
fn parse_color(text: &str) -> Result<Color, String> {
    let trimmed = text.trim();
    if let Some(hex) = trimmed.strip_prefix('#') {
        let channel = |range: std::ops::Range<usize>| {
            hex.get(range)
                .and_then(|digits| u8::from_str_radix(digits, 16).ok())
        };
        return match (hex.len(), channel(0..2), channel(2..4), channel(4..6)) {
            (6, Some(red), Some(green), Some(blue)) => Ok(Color::Rgb(red, green, blue)),
            _ => Err(format!(
                "\"{text}\"; expected \"#rrggbb\" with six hex digits"
            )),
        };
    }
    if !trimmed.is_empty() && trimmed.chars().all(|character| character.is_ascii_digit()) {
        return trimmed
            .parse::<u8>()
            .map(Color::Indexed)
            .map_err(|_| format!("\"{text}\"; expected a colour index 0..255"));
    }

    let normalised: String = trimmed
        .chars()
        .filter(|character| !matches!(character, '_' | '-' | ' '))
        .collect::<String>()
        .to_ascii_lowercase()
        .replace("grey", "gray");
    if let Some((_, color)) = NAMED_COLORS.iter().find(|(name, _)| *name == normalised) {
        return Ok(*color);
    }
    let names = NAMED_COLORS.iter().map(|(name, _)| *name);
    Err(match did_you_mean(&normalised, names) {
        Some(close) => format!("\"{text}\" (did you mean \"{close}\"?)"),
        None => format!("\"{text}\"; expected {EXPECTED_COLOR}"),
    })
}

fn parse_modifier(text: &str) -> Result<Modifier, String> {
    let normalised = match text.trim().to_ascii_lowercase().as_str() {
        "reverse" => "reversed".to_owned(),
        "underline" => "underlined".to_owned(),
        other => other.replace('-', "_"),
    };
    if let Some((_, modifier)) = MODIFIERS.iter().find(|(name, _)| *name == normalised) {
        return Ok(*modifier);
    }
    let names = MODIFIERS.iter().map(|(name, _)| *name);
    Err(match did_you_mean(&normalised, names) {
        Some(close) => format!("\"{text}\" (did you mean \"{close}\"?)"),
        None => format!(
            "\"{text}\"; expected one of: {}",
            MODIFIERS.map(|(name, _)| name).join(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    const TRUECOLOR: ColorSupport = ColorSupport {
        truecolor: true,
        no_color: false,
    };
    const ANSI_ONLY: ColorSupport = ColorSupport {
        truecolor: false,
        no_color: false,
    };

    /// A fresh themes folder holding the given files.
    fn themes_dir(files: &[(&str, &str)]) -> std::io::Result<PathBuf> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let directory = std::env::temp_dir().join(format!(
            "pandaops-theme-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&directory)?;
        for (name, text) in files {
            std::fs::write(directory.join(name), text)?;
        }
        Ok(directory)
    }

    fn colors(theme: &Theme) -> Vec<(&'static str, Color)> {
        Theme::SLOTS
            .iter()
            .filter_map(|slot| theme.slot(slot).map(|style| (*slot, style)))
            .flat_map(|(slot, style)| {
                [style.fg, style.bg]
                    .into_iter()
                    .flatten()
                    .map(move |c| (slot, c))
            })
            .collect()
    }

    #[test]
    fn every_built_in_theme_loads_without_warnings() -> TestResult {
        for (name, _) in BUILT_IN {
            let (theme, warnings) = load(name, None, TRUECOLOR)?;
            assert_eq!(warnings, Vec::<String>::new(), "theme {name}");
            assert_eq!(theme.name, name);
        }
        Ok(())
    }

    #[test]
    fn every_built_in_theme_sets_every_slot() -> TestResult {
        for (name, text) in BUILT_IN {
            let source = SourceFile {
                label: name.to_owned(),
                text,
            };
            let parsed = parse_theme(&source, &mut Vec::new())?;
            let mut slots: Vec<&str> = parsed
                .styles
                .iter()
                .map(|(slot, _)| slot.as_str())
                .collect();
            slots.sort_unstable();
            let mut expected = Theme::SLOTS.to_vec();
            expected.sort_unstable();
            assert_eq!(slots, expected, "theme {name}");
        }
        Ok(())
    }

    #[test]
    fn the_default_theme_uses_only_the_16_ansi_colours() -> TestResult {
        let (theme, _) = load("default", None, ANSI_ONLY)?;
        for (slot, color) in colors(&theme) {
            assert!(
                !matches!(color, Color::Rgb(..) | Color::Indexed(_)),
                "default.{slot} uses {color:?}"
            );
        }
        assert!(!theme.selected.add_modifier.is_empty());
        assert_eq!(Theme::default(), theme);
        Ok(())
    }

    #[test]
    fn high_contrast_uses_only_black_white_and_yellow() -> TestResult {
        let (theme, _) = load("high-contrast", None, ANSI_ONLY)?;
        for (slot, color) in colors(&theme) {
            assert!(
                matches!(color, Color::Black | Color::White | Color::Yellow),
                "high-contrast.{slot} uses {color:?}"
            );
        }
        Ok(())
    }

    #[test]
    fn no_color_strips_colours_and_keeps_modifiers() -> TestResult {
        let caps = ColorSupport::detect(&|name| (name == "NO_COLOR").then(|| "1".to_owned()));
        assert!(caps.no_color);
        for (name, _) in BUILT_IN {
            let (theme, warnings) = load(name, None, caps)?;
            assert_eq!(colors(&theme), Vec::new(), "theme {name}");
            assert_eq!(warnings, Vec::<String>::new(), "theme {name}");
            assert!(
                theme.selected.add_modifier.contains(Modifier::REVERSED),
                "theme {name}"
            );
            assert!(
                !theme.selected_unfocused.add_modifier.is_empty(),
                "theme {name}"
            );
        }
        let (theme, _) = load("default", None, caps)?;
        assert!(theme.crit.add_modifier.contains(Modifier::BOLD));
        assert!(theme.border_focused.add_modifier.contains(Modifier::BOLD));
        assert!(theme.selected.add_modifier.contains(Modifier::BOLD));
        Ok(())
    }

    #[test]
    fn detection_follows_colorterm_and_no_color() -> TestResult {
        let detect = |colorterm: Option<&str>, no_color: Option<&str>| {
            ColorSupport::detect(&|name| match name {
                "COLORTERM" => colorterm.map(str::to_owned),
                "NO_COLOR" => no_color.map(str::to_owned),
                _ => None,
            })
        };
        assert_eq!(detect(None, None), ANSI_ONLY);
        assert!(detect(Some("truecolor"), None).truecolor);
        assert!(detect(Some("24bit"), None).truecolor);
        assert!(!detect(Some("yes"), None).truecolor);
        assert!(!detect(None, Some("")).no_color);
        assert!(detect(None, Some("1")).no_color);
        Ok(())
    }

    #[test]
    fn truecolor_falls_back_to_default_without_colorterm() -> TestResult {
        let caps = ColorSupport::detect(&|_| None);
        let (theme, warnings) = load("truecolor", None, caps)?;
        assert_eq!(
            warnings,
            vec![
                "theme truecolor needs a truecolor terminal (COLORTERM=truecolor); using default"
                    .to_owned()
            ]
        );
        assert_eq!(theme, Theme::default());

        let (theme, _) = load("truecolor", None, TRUECOLOR)?;
        assert!(matches!(theme.base.bg, Some(Color::Rgb(..))));
        Ok(())
    }

    #[test]
    fn a_user_theme_wins_and_missing_slots_come_from_default() -> TestResult {
        let dir = themes_dir(&[(
            "light.toml",
            "name = \"light\"\n[styles]\ncrit = { fg = \"208\", modifiers = [\"bold\", \"reverse\"] }\n",
        )])?;
        let (theme, warnings) = load("light", Some(&dir), ANSI_ONLY)?;
        assert_eq!(warnings, Vec::<String>::new());
        assert_eq!(
            theme.crit,
            Style::new()
                .fg(Color::Indexed(208))
                .add_modifier(Modifier::BOLD | Modifier::REVERSED)
        );
        assert_eq!(theme.warn, Theme::default().warn);
        assert!(names(Some(&dir)).contains(&"light".to_owned()));
        Ok(())
    }

    #[test]
    fn bad_colours_are_errors_with_line_column_and_value() -> TestResult {
        let text = "[styles]\ncrit = { fg = \"redd\" }\nwarn = { bg = \"#12345\", fg = 300 }\n\
                    ok = { modifiers = [\"blod\"] }\n";
        let dir = themes_dir(&[("mine.toml", text)])?;
        let error = load("mine", Some(&dir), ANSI_ONLY)
            .err()
            .map(|error| error.to_string());
        let file = dir.join("mine.toml").display().to_string();
        let expected = [
            format!("{file}:2:15: bad colour for styles.crit.fg: \"redd\" (did you mean \"red\"?)"),
            format!(
                "{file}:3:15: bad colour for styles.warn.bg: \"#12345\"; expected \"#rrggbb\" \
                 with six hex digits"
            ),
            format!(
                "{file}:3:30: bad colour for styles.warn.fg: \"300\"; expected a colour index 0..255"
            ),
            format!(
                "{file}:4:21: bad modifier in styles.ok.modifiers: \"blod\" (did you mean \"bold\"?)"
            ),
        ];
        assert_eq!(error, Some(expected.join("\n")));
        Ok(())
    }

    #[test]
    fn unknown_slots_and_fields_are_warnings_with_line_column() -> TestResult {
        let text = "name = \"mine\"\ncrit = { fg = \"red\" }\n[styles]\nbordr = { fg = \"red\" }\n\
                    warn = { fgg = \"red\" }\n";
        let dir = themes_dir(&[("mine.toml", text)])?;
        let (theme, warnings) = load("mine", Some(&dir), ANSI_ONLY)?;
        let file = dir.join("mine.toml").display().to_string();
        assert_eq!(
            warnings,
            vec![
                format!(
                    "{file}:2:1: style slot \"crit\" is outside [styles]; expected it under \
                     [styles]; ignored"
                ),
                format!(
                    "{file}:4:1: unknown style slot \"bordr\" (did you mean \"border\"?); ignored"
                ),
                format!(
                    "{file}:5:10: unknown field \"fgg\" in styles.warn (did you mean \"fg\"?); \
                     ignored"
                ),
            ]
        );
        assert_eq!(theme.warn, Style::new());
        assert_eq!(theme.crit, Theme::default().crit);
        Ok(())
    }

    #[test]
    fn toml_syntax_errors_name_the_position() -> TestResult {
        let dir = themes_dir(&[("broken.toml", "[styles]\ncrit = { fg = \"red\"\n")])?;
        let error = load("broken", Some(&dir), ANSI_ONLY)
            .err()
            .map(|error| error.to_string());
        let message = error.unwrap_or_default();
        let file = dir.join("broken.toml").display().to_string();
        assert!(message.starts_with(&format!("{file}:2:")), "{message}");
        Ok(())
    }

    #[test]
    fn unknown_and_unsafe_names_are_refused() -> TestResult {
        let error = load("solarized", None, ANSI_ONLY)
            .err()
            .map(|error| error.to_string());
        assert_eq!(
            error.as_deref(),
            Some(
                "unknown theme \"solarized\"; expected one of: default, high-contrast, light, \
                 truecolor"
            )
        );
        assert!(matches!(
            load("../secrets", None, ANSI_ONLY),
            Err(ThemeError::BadName { .. })
        ));
        Ok(())
    }

    #[test]
    fn colours_parse_by_name_hex_and_index() -> TestResult {
        assert_eq!(parse_color("darkgray"), Ok(Color::DarkGray));
        assert_eq!(parse_color("dark_grey"), Ok(Color::DarkGray));
        assert_eq!(parse_color("LightRed"), Ok(Color::LightRed));
        assert_eq!(parse_color("reset"), Ok(Color::Reset));
        assert_eq!(parse_color("#1A2b3c"), Ok(Color::Rgb(0x1a, 0x2b, 0x3c)));
        assert_eq!(parse_color("0"), Ok(Color::Indexed(0)));
        assert_eq!(parse_color("255"), Ok(Color::Indexed(255)));
        assert!(parse_color("#12345g").is_err());
        assert!(parse_color("").is_err());
        Ok(())
    }
}
