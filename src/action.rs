//! What an operator can ask for. Keys map to these through the keymap; the `:` command line
//! produces them too. Every action can be rebound, quit included.

use serde::{Deserialize, Serialize};

use crate::domain::PaneId;
use crate::keymap::Context;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    FocusNext,
    FocusPrev,
    FocusAlerts,
    FocusTasks,
    FocusTriage,
    FocusMetrics,
    ToggleZoom,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Left,
    Right,
    Open,
    Back,
    Filter,
    ClearFilter,
    Command,
    Help,
    SortNext,
    SortPrev,
    SortReverse,
    Refresh,
    Confirm,
    Reject,
    Edit,
    BulkApply,
    Undo,
    DiscardDraft,
    QueueNext,
    NewSilence,
    ExpireSilence,
    // Actions of the edit forms (Triage decision, new silence).
    Save,
    NextField,
    PrevField,
    ChoiceNext,
    ChoicePrev,
    AddMatcher,
    RemoveMatcher,
    // Actions of confirmation dialogs.
    Yes,
    No,
    Toggle,
    // Actions of text input (filter, command line).
    Submit,
    Cancel,
    Complete,
    HistoryPrev,
    HistoryNext,
}

impl Action {
    /// Every action, in the order the help screen lists them.
    pub const ALL: [Action; 50] = [
        Action::Quit,
        Action::FocusNext,
        Action::FocusPrev,
        Action::FocusAlerts,
        Action::FocusTasks,
        Action::FocusTriage,
        Action::FocusMetrics,
        Action::ToggleZoom,
        Action::Up,
        Action::Down,
        Action::Top,
        Action::Bottom,
        Action::PageUp,
        Action::PageDown,
        Action::Left,
        Action::Right,
        Action::Open,
        Action::Back,
        Action::Filter,
        Action::ClearFilter,
        Action::Command,
        Action::Help,
        Action::SortNext,
        Action::SortPrev,
        Action::SortReverse,
        Action::Refresh,
        Action::Confirm,
        Action::Reject,
        Action::Edit,
        Action::BulkApply,
        Action::Undo,
        Action::DiscardDraft,
        Action::QueueNext,
        Action::NewSilence,
        Action::ExpireSilence,
        Action::Save,
        Action::NextField,
        Action::PrevField,
        Action::ChoiceNext,
        Action::ChoicePrev,
        Action::AddMatcher,
        Action::RemoveMatcher,
        Action::Yes,
        Action::No,
        Action::Toggle,
        Action::Submit,
        Action::Cancel,
        Action::Complete,
        Action::HistoryPrev,
        Action::HistoryNext,
    ];

    /// The name used in keymap files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::FocusNext => "focus_next",
            Action::FocusPrev => "focus_prev",
            Action::FocusAlerts => "focus_alerts",
            Action::FocusTasks => "focus_tasks",
            Action::FocusTriage => "focus_triage",
            Action::FocusMetrics => "focus_metrics",
            Action::ToggleZoom => "toggle_zoom",
            Action::Up => "up",
            Action::Down => "down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Left => "left",
            Action::Right => "right",
            Action::Open => "open",
            Action::Back => "back",
            Action::Filter => "filter",
            Action::ClearFilter => "clear_filter",
            Action::Command => "command",
            Action::Help => "help",
            Action::SortNext => "sort_next",
            Action::SortPrev => "sort_prev",
            Action::SortReverse => "sort_reverse",
            Action::Refresh => "refresh",
            Action::Confirm => "confirm",
            Action::Reject => "reject",
            Action::Edit => "edit",
            Action::BulkApply => "bulk_apply",
            Action::Undo => "undo",
            Action::DiscardDraft => "discard_draft",
            Action::QueueNext => "queue_next",
            Action::NewSilence => "new_silence",
            Action::ExpireSilence => "expire_silence",
            Action::Save => "save",
            Action::NextField => "next_field",
            Action::PrevField => "prev_field",
            Action::ChoiceNext => "choice_next",
            Action::ChoicePrev => "choice_prev",
            Action::AddMatcher => "add_matcher",
            Action::RemoveMatcher => "remove_matcher",
            Action::Yes => "yes",
            Action::No => "no",
            Action::Toggle => "toggle",
            Action::Submit => "submit",
            Action::Cancel => "cancel",
            Action::Complete => "complete",
            Action::HistoryPrev => "history_prev",
            Action::HistoryNext => "history_next",
        }
    }

    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|action| action.name() == name)
    }

    /// One line for the help screen.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit pandaops",
            Action::FocusNext => "focus the next pane",
            Action::FocusPrev => "focus the previous pane",
            Action::FocusAlerts => "focus Alerts",
            Action::FocusTasks => "focus Tasks",
            Action::FocusTriage => "focus Triage",
            Action::FocusMetrics => "focus Metrics",
            Action::ToggleZoom => "zoom the focused pane / show all four",
            Action::Up => "move up",
            Action::Down => "move down",
            Action::Top => "go to the first row",
            Action::Bottom => "go to the last row",
            Action::PageUp => "one page up",
            Action::PageDown => "one page down",
            Action::Left => "scroll long names back",
            Action::Right => "scroll long names on",
            Action::Open => "open the detail view",
            Action::Back => "close the overlay, view or form (forms keep what was typed)",
            Action::Filter => "filter the focused pane",
            Action::ClearFilter => "clear the focused pane's filter",
            Action::Command => "open the command line",
            Action::Help => "show this help",
            Action::SortNext => "sort by the next column",
            Action::SortPrev => "sort by the previous column",
            Action::SortReverse => "reverse the sort order",
            Action::Refresh => "ask the focused pane's source to refresh now",
            Action::Confirm => {
                "Triage: confirm the suggested classification (saved to the journal)"
            }
            Action::Reject => "Triage: reject the suggested classification (saved to the journal)",
            Action::Edit => "Triage: edit the classification, action, description and regex",
            Action::BulkApply => {
                "Triage: apply the selected group's decision to similar groups (asks first)"
            }
            Action::Undo => "Triage: undo the last decision (asks first)",
            Action::DiscardDraft => "Triage: discard the selected group's draft (asks first)",
            Action::QueueNext => {
                "Triage: next queue (unreviewed, suggested, …); Alerts: silences / alerts"
            }
            Action::NewSilence => {
                "Alerts: silence the selected alert (a form; asks before sending)"
            }
            Action::ExpireSilence => {
                "Alerts: expire the selected silence or the alert's (asks first)"
            }
            Action::Save => "edit form: save the decision / send the silence (asks first)",
            Action::NextField => "edit form: next field",
            Action::PrevField => "edit form: previous field",
            Action::ChoiceNext => "edit form: next choice (on a choice field)",
            Action::ChoicePrev => "edit form: previous choice (on a choice field)",
            Action::AddMatcher => "silence form: add a matcher below the focused one",
            Action::RemoveMatcher => "silence form: remove the focused matcher",
            Action::Yes => "dialog: go ahead",
            Action::No => "dialog: cancel",
            Action::Toggle => "dialog: include or leave out the selected line",
            Action::Submit => "accept the input",
            Action::Cancel => "cancel the input",
            Action::Complete => "complete the command",
            Action::HistoryPrev => "previous input from history",
            Action::HistoryNext => "next input from history",
        }
    }

    /// Whether the action can run in a context: text input, the edit form and dialogs each run
    /// their own actions (dialogs also scroll and quit); their actions mean nothing elsewhere.
    pub fn works_in(self, context: Context) -> bool {
        let input = matches!(
            self,
            Action::Submit
                | Action::Cancel
                | Action::Complete
                | Action::HistoryPrev
                | Action::HistoryNext
        );
        let edit = matches!(
            self,
            Action::Save
                | Action::NextField
                | Action::PrevField
                | Action::ChoiceNext
                | Action::ChoicePrev
                | Action::AddMatcher
                | Action::RemoveMatcher
        );
        let dialog = matches!(self, Action::Yes | Action::No | Action::Toggle);
        match context {
            Context::Input => input,
            Context::Edit => edit || self == Action::Back,
            Context::Dialog => {
                dialog
                    || matches!(
                        self,
                        Action::Up
                            | Action::Down
                            | Action::Top
                            | Action::Bottom
                            | Action::PageUp
                            | Action::PageDown
                            | Action::Quit
                    )
            }
            Context::Global | Context::Table | Context::Detail | Context::Help => {
                !input && !edit && !dialog
            }
        }
    }

    /// The pane a focus action goes to.
    pub fn focus_target(self) -> Option<PaneId> {
        match self {
            Action::FocusAlerts => Some(PaneId::Alerts),
            Action::FocusTasks => Some(PaneId::Tasks),
            Action::FocusTriage => Some(PaneId::Triage),
            Action::FocusMetrics => Some(PaneId::Metrics),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_through_its_name() {
        for action in Action::ALL {
            assert_eq!(Action::from_name(action.name()), Some(action));
        }
        assert_eq!(Action::from_name("no_such_action"), None);
    }
}
