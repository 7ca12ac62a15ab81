//! Reading the console's screen: rows as text with one character per cell, panes by their title,
//! table columns by their header.

/// The screen as text, one line per row and one character per cell (a wide character's second
/// cell is a space), so that a character's index in a line is its column.
pub fn screen_text(screen: &vt100::Screen) -> String {
    let (rows, cols) = screen.size();
    let mut text = String::new();
    for row in 0..rows.get() {
        for col in 0..cols.get() {
            let first = screen
                .cell(row, col)
                .and_then(|cell| cell.contents().chars().next());
            text.push(first.unwrap_or(' '));
        }
        text.push('\n');
    }
    text
}

/// The text with every run of whitespace, line ends included, made one space: for messages that
/// may wrap.
pub fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The last row, where the status line is.
pub fn status_line(text: &str) -> &str {
    text.lines().last().unwrap_or("").trim()
}

/// Whether the status line ends with the demo mark and a `HH:MM:SS UTC` clock.
pub fn status_shows_demo_clock(text: &str) -> bool {
    let Some(rest) = status_line(text).strip_suffix(" UTC") else {
        return false;
    };
    let Some(clock_at) = rest.len().checked_sub(8) else {
        return false;
    };
    let (head, clock) = rest.split_at(clock_at);
    let digits_ok = clock.char_indices().all(|(i, c)| match i {
        2 | 5 => c == ':',
        _ => c.is_ascii_digit(),
    });
    digits_ok && head.ends_with("DEMO · simulated data · ")
}

/// Whether the frame fills exactly `cols` x `rows` with the four-pane grid: pane corners in the
/// four corners above the status line, and the status line last.
pub fn grid_fills(text: &str, cols: usize, rows: usize) -> bool {
    let lines: Vec<Vec<char>> = text.lines().map(|line| line.chars().collect()).collect();
    let corner = |row: usize, col: usize, allowed: &[char]| {
        lines
            .get(row)
            .and_then(|line| line.get(col))
            .is_some_and(|c| allowed.contains(c))
    };
    lines.len() == rows
        && lines.iter().all(|line| line.len() == cols)
        && corner(0, 0, &['┌', '┏'])
        && corner(0, cols - 1, &['┐', '┓'])
        && corner(rows - 2, 0, &['└', '┗'])
        && corner(rows - 2, cols - 1, &['┘', '┛'])
        && status_shows_demo_clock(text)
}

/// Where a box drawn with double lines (the help overlay) is: its top row, left and right columns.
pub fn double_box(text: &str) -> Option<(usize, usize, usize)> {
    text.lines().enumerate().find_map(|(row, line)| {
        let chars: Vec<char> = line.chars().collect();
        let left = chars.iter().position(|&c| c == '╔')?;
        let right = chars.iter().position(|&c| c == '╗')?;
        Some((row, left, right))
    })
}

/// A bordered pane as drawn on screen.
#[derive(Debug)]
pub struct Pane {
    /// The top border between the corners: the title, the health, the border line.
    pub title: String,
    /// A focused pane has a thick border.
    pub focused: bool,
    /// Screen row of the top border.
    pub top: usize,
    /// Screen column of the left border.
    pub left: usize,
    /// The rows inside the border.
    pub inner: Vec<String>,
}

/// Finds the pane whose title starts with ` <number> <name> `.
pub fn pane(text: &str, number: u8, name: &str) -> Option<Pane> {
    let lines: Vec<Vec<char>> = text.lines().map(|line| line.chars().collect()).collect();
    let needle: Vec<char> = format!(" {number} {name} ").chars().collect();
    for (top, line) in lines.iter().enumerate() {
        let Some(at) = line
            .windows(needle.len())
            .position(|w| w == needle.as_slice())
        else {
            continue;
        };
        let left = at.checked_sub(1)?;
        let focused = match line[left] {
            '┏' => true,
            '┌' => false,
            _ => continue,
        };
        let right = left + line[left..].iter().position(|&c| c == '┐' || c == '┓')?;
        let title = line[left + 1..right].iter().collect();
        let inner = lines[top + 1..]
            .iter()
            .take_while(|row| !matches!(row.get(left), Some('└' | '┗') | None))
            .map(|row| row.iter().take(right).skip(left + 1).collect())
            .collect();
        return Some(Pane {
            title,
            focused,
            top,
            left,
            inner,
        });
    }
    None
}

/// One column of a table: where its header starts, up to the next header.
pub fn column_range(header: &str, name: &str) -> Option<std::ops::Range<usize>> {
    let chars: Vec<char> = header.chars().collect();
    let start = header[..header.find(name)?].chars().count();
    let mut end = start + name.chars().count();
    while end < chars.len() && chars[end] != ' ' {
        end += 1;
    }
    while end < chars.len() && chars[end] == ' ' {
        end += 1;
    }
    Some(start..end)
}

/// The trimmed text of `row` in `range` of cells.
pub fn cell(row: &str, range: std::ops::Range<usize>) -> String {
    row.chars()
        .skip(range.start)
        .take(range.len())
        .collect::<String>()
        .trim()
        .to_string()
}

/// The task table's rows: (TASK, STATUS) for every non-empty row under the header. The task id
/// is right-aligned under its header, so it is taken as the row's first word.
pub fn task_rows(tasks: &Pane) -> Vec<(String, String)> {
    let Some(status) = tasks
        .inner
        .first()
        .and_then(|header| column_range(header, "STATUS"))
    else {
        return Vec::new();
    };
    tasks.inner[1..]
        .iter()
        .filter(|row| !row.trim().is_empty())
        .map(|row| {
            let task = row.split_whitespace().next().unwrap_or("").to_string();
            (task, cell(row, status.clone()))
        })
        .collect()
}
