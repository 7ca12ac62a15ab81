//! Merging the user's entries over the base map, resolving conflicts, and the load-time checks.
//!
//! Conflicts are resolved in one fixed order, never by hash or focus order: user bindings
//! first (in file order), then the base map's (in file order). A key already taken is lost by
//! the later binding, and every loss is reported.

use std::collections::{BTreeMap, HashMap};

use crossterm::event::{KeyCode, KeyModifiers};

use super::file::{FileEntry, PlacedKey};
use super::{CONTEXTS, Context, ContextKeys, DESTRUCTIVE, KeyChord, Keymap, Problem, Severity};
use crate::action::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Base,
    User,
}

impl Origin {
    /// How messages name the origin: "user", or the base map's name.
    fn label(self, base_name: &str) -> &str {
        match self {
            Origin::Base => base_name,
            Origin::User => "user",
        }
    }
}

/// The keys one action has in one context, and where they came from.
#[derive(Debug, Clone)]
struct Claim {
    origin: Origin,
    keys: Vec<PlacedKey>,
    location: String,
    offset: usize,
}

type ContextClaims = BTreeMap<Action, Claim>;

/// Who holds a key in a context while conflicts are resolved.
struct Holder {
    action: Action,
    origin: Origin,
    location: String,
}

/// Merges `user` over `base` per (context, action), resolves conflicts and runs the checks.
pub(super) fn resolve(
    base_name: &str,
    base: Vec<FileEntry>,
    user: Vec<FileEntry>,
    problems: &mut Vec<Problem>,
) -> Keymap {
    let mut contexts: [ContextClaims; CONTEXTS] = Default::default();
    let layers = [(Origin::Base, base), (Origin::User, user)];
    for (origin, entries) in layers {
        for entry in entries {
            let claim = Claim {
                origin,
                keys: entry.keys,
                location: entry.location,
                offset: entry.offset,
            };
            contexts[entry.context.index()].insert(entry.action, claim);
        }
    }

    for context in Context::ALL {
        let claims = &mut contexts[context.index()];
        drop_unsafe_destructive_keys(context, claims, problems);
        resolve_conflicts(context, claims, base_name, problems);
        report_esc_only(context, claims, problems);
    }
    report_printable_input(Context::Input, &contexts[Context::Input.index()], problems);
    report_printable_input(Context::Edit, &contexts[Context::Edit.index()], problems);
    report_shadowed_globals(&contexts, problems);
    report_unbound(&contexts, problems);

    build(&contexts)
}

/// Why a key is unsafe for a destructive action, if it is.
fn destructive_hazard(chord: &KeyChord) -> Option<&'static str> {
    let bare = chord.modifiers().is_empty();
    match chord.code() {
        _ if chord.modifiers().contains(KeyModifiers::ALT) => Some(
            "over tmux and slow SSH links, esc followed quickly by a key arrives as alt and \
             that key",
        ),
        KeyCode::Esc if bare => {
            Some("a lone esc is how every arrow and function key starts, and tmux delays it")
        }
        KeyCode::Char('[' | 'O') if bare => {
            Some("it is the second byte of arrow-key sequences, which a slow link can split off")
        }
        KeyCode::Char('A' | 'B' | 'C' | 'D' | 'H' | 'F' | '~') if bare => Some(
            "it is the last byte of arrow, Home and End key sequences, which a slow link can \
             split off",
        ),
        _ => None,
    }
}

fn drop_unsafe_destructive_keys(
    context: Context,
    claims: &mut ContextClaims,
    problems: &mut Vec<Problem>,
) {
    for (action, claim) in claims.iter_mut() {
        if !DESTRUCTIVE.contains(action) {
            continue;
        }
        claim.keys.retain(|key| {
            let Some(hazard) = destructive_hazard(&key.chord) else {
                return true;
            };
            let text = format!(
                "`{chord}` cannot run {action} (a destructive action) in context {context}: \
                 {hazard}; expected a key no escape sequence produces, such as `q` or \
                 `ctrl-q`; the key is dropped",
                chord = key.chord,
                action = action.name()
            );
            problems.push(Problem::error(key.location.clone(), text));
            false
        });
    }
}

fn resolve_conflicts(
    context: Context,
    claims: &mut ContextClaims,
    base_name: &str,
    problems: &mut Vec<Problem>,
) {
    let mut order: Vec<(Origin, usize, Action)> = claims
        .iter()
        .map(|(action, claim)| (claim.origin, claim.offset, *action))
        .collect();
    order.sort_by_key(|(origin, offset, _)| (*origin == Origin::Base, *offset));

    let mut holders: HashMap<KeyChord, Holder> = HashMap::new();
    for (_, _, action) in order {
        let Some(claim) = claims.get_mut(&action) else {
            continue;
        };
        let origin = claim.origin;
        claim.keys.retain(|key| {
            let Some(holder) = holders.get(&key.chord) else {
                holders.insert(
                    key.chord,
                    Holder {
                        action,
                        origin,
                        location: key.location.clone(),
                    },
                );
                return true;
            };

            let both = format!(
                "`{chord}` bound to {winner} ({winner_origin}) and {loser} ({loser_origin}) in \
                 context {context}",
                chord = key.chord,
                winner = holder.action.name(),
                winner_origin = holder.origin.label(base_name),
                loser = action.name(),
                loser_origin = origin.label(base_name),
            );
            let problem = if holder.origin == Origin::User && origin == Origin::User {
                let text = format!(
                    "{both}; expected each key once per context; {winner}, written first at \
                     {place}, keeps it",
                    winner = holder.action.name(),
                    place = holder.location
                );
                Problem::error(key.location.clone(), text)
            } else {
                let text = format!(
                    "{both}; {winner} keeps it, {loser} loses it",
                    winner = holder.action.name(),
                    loser = action.name()
                );
                Problem::new(Severity::Warning, Some(holder.location.clone()), text)
            };
            problems.push(problem);
            false
        });
    }
}

fn is_bare_esc(chord: &KeyChord) -> bool {
    chord.code() == KeyCode::Esc && chord.modifiers().is_empty()
}

fn report_esc_only(context: Context, claims: &ContextClaims, problems: &mut Vec<Problem>) {
    for (action, claim) in claims {
        if !claim.keys.is_empty() && claim.keys.iter().all(|key| is_bare_esc(&key.chord)) {
            let text = format!(
                "{action} in context {context} is bound only to esc, which tmux delays and slow \
                 links can mangle; expected also a key such as `q` or `ctrl-g`",
                action = action.name()
            );
            problems.push(Problem::new(
                Severity::Warning,
                Some(claim.location.clone()),
                text,
            ));
        }
    }
}

/// Keys that text fields can no longer receive. In the edit form, choice keys act only on choice
/// fields and are typed into text fields, so they are free to be printable.
fn report_printable_input(context: Context, claims: &ContextClaims, problems: &mut Vec<Problem>) {
    for (action, claim) in claims {
        if matches!(action, Action::ChoiceNext | Action::ChoicePrev) {
            continue;
        }
        for key in claim.keys.iter().filter(|key| key.chord.is_printable()) {
            let text = format!(
                "`{chord}` runs {action} in context {context}, so it can no longer be typed \
                 into a text field; expected a key with ctrl- or alt-, or a named key such as \
                 enter",
                chord = key.chord,
                action = action.name()
            );
            problems.push(Problem::new(
                Severity::Warning,
                Some(key.location.clone()),
                text,
            ));
        }
    }
}

/// Notes where a user binding in an overlay or table hides a different global action. The
/// base maps hide some global keys on purpose (`q` closes the detail view), so shadows
/// between two base bindings are not reported.
fn report_shadowed_globals(contexts: &[ContextClaims; CONTEXTS], problems: &mut Vec<Problem>) {
    let global = &contexts[Context::Global.index()];
    for context in [Context::Table, Context::Detail, Context::Help] {
        for (action, claim) in &contexts[context.index()] {
            for key in &claim.keys {
                let hidden = global.iter().find_map(|(global_action, global_claim)| {
                    global_claim
                        .keys
                        .iter()
                        .find(|global_key| global_key.chord == key.chord)
                        .map(|global_key| (*global_action, global_claim.origin, global_key))
                });
                let Some((global_action, global_origin, global_key)) = hidden else {
                    continue;
                };
                if global_action == *action
                    || (claim.origin == Origin::Base && global_origin == Origin::Base)
                {
                    continue;
                }
                let location = if claim.origin == Origin::User {
                    &key.location
                } else {
                    &global_key.location
                };
                let text = format!(
                    "`{chord}` runs {action} in context {context} and hides {global} (global) \
                     there",
                    chord = key.chord,
                    action = action.name(),
                    global = global_action.name()
                );
                problems.push(Problem::new(Severity::Note, Some(location.clone()), text));
            }
        }
    }
}

fn report_unbound(contexts: &[ContextClaims; CONTEXTS], problems: &mut Vec<Problem>) {
    for action in Action::ALL {
        let bound = contexts.iter().any(|claims| {
            claims
                .get(&action)
                .is_some_and(|claim| !claim.keys.is_empty())
        });
        if !bound {
            let text = format!(
                "action `{}` has no key in any context; expected at least one key under a \
                 context such as [global]",
                action.name()
            );
            problems.push(Problem::new(Severity::Warning, None, text));
        }
    }
}

fn build(contexts: &[ContextClaims; CONTEXTS]) -> Keymap {
    let mut keymap = Keymap {
        contexts: Default::default(),
    };
    for context in Context::ALL {
        let keys: &mut ContextKeys = &mut keymap.contexts[context.index()];
        for (action, claim) in &contexts[context.index()] {
            if claim.keys.is_empty() {
                continue;
            }
            let chords: Vec<KeyChord> = claim.keys.iter().map(|key| key.chord).collect();
            for chord in &chords {
                keys.by_key.insert(*chord, *action);
            }
            keys.actions.push((*action, chords));
        }
    }
    keymap
}
