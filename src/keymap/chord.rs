//! One key with its modifiers, as written in keymap files and as reported by crossterm.
//!
//! Both sides are normalised to the same form so that a binding written `G` matches what the
//! terminal sends for Shift+g, and `shift-tab` matches `backtab`. Parsing never guesses: a
//! string that is not a key is an error that says what was expected.

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::source::did_you_mean;

/// Named keys accepted in keymap files, besides single characters and `f1`..`f12`.
const NAMED_KEYS: [(&str, KeyCode); 16] = [
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("space", KeyCode::Char(' ')),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
];

/// Modifier prefixes, in the order the canonical text writes them.
const MODIFIER_PREFIXES: [(&str, KeyModifiers); 3] = [
    ("ctrl", KeyModifiers::CONTROL),
    ("alt", KeyModifiers::ALT),
    ("shift", KeyModifiers::SHIFT),
];

/// Modifiers crossterm can report but keymap files cannot bind; shown so that help and
/// diagnostics never print two different chords the same way.
const UNBINDABLE_MODIFIERS: [(&str, KeyModifiers); 3] = [
    ("super", KeyModifiers::SUPER),
    ("hyper", KeyModifiers::HYPER),
    ("meta", KeyModifiers::META),
];

pub(super) const EXPECTED_KEY: &str = "one character (like `j`, `G`, `?`) or one of enter, esc, tab, \
     backtab, space, backspace, delete, insert, home, end, pageup, pagedown, up, down, left, \
     right, f1..f12, optionally after ctrl-, alt-, shift-";

/// A key and its modifiers in normalised form.
///
/// Normal form: a character typed with Shift is stored as the character itself without
/// SHIFT (`G`, not shift+`g`), and Shift+Tab is stored as `BackTab` without SHIFT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    code: KeyCode,
    modifiers: KeyModifiers,
}

impl KeyChord {
    /// A chord from a key code and modifiers, normalised.
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyChord {
        let mut code = code;
        let mut modifiers = modifiers;

        match code {
            KeyCode::Char(character) if modifiers.contains(KeyModifiers::SHIFT) => {
                modifiers.remove(KeyModifiers::SHIFT);
                code = KeyCode::Char(single_uppercase(character));
            }
            KeyCode::Tab if modifiers.contains(KeyModifiers::SHIFT) => {
                modifiers.remove(KeyModifiers::SHIFT);
                code = KeyCode::BackTab;
            }
            KeyCode::BackTab => modifiers.remove(KeyModifiers::SHIFT),
            _ => {}
        }

        KeyChord { code, modifiers }
    }

    /// The chord of a key event as crossterm reports it. The event kind (press, repeat,
    /// release) is not part of the chord.
    pub fn from_event(event: &KeyEvent) -> KeyChord {
        KeyChord::new(event.code, event.modifiers)
    }

    pub fn code(&self) -> KeyCode {
        self.code
    }

    pub fn modifiers(&self) -> KeyModifiers {
        self.modifiers
    }

    /// True when the chord is a plain character that a text input would insert.
    pub fn is_printable(&self) -> bool {
        matches!(self.code, KeyCode::Char(_))
            && !self
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }
}

/// Uppercase of a character when it is a single character (`ß` stays `ß`).
fn single_uppercase(character: char) -> char {
    let mut upper = character.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(only), None) => only,
        _ => character,
    }
}

/// Why a key string in a keymap file is not a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyParseError {
    #[error("empty key; expected {EXPECTED_KEY}")]
    Empty,
    #[error("{}", unknown_key_message(.found, .suggestion.as_deref()))]
    UnknownKey {
        found: String,
        suggestion: Option<String>,
    },
    #[error("{}", unknown_modifier_message(.found, .suggestion.as_deref()))]
    UnknownModifier {
        found: String,
        suggestion: Option<String>,
    },
    #[error("\"{found}\" has a modifier but no key after it; expected e.g. \"{found}x\"")]
    MissingKey { found: String },
    #[error("\"{found}\" repeats the modifier \"{modifier}\"; expected each modifier at most once")]
    RepeatedModifier { found: String, modifier: String },
    #[error(
        "\"{found}\": shift with \"{character}\" is not a key a terminal reports; expected the \
         character that Shift+{character} types (for example \"!\" for Shift+1)"
    )]
    ShiftedSymbol { found: String, character: char },
    #[error("\"{found}\" contains a control character; expected a name like \"enter\" or \"tab\"")]
    ControlCharacter { found: String },
}

fn unknown_key_message(found: &str, suggestion: Option<&str>) -> String {
    match suggestion {
        Some(name) => format!("unknown key \"{found}\" (did you mean \"{name}\"?)"),
        None => format!("unknown key \"{found}\"; expected {EXPECTED_KEY}"),
    }
}

fn unknown_modifier_message(found: &str, suggestion: Option<&str>) -> String {
    match suggestion {
        Some(name) => format!("unknown modifier \"{found}\" (did you mean \"{name}\"?)"),
        None => format!("unknown modifier \"{found}\"; expected ctrl, alt or shift"),
    }
}

impl FromStr for KeyChord {
    type Err = KeyParseError;

    fn from_str(text: &str) -> Result<KeyChord, KeyParseError> {
        if text.is_empty() {
            return Err(KeyParseError::Empty);
        }

        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        while let Some((modifier, name, after)) = strip_modifier(rest) {
            if modifiers.contains(modifier) {
                return Err(KeyParseError::RepeatedModifier {
                    found: text.to_owned(),
                    modifier: name.to_owned(),
                });
            }
            modifiers.insert(modifier);
            rest = after;
        }

        let code = parse_key_code(text, rest)?;
        if let KeyCode::Char(character) = code {
            // Shift only means something for letters; `shift-1` is whatever Shift+1 types on
            // the operator's keyboard layout, which the keymap cannot know.
            let has_case = single_uppercase(character) != character || character.is_uppercase();
            if modifiers.contains(KeyModifiers::SHIFT) && !has_case {
                return Err(KeyParseError::ShiftedSymbol {
                    found: text.to_owned(),
                    character,
                });
            }
        }

        Ok(KeyChord::new(code, modifiers))
    }
}

/// Splits one leading `ctrl-`/`alt-`/`shift-` off, when something follows it.
fn strip_modifier(text: &str) -> Option<(KeyModifiers, &'static str, &str)> {
    let (prefix, after) = text.split_once('-')?;
    if after.is_empty() {
        return None;
    }
    MODIFIER_PREFIXES
        .iter()
        .find(|(name, _)| prefix.eq_ignore_ascii_case(name))
        .map(|(name, modifier)| (*modifier, *name, after))
}

/// The key part of a key string, after the modifiers. `whole` is used in messages.
fn parse_key_code(whole: &str, key: &str) -> Result<KeyCode, KeyParseError> {
    let mut characters = key.chars();
    if let (Some(only), None) = (characters.next(), characters.next()) {
        if only.is_control() {
            return Err(KeyParseError::ControlCharacter {
                found: whole.to_owned(),
            });
        }
        return Ok(KeyCode::Char(only));
    }

    let lowercase = key.to_ascii_lowercase();
    if let Some((_, code)) = NAMED_KEYS.iter().find(|(name, _)| *name == lowercase) {
        return Ok(*code);
    }
    let function_number = lowercase
        .strip_prefix('f')
        .and_then(|number| number.parse::<u8>().ok())
        .filter(|number| (1..=12).contains(number));
    if let Some(number) = function_number {
        return Ok(KeyCode::F(number));
    }

    if key.ends_with('-') {
        return Err(KeyParseError::MissingKey {
            found: whole.to_owned(),
        });
    }
    if let Some((prefix, _)) = key.split_once('-') {
        let names = MODIFIER_PREFIXES.iter().map(|(name, _)| *name);
        return Err(KeyParseError::UnknownModifier {
            found: prefix.to_owned(),
            suggestion: did_you_mean(prefix, names).map(str::to_owned),
        });
    }

    // `f13` is not a near miss of `f1` or `f3`: say which function keys exist instead.
    let looks_like_function_key = lowercase.strip_prefix('f').is_some_and(|digits| {
        !digits.is_empty() && digits.chars().all(|character| character.is_ascii_digit())
    });
    if looks_like_function_key {
        return Err(KeyParseError::UnknownKey {
            found: key.to_owned(),
            suggestion: None,
        });
    }

    let function_keys: Vec<String> = (1..=12).map(|n| format!("f{n}")).collect();
    let names = NAMED_KEYS
        .iter()
        .map(|(name, _)| *name)
        .chain(function_keys.iter().map(String::as_str));
    Err(KeyParseError::UnknownKey {
        found: key.to_owned(),
        suggestion: did_you_mean(&lowercase, names).map(str::to_owned),
    })
}

impl fmt::Display for KeyChord {
    /// The canonical text: modifiers as `ctrl-alt-shift-`, then the key. Parsing the text
    /// gives the same chord back.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, modifier) in MODIFIER_PREFIXES.iter().chain(&UNBINDABLE_MODIFIERS) {
            if self.modifiers.contains(*modifier) {
                write!(formatter, "{name}-")?;
            }
        }

        if let Some((name, _)) = NAMED_KEYS.iter().find(|(_, code)| *code == self.code) {
            return formatter.write_str(name);
        }
        match self.code {
            KeyCode::Char(character) => write!(formatter, "{character}"),
            KeyCode::F(number) => write!(formatter, "f{number}"),
            other => write!(formatter, "{}", format!("{other:?}").to_lowercase()),
        }
    }
}
