//! Terminal tables: the shaping is ours and done on the cells (each column fitted to the
//! terminal's width by its own rule: a URL loses its middle, text its end; columns given up in
//! a stated order when even their narrowest does not fit; the status cell coloured), then
//! comfy-table lays the shaped cells out, borderless, two spaces between columns.

use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table, presets};

use super::{Style, paint};

/// How a column gives way when the table is wider than the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Never narrowed (ids, ages, counts).
    Keep,
    /// Cut at its end with `…`.
    End,
    /// A URL: loses its middle, keeping its host and the end of its path.
    Url,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub header: String,
    pub fit: Fit,
    /// Narrowest it is cut to before columns are given up.
    pub min: usize,
    /// Given up (first the lowest) when the narrowest layout still does not fit; `None`:
    /// always shown.
    pub drop: Option<u8>,
    pub right: bool,
}

impl Column {
    pub fn keep(header: impl Into<String>) -> Column {
        let header = header.into();
        Column {
            min: header.chars().count(),
            header,
            fit: Fit::Keep,
            drop: None,
            right: false,
        }
    }
    pub fn fit(header: impl Into<String>, fit: Fit, min: usize) -> Column {
        Column {
            min,
            fit,
            ..Column::keep(header)
        }
    }
    /// Given up in order `n` (lowest first) when the table cannot fit.
    pub fn drop(mut self, n: u8) -> Column {
        self.drop = Some(n);
        self
    }
    pub fn right(mut self) -> Column {
        self.right = true;
        self
    }
}

/// A cell's text and its colour (an SGR code) on a colour terminal.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub color: Option<&'static str>,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, color: None }
    }
}

const GAP: usize = 2;

/// Lays out `rows` under `cols` within `style.width` (`fit` false: every cell whole).
pub fn render(cols: &[Column], rows: &[Vec<Cell>], style: &Style, fit: bool) -> String {
    layout(cols, rows, style, fit, true)
}

/// As [`render`], without the header line (a list of aligned lines, as `show`'s attempts).
pub fn rows(cols: &[Column], rows: &[Vec<Cell>], style: &Style, fit: bool) -> String {
    layout(cols, rows, style, fit, false)
}

fn layout(cols: &[Column], rows: &[Vec<Cell>], style: &Style, fit: bool, header: bool) -> String {
    let natural = natural_widths(cols, rows);
    let (shown, widths) = if fit {
        fit_widths(cols, &natural, style.width)
    } else {
        ((0..cols.len()).collect(), natural)
    };
    let mut t = Table::new();
    t.load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    if header {
        t.set_header(
            shown
                .iter()
                .map(|&i| comfy_table::Cell::new(paint(style, super::BOLD, &cols[i].header))),
        );
    }
    for r in rows {
        t.add_row(shown.iter().zip(&widths).map(|(&i, &w)| {
            let c = r.get(i).cloned().unwrap_or_default();
            let text = shape(&c.text, cols[i].fit, w);
            let text = match c.color {
                Some(code) => paint(style, code, &text),
                None => text,
            };
            comfy_table::Cell::new(text)
        }));
    }
    let last = shown.len().saturating_sub(1);
    for (k, &i) in shown.iter().enumerate() {
        if let Some(col) = t.column_mut(k) {
            col.set_padding((0, if k == last { 0 } else { GAP as u16 }));
            col.set_constraint(ColumnConstraint::ContentWidth);
            if cols[i].right {
                col.set_cell_alignment(CellAlignment::Right);
            }
        }
    }
    let mut out = String::new();
    for line in t.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn natural_widths(cols: &[Column], rows: &[Vec<Cell>]) -> Vec<usize> {
    let mut w: Vec<usize> = cols.iter().map(|c| c.header.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(cols.len()) {
            w[i] = w[i].max(c.text.chars().count());
        }
    }
    w
}

/// The columns shown and their widths: the widest narrowable column gives a character at a
/// time down to its minimum; if that is not enough, columns are given up in their order; when
/// none is left to give up, the narrowable columns go below their minimums (to 6).
pub fn fit_widths(cols: &[Column], natural: &[usize], width: usize) -> (Vec<usize>, Vec<usize>) {
    let mut shown: Vec<usize> = (0..cols.len()).collect();
    loop {
        let mut w: Vec<usize> = shown.iter().map(|&i| natural[i]).collect();
        narrow(cols, &shown, &mut w, width, |c| c.min);
        let over = total(&w) > width;
        let next_drop = shown
            .iter()
            .enumerate()
            .filter_map(|(k, i)| cols[*i].drop.map(|d| (d, k)))
            .min();
        match next_drop {
            Some((_, k)) if over => {
                shown.remove(k);
            }
            _ => {
                narrow(cols, &shown, &mut w, width, |c| c.min.min(FLOOR));
                return (shown, w);
            }
        }
    }
}

/// Narrowest a column goes when nothing else can give way.
const FLOOR: usize = 6;

fn total(w: &[usize]) -> usize {
    w.iter().sum::<usize>() + GAP * w.len().saturating_sub(1)
}

/// Takes a character at a time from the narrowable column with the most room to give until the table fits or
/// every one is at its `least`.
fn narrow(
    cols: &[Column],
    shown: &[usize],
    w: &mut [usize],
    width: usize,
    least: impl Fn(&Column) -> usize,
) {
    while total(w) > width {
        let widest = shown
            .iter()
            .enumerate()
            .filter(|(k, i)| cols[**i].fit != Fit::Keep && w[*k] > least(&cols[**i]))
            // The column with the most room above its least gives first.
            .max_by_key(|(k, i)| w[*k] - least(&cols[**i]))
            .map(|(k, _)| k);
        match widest {
            Some(k) => w[k] -= 1,
            None => return,
        }
    }
}

/// A cell's text in `w` characters by its column's rule.
pub fn shape(s: &str, fit: Fit, w: usize) -> String {
    match fit {
        Fit::Keep => s.to_string(),
        Fit::End => truncate(s, w),
        Fit::Url => shorten_url(s, w),
    }
}

/// Cut at the end with `…`.
pub fn truncate(s: &str, w: usize) -> String {
    if s.chars().count() <= w {
        s.to_string()
    } else if w == 0 {
        String::new()
    } else {
        let mut t: String = s.chars().take(w - 1).collect();
        t.push('…');
        t
    }
}

/// A URL fitted into `w` characters: whole if it fits; else the scheme and host, `/…` and the
/// end of the path (`https://api.example/…/hook`); else whole without its scheme; else the
/// host, `/…` and the end of the path; else `…` and the end of the path, the part that tells
/// entries apart.
pub fn shorten_url(url: &str, w: usize) -> String {
    if url.chars().count() <= w {
        return url.to_string();
    }
    let bare = url.split_once("://").map_or(url, |(_, rest)| rest);
    let n = bare.chars().count();
    let tail = |k: usize| bare.chars().skip(n - k).collect::<String>();
    let host_end = bare.find('/').unwrap_or(bare.len());
    let has_path = host_end < bare.len();
    let head_n = url.chars().count() - n + bare[..host_end].chars().count();
    if has_path && head_n + 2 + 16 <= w {
        let head: String = url.chars().take(head_n).collect();
        return format!("{head}/…{}", tail(w - head_n - 2));
    }
    if n <= w {
        return bare.to_string();
    }
    let host_n = bare[..host_end].chars().count();
    if has_path && host_n + 2 + 6 <= w {
        return format!("{}/…{}", &bare[..host_end], tail(w - host_n - 2));
    }
    match w {
        0 => String::new(),
        1 => "…".into(),
        _ => format!("…{}", tail(w - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_their_host_or_at_least_the_end_of_their_path() {
        let u = "https://api.example.com/v1/payments/charge/webhook";
        assert_eq!(shorten_url(u, 80), u);
        assert_eq!(
            shorten_url(u, 46),
            "https://api.example.com/…yments/charge/webhook"
        );
        assert_eq!(
            shorten_url(u, 40),
            "api.example.com/…payments/charge/webhook"
        );
        assert_eq!(
            shorten_url(u, 41),
            "https://api.example.com/…s/charge/webhook"
        );
        assert_eq!(shorten_url(u, 30), "api.example.com/…harge/webhook");
        assert_eq!(shorten_url(u, 15), "…charge/webhook");
        assert_eq!(shorten_url(u, 15).chars().count(), 15);
        assert_eq!(
            shorten_url("http://127.0.0.1:9/api/v1/orders/create", 13),
            "…rders/create"
        );
        for w in 0..60 {
            // Exactly the room while the bare URL (42 characters) does not fit.
            let n = shorten_url(u, w).chars().count();
            assert!(n <= w && (w >= 42 || n == w), "{w}: {n}");
        }
    }

    #[test]
    fn columns_narrow_then_give_way_in_order() {
        let cols = [
            Column::keep("ID"),
            Column::fit("URL", Fit::Url, 10).drop(0),
            Column::fit("ERROR", Fit::End, 8),
        ];
        // Fits: natural widths.
        assert_eq!(
            fit_widths(&cols, &[10, 20, 20], 80),
            (vec![0, 1, 2], vec![10, 20, 20])
        );
        // Narrower: the column with the most room above its minimum gives first.
        assert_eq!(
            fit_widths(&cols, &[10, 30, 20], 50),
            (vec![0, 1, 2], vec![10, 19, 17])
        );
        // Below the minimums: the URL is given up and the error keeps the room.
        assert_eq!(
            fit_widths(&cols, &[10, 30, 20], 24),
            (vec![0, 2], vec![10, 12])
        );
    }

    #[test]
    fn the_layout_is_two_spaces_between_columns_and_never_wider_than_asked() {
        let style = Style {
            tty: true,
            color: false,
            width: 30,
            now_ms: 0,
        };
        let cols = [Column::keep("ID"), Column::fit("URL", Fit::Url, 8)];
        let rows = vec![vec![
            Cell::from("1-0".to_string()),
            Cell::from("https://api.example.com/v1/payments/charge/webhook".to_string()),
        ]];
        let out = render(&cols, &rows, &style, true);
        assert_eq!(out, "ID   URL\n1-0  api.example.com/…/webhook\n");
        assert!(out.lines().all(|l| l.chars().count() <= 30));
    }
}
