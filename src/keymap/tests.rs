use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::*;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn chord(text: &str) -> Result<KeyChord, KeyParseError> {
    text.parse()
}

fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, modifiers)
}

/// Writes `text` to a fresh file named keymap.toml and returns its path.
fn user_file(text: &str) -> std::io::Result<PathBuf> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let directory = std::env::temp_dir().join(format!(
        "pandaops-keymap-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&directory)?;
    let path = directory.join("keymap.toml");
    std::fs::write(&path, text)?;
    Ok(path)
}

fn load_with_user(text: &str) -> Result<LoadedKeymap, Box<dyn std::error::Error>> {
    let path = user_file(text)?;
    Ok(load("default", Some(&path))?)
}

fn messages(loaded: &LoadedKeymap, severity: Severity) -> Vec<String> {
    loaded
        .problems
        .iter()
        .filter(|problem| problem.severity == severity)
        .map(ToString::to_string)
        .collect()
}

#[test]
fn single_characters_parse_as_themselves() -> TestResult {
    for text in ["j", "G", "?", "/", ":", "1", "<", "-", "é"] {
        let parsed = chord(text)?;
        assert!(matches!(parsed.code(), KeyCode::Char(_)), "{text}");
        assert_eq!(parsed.modifiers(), KeyModifiers::NONE, "{text}");
        assert_eq!(parsed.to_string(), text);
    }
    Ok(())
}

#[test]
fn named_keys_parse_and_print_canonically() -> TestResult {
    let expected = [
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
    for (text, code) in expected {
        assert_eq!(
            chord(text)?,
            KeyChord::new(code, KeyModifiers::NONE),
            "{text}"
        );
        assert_eq!(chord(text)?.to_string(), text);
    }
    for number in 1..=12 {
        let text = format!("f{number}");
        assert_eq!(chord(&text)?.code(), KeyCode::F(number));
        assert_eq!(chord(&text)?.to_string(), text);
    }
    assert_eq!(chord("Enter")?, chord("enter")?);
    assert_eq!(chord("F5")?, chord("f5")?);
    Ok(())
}

#[test]
fn modifiers_combine_and_print_in_fixed_order() -> TestResult {
    let parsed = chord("ctrl-alt-x")?;
    assert_eq!(parsed.code(), KeyCode::Char('x'));
    assert_eq!(
        parsed.modifiers(),
        KeyModifiers::CONTROL | KeyModifiers::ALT
    );
    assert_eq!(chord("alt-ctrl-x")?, parsed);
    assert_eq!(parsed.to_string(), "ctrl-alt-x");
    assert_eq!(chord("ctrl-r")?.to_string(), "ctrl-r");
    assert_eq!(chord("alt-<")?.to_string(), "alt-<");
    assert_eq!(chord("ctrl--")?.code(), KeyCode::Char('-'));
    assert_eq!(chord("shift-up")?.to_string(), "shift-up");
    assert_eq!(chord("ctrl-shift-f5")?.to_string(), "ctrl-shift-f5");
    Ok(())
}

#[test]
fn shifted_letters_and_backtab_normalise() -> TestResult {
    assert_eq!(chord("G")?, chord("shift-g")?);
    assert_eq!(chord("G")?, chord("shift-G")?);
    assert_eq!(chord("shift-g")?.to_string(), "G");
    assert_eq!(chord("alt-shift-g")?, chord("alt-G")?);
    assert_eq!(chord("backtab")?, chord("shift-tab")?);
    assert_eq!(chord("shift-tab")?.to_string(), "backtab");

    // What crossterm reports for Shift+g and Shift+Tab.
    let shift_g = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
    assert_eq!(KeyChord::from_event(&shift_g), chord("G")?);
    let backtab = press(KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(KeyChord::from_event(&backtab), chord("backtab")?);
    let question = press(KeyCode::Char('?'), KeyModifiers::SHIFT);
    assert_eq!(KeyChord::from_event(&question), chord("?")?);
    Ok(())
}

#[test]
fn bad_keys_say_what_was_found_and_expected() -> TestResult {
    let error = |text: &str| text.parse::<KeyChord>().err();
    let message = |text: &str| error(text).map(|error| error.to_string());

    assert_eq!(error(""), Some(KeyParseError::Empty));
    assert!(matches!(
        error("ctrl-"),
        Some(KeyParseError::MissingKey { .. })
    ));
    assert!(matches!(
        error("ctrl-ctrl-x"),
        Some(KeyParseError::RepeatedModifier { .. })
    ));
    assert!(matches!(
        error("shift-1"),
        Some(KeyParseError::ShiftedSymbol { .. })
    ));
    assert_eq!(
        message("entr").as_deref(),
        Some("unknown key \"entr\" (did you mean \"enter\"?)")
    );
    assert_eq!(
        message("cntrl-x").as_deref(),
        Some("unknown modifier \"cntrl\" (did you mean \"ctrl\"?)")
    );
    assert_eq!(
        message("f13"),
        Some(format!(
            "unknown key \"f13\"; expected {}",
            super::chord::EXPECTED_KEY
        ))
    );
    Ok(())
}

#[test]
fn both_built_in_maps_load_without_problems() -> TestResult {
    for base in base_names() {
        let loaded = load(&base, None)?;
        assert_eq!(loaded.problems, Vec::new(), "keymap {base}");
    }
    Ok(())
}

#[test]
fn emacs_binds_every_action_default_binds() -> TestResult {
    let default = load("default", None)?.keymap;
    let emacs = load("emacs", None)?.keymap;
    for context in Context::ALL {
        for action in Action::ALL {
            if !default.keys_for(context, action).is_empty() {
                assert!(
                    !emacs.keys_for(context, action).is_empty(),
                    "emacs has no key for {} in {context}",
                    action.name()
                );
            }
        }
    }
    for action in Action::ALL {
        let bound = Context::ALL
            .into_iter()
            .any(|context| !default.keys_for(context, action).is_empty());
        assert!(bound, "default has no key for {}", action.name());
    }
    Ok(())
}

#[test]
fn default_map_runs_the_documented_keys() -> TestResult {
    let keymap = load("default", None)?.keymap;
    let run = |context, text: &str| chord(text).map(|key| keymap.action_for_chord(context, &key));
    assert_eq!(run(Context::Global, "q")?, Some(Action::Quit));
    assert_eq!(run(Context::Global, "ctrl-c")?, Some(Action::Quit));
    assert_eq!(run(Context::Table, "G")?, Some(Action::Bottom));
    assert_eq!(run(Context::Table, "end")?, Some(Action::Bottom));
    assert_eq!(run(Context::Table, "home")?, Some(Action::Top));
    assert_eq!(run(Context::Table, "S")?, Some(Action::SortPrev));
    assert_eq!(run(Context::Table, "tab")?, Some(Action::FocusNext));
    assert_eq!(run(Context::Detail, "q")?, Some(Action::Back));
    assert_eq!(run(Context::Detail, "ctrl-c")?, Some(Action::Quit));
    assert_eq!(run(Context::Help, "?")?, Some(Action::Back));
    assert_eq!(run(Context::Table, "esc")?, None);

    let shift_g = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
    assert_eq!(
        keymap.action_for(Context::Table, &shift_g),
        Some(Action::Bottom)
    );
    Ok(())
}

#[test]
fn input_gets_keys_first_and_never_falls_back() -> TestResult {
    let keymap = load("default", None)?.keymap;
    let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
    assert_eq!(keymap.action_for(Context::Input, &q), None);
    assert_eq!(keymap.action_for(Context::Table, &q), Some(Action::Quit));

    let tab = press(KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(
        keymap.action_for(Context::Input, &tab),
        Some(Action::Complete)
    );
    assert_eq!(
        keymap.action_for(Context::Table, &tab),
        Some(Action::FocusNext)
    );

    // The text input's own keys (redo, word motion) are not taken by global bindings.
    let ctrl_r = press(KeyCode::Char('r'), KeyModifiers::CONTROL);
    assert_eq!(keymap.action_for(Context::Input, &ctrl_r), None);

    let enter = press(KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(
        keymap.action_for(Context::Input, &enter),
        Some(Action::Submit)
    );
    Ok(())
}

#[test]
fn key_releases_run_nothing() -> TestResult {
    let keymap = load("default", None)?.keymap;
    let release = KeyEvent::new_with_kind(
        KeyCode::Char('q'),
        KeyModifiers::NONE,
        KeyEventKind::Release,
    );
    assert_eq!(keymap.action_for(Context::Global, &release), None);
    Ok(())
}

#[test]
fn a_user_action_gets_exactly_the_listed_keys() -> TestResult {
    let loaded = load_with_user("[global]\nquit = [\"ctrl-q\"]\n")?;
    assert_eq!(loaded.problems, Vec::new());
    let keymap = &loaded.keymap;
    assert_eq!(
        keymap.keys_for(Context::Global, Action::Quit),
        vec![chord("ctrl-q")?]
    );
    assert_eq!(keymap.action_for_chord(Context::Global, &chord("q")?), None);
    assert_eq!(
        keymap.action_for_chord(Context::Global, &chord("ctrl-c")?),
        None
    );
    // Other actions keep the base keys.
    assert_eq!(
        keymap.keys_for(Context::Global, Action::Refresh),
        vec![chord("ctrl-r")?]
    );
    Ok(())
}

#[test]
fn user_binding_wins_a_conflict_and_the_default_action_loses_the_key() -> TestResult {
    // The field report's case, adapted: the user binds `s` to refresh in the table while the
    // default map has `s` for sort_next there.
    let loaded = load_with_user("[table]\nrefresh = [\"s\"]\n")?;
    let keymap = &loaded.keymap;
    assert_eq!(
        keymap.action_for_chord(Context::Table, &chord("s")?),
        Some(Action::Refresh)
    );
    assert_eq!(
        keymap.keys_for(Context::Table, Action::SortNext),
        Vec::new()
    );

    let warnings = messages(&loaded, Severity::Warning);
    let path = user_file_label(&loaded);
    assert!(
        warnings.contains(&format!(
            "{path}:2:12: warning: `s` bound to refresh (user) and sort_next (default) in \
             context table; refresh keeps it, sort_next loses it"
        )),
        "{warnings:#?}"
    );
    assert!(
        warnings.contains(
            &"warning: action `sort_next` has no key in any context; expected at least one key \
              under a context such as [global]"
                .to_owned()
        ),
        "{warnings:#?}"
    );
    assert!(!loaded.has_errors());
    Ok(())
}

/// The user file's label as it appears in messages.
fn user_file_label(loaded: &LoadedKeymap) -> String {
    loaded
        .problems
        .iter()
        .filter_map(|problem| problem.location.as_deref())
        .find_map(|location| location.rsplitn(3, ':').nth(2))
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn two_user_actions_on_one_key_is_an_error_and_the_first_keeps_it() -> TestResult {
    let loaded = load_with_user("[table]\nrefresh = [\"x\"]\nopen = [\"x\"]\n")?;
    let errors = messages(&loaded, Severity::Error);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains(":3:9: error: `x` bound to refresh (user) and open (user)"));
    assert_eq!(
        loaded.keymap.action_for_chord(Context::Table, &chord("x")?),
        Some(Action::Refresh)
    );
    Ok(())
}

#[test]
fn unknown_names_and_keys_are_errors_with_line_and_column() -> TestResult {
    let text = "[global]\nquit = [\"q\"]\nmark_unknwn = [\"U\"]\nsort_nxt = [\"x\"]\n\n\
                [tabel]\ndown = [\"j\"]\n\n[table]\ndown = [\"j\", \"pgdown\"]\n";
    let loaded = load_with_user(text)?;
    let errors: Vec<String> = loaded
        .problems
        .iter()
        .filter(|problem| problem.severity == Severity::Error)
        .map(|problem| problem.text().to_owned())
        .collect();
    let locations: Vec<String> = loaded
        .problems
        .iter()
        .filter(|problem| problem.severity == Severity::Error)
        .filter_map(|problem| problem.location.clone())
        .map(|location| {
            location
                .rsplitn(3, ':')
                .take(2)
                .collect::<Vec<_>>()
                .join("<")
        })
        .collect();

    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert!(errors[0].starts_with("unknown action \"mark_unknwn\"; expected one of: quit, "));
    assert_eq!(
        errors[1],
        "unknown action \"sort_nxt\" (did you mean \"sort_next\"?)"
    );
    assert_eq!(
        errors[2],
        "unknown context \"tabel\" (did you mean \"table\"?)"
    );
    assert_eq!(
        errors[3],
        "unknown key \"pgdown\" (did you mean \"pagedown\"?); the line \"down\" in [table] is \
         ignored"
    );
    // Column, then line (reversed by rsplitn).
    assert_eq!(locations, vec!["1<3", "1<4", "2<6", "14<10"]);

    // The bad line is ignored as a whole: `down` keeps the default keys.
    assert_eq!(
        loaded.keymap.keys_for(Context::Table, Action::Down),
        vec![chord("j")?, chord("down")?]
    );
    // The valid line in the same file still applies.
    assert_eq!(
        loaded.keymap.keys_for(Context::Global, Action::Quit),
        vec![chord("q")?]
    );
    Ok(())
}

#[test]
fn an_action_outside_a_context_is_explained() -> TestResult {
    let loaded = load_with_user("quit = [\"q\"]\n")?;
    let errors = messages(&loaded, Severity::Error);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains(":1:1: error: \"quit\" is an action outside any context"));
    Ok(())
}

#[test]
fn wrong_value_types_are_errors() -> TestResult {
    let loaded = load_with_user("[global]\nquit = 3\nhelp = [\"?\", 4]\n")?;
    let errors = messages(&loaded, Severity::Error);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].contains(":2:8: error: keys of \"quit\" in [global] are an integer"));
    assert!(
        errors[1].contains(":3:14: error: a key is an integer"),
        "{errors:#?}"
    );
    Ok(())
}

#[test]
fn toml_syntax_errors_fail_the_load_with_a_position() -> TestResult {
    let path = user_file("[global]\nquit = [\"q\"\n")?;
    let error = load("default", Some(&path))
        .err()
        .map(|error| error.to_string());
    let message = error.unwrap_or_default();
    assert!(
        message.starts_with(&path.display().to_string()),
        "{message}"
    );
    assert!(message.contains(":2:"), "{message}");
    Ok(())
}

#[test]
fn a_missing_user_file_counts_as_absent() -> TestResult {
    let path = std::env::temp_dir().join("pandaops-keymap-test-no-such-dir/keymap.toml");
    let loaded = load("default", Some(&path))?;
    assert_eq!(loaded.problems, Vec::new());
    Ok(())
}

#[test]
fn unknown_base_lists_the_available_maps() -> TestResult {
    let error = load("vim", None).err().map(|error| error.to_string());
    assert_eq!(
        error.as_deref(),
        Some("unknown keymap \"vim\"; expected one of: default, emacs")
    );
    Ok(())
}

#[test]
fn destructive_actions_stay_off_escape_sequence_keys() -> TestResult {
    let text = "[global]\nquit = [\"esc\", \"alt-q\", \"[\", \"O\", \"A\", \"ctrl-q\"]\n";
    let loaded = load_with_user(text)?;
    let errors = messages(&loaded, Severity::Error);
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert!(errors[0].contains("`esc` cannot run quit (a destructive action) in context global"));
    assert!(errors[1].contains("`alt-q` cannot run quit"));
    assert_eq!(
        loaded.keymap.keys_for(Context::Global, Action::Quit),
        vec![chord("ctrl-q")?]
    );
    Ok(())
}

#[test]
fn an_esc_only_action_is_a_warning() -> TestResult {
    let loaded = load_with_user("[detail]\nback = [\"esc\"]\n")?;
    let warnings = messages(&loaded, Severity::Warning);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(warnings[0].contains(":2:1: warning: back in context detail is bound only to esc"));
    Ok(())
}

#[test]
fn printable_keys_in_input_are_a_warning() -> TestResult {
    let loaded = load_with_user("[input]\nsubmit = [\"enter\", \"x\"]\n")?;
    let warnings = messages(&loaded, Severity::Warning);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(warnings[0].contains("`x` runs submit in context input"));
    Ok(())
}

#[test]
fn a_user_key_hiding_a_global_one_is_a_note() -> TestResult {
    let loaded = load_with_user("[table]\nsort_reverse = [\"z\"]\n")?;
    let notes = messages(&loaded, Severity::Note);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(notes[0].contains(
        ":2:17: note: `z` runs sort_reverse in context table and hides toggle_zoom (global) there"
    ));
    assert_eq!(
        loaded.keymap.keys_for(Context::Table, Action::ToggleZoom),
        Vec::new()
    );
    assert_eq!(
        loaded.keymap.keys_for(Context::Global, Action::ToggleZoom),
        vec![chord("z")?]
    );
    Ok(())
}

#[test]
fn keys_for_a_context_leave_out_hidden_global_keys() -> TestResult {
    let keymap = load("default", None)?.keymap;
    assert_eq!(
        keymap.keys_for(Context::Detail, Action::Quit),
        vec![chord("ctrl-c")?]
    );
    assert_eq!(
        keymap
            .first_key_label(Context::Table, Action::Quit)
            .as_deref(),
        Some("q")
    );
    assert_eq!(
        keymap
            .first_key_label(Context::Detail, Action::Back)
            .as_deref(),
        Some("esc")
    );
    assert_eq!(keymap.first_key_label(Context::Input, Action::Quit), None);
    Ok(())
}

#[test]
fn help_sections_list_each_context_own_keys() -> TestResult {
    let keymap = load("default", None)?.keymap;
    let sections = keymap.help_sections();
    let contexts: Vec<Context> = sections.iter().map(|(context, _)| *context).collect();
    assert_eq!(contexts, Context::ALL.to_vec());

    let table = &sections[1].1;
    let bottom = table.iter().find(|(action, _)| *action == Action::Bottom);
    assert_eq!(
        bottom.map(|(_, keys)| keys.clone()),
        Some(vec!["G".to_owned(), "end".to_owned()])
    );

    let loaded = load_with_user(
        "[detail]\nback = []\nup = []\ndown = []\npage_up = []\n\
                                 page_down = []\ntop = []\nbottom = []\n",
    )?;
    let sections = loaded.keymap.help_sections();
    assert!(
        sections
            .iter()
            .all(|(context, _)| *context != Context::Detail)
    );
    Ok(())
}

#[test]
fn check_report_prints_compiler_style_lines_and_exit_code() -> TestResult {
    let (report, code) = check_report("default", None);
    assert_eq!(code, 0);
    assert_eq!(report, "keymap: ok (base default, no user file)\n");

    let path = user_file("[table]\nmark_unknwn = [\"U\"]\n")?;
    let (report, code) = check_report("default", Some(&path));
    assert_eq!(code, 1);
    let first_line = report.lines().next().unwrap_or_default();
    assert!(
        first_line.starts_with(&format!(
            "{}:2:1: error: unknown action \"mark_unknwn\"",
            path.display()
        )),
        "{report}"
    );
    assert!(
        report.ends_with("1 error(s), 0 warning(s), 0 note(s)\n"),
        "{report}"
    );

    let (report, code) = check_report("vim", None);
    assert_eq!(code, 1);
    assert!(report.starts_with("error: unknown keymap \"vim\""));
    Ok(())
}

#[test]
fn bindings_that_cannot_work_are_errors() -> TestResult {
    let path =
        std::env::temp_dir().join(format!("pandaops-keymap-never-{}.toml", std::process::id()));
    std::fs::write(
        &path,
        "[global]\nsubmit = [\"x\"]\n[input]\nquit = [\"ctrl-q\"]\n[table]\nrefresh = [\"ctrl-z\"]\n",
    )?;
    let loaded = load("default", Some(&path))?;
    let _ = std::fs::remove_file(&path);
    let errors: Vec<String> = loaded
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.text().to_string())
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors[0].contains("\"submit\" cannot work in [global]"),
        "{errors:?}"
    );
    assert!(
        errors[1].contains("\"quit\" cannot work in [input]"),
        "{errors:?}"
    );
    assert!(
        errors[2].contains("`ctrl-z` is kept for suspending"),
        "{errors:?}"
    );
    // The defaults stay: quit still has its keys, and ctrl-q does nothing in input.
    let ctrl_q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert_eq!(loaded.keymap.action_for(Context::Input, &ctrl_q), None);
    Ok(())
}

#[test]
fn the_edit_form_and_dialogs_have_their_own_contexts() -> TestResult {
    let keymap = load("default", None)?.keymap;
    let key = |text: &str| -> Result<KeyEvent, KeyParseError> {
        let chord = chord(text)?;
        Ok(KeyEvent::new(chord.code(), chord.modifiers()))
    };
    // Letters are typed into the form's fields; only its own keys act there.
    assert_eq!(keymap.action_for(Context::Edit, &key("q")?), None);
    assert_eq!(
        keymap.action_for(Context::Edit, &key("ctrl-s")?),
        Some(Action::Save)
    );
    assert_eq!(
        keymap.action_for(Context::Edit, &key("esc")?),
        Some(Action::Back)
    );
    // A dialog must be answered: the pane keys behind it do nothing.
    assert_eq!(keymap.action_for(Context::Dialog, &key("2")?), None);
    assert_eq!(
        keymap.action_for(Context::Dialog, &key("y")?),
        Some(Action::Yes)
    );
    assert_eq!(
        keymap.action_for(Context::Dialog, &key("esc")?),
        Some(Action::No)
    );
    assert_eq!(
        keymap.action_for(Context::Table, &key("e")?),
        Some(Action::Edit)
    );
    Ok(())
}

#[test]
fn dialog_and_edit_bindings_are_checked_like_the_others() -> TestResult {
    // `yes` goes ahead with an undo or a bulk apply: never on a key a split escape sequence makes.
    let loaded = load_with_user("[dialog]\nyes = [\"esc\", \"y\"]\n")?;
    let errors = messages(&loaded, Severity::Error);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains("`esc` cannot run yes (a destructive action) in context dialog"));
    // A letter bound in the form could no longer be typed.
    let loaded = load_with_user("[edit]\nsave = [\"ctrl-s\", \"w\"]\n")?;
    let warnings = messages(&loaded, Severity::Warning);
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(warnings[0].contains("`w` runs save in context edit"));
    // Actions of one context mean nothing in another.
    let loaded = load_with_user("[edit]\nconfirm = [\"ctrl-o\"]\n[table]\nyes = [\"Y\"]\n")?;
    let errors = messages(&loaded, Severity::Error);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].contains("\"confirm\" cannot work in [edit]"));
    assert!(errors[1].contains("\"yes\" cannot work in [table]"));
    Ok(())
}
