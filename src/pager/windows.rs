//! The plan of a parallel listing, without I/O: the `createdAt` range is cut into disjoint
//! windows (`fromDate`/`toDate`, both inclusive, in ms) that are read side by side, and the
//! entries come out oldest first.
//!
//! A window whose first page says more follow (a cursor) is split, and that page is dropped:
//! its entries are read again from the smaller windows, so each entry is taken from exactly one
//! window and nothing has to be remembered to drop duplicates. Where to cut is guessed from
//! the dropped page and from the windows read so far: if the API pages in `createdAt` order
//! (QStash's documented default was `earliestFirst`) the page shows how dense the window is
//! where it starts, and the cuts give each piece about [`TARGET`] entries; where a page shows
//! too little (a batch shares its millisecond), the density of the windows read so far decides,
//! and before anything is known pieces double in width; in any other order the guess only
//! halves the window. A piece cut to hold about [`TARGET`] that holds more than a page is read
//! on by its cursor and held until it ends (split after [`PROBE_PAGES`] if the guess was far
//! off). Either way the result is exact; only the number of calls depends on the guesses. A
//! window of one millisecond cannot be split: it is read by following the cursor.
//!
//! Once a page proves the API pages oldest first by `createdAt` (see [`Order`]), a window whose
//! first page has a cursor is read on by it instead ([`Run`]: nothing is dropped), and idle
//! calls get work by cutting runs ([`Windows::steal`]); read-ahead then bounds how far ahead
//! of the output the runs go.
//!
//! Order: windows are handed out in time order and entries are sorted by `createdAt`, then
//! `dlqId`, within each window, so the whole output is in that order; only entries sharing a
//! millisecond with more than a page of others come in the API's order among themselves.

use std::collections::{BTreeMap, VecDeque};

use crate::model::DlqEntry;

/// What the windows need of an entry: when it was created and its id (the order).
pub trait Dated {
    fn created_at(&self) -> Option<i64>;
    fn dlq_id(&self) -> &str;
}

impl Dated for DlqEntry {
    fn created_at(&self) -> Option<i64> {
        self.created_at
    }
    fn dlq_id(&self) -> &str {
        &self.dlq_id
    }
}

/// Entries a piece of a split window is cut to hold: one and a half pages. A piece that holds
/// more than a page is read by following its cursor (nothing read is thrown away), so pieces
/// are cut wide: fewer empty ones where entries come in clusters.
pub const TARGET: u128 = 150;
/// Pages a piece is read by its cursor before it is split instead (the estimate was wrong).
pub const PROBE_PAGES: usize = 3;
/// Most pieces one split makes. Where the entries end is not known, so a split lays out a
/// lot of pieces (about two per call in flight: enough to keep every worker busy while the
/// part beyond them, a piece of its own read first, is split in turn), and at most one lot is
/// laid out past the last entry.
pub const MAX_PIECES: i64 = 256;

/// One call to make: a page of the window `from..=to`, after `cursor` if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub from: i64,
    pub to: i64,
    pub cursor: Option<String>,
}

/// A page the API answered.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub entries: Vec<T>,
    pub cursor: Option<String>,
}

/// The API answered entries outside the window asked for: it does not filter by date as
/// documented, and windows would repeat entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutsideWindow {
    pub from: i64,
    pub to: i64,
    pub created_at: Option<i64>,
}

/// Why an answer was refused: the listing cannot be exact with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    Outside(OutsideWindow),
    /// A page out of the order earlier pages proved (entries kept by that order may be
    /// missing some).
    OrderChanged {
        from: i64,
        to: i64,
    },
}

#[derive(Debug)]
enum State<T> {
    /// Not read yet; `explore` marks a window nothing is known about (read first: it may need
    /// splitting, which makes more work for the other workers).
    Pending {
        explore: bool,
    },
    InFlight,
    /// Read whole, sorted, waiting for the windows before it.
    Done(Vec<T>),
    /// Read page by page, following the cursor: one millisecond with more than a page (its
    /// pages are handed out as they come), or a piece holding a little more than a page
    /// (`probe`: its pages are held until it ends, or it is split after [`PROBE_PAGES`]).
    Walk {
        cursor: Option<String>,
        pages: VecDeque<Vec<T>>,
        in_flight: bool,
        probe: Option<Probe>,
    },
    /// Read by its cursor in a proved oldest-first order (see [`Run`]).
    Run(Run<T>),
}

/// A window read by its cursor in a proved oldest-first order. Its end may be cut while it
/// is read (the part past the cut becomes a window of its own, for an idle call): the order
/// proves that once a page shows an entry past the end, the window holds nothing more.
#[derive(Debug)]
struct Run<T> {
    /// The end of the window the cursor was made for (past the slot's end after a cut).
    query_to: i64,
    cursor: Option<String>,
    in_flight: bool,
    /// Read and sorted, waiting to be handed out.
    pages: VecDeque<Vec<T>>,
    /// The entries of the last millisecond read, held until the next page (more of that
    /// millisecond may follow, to be sorted with them).
    tail: Vec<T>,
    /// The newest time read, the pages read, and how far (ms) the last page took the run
    /// (known from its second page: a first page in one millisecond says nothing of it).
    read_to: i64,
    pages_read: usize,
    advance: Option<i64>,
}

/// Pages a cut leaves a [`Run`] at most, and the fewest it must have left to be cut.
const PIECE_PAGES: i64 = 12;
const MIN_CUT_PAGES: i64 = 6;

/// What a piece read by its cursor has shown so far.
#[derive(Debug)]
struct Probe {
    /// Created times of every entry read (for a split, if it comes to that).
    times: Vec<i64>,
    pages: usize,
}

#[derive(Debug)]
struct Slot<T> {
    to: i64,
    state: State<T>,
    /// A piece cut to hold about [`TARGET`] entries: holding more than a page, it is read on by
    /// its cursor (up to [`PROBE_PAGES`]) rather than split at once.
    inner: bool,
}

/// One piece of a split window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub from: i64,
    pub to: i64,
    /// Read before the others (it probably needs splitting in turn).
    pub explore: bool,
    /// Cut to hold about [`TARGET`] entries (see [`Slot::inner`]).
    pub inner: bool,
}

/// The windows of one listing, keyed by their first millisecond.
#[derive(Debug)]
pub struct Windows<T> {
    slots: BTreeMap<i64, Slot<T>>,
    /// Entries read but not handed out yet.
    held: usize,
    /// Above this many held entries, only windows before every held one are read, so memory
    /// stays bounded whatever order the answers come in.
    max_held: usize,
    /// Pieces a split makes at most (see [`MAX_PIECES`]).
    lot: i64,
    /// Windows read whole so far, with their entry counts, and the span of every created
    /// time seen: the DLQ's density where it has entries, for splitting windows whose page
    /// shows too little of it.
    read_whole: Vec<(i64, i64, u64)>,
    extent: Option<(i64, i64)>,
    /// Calls in flight at once.
    workers: usize,
    /// The API's page order, once a page has proved it (see [`Order`]).
    order: Option<Order>,
    /// The last page of each window read by its cursor, while no order is proved: two pages
    /// in a row are one sequence of the API's order, and may prove it where one page of a
    /// single millisecond cannot (a batch of 100 shares its millisecond).
    last_pages: BTreeMap<i64, Vec<Key>>,
}

/// An entry's order key, kept for [`Windows::last_pages`].
#[derive(Debug, Clone)]
struct Key {
    created_at: Option<i64>,
    dlq_id: String,
}

impl Dated for Key {
    fn created_at(&self) -> Option<i64> {
        self.created_at
    }
    fn dlq_id(&self) -> &str {
        &self.dlq_id
    }
}

fn keys<T: Dated>(entries: &[T]) -> Vec<Key> {
    entries
        .iter()
        .map(|e| Key {
            created_at: e.created_at(),
            dlq_id: e.dlq_id().to_string(),
        })
        .collect()
}

/// An order of the API's pages that a page can prove: by `createdAt`, oldest or newest first.
///
/// A page proves it when its entries are in that order, are not in `dlqId` order (an API
/// paging by `dlqId`, the time an entry was dead-lettered, can list a late-retried old entry
/// after newer ones, so its pages say nothing about a date window's first entries), and have
/// too many distinct times to be in that order by chance. Then a window's first page holds
/// every entry of the window older (newest first: newer) than its last entry's millisecond:
/// those are kept, and only the rest of the window is read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    OldestFirst,
    NewestFirst,
}

/// Orders of a page's distinct times at random among which its `createdAt` order must be one
/// in this many (about e^21: 13 distinct milliseconds in order) before the order counts as
/// proved.
const PROOF_LN_ORDERINGS: f64 = 21.0;

impl<T: Dated> Windows<T> {
    /// The range `lo..=hi`, read as one window first (a small DLQ takes one call), by
    /// `workers` calls at a time.
    pub fn new(lo: i64, hi: i64, workers: usize, max_held: usize) -> Windows<T> {
        let mut slots = BTreeMap::new();
        if lo <= hi {
            slots.insert(
                lo,
                Slot {
                    to: hi,
                    state: State::Pending { explore: true },
                    inner: false,
                },
            );
        }
        Windows {
            slots,
            held: 0,
            max_held,
            lot: (2 * workers as i64).clamp(8, MAX_PIECES),
            read_whole: Vec::new(),
            extent: None,
            workers: workers.max(1),
            order: None,
            last_pages: BTreeMap::new(),
        }
    }

    /// The page order proved so far, if any.
    #[cfg(test)]
    pub fn order(&self) -> Option<Order> {
        self.order
    }

    /// Every window has been read and handed out.
    pub fn is_finished(&self) -> bool {
        self.slots.is_empty()
    }

    /// The next call to make, if one may start now (the window is marked as being read).
    /// Windows nothing is known about come first; then the oldest. Past `max_held` entries
    /// held, only windows older than every held entry may start, and a walk only at the head.
    pub fn next_request(&mut self) -> Option<Request> {
        let mut first_pending: Option<i64> = None;
        let mut first_explore: Option<i64> = None;
        let mut seen_held = false;
        let roomy = self.held < self.max_held;
        for (i, (&from, slot)) in self.slots.iter().enumerate() {
            if !roomy && seen_held {
                break;
            }
            match &slot.state {
                State::Pending { explore } => {
                    if first_pending.is_none() {
                        first_pending = Some(from);
                    }
                    if *explore {
                        first_explore = Some(from);
                        break;
                    }
                }
                State::Walk {
                    cursor: Some(_),
                    in_flight: false,
                    pages,
                    ..
                } if first_pending.is_none() && (roomy || i == 0) => {
                    first_pending = Some(from);
                    seen_held |= !pages.is_empty();
                }
                State::Run(r)
                    if r.cursor.is_some()
                        && !r.in_flight
                        && first_pending.is_none()
                        && (roomy || i == 0) =>
                {
                    first_pending = Some(from);
                    seen_held |= !r.pages.is_empty() || !r.tail.is_empty();
                }
                State::Done(e) if !e.is_empty() => seen_held = true,
                State::Walk { pages, .. } if !pages.is_empty() => seen_held = true,
                State::Run(r) if !r.pages.is_empty() || !r.tail.is_empty() => seen_held = true,
                _ => {}
            }
        }
        let from = first_explore.or(first_pending)?;
        let slot = self.slots.get_mut(&from)?;
        match &mut slot.state {
            State::Run(r) => {
                r.in_flight = true;
                Some(Request {
                    from,
                    to: r.query_to,
                    cursor: r.cursor.clone(),
                })
            }
            State::Walk {
                cursor, in_flight, ..
            } => {
                *in_flight = true;
                Some(Request {
                    from,
                    to: slot.to,
                    cursor: cursor.clone(),
                })
            }
            state => {
                *state = State::InFlight;
                Some(Request {
                    from,
                    to: slot.to,
                    cursor: None,
                })
            }
        }
    }

    /// Replaces nothing (the window was removed) with the pieces of `from..=to`.
    fn split_into(&mut self, from: i64, to: i64, times: &[i64]) {
        let learned = self.learned_step();
        for p in split(from, to, times, self.lot, learned) {
            self.slots.insert(
                p.from,
                Slot {
                    to: p.to,
                    state: State::Pending { explore: p.explore },
                    inner: p.inner,
                },
            );
        }
    }

    /// Milliseconds that held about TARGET entries in the windows read whole, counting only
    /// their part between the oldest and newest entries seen (the ranges beyond the entries
    /// are empty whatever their width); once enough has been read to tell.
    fn learned_step(&self) -> Option<i64> {
        let (lo, hi) = self.extent?;
        let (mut n, mut width) = (0u128, 0u128);
        for &(from, to, count) in &self.read_whole {
            let (a, b) = (from.max(lo), to.min(hi));
            if a <= b {
                n += count as u128;
                width += (b - a + 1) as u128;
            }
        }
        (n >= 2 * TARGET).then(|| (width * TARGET).div_ceil(n).min(i64::MAX as u128) as i64)
    }

    /// Past `max_held` (answers came in an order that the starting rule of
    /// [`Windows::next_request`] could not keep within it), the newest windows read whole are
    /// dropped, to be read again when the output reaches them: memory stays bounded whatever
    /// order answers come in.
    fn shed(&mut self) {
        while self.held > self.max_held {
            let newest = self
                .slots
                .iter()
                .skip(1)
                .rev()
                .find(|(_, s)| matches!(&s.state, State::Done(e) if !e.is_empty()))
                .map(|(&k, _)| k);
            let Some(k) = newest else { return };
            if let Some(slot) = self.slots.get_mut(&k)
                && let State::Done(e) = &slot.state
            {
                self.held -= e.len();
                slot.state = State::Pending { explore: false };
            }
        }
    }

    /// Takes the answer to `req` (a request [`Windows::next_request`] gave); `keep` is the
    /// selection's local refinement.
    pub fn complete(
        &mut self,
        req: &Request,
        page: Page<T>,
        keep: impl Fn(&T) -> bool,
    ) -> Result<(), Refused> {
        if let Some(e) = page
            .entries
            .iter()
            .find(|e| e.created_at().is_none_or(|t| t < req.from || t > req.to))
        {
            return Err(Refused::Outside(OutsideWindow {
                from: req.from,
                to: req.to,
                created_at: e.created_at(),
            }));
        }
        self.learn_order(req, &page.entries)?;
        let Some(slot) = self.slots.get_mut(&req.from) else {
            return Ok(());
        };
        let (to, inner) = (slot.to, slot.inner);
        let state = std::mem::replace(&mut slot.state, State::InFlight);
        self.note_read(req, to, &page);
        match state {
            State::Walk { pages, probe, .. } => self.walk_on(req, to, pages, probe, page, keep),
            State::Run(run) => self.run_on(req.from, to, run, page, keep),
            _ => self.first_page(req, to, inner, page, keep),
        }
        self.steal();
        self.shed();
        Ok(())
    }

    /// Records what a page shows of the DLQ's density: its entries' times, and the window's
    /// count when the page held it whole.
    fn note_read(&mut self, req: &Request, to: i64, page: &Page<T>) {
        for t in page.entries.iter().filter_map(Dated::created_at) {
            let (lo, hi) = self.extent.get_or_insert((t, t));
            *lo = (*lo).min(t);
            *hi = (*hi).max(t);
        }
        if req.cursor.is_none() && page.cursor.is_none() {
            self.read_whole
                .push((req.from, to, page.entries.len() as u64));
        }
    }

    fn set(&mut self, from: i64, state: State<T>) {
        if let Some(slot) = self.slots.get_mut(&from) {
            slot.state = state;
        }
    }

    /// A next page of a window read by its cursor.
    fn walk_on(
        &mut self,
        req: &Request,
        to: i64,
        mut pages: VecDeque<Vec<T>>,
        mut probe: Option<Probe>,
        page: Page<T>,
        keep: impl Fn(&T) -> bool,
    ) {
        if let Some(p) = probe.as_mut() {
            p.times
                .extend(page.entries.iter().filter_map(Dated::created_at));
            p.pages += 1;
        }
        self.learn_across(req.from, &page.entries, page.cursor.is_some());
        let kept: Vec<T> = page.entries.into_iter().filter(|e| keep(e)).collect();
        self.held += kept.len();
        pages.push_back(kept);
        let cursor = page.cursor;
        match (probe, cursor.is_some()) {
            (Some(p), false) => {
                // The piece is read whole: sort it like any window.
                let seen = p.times.len();
                let mut all: Vec<T> = pages.into_iter().flatten().collect();
                sort(&mut all);
                self.set(req.from, State::Done(all));
                self.read_whole.push((req.from, to, seen as u64));
            }
            (Some(p), true) if p.pages >= PROBE_PAGES => {
                // Far more than estimated: drop what was read and split it.
                self.held -= pages.iter().map(Vec::len).sum::<usize>();
                self.slots.remove(&req.from);
                self.last_pages.remove(&req.from);
                self.split_into(req.from, to, &p.times);
            }
            (probe, _) => self.set(
                req.from,
                State::Walk {
                    cursor,
                    pages,
                    in_flight: false,
                    probe,
                },
            ),
        }
    }

    /// The first page of a window: the whole window, the start of a walk, or a reason to
    /// split it.
    fn first_page(
        &mut self,
        req: &Request,
        to: i64,
        inner: bool,
        page: Page<T>,
        keep: impl Fn(&T) -> bool,
    ) {
        match page.cursor {
            None => {
                let mut kept: Vec<T> = page.entries.into_iter().filter(|e| keep(e)).collect();
                sort(&mut kept);
                self.held += kept.len();
                self.set(req.from, State::Done(kept));
            }
            Some(cursor) if self.order == Some(Order::OldestFirst) => {
                let run = Run {
                    query_to: to,
                    cursor: Some(cursor),
                    in_flight: false,
                    pages: VecDeque::new(),
                    tail: Vec::new(),
                    read_to: req.from,
                    pages_read: 0,
                    advance: None,
                };
                let page = Page {
                    entries: page.entries,
                    cursor: run.cursor.clone(),
                };
                self.run_on(req.from, to, run, page, keep);
            }
            Some(cursor) if req.from == to || inner => {
                self.learn_across(req.from, &page.entries, true);
                // One millisecond: nothing to split, this page is the walk's first. A piece cut
                // to hold about TARGET: read on, holding what is read (a probe).
                let probe = (req.from != to).then(|| Probe {
                    times: page.entries.iter().filter_map(Dated::created_at).collect(),
                    pages: 1,
                });
                let kept: Vec<T> = page.entries.into_iter().filter(|e| keep(e)).collect();
                self.held += kept.len();
                self.set(
                    req.from,
                    State::Walk {
                        cursor: Some(cursor),
                        pages: VecDeque::from([kept]),
                        in_flight: false,
                        probe,
                    },
                );
            }
            Some(_) => {
                let times: Vec<i64> = page.entries.iter().filter_map(Dated::created_at).collect();
                self.slots.remove(&req.from);
                self.split_into(req.from, to, &times);
            }
        }
    }

    /// A page of a [`Run`] of the window `from..=to` (its end as cut so far).
    fn run_on(
        &mut self,
        from: i64,
        to: i64,
        mut run: Run<T>,
        page: Page<T>,
        keep: impl Fn(&T) -> bool,
    ) {
        let times = || page.entries.iter().filter_map(Dated::created_at);
        if let Some(hi) = times().max() {
            if run.pages_read > 0 {
                run.advance = Some((hi - run.read_to).max(1));
            }
            run.read_to = run.read_to.max(hi);
        }
        run.pages_read += 1;
        let passed = times().any(|t| t > to);
        let kept: Vec<T> = page
            .entries
            .into_iter()
            .filter(|e| e.created_at().is_some_and(|t| t <= to) && keep(e))
            .collect();
        self.held += kept.len();
        let mut all = std::mem::take(&mut run.tail);
        all.extend(kept);
        sort(&mut all);
        let done = passed || page.cursor.is_none();
        if !done && let Some(last) = all.last().and_then(Dated::created_at) {
            let cut = all.partition_point(|e| e.created_at() < Some(last));
            run.tail = all.split_off(cut);
        }
        run.pages.push_back(all);
        run.cursor = if done { None } else { page.cursor };
        run.in_flight = false;
        self.set(from, State::Run(run));
    }

    /// Gives idle calls work: the [`Run`] with the most left to read (by how far its last page
    /// went) is cut halfway through what is left, at most [`PIECE_PAGES`] ahead (so that what
    /// the runs past the head read and hold stays within the read-ahead bound), and the part
    /// past the cut becomes a window of its own.
    fn steal(&mut self) {
        let mut idle = self.idle();
        while idle > 0 {
            let best = self
                .slots
                .iter()
                .filter_map(|(&from, s)| match &s.state {
                    State::Run(r) if r.cursor.is_some() => {
                        let span = r.advance?;
                        Some((from, span, (s.to.saturating_sub(r.read_to)) / span))
                    }
                    _ => None,
                })
                .max_by_key(|&(_, _, left)| left);
            let Some((from, span, left)) = best.filter(|&(_, _, left)| left >= MIN_CUT_PAGES)
            else {
                return;
            };
            let Some(slot) = self.slots.get_mut(&from) else {
                return;
            };
            let State::Run(r) = &slot.state else { return };
            let cut = r
                .read_to
                .saturating_add((left / 2).min(PIECE_PAGES).saturating_mul(span))
                .min(slot.to - 1);
            let end = std::mem::replace(&mut slot.to, cut);
            self.insert(cut + 1, end, State::Pending { explore: true }, false);
            idle -= 1;
        }
    }

    /// Proves the page order from `entries` (once), or checks them against it.
    fn learn_order(&mut self, req: &Request, entries: &[T]) -> Result<(), Refused> {
        match self.order {
            Some(o) if !in_order(entries, o) => Err(Refused::OrderChanged {
                from: req.from,
                to: req.to,
            }),
            Some(_) => Ok(()),
            None => {
                self.order = proved_order(entries);
                Ok(())
            }
        }
    }

    /// While no order is proved: whether the walk of the window at `from` proves one with
    /// its last page and `page` taken as one sequence; `more`: the walk goes on.
    fn learn_across(&mut self, from: i64, page: &[T], more: bool) {
        if self.order.is_some() {
            self.last_pages.clear();
            return;
        }
        let mut seq = self.last_pages.remove(&from).unwrap_or_default();
        seq.extend(keys(page));
        self.order = proved_order(&seq);
        if more && self.order.is_none() {
            self.last_pages.insert(from, keys(page));
        }
    }

    /// Calls that could start now but have nothing to read: workers beyond the windows in
    /// flight or waiting.
    fn idle(&self) -> usize {
        let busy = self
            .slots
            .values()
            .filter(|s| {
                matches!(
                    s.state,
                    State::Pending { .. }
                        | State::InFlight
                        | State::Walk {
                            in_flight: true,
                            ..
                        }
                        | State::Run(Run {
                            in_flight: true,
                            ..
                        })
                )
            })
            .count();
        self.workers.saturating_sub(busy)
    }

    fn insert(&mut self, from: i64, to: i64, state: State<T>, inner: bool) {
        self.slots.insert(from, Slot { to, state, inner });
    }

    /// Entries ready to hand out, in order (the oldest windows' first).
    pub fn pop_ready(&mut self) -> Option<Vec<T>> {
        loop {
            let mut first = self.slots.first_entry()?;
            match &mut first.get_mut().state {
                State::Done(_) => {
                    let slot = first.remove();
                    if let State::Done(entries) = slot.state {
                        self.held -= entries.len();
                        if !entries.is_empty() {
                            return Some(entries);
                        }
                    }
                }
                State::Walk { probe: Some(_), .. } => return None,
                State::Run(r) => {
                    let done = r.cursor.is_none() && !r.in_flight;
                    let queued: usize = r.pages.iter().map(Vec::len).sum();
                    // Handed out a page's worth at a time (a page less its last millisecond
                    // would make batches of a few entries, and bulk calls as small).
                    if queued > 0 && (queued >= 100 || done) {
                        let batch: Vec<T> = r.pages.drain(..).flatten().collect();
                        self.held -= batch.len();
                        return Some(batch);
                    }
                    if queued > 0 {
                        return None;
                    }
                    r.pages.clear();
                    if done {
                        let tail = std::mem::take(&mut r.tail);
                        self.held -= tail.len();
                        first.remove();
                        if !tail.is_empty() {
                            return Some(tail);
                        }
                        continue;
                    }
                    return None;
                }
                State::Walk {
                    cursor,
                    pages,
                    in_flight,
                    ..
                } => {
                    if let Some(p) = pages.pop_front() {
                        self.held -= p.len();
                        if !p.is_empty() {
                            return Some(p);
                        }
                        continue;
                    }
                    if cursor.is_none() && !*in_flight {
                        first.remove();
                        continue;
                    }
                    return None;
                }
                _ => return None,
            }
        }
    }
}

/// Oldest first, then by `dlqId` (by its numbers: `…-2` before `…-10`).
pub fn sort<T: Dated>(entries: &mut [T]) {
    entries.sort_by(|a, b| {
        a.created_at()
            .cmp(&b.created_at())
            .then_with(|| crate::parse::compare_dlq_ids(a.dlq_id(), b.dlq_id()))
    });
}

/// Whether `entries` are in order `o` by `createdAt` (ties in any order).
fn in_order<T: Dated>(entries: &[T], o: Order) -> bool {
    entries
        .windows(2)
        .all(|w| match (w[0].created_at(), w[1].created_at()) {
            (Some(a), Some(b)) => match o {
                Order::OldestFirst => a <= b,
                Order::NewestFirst => a >= b,
            },
            _ => false,
        })
}

/// The order a page proves (see [`Order`]), if it proves one.
pub fn proved_order<T: Dated>(entries: &[T]) -> Option<Order> {
    let o = [Order::OldestFirst, Order::NewestFirst]
        .into_iter()
        .find(|&o| in_order(entries, o))?;
    let by_dlq_id = entries.windows(2).all(|w| {
        let c = crate::parse::compare_dlq_ids(w[0].dlq_id(), w[1].dlq_id());
        match o {
            Order::OldestFirst => c.is_le(),
            Order::NewestFirst => c.is_ge(),
        }
    });
    (!by_dlq_id && ln_orderings(entries) >= PROOF_LN_ORDERINGS).then_some(o)
}

/// ln of the chance that the distinct times of `entries` come in order by chance: ln(d!) for
/// d distinct milliseconds. Each millisecond's entries count once: an unordered API may well
/// return a millisecond's entries together (a batch), so their number proves nothing.
fn ln_orderings<T: Dated>(entries: &[T]) -> f64 {
    let mut distinct = 0usize;
    let mut last = None;
    for e in entries {
        if e.created_at() != last {
            distinct += 1;
            last = e.created_at();
        }
    }
    (2..=distinct).map(|i| (i as f64).ln()).sum()
}

/// Cuts `from..=to` (more than a page) into at most `most` pieces (at least 2) covering it
/// exactly, guided by the created times of the page read from it and by `learned`, the width
/// that held about [`TARGET`] entries elsewhere in this listing, if known.
pub fn split(from: i64, to: i64, times: &[i64], most: i64, learned: Option<i64>) -> Vec<Piece> {
    let most = most.max(3);
    let width = (to - from + 1).max(1);
    let (Some(&lo), Some(&hi)) = (times.iter().min(), times.iter().max()) else {
        return halves(from, to);
    };
    let (lo, hi) = (lo.clamp(from, to), hi.clamp(from, to));
    if (hi - lo + 1) as u128 * 2 > width as u128 {
        // The page spans the window (the API does not page in time order): halve it.
        return halves(from, to);
    }
    let (step, grow) = step_of(times, lo, hi, learned);
    // Every piece smaller than the window, so splitting always makes progress.
    let step = step.clamp(1, (width / 2).max(1));
    let newest_first = times.windows(2).all(|w| w[0] >= w[1]) && times.first() != times.last();
    let mut lay = Lay {
        from,
        to,
        start: lo,
        end: hi,
        newest_first,
        pieces: Vec::new(),
    };
    lay.pieces(step, grow, most - 2);
    lay.with_outer(lo, hi)
}

/// The first piece's width, and how each next one grows.
fn step_of(times: &[i64], lo: i64, hi: i64, learned: Option<i64>) -> (i64, i64) {
    let n = times.len() as u128;
    let span = (hi - lo + 1) as u128;
    let mut distinct: Vec<i64> = times.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    // A page spread over many milliseconds shows the density where it was read; one in a few
    // milliseconds (a batch shares its millisecond) does not: then what was learned elsewhere
    // decides, and before anything was, pieces double in width from the page outwards, so the
    // gaps between clusters cost a few calls, not one per step.
    if distinct.len() >= 10 {
        ((span * TARGET).div_ceil(n) as i64, 1)
    } else if let Some(l) = learned {
        (l, 1)
    } else {
        ((span * TARGET).div_ceil(n) as i64, 2)
    }
}

/// The pieces of a split window, laid from the page's entries outwards in the page's order.
struct Lay {
    from: i64,
    to: i64,
    /// Where the next piece starts (oldest first) or ends (newest first).
    start: i64,
    end: i64,
    newest_first: bool,
    pieces: Vec<Piece>,
}

impl Lay {
    /// Up to `count` pieces, the first `step` wide, each next `grow` times the last.
    fn pieces(&mut self, step: i64, grow: i64, count: i64) {
        let mut width_k = step;
        for k in 0..count {
            // Past the first two doubled pieces, a piece is more likely to hold a lot than
            // not: read it early (it may need splitting), and split it at once if it does.
            let explore = grow > 1 && k >= 2;
            let Some((from, to)) = self.next(width_k) else {
                break;
            };
            self.pieces.push(Piece {
                from,
                to,
                explore,
                inner: !explore,
            });
            width_k = width_k.saturating_mul(grow);
        }
    }

    /// The next piece, `width` wide, or `None` past the window's edge.
    fn next(&mut self, width: i64) -> Option<(i64, i64)> {
        if self.newest_first {
            if self.end < self.from {
                return None;
            }
            let s = self.end.saturating_sub(width - 1).max(self.from);
            let piece = (s, self.end);
            self.end = s - 1;
            Some(piece)
        } else {
            if self.start > self.to {
                return None;
            }
            let e = self.start.saturating_add(width - 1).min(self.to);
            let piece = (self.start, e);
            self.start = e + 1;
            Some(piece)
        }
    }

    /// The pieces in window order, with one piece each for what lies beyond the page's
    /// entries (`lo..=hi`) and beyond the laid pieces.
    fn with_outer(self, lo: i64, hi: i64) -> Vec<Piece> {
        let outer = |from, to| Piece {
            from,
            to,
            explore: true,
            inner: false,
        };
        let mut out = Vec::with_capacity(self.pieces.len() + 2);
        if self.newest_first {
            if self.end >= self.from {
                out.push(outer(self.from, self.end));
            }
            out.extend(self.pieces.into_iter().rev());
            if hi < self.to {
                out.push(outer(hi + 1, self.to));
            }
        } else {
            if lo > self.from {
                out.push(outer(self.from, lo - 1));
            }
            out.extend(self.pieces);
            if self.start <= self.to {
                out.push(outer(self.start, self.to));
            }
        }
        out
    }
}

fn halves(from: i64, to: i64) -> Vec<Piece> {
    let mid = from + (to - from) / 2;
    vec![
        Piece {
            from,
            to: mid,
            explore: true,
            inner: true,
        },
        Piece {
            from: mid + 1,
            to,
            explore: true,
            inner: true,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An in-memory DLQ answering windows as the API does: in `order` (insertion), 100 a page,
    /// with an opaque cursor.
    struct Fake {
        entries: Vec<(i64, String)>,
    }

    impl Fake {
        fn page(&self, r: &Request) -> Page<DlqEntry> {
            let matching: Vec<&(i64, String)> = self
                .entries
                .iter()
                .filter(|(t, _)| *t >= r.from && *t <= r.to)
                .collect();
            let skip: usize = r.cursor.as_deref().map_or(0, |c| c.parse().unwrap());
            let entries: Vec<DlqEntry> = matching
                .iter()
                .skip(skip)
                .take(100)
                .map(|(t, id)| DlqEntry {
                    dlq_id: id.clone(),
                    created_at: Some(*t),
                    ..DlqEntry::default()
                })
                .collect();
            let cursor = (skip + 100 < matching.len()).then(|| (skip + 100).to_string());
            Page { entries, cursor }
        }
    }

    /// How a fake DLQ orders its pages (each entry's id is `<dead-lettered at>-<n>`, the
    /// dead-letter time up to `jitter` ms after the creation time, as retries take).
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum ApiOrder {
        OldestFirst,
        NewestFirst,
        DlqId,
        Random,
    }

    fn fake_in(times: &[i64], order: ApiOrder, jitter: i64, seed: u64) -> Fake {
        let mut r = seed | 1;
        let mut next = move || {
            r ^= r << 13;
            r ^= r >> 7;
            r ^= r << 17;
            r
        };
        let mut entries: Vec<(i64, String, i64, u64)> = times
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                let dead = t + (next() % (jitter as u64 + 1)) as i64;
                (t, format!("{dead}-{i}"), dead, next())
            })
            .collect();
        match order {
            ApiOrder::OldestFirst => entries.sort_by_key(|e| (e.0, e.2)),
            ApiOrder::NewestFirst => entries.sort_by_key(|e| (std::cmp::Reverse(e.0), e.2)),
            ApiOrder::DlqId => entries.sort_by(|a, b| crate::parse::compare_dlq_ids(&a.1, &b.1)),
            ApiOrder::Random => entries.sort_by_key(|e| e.3),
        }
        Fake {
            entries: entries.into_iter().map(|e| (e.0, e.1)).collect(),
        }
    }

    /// Lists `f` whole and checks every entry came once, oldest first; returns the calls.
    fn check_fake(f: &Fake, workers: usize, seed: u64) -> usize {
        let (out, calls) = list(f, 0, 4_000_000_000_000, workers, seed);
        assert!(
            out.windows(2).all(|p| p[0].created_at <= p[1].created_at),
            "not oldest first"
        );
        let mut want: Vec<&String> = f.entries.iter().map(|(_, id)| id).collect();
        let mut got: Vec<&String> = out.iter().map(|e| &e.dlq_id).collect();
        want.sort();
        got.sort();
        assert_eq!(got, want);
        calls
    }

    /// Runs a listing with `workers` calls at a time, answering them in a scrambled order.
    fn list(fake: &Fake, lo: i64, hi: i64, workers: usize, seed: u64) -> (Vec<DlqEntry>, usize) {
        let max_held = if fake.entries.len() > 5000 { 5000 } else { 500 };
        let mut w: Windows<DlqEntry> = Windows::new(lo, hi, workers, max_held);
        let mut out = Vec::new();
        let mut flight: Vec<Request> = Vec::new();
        let mut calls = 0;
        let mut rng = seed;
        loop {
            while let Some(b) = w.pop_ready() {
                out.extend(b);
            }
            while flight.len() < workers {
                match w.next_request() {
                    Some(r) => flight.push(r),
                    None => break,
                }
            }
            if flight.is_empty() {
                assert!(w.is_finished(), "stalled with windows left");
                break;
            }
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = flight.swap_remove((rng >> 33) as usize % flight.len());
            calls += 1;
            let page = fake.page(&r);
            w.complete(&r, page, |_| true).unwrap();
            // Beyond the limit: at most a page per call in flight and the head's.
            assert!(w.held <= max_held + 100 * (workers + 1), "held {}", w.held);
        }
        (out, calls)
    }

    fn fake(times: Vec<i64>, shuffle: bool) -> Fake {
        let mut entries: Vec<(i64, String)> = times
            .into_iter()
            .enumerate()
            .map(|(i, t)| (t, format!("{t}-{i}")))
            .collect();
        if !shuffle {
            entries.sort();
        } else {
            entries.reverse();
        }
        Fake { entries }
    }

    fn check(times: Vec<i64>, shuffle: bool, workers: usize, seed: u64) -> usize {
        let f = fake(times, shuffle);
        let (out, calls) = list(&f, 0, 4_000_000_000_000, workers, seed);
        let mut want: Vec<String> = f.entries.iter().map(|(_, id)| id.clone()).collect();
        let mut got: Vec<String> = out.iter().map(|e| e.dlq_id.clone()).collect();
        assert!(
            out.windows(2).all(|p| p[0].created_at <= p[1].created_at),
            "not oldest first"
        );
        want.sort();
        got.sort();
        assert_eq!(got, want);
        calls
    }

    const NOW: i64 = 1_790_000_000_000;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn every_entry_once_in_one_second(n in 0usize..1500, seed: u64, workers in 1usize..20, shuffle: bool) {
            let mut r = seed;
            let times = (0..n).map(|_| { r = r.wrapping_mul(6364136223846793005).wrapping_add(1); NOW + (r >> 40) as i64 % 1000 }).collect();
            check(times, shuffle, workers, seed);
        }

        #[test]
        fn every_entry_once_with_a_burst_among_sparse(sparse in 0usize..200, burst in 0usize..1500, at in 0i64..30, seed: u64, shuffle: bool) {
            let mut r = seed;
            let mut times: Vec<i64> = (0..sparse).map(|_| { r = r.wrapping_mul(6364136223846793005).wrapping_add(1); NOW - (r >> 30) as i64 % (30 * 86_400_000) }).collect();
            times.extend((0..burst).map(|i| NOW - at * 86_400_000 + (i as i64 % 7)));
            check(times, shuffle, 8, seed);
        }

        #[test]
        fn every_entry_once_when_pages_prove_their_order(n in 0usize..3000, spread in 1i64..100_000, jitter in 0i64..5000, batch in 1i64..150, seed: u64, workers in 1usize..20) {
            // Batches sharing a millisecond, dead-lettered up to `jitter` ms later (dlqIds out
            // of createdAt order, so pages can prove it): runs, cuts and their pages exact.
            let times: Vec<i64> = (0..n as i64).map(|i| NOW + (i / batch) * spread / 100).collect();
            check_fake(&fake_in(&times, ApiOrder::OldestFirst, jitter, seed), workers, seed);
        }

        #[test]
        fn every_entry_once_with_many_in_one_millisecond(k in 0usize..400, m in 0usize..400, other in 0usize..300, seed: u64, shuffle: bool) {
            // k entries at t, m at t + 1: two crowded milliseconds side by side, wherever a
            // window edge falls.
            let t = NOW - 12_345;
            let mut times = vec![t; k];
            times.extend(vec![t + 1; m]);
            let mut r = seed;
            times.extend((0..other).map(|_| { r = r.wrapping_mul(6364136223846793005).wrapping_add(1); t - 50_000 + (r >> 40) as i64 % 100_000 }));
            check(times, shuffle, 4, seed);
        }
    }

    #[test]
    fn a_small_dlq_takes_one_call() {
        assert_eq!(check(vec![NOW; 0], false, 8, 1), 1);
        assert_eq!(check((0..100).map(|i| NOW + i).collect(), false, 8, 1), 1);
    }

    #[test]
    fn an_evenly_filled_dlq_in_time_order_takes_few_extra_calls() {
        // 10,000 entries over 1 s, paged oldest first: about 10,000 / TARGET calls, not a
        // call per halving.
        let calls = check((0..10_000).map(|i| NOW + i / 10).collect(), false, 16, 7);
        assert!(calls < 200, "{calls} calls");
        // Newest first works as well.
        let mut f = fake((0..10_000).map(|i| NOW + i / 10).collect(), false);
        f.entries.reverse();
        let (out, calls) = list(&f, 0, 4_000_000_000_000, 16, 3);
        assert_eq!(out.len(), 10_000);
        assert!(calls < 250, "{calls} calls newest first");
    }

    #[test]
    fn batches_sharing_a_millisecond_take_few_extra_calls() {
        // 100 batches of 100 entries, each batch in one millisecond, 50 ms apart (a DLQ filled
        // by /v2/batch over a network).
        let times: Vec<i64> = (0..10_000).map(|i| NOW + (i / 100) * 50).collect();
        let calls = check(times, false, 8, 5);
        assert!(calls < 180, "{calls} calls");
    }

    #[test]
    fn pieces_cover_the_window_exactly() {
        for (from, to, times) in [
            (0, 1_000_000, vec![500, 510, 520]),
            (0, 10, vec![3, 3, 3]),
            (5, 6, vec![5, 6]),
            (0, 1_000_000, vec![900_000, 800_000, 700_000]),
            (0, 1_000_000, vec![]),
        ] {
            let p = split(from, to, &times, MAX_PIECES, None);
            assert_eq!(p.first().unwrap().from, from);
            assert_eq!(p.last().unwrap().to, to);
            assert!(p.windows(2).all(|w| w[0].to + 1 == w[1].from), "{p:?}");
            assert!(p.iter().all(|p| p.from <= p.to));
            assert!(p.len() >= 2 && p.len() as i64 <= MAX_PIECES);
        }
    }

    #[test]
    fn entries_outside_the_window_are_refused() {
        let mut w: Windows<DlqEntry> = Windows::new(10, 20, 4, 100);
        let r = w.next_request().unwrap();
        let page = Page {
            entries: vec![DlqEntry {
                created_at: Some(5),
                ..DlqEntry::default()
            }],
            cursor: None,
        };
        assert!(w.complete(&r, page, |_| true).is_err());
    }

    /// Shapes of a DLQ: a burst in one second, batches of 100 sharing a millisecond, entries
    /// spread over 30 days, and a burst among spread ones.
    fn shapes(n: usize) -> Vec<(&'static str, Vec<i64>)> {
        let day = 86_400_000i64;
        let spread = |k: usize, salt: i64| -> Vec<i64> {
            (0..k as i64)
                .map(|i| NOW - 30 * day + (i * 30 * day) / k as i64 + (i * 7919 + salt) % 1000)
                .collect()
        };
        let mut mix = spread(n / 2, 3);
        mix.extend((0..(n - n / 2) as i64).map(|i| NOW - 3 * day + i * 1000 / (n as i64 / 2)));
        vec![
            (
                "burst in 1 s",
                (0..n as i64).map(|i| NOW + i * 1000 / n as i64).collect(),
            ),
            (
                "batches of 100",
                (0..n as i64).map(|i| NOW + (i / 100) * 3).collect(),
            ),
            (
                "batches 30 ms apart",
                (0..n as i64).map(|i| NOW + (i / 100) * 30).collect(),
            ),
            ("30 days", spread(n, 0)),
            ("burst + 30 days", mix),
        ]
    }

    /// The call budget of a listing of `n` entries: 1.3 x a call per page, plus 10.
    fn budget(n: usize) -> usize {
        (13 * n.div_ceil(100)).div_ceil(10) + 10
    }

    /// Oldest first by `createdAt`, with dlqIds (dead-letter times) out of that order so that
    /// pages can prove it: within the call budget.
    #[test]
    fn an_oldest_first_order_once_proved_is_read_within_the_call_budget() {
        for n in [10_000] {
            for (shape, times) in shapes(n) {
                if shape != "burst in 1 s" {
                    // Pages of one millisecond, or dlqIds in createdAt order: nothing proves
                    // it (or only once the burst is reached); see `calls_by_order_and_shape`.
                    continue;
                }
                let f = fake_in(&times, ApiOrder::OldestFirst, 5_000, 1);
                let calls = check_fake(&f, 16, 9);
                assert!(
                    calls <= budget(n),
                    "{n}, {shape}: {calls} calls, budget {}",
                    budget(n)
                );
            }
        }
    }

    #[test]
    fn a_page_proves_an_order_only_against_dlq_ids_and_chance() {
        let e = |t: i64, id: &str| DlqEntry {
            created_at: Some(t),
            dlq_id: id.into(),
            ..DlqEntry::default()
        };
        // In createdAt order, and dlqIds out of order: proved.
        let page: Vec<DlqEntry> = (0..100)
            .map(|i| e(i / 4, &format!("{}-0", 1000 - i)))
            .collect();
        assert_eq!(proved_order(&page), Some(Order::OldestFirst));
        let mut rev = page.clone();
        rev.reverse();
        assert_eq!(proved_order(&rev), Some(Order::NewestFirst));
        // In dlqId order too: it may be the API's order, which proves nothing about dates.
        let page: Vec<DlqEntry> = (0..100).map(|i| e(i / 4, &format!("{i}-0"))).collect();
        assert_eq!(proved_order(&page), None);
        // A few times in order, then a block of one millisecond: in order by chance often.
        let page: Vec<DlqEntry> = (0..100)
            .map(|i| e(if i < 3 { i } else { 50 }, &format!("{}-0", 1000 - i)))
            .collect();
        assert_eq!(proved_order(&page), None);
        // Two milliseconds, one holding 99 entries: in order by chance one time in 100.
        let page: Vec<DlqEntry> = (0..100)
            .map(|i| e(i64::from(i == 99), &format!("{}-0", 1000 - i)))
            .collect();
        assert_eq!(proved_order(&page), None);
        // Out of createdAt order.
        let page: Vec<DlqEntry> = (0..100)
            .map(|i| e((i * 37) % 100, &format!("{}-0", 1000 - i)))
            .collect();
        assert_eq!(proved_order(&page), None);
    }

    #[test]
    fn a_proved_order_that_changes_stops_the_listing() {
        let mut w: Windows<DlqEntry> = Windows::new(0, 1_000_000, 4, 1000);
        let r = w.next_request().unwrap();
        let e = |t: i64, id: String| DlqEntry {
            created_at: Some(t),
            dlq_id: id,
            ..DlqEntry::default()
        };
        let page = Page {
            entries: (0..100).map(|i| e(i, format!("{}-0", 1000 - i))).collect(),
            cursor: Some("c".into()),
        };
        w.complete(&r, page, |_| true).unwrap();
        assert_eq!(w.order(), Some(Order::OldestFirst));
        let r = w.next_request().unwrap();
        let (a, b) = (r.from.max(100), r.to);
        let page = Page {
            entries: vec![e(b, "1-0".into()), e(a, "2-0".into())],
            cursor: None,
        };
        if a < b {
            assert!(matches!(
                w.complete(&r, page, |_| true),
                Err(Refused::OrderChanged { .. })
            ));
        }
    }

    /// A listing where every call takes one round trip and `workers` run at once: the calls
    /// and the round trips it took (the time model of a far API).
    fn timed(fake: &Fake, workers: usize) -> (usize, usize) {
        let mut w: Windows<DlqEntry> =
            Windows::new(0, 4_000_000_000_000, workers, super::super::MAX_HELD);
        let mut flight: VecDeque<(usize, Request)> = VecDeque::new();
        let (mut calls, mut now, mut out) = (0, 0, 0);
        loop {
            while let Some(b) = w.pop_ready() {
                out += b.len();
            }
            while flight.len() < workers {
                match w.next_request() {
                    Some(r) => flight.push_back((now + 1, r)),
                    None => break,
                }
            }
            let Some((done, r)) = flight.pop_front() else {
                break;
            };
            now = now.max(done);
            calls += 1;
            let page = fake.page(&r);
            w.complete(&r, page, |_| true).unwrap();
        }
        assert_eq!(out, fake.entries.len());
        (calls, now)
    }

    /// A DLQ dumped from a server (`PAGER_DUMP=file`, lines `createdAt dlqId` in the server's
    /// page order): calls and round trips (printed).
    #[test]
    #[ignore]
    #[allow(clippy::print_stderr)]
    fn calls_of_a_dumped_dlq() {
        let Some(path) = std::env::var_os("PAGER_DUMP") else {
            return;
        };
        let text = std::fs::read_to_string(path).unwrap();
        let entries: Vec<(i64, String)> = text
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(t, id)| (t.parse().unwrap(), id.to_string()))
            .collect();
        let f = Fake { entries };
        let calls = check_fake(&f, 16, 9);
        let (_, rounds) = timed(&f, 16);
        eprintln!(
            "{} entries: {calls} calls, {rounds} round trips",
            f.entries.len()
        );
    }

    /// Calls per order and shape (printed; `cargo test calls_by_order -- --ignored --nocapture`).
    #[test]
    #[ignore]
    #[allow(clippy::print_stderr)]
    fn calls_by_order_and_shape() {
        for n in [10_000, 100_000] {
            for order in [
                ApiOrder::OldestFirst,
                ApiOrder::NewestFirst,
                ApiOrder::DlqId,
                ApiOrder::Random,
            ] {
                for (shape, times) in shapes(n) {
                    let f = fake_in(&times, order, 5_000, 1);
                    let calls = check_fake(&f, 16, 9);
                    let (_, rounds) = timed(&f, 16);
                    eprintln!(
                        "{n:>7} {order:>12?} {shape:<16} {calls:>5} calls (budget {}), {rounds:>4} round trips (floor {})",
                        budget(n),
                        n.div_ceil(100).div_ceil(16)
                    );
                }
            }
        }
    }
}
