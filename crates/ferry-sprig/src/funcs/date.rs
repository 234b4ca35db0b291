//! Sprig `date.go`.

use ferry_gotmpl::{Function, Type, Value};

use super::{FuncMap, add, arg, fail, ok_str, s, t_any, t_str};
use crate::gotime::{self, Duration, HOUR, Location, MINUTE, SECOND, Time};
use crate::objects::{TimeValue, as_time, time_type};

/// The instant Sprig's `date`/`dateInZone` read from a value: a `time.Time`,
/// or seconds since the epoch as `int`, `int32` or `int64`; otherwise now.
fn instant(v: &Value) -> Time {
    if let Some(t) = as_time(v) {
        return t.clone();
    }
    match v {
        Value::Int(i, ferry_gotmpl::IntKind::Int | ferry_gotmpl::IntKind::Int32 | ferry_gotmpl::IntKind::Int64) => {
            Time::from_unix(*i, 0)
        }
        _ => Time::now(),
    }
}

/// Sprig's `dateInZone`.
pub fn date_in_zone(layout: &str, date: &Value, zone: &str) -> String {
    let loc = Location::load(zone).unwrap_or_else(|_| Location::utc());
    instant(date).in_location(&loc).format(layout)
}

/// Sprig's `durationRound`, given the duration already decoded.
pub fn duration_round(d: Duration) -> String {
    let u = d.0.unsigned_abs();
    let (year, month, day) = (HOUR as u64 * 24 * 365, HOUR as u64 * 24 * 30, HOUR as u64 * 24);
    let (hour, minute, second) = (HOUR as u64, MINUTE as u64, SECOND as u64);
    if u > year {
        format!("{}y", u / year)
    } else if u > month {
        format!("{}mo", u / month)
    } else if u > day {
        format!("{}d", u / day)
    } else if u > hour {
        format!("{}h", u / hour)
    } else if u > minute {
        format!("{}m", u / minute)
    } else if u > second {
        format!("{}s", u / second)
    } else {
        "0s".into()
    }
}

fn time_value(t: Time) -> Value {
    TimeValue::value(t)
}

fn date_modify(a: &[Value], must: bool) -> Result<Value, ferry_gotmpl::FuncError> {
    let t = as_time(arg(a, 1)).cloned().unwrap_or_else(Time::zero);
    match gotime::parse_duration(s(a, 0)) {
        Ok(d) => Ok(time_value(t.add(d))),
        Err(e) if must => fail(e.to_string()),
        Err(_) => Ok(time_value(t)),
    }
}

pub(super) fn register(m: &mut FuncMap) {
    add(
        m,
        "ago",
        Function::new(vec![t_any()], |_, a| {
            let v = arg(a, 0);
            let t = match v {
                Value::Int(i, ferry_gotmpl::IntKind::Int | ferry_gotmpl::IntKind::Int64) => Time::from_unix(*i, 0),
                _ => as_time(v).cloned().unwrap_or_else(Time::now),
            };
            ok_str(Time::now().sub(&t).round(Duration(SECOND)).go_string())
        })
        .returns(t_str()),
    );
    add(m, "date", Function::new(vec![t_str(), t_any()], |_, a| ok_str(date_in_zone(s(a, 0), arg(a, 1), "Local"))));
    let in_zone =
        Function::new(vec![t_str(), t_any(), t_str()], |_, a| ok_str(date_in_zone(s(a, 0), arg(a, 1), s(a, 2))));
    add(m, "dateInZone", in_zone.clone());
    add(m, "date_in_zone", in_zone);
    let modify = Function::new(vec![t_str(), time_type()], |_, a| date_modify(a, false)).returns(time_type());
    add(m, "dateModify", modify.clone());
    add(m, "date_modify", modify);
    let must_modify = Function::new(vec![t_str(), time_type()], |_, a| date_modify(a, true)).returns(time_type());
    add(m, "mustDateModify", must_modify.clone());
    add(m, "must_date_modify", must_modify);
    add(
        m,
        "duration",
        Function::new(vec![t_any()], |_, a| {
            let n = match arg(a, 0) {
                Value::String(v) => v.parse::<i64>().unwrap_or(0),
                Value::Int(i, ferry_gotmpl::IntKind::Int64) => *i,
                _ => 0,
            };
            ok_str(Duration(n.wrapping_mul(SECOND)).go_string())
        })
        .returns(t_str()),
    );
    add(
        m,
        "durationRound",
        Function::new(vec![t_any()], |_, a| {
            let v = arg(a, 0);
            let d = match v {
                Value::String(x) => gotime::parse_duration(x).unwrap_or_default(),
                Value::Int(i, ferry_gotmpl::IntKind::Int64) => Duration(*i),
                _ => as_time(v).map(|t| Time::now().sub(t)).unwrap_or_default(),
            };
            ok_str(duration_round(d))
        })
        .returns(t_str()),
    );
    add(m, "htmlDate", Function::new(vec![t_any()], |_, a| ok_str(date_in_zone("2006-01-02", arg(a, 0), "Local"))));
    add(
        m,
        "htmlDateInZone",
        Function::new(vec![t_any(), t_str()], |_, a| ok_str(date_in_zone("2006-01-02", arg(a, 0), s(a, 1)))),
    );
    add(
        m,
        "mustToDate",
        Function::new(vec![t_str(), t_str()], |_, a| {
            gotime::parse_in_location(s(a, 0), s(a, 1), &Location::local())
                .map(time_value)
                .or_else(|e| fail(e.to_string()))
        })
        .returns(time_type()),
    );
    add(
        m,
        "toDate",
        Function::new(vec![t_str(), t_str()], |_, a| {
            Ok(time_value(
                gotime::parse_in_location(s(a, 0), s(a, 1), &Location::local()).unwrap_or_else(|_| Time::zero()),
            ))
        })
        .returns(time_type()),
    );
    add(m, "now", Function::new(Vec::<Type>::new(), |_, _| Ok(time_value(Time::now()))).returns(time_type()));
    add(
        m,
        "unixEpoch",
        Function::new(vec![time_type()], |_, a| ok_str(as_time(arg(a, 0)).map(|t| t.unix()).unwrap_or(0).to_string())),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_round_follows_sprig() {
        // From sprig date_test.go TestDurationRound (v3 prints months as "mo").
        for (input, want) in [("2h5s", "2h"), ("24h5s", "1d"), ("2400h5s", "3mo")] {
            let d = gotime::parse_duration(input).unwrap_or_default();
            assert_eq!(duration_round(d), want, "{input}");
        }
    }

    #[test]
    fn dates_follow_sprig() {
        // From sprig date_test.go TestUnixEpoch, TestDateInZone and TestToDate.
        let t = gotime::parse_in_location("02 Jan 06 15:04:05 MST", "13 Jun 19 20:39:39 GMT", &Location::utc())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.unix(), 1_560_458_379);
        let tv = time_value(t);
        assert_eq!(date_in_zone("02 Jan 06 15:04 -0700", &tv, "UTC"), "13 Jun 19 20:39 +0000");
        assert_eq!(date_in_zone("02 Jan 06 15:04 -0700", &tv, "foobar"), "13 Jun 19 20:39 +0000");
        for v in [
            Value::int64(1_560_458_379),
            Value::int(1_560_458_379),
            Value::Int(1_560_458_379, ferry_gotmpl::IntKind::Int32),
        ] {
            assert_eq!(date_in_zone("02 Jan 06 15:04 -0700", &v, "UTC"), "13 Jun 19 20:39 +0000");
        }
        let d =
            gotime::parse_in_location("2006-01-02", "2017-12-31", &Location::utc()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(date_in_zone("02/01/2006", &time_value(d), "UTC"), "31/12/2017");
    }
}
