//! Usage charts as inline SVG, drawn on the server: no chart library, no script. Values are
//! fractions 0..1 shown as percentages over a time window; long histories are averaged into
//! at most [`MAX_POINTS`] buckets, and gaps in reporting break the line instead of bridging it.

use maud::{Markup, html};
use time::OffsetDateTime;

use super::layout;

/// At most this many points per series are drawn.
pub(crate) const MAX_POINTS: usize = 240;

// The drawing keeps its aspect ratio, so text is never stretched; the size suits the
// 20–35 rem wide cells the charts get on a page.
const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 38.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 26.0;

/// One line of a chart: (time, fraction) samples, oldest first.
#[derive(Debug, Clone)]
pub(crate) struct Series {
    /// Legend text.
    pub name: String,
    /// The samples.
    pub points: Vec<(OffsetDateTime, f64)>,
}

/// Averages samples into at most `buckets` equal slices of `[from, to)`; empty slices are
/// skipped. Samples outside the window and non-finite values are ignored; values are
/// clamped to 0..1.
pub(crate) fn downsample(
    points: &[(OffsetDateTime, f64)],
    from: OffsetDateTime,
    to: OffsetDateTime,
    buckets: usize,
) -> Vec<(OffsetDateTime, f64)> {
    let span = (to - from).whole_nanoseconds();
    if span <= 0 || buckets == 0 {
        return Vec::new();
    }
    let mut sums = vec![(0.0f64, 0u32, 0i128); buckets];
    for (t, v) in points {
        let offset = (*t - from).whole_nanoseconds();
        if !(0..span).contains(&offset) || !v.is_finite() {
            continue;
        }
        let i = ((offset * buckets as i128) / span) as usize;
        if let Some(slot) = sums.get_mut(i.min(buckets - 1)) {
            slot.0 += v.clamp(0.0, 1.0);
            slot.1 += 1;
            slot.2 += offset;
        }
    }
    sums.into_iter()
        .filter(|(_, n, _)| *n > 0)
        .map(|(sum, n, offsets)| {
            let mean_offset = offsets / i128::from(n);
            (from + time::Duration::nanoseconds(mean_offset as i64), sum / f64::from(n))
        })
        .collect()
}

/// Splits a line where consecutive samples are further apart than `gap`.
pub(crate) fn segments(points: &[(OffsetDateTime, f64)], gap: time::Duration) -> Vec<&[(OffsetDateTime, f64)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..points.len() {
        if points[i].0 - points[i - 1].0 > gap {
            out.push(&points[start..i]);
            start = i;
        }
    }
    if start < points.len() {
        out.push(&points[start..]);
    }
    out
}

fn x_of(t: OffsetDateTime, from: OffsetDateTime, to: OffsetDateTime) -> f64 {
    let span = (to - from).as_seconds_f64().max(1.0);
    LEFT + ((t - from).as_seconds_f64() / span).clamp(0.0, 1.0) * (WIDTH - LEFT - RIGHT)
}

fn y_of(v: f64) -> f64 {
    TOP + (1.0 - v.clamp(0.0, 1.0)) * (HEIGHT - TOP - BOTTOM)
}

fn time_label(t: OffsetDateTime, window: time::Duration) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    if window > time::Duration::days(2) {
        format!("{:02}-{:02}", u8::from(t.month()), t.day())
    } else {
        format!("{:02}:{:02}", t.hour(), t.minute())
    }
}

fn percent(v: f64) -> String {
    format!("{:.0} %", v * 100.0)
}

/// A usage chart. `now` is the window's end; the description says the latest values so the
/// chart means something to a screen reader too.
pub(crate) fn usage_chart(title: &str, from: OffsetDateTime, to: OffsetDateTime, series: &[Series]) -> Markup {
    let window = to - from;
    // A line breaks where reports stopped for longer than a twentieth of the window (or 2 min).
    let gap = (window / 20_i32).max(time::Duration::minutes(2));
    let lines: Vec<(String, Vec<(OffsetDateTime, f64)>)> =
        series.iter().map(|s| (s.name.clone(), downsample(&s.points, from, to, MAX_POINTS))).collect();
    let latest: Vec<String> = lines
        .iter()
        .filter_map(|(name, pts)| {
            pts.last().map(|(_, v)| if lines.len() > 1 { format!("{name} {}", percent(*v)) } else { percent(*v) })
        })
        .collect();
    let description = if latest.is_empty() {
        format!("{title}: no samples in this window")
    } else {
        format!("{title}: latest {}", latest.join(", "))
    };
    let has_data = lines.iter().any(|(_, p)| !p.is_empty());
    html! {
        figure.chart {
            figcaption { (title) }
            svg viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) role="img" aria-label=(description) {
                @for v in [0.0, 0.25, 0.5, 0.75, 1.0] {
                    line.grid x1=(LEFT) x2=(WIDTH - RIGHT) y1=(y_of(v)) y2=(y_of(v)) {}
                }
                @for v in [0.0, 0.5, 1.0] {
                    text.axis x=(LEFT - 5.0) y=(y_of(v) + 4.0) text-anchor="end" { (format!("{:.0}%", v * 100.0)) }
                }
                @for i in 0..=2 {
                    @let t = from + window * (f64::from(i) / 2.0);
                    text.axis x=(x_of(t, from, to)) y=(HEIGHT - 6.0)
                        text-anchor=(match i { 0 => "start", 2 => "end", _ => "middle" }) {
                        (time_label(t, window))
                    }
                }
                @if !has_data {
                    text.chart-empty x=(WIDTH / 2.0) y=(HEIGHT / 2.0) text-anchor="middle" { "No samples in this window" }
                }
                @for (i, (_, points)) in lines.iter().enumerate() {
                    @for segment in segments(points, gap) {
                        @if segment.len() == 1 {
                            circle class=(format!("series series-{}", i % 4)) cx=(x_of(segment[0].0, from, to)) cy=(y_of(segment[0].1)) r="3" {}
                        } @else {
                            polyline class=(format!("series series-{}", i % 4)) points=(polyline(segment, from, to)) {}
                        }
                    }
                }
            }
            @if lines.len() > 1 {
                ul.legend {
                    @for (i, (name, points)) in lines.iter().enumerate() {
                        li {
                            span class=(format!("swatch series-{}", i % 4)) aria-hidden="true" {}
                            (name)
                            @if let Some((_, v)) = points.last() { " " span.muted { (percent(*v)) } }
                        }
                    }
                }
            }
            p.visually-hidden { (description) ". Times in UTC, " (layout::datetime(from)) " to " (layout::datetime(to)) "." }
        }
    }
}

fn polyline(points: &[(OffsetDateTime, f64)], from: OffsetDateTime, to: OffsetDateTime) -> String {
    points.iter().map(|(t, v)| format!("{:.1},{:.1}", x_of(*t, from, to), y_of(*v))).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;
    use time::macros::datetime;

    #[test]
    fn long_histories_are_averaged_into_buckets() {
        let from = datetime!(2026-01-01 0:00 UTC);
        let to = from + Duration::hours(24);
        // A sample every 30 s for a day, alternating 0 and 1.
        let points: Vec<_> = (0..2880).map(|i| (from + Duration::seconds(30 * i), (i % 2) as f64)).collect();
        let sampled = downsample(&points, from, to, MAX_POINTS);
        assert_eq!(sampled.len(), MAX_POINTS);
        assert!(sampled.iter().all(|(_, v)| (*v - 0.5).abs() < 1e-9));
        assert!(sampled.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn bad_and_outside_values_are_left_out() {
        let from = datetime!(2026-01-01 0:00 UTC);
        let to = from + Duration::hours(1);
        let points = vec![
            (from - Duration::minutes(1), 0.5),
            (from + Duration::minutes(1), f64::NAN),
            (from + Duration::minutes(2), 7.0),
            (to, 0.5),
        ];
        let sampled = downsample(&points, from, to, 10);
        assert_eq!(sampled.len(), 1);
        assert_eq!(sampled[0].1, 1.0, "clamped");
        assert!(downsample(&points, to, from, 10).is_empty(), "empty window");
    }

    #[test]
    fn gaps_break_the_line() {
        let t = datetime!(2026-01-01 0:00 UTC);
        let pts = vec![(t, 0.1), (t + Duration::seconds(30), 0.2), (t + Duration::hours(1), 0.3)];
        let segs = segments(&pts, Duration::minutes(2));
        assert_eq!(segs.iter().map(|s| s.len()).collect::<Vec<_>>(), vec![2, 1]);
        assert!(segments(&[], Duration::minutes(2)).is_empty());
    }

    #[test]
    fn charts_stay_inside_their_box_and_describe_themselves() {
        let from = datetime!(2026-01-01 0:00 UTC);
        let to = from + Duration::hours(1);
        let series = vec![Series {
            name: "CPU".into(),
            points: vec![(from + Duration::minutes(10), 0.25), (from + Duration::minutes(11), 0.5)],
        }];
        let svg = usage_chart("CPU", from, to, &series).into_string();
        assert!(svg.contains(r#"aria-label="CPU: latest 50 %""#), "{svg}");
        assert!(svg.contains("<polyline"), "{svg}");
        for coords in svg.split("points=\"").skip(1).map(|s| s.split('"').next().unwrap()) {
            for pair in coords.split(' ') {
                let (x, y) = pair.split_once(',').unwrap();
                let (x, y): (f64, f64) = (x.parse().unwrap(), y.parse().unwrap());
                assert!((LEFT..=WIDTH - RIGHT).contains(&x) && (TOP..=HEIGHT - BOTTOM).contains(&y), "{pair}");
            }
        }
        let empty = usage_chart("Memory", from, to, &[Series { name: "Memory".into(), points: vec![] }]).into_string();
        assert!(empty.contains("No samples in this window"));
    }
}
