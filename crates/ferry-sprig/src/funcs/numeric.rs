//! Sprig `numeric.go` and the arithmetic entries of `functions.go`: integer
//! math through `cast.ToInt64`, float math through shopspring/decimal.

use ferry_gotmpl::{Function, Type, Value};

use super::{FuncMap, add, arg, fail, int, s, t_any, t_int, t_ints, t_str};
use crate::cast::{atoi, to_decimal, to_float64, to_int64};
use crate::crypto::rand_intn;

/// Lists longer than this are refused instead of exhausting memory (Go would try).
const MAX_SEQ: i64 = 10_000_000;

/// Go's `untilStep`.
pub fn until_step(start: i64, stop: i64, step: i64) -> Result<Vec<i64>, String> {
    let count = if stop < start {
        if step >= 0 {
            return Ok(Vec::new());
        }
        (i128::from(start) - i128::from(stop) + i128::from(-step) - 1) / i128::from(-step)
    } else {
        if step <= 0 {
            return Ok(Vec::new());
        }
        (i128::from(stop) - i128::from(start) + i128::from(step) - 1) / i128::from(step)
    };
    if count > i128::from(MAX_SEQ) {
        return Err(format!("sequence of {count} elements is too long"));
    }
    // Every element lies between start and stop, so it fits in i64.
    Ok((0..count).map(|i| (i128::from(start) + i * i128::from(step)) as i64).collect())
}

fn ints(v: Vec<i64>) -> Value {
    Value::typed_list(t_ints(), v.into_iter().map(Value::int).collect())
}

/// Sprig's `seq`.
pub fn seq(params: &[i64]) -> Result<String, String> {
    let list = match *params {
        [] => return Ok(String::new()),
        [end] => {
            let inc = if end < 1 { -1 } else { 1 };
            until_step(1, end.wrapping_add(inc), inc)?
        }
        [start, end] => {
            let step = if end < start { -1 } else { 1 };
            until_step(start, end.wrapping_add(step), step)?
        }
        [start, step, end] => {
            let mut inc = 1;
            if end < start {
                inc = -1;
                if step > 0 {
                    return Ok(String::new());
                }
            }
            until_step(start, end.wrapping_add(inc), step)?
        }
        _ => return Ok(String::new()),
    };
    Ok(list.iter().map(i64::to_string).collect::<Vec<_>>().join(" "))
}

/// Sprig's `round`.
pub fn round(val: f64, places: f64, round_on: f64) -> f64 {
    let pow = 10f64.powf(places);
    let digit = pow * val;
    let div = digit.fract();
    let r = if div >= round_on { digit.ceil() } else { digit.floor() };
    r / pow
}

/// A shopspring/decimal value: `mantissa * 10^exp`.
#[derive(Debug, Clone, Copy)]
struct Decimal {
    m: i128,
    e: i32,
}

impl Decimal {
    /// `decimal.NewFromFloat`: the shortest decimal that reads back as `f`.
    fn from_f64(f: f64) -> Option<Decimal> {
        if !f.is_finite() {
            return None;
        }
        if f == 0.0 {
            return Some(Decimal { m: 0, e: 0 });
        }
        let text = format!("{f:e}");
        let (mant, exp) = text.split_once('e')?;
        let exp: i32 = exp.parse().ok()?;
        let (int_part, frac) = mant.split_once('.').unwrap_or((mant, ""));
        let digits = format!("{int_part}{frac}");
        let m: i128 = digits.parse().ok()?;
        Some(Decimal { m, e: exp - frac.len() as i32 })
    }

    fn rescale(self, e: i32) -> Option<i128> {
        let shift = u32::try_from(self.e - e).ok()?;
        self.m.checked_mul(10i128.checked_pow(shift)?)
    }

    fn add(self, o: Decimal) -> Option<Decimal> {
        let e = self.e.min(o.e);
        Some(Decimal { m: self.rescale(e)?.checked_add(o.rescale(e)?)?, e })
    }

    fn sub(self, o: Decimal) -> Option<Decimal> {
        self.add(Decimal { m: -o.m, e: o.e })
    }

    fn mul(self, o: Decimal) -> Option<Decimal> {
        Some(Decimal { m: self.m.checked_mul(o.m)?, e: self.e.checked_add(o.e)? })
    }

    /// `Div`: DivRound to 16 places, half away from zero.
    fn div(self, o: Decimal) -> Option<Decimal> {
        if o.m == 0 {
            return None;
        }
        // value = (m1/m2) * 10^(e1-e2); want round(value * 10^16).
        let shift = self.e - o.e + 16;
        let (num, den) = if shift >= 0 {
            (self.m.checked_mul(10i128.checked_pow(shift as u32)?)?, o.m)
        } else {
            (self.m, o.m.checked_mul(10i128.checked_pow((-shift) as u32)?)?)
        };
        let q = num / den;
        let r = num % den;
        let q = if (r.abs().checked_mul(2)?) >= den.abs() { q + num.signum() * den.signum() } else { q };
        Some(Decimal { m: q, e: -16 })
    }

    fn to_f64(self) -> f64 {
        format!("{}e{}", self.m, self.e).parse().unwrap_or(f64::NAN)
    }
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// Sprig's `execDecimalOp`, falling back to float math where the exact value
/// would not fit in 128 bits.
fn decimal_op(first: &Value, rest: &[Value], op: Op) -> Result<f64, String> {
    let to_dec = |v: &Value| {
        let f = to_float64(v);
        Decimal::from_f64(f).ok_or_else(|| {
            format!(
                "Cannot create a Decimal from {}",
                if f.is_nan() {
                    "NaN"
                } else if f > 0.0 {
                    "+Inf"
                } else {
                    "-Inf"
                }
            )
        })
    };
    let mut acc = to_dec(first)?;
    let mut float_acc = to_float64(first);
    let mut exact = true;
    for v in rest {
        let d = to_dec(v)?;
        let x = to_float64(v);
        if matches!(op, Op::Div) && x == 0.0 {
            return Err("decimal division by zero".into());
        }
        float_acc = match op {
            Op::Add => float_acc + x,
            Op::Sub => float_acc - x,
            Op::Mul => float_acc * x,
            Op::Div => float_acc / x,
        };
        if exact {
            let next = match op {
                Op::Add => acc.add(d),
                Op::Sub => acc.sub(d),
                Op::Mul => acc.mul(d),
                Op::Div => acc.div(d),
            };
            match next {
                Some(n) => acc = n,
                None => exact = false,
            }
        }
    }
    Ok(if exact { acc.to_f64() } else { float_acc })
}

fn int64(v: i64) -> Value {
    Value::int64(v)
}

fn float_fn(op: Op, first_fixed: bool, start: Option<f64>) -> Function {
    let f = move |_: &mut ferry_gotmpl::Context<'_>, a: &[Value]| {
        let res = match start {
            Some(s0) => decimal_op(&Value::float64(s0), a, op),
            None => decimal_op(arg(a, 0), a.get(1..).unwrap_or(&[]), op),
        };
        res.map(Value::float64).or_else(fail)
    };
    if first_fixed {
        Function::variadic(vec![t_any()], t_any(), f).returns(Type::Float64)
    } else {
        Function::variadic(Vec::<Type>::new(), t_any(), f).returns(Type::Float64)
    }
}

pub(super) fn register(m: &mut FuncMap) {
    add(m, "atoi", Function::new(vec![t_str()], |_, a| Ok(Value::int(atoi(s(a, 0))))).returns(t_int()));
    add(m, "int64", Function::new(vec![t_any()], |_, a| Ok(int64(to_int64(arg(a, 0))))).returns(Type::Int64));
    add(m, "int", Function::new(vec![t_any()], |_, a| Ok(Value::int(to_int64(arg(a, 0))))).returns(t_int()));
    add(
        m,
        "float64",
        Function::new(vec![t_any()], |_, a| Ok(Value::float64(to_float64(arg(a, 0))))).returns(Type::Float64),
    );
    add(
        m,
        "seq",
        Function::variadic(Vec::<Type>::new(), t_int(), |_, a| {
            let params: Vec<i64> = (0..a.len()).map(|i| int(a, i)).collect();
            seq(&params).map(Value::from).or_else(fail)
        })
        .returns(t_str()),
    );
    add(m, "toDecimal", Function::new(vec![t_any()], |_, a| Ok(int64(to_decimal(arg(a, 0))))).returns(Type::Int64));
    add(
        m,
        "until",
        Function::new(vec![t_int()], |_, a| {
            let count = int(a, 0);
            until_step(0, count, if count < 0 { -1 } else { 1 }).map(ints).or_else(fail)
        })
        .returns(t_ints()),
    );
    add(
        m,
        "untilStep",
        Function::new(vec![t_int(), t_int(), t_int()], |_, a| {
            until_step(int(a, 0), int(a, 1), int(a, 2)).map(ints).or_else(fail)
        })
        .returns(t_ints()),
    );
    add(
        m,
        "add1",
        Function::new(vec![t_any()], |_, a| Ok(int64(to_int64(arg(a, 0)).wrapping_add(1)))).returns(Type::Int64),
    );
    add(
        m,
        "add",
        Function::variadic(Vec::<Type>::new(), t_any(), |_, a| {
            Ok(int64(a.iter().fold(0i64, |s, v| s.wrapping_add(to_int64(v)))))
        })
        .returns(Type::Int64),
    );
    add(
        m,
        "sub",
        Function::new(vec![t_any(), t_any()], |_, a| Ok(int64(to_int64(arg(a, 0)).wrapping_sub(to_int64(arg(a, 1))))))
            .returns(Type::Int64),
    );
    add(
        m,
        "div",
        Function::new(vec![t_any(), t_any()], |_, a| {
            let d = to_int64(arg(a, 1));
            if d == 0 {
                return fail("runtime error: integer divide by zero");
            }
            Ok(int64(to_int64(arg(a, 0)).wrapping_div(d)))
        })
        .returns(Type::Int64),
    );
    add(
        m,
        "mod",
        Function::new(vec![t_any(), t_any()], |_, a| {
            let d = to_int64(arg(a, 1));
            if d == 0 {
                return fail("runtime error: integer divide by zero");
            }
            Ok(int64(to_int64(arg(a, 0)).wrapping_rem(d)))
        })
        .returns(Type::Int64),
    );
    add(
        m,
        "mul",
        Function::variadic(vec![t_any()], t_any(), |_, a| {
            Ok(int64(a.iter().skip(1).fold(to_int64(arg(a, 0)), |p, v| p.wrapping_mul(to_int64(v)))))
        })
        .returns(Type::Int64),
    );
    add(
        m,
        "randInt",
        Function::new(vec![t_int(), t_int()], |_, a| {
            let (min, max) = (int(a, 0), int(a, 1));
            rand_intn(max.wrapping_sub(min)).map(|r| Value::int(r + min)).or_else(fail)
        })
        .returns(t_int()),
    );
    add(
        m,
        "add1f",
        Function::new(vec![t_any()], |_, a| {
            decimal_op(arg(a, 0), &[Value::int(1)], Op::Add).map(Value::float64).or_else(fail)
        })
        .returns(Type::Float64),
    );
    add(m, "addf", float_fn(Op::Add, false, Some(0.0)));
    add(m, "subf", float_fn(Op::Sub, true, None));
    add(m, "divf", float_fn(Op::Div, true, None));
    add(m, "mulf", float_fn(Op::Mul, true, None));
    let max = Function::variadic(vec![t_any()], t_any(), |_, a| {
        Ok(int64(a.iter().skip(1).map(to_int64).fold(to_int64(arg(a, 0)), i64::max)))
    })
    .returns(Type::Int64);
    add(m, "max", max.clone());
    add(m, "biggest", max);
    add(
        m,
        "min",
        Function::variadic(vec![t_any()], t_any(), |_, a| {
            Ok(int64(a.iter().skip(1).map(to_int64).fold(to_int64(arg(a, 0)), i64::min)))
        })
        .returns(Type::Int64),
    );
    add(
        m,
        "maxf",
        Function::variadic(vec![t_any()], t_any(), |_, a| {
            Ok(Value::float64(a.iter().skip(1).map(to_float64).fold(to_float64(arg(a, 0)), go_max)))
        })
        .returns(Type::Float64),
    );
    add(
        m,
        "minf",
        Function::variadic(vec![t_any()], t_any(), |_, a| {
            Ok(Value::float64(a.iter().skip(1).map(to_float64).fold(to_float64(arg(a, 0)), go_min)))
        })
        .returns(Type::Float64),
    );
    add(
        m,
        "ceil",
        Function::new(vec![t_any()], |_, a| Ok(Value::float64(to_float64(arg(a, 0)).ceil()))).returns(Type::Float64),
    );
    add(
        m,
        "floor",
        Function::new(vec![t_any()], |_, a| Ok(Value::float64(to_float64(arg(a, 0)).floor()))).returns(Type::Float64),
    );
    add(
        m,
        "round",
        Function::variadic(vec![t_any(), t_int()], Type::Float64, |_, a| {
            let on = match a.get(2) {
                Some(Value::Float(f, _)) => *f,
                _ => 0.5,
            };
            Ok(Value::float64(round(to_float64(arg(a, 0)), int(a, 1) as f64, on)))
        })
        .returns(Type::Float64),
    );
}

/// Go's `math.Max` (NaN wins; +0 beats -0).
fn go_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    if a == 0.0 && b == 0.0 {
        return if a.is_sign_positive() { a } else { b };
    }
    if a > b { a } else { b }
}

/// Go's `math.Min` (NaN wins; -0 beats +0).
fn go_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        return f64::NAN;
    }
    if a == 0.0 && b == 0.0 {
        return if a.is_sign_negative() { a } else { b };
    }
    if a < b { a } else { b }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_and_until_follow_sprig() {
        // From sprig numeric_test.go TestSeq / TestUntil.
        assert_eq!(seq(&[0, 1, 3]).as_deref(), Ok("0 1 2 3"));
        assert_eq!(seq(&[0, 3, 10]).as_deref(), Ok("0 3 6 9"));
        assert_eq!(seq(&[3, 3, 2]).as_deref(), Ok(""));
        assert_eq!(seq(&[3, -3, 2]).as_deref(), Ok("3"));
        assert_eq!(seq(&[]).as_deref(), Ok(""));
        assert_eq!(seq(&[0, 4]).as_deref(), Ok("0 1 2 3 4"));
        assert_eq!(seq(&[5]).as_deref(), Ok("1 2 3 4 5"));
        assert_eq!(seq(&[-5]).as_deref(), Ok("1 0 -1 -2 -3 -4 -5"));
        assert_eq!(seq(&[0]).as_deref(), Ok("1 0"));
        assert_eq!(seq(&[0, 1, 2, 3]).as_deref(), Ok(""));
        assert_eq!(seq(&[0, -4]).as_deref(), Ok("0 -1 -2 -3 -4"));
        assert_eq!(until_step(0, 5, 1), Ok(vec![0, 1, 2, 3, 4]));
        assert_eq!(until_step(3, 6, 1), Ok(vec![3, 4, 5]));
        assert_eq!(until_step(0, -5, -1), Ok(vec![0, -1, -2, -3, -4]));
        assert_eq!(until_step(0, 10, 3), Ok(vec![0, 3, 6, 9]));
        assert!(until_step(0, i64::MAX, 1).is_err());
    }

    #[test]
    fn decimal_math_follows_shopspring() {
        let f = |v: f64| Value::float64(v);
        assert_eq!(decimal_op(&f(0.1), &[f(0.2)], Op::Add), Ok(0.3));
        assert_eq!(decimal_op(&f(1.0), &[f(3.0)], Op::Div), Ok(0.3333333333333333));
        assert_eq!(decimal_op(&f(2.0), &[f(3.0)], Op::Div), Ok(0.6666666666666667));
        assert_eq!(decimal_op(&f(1.1), &[f(3.0)], Op::Mul), Ok(3.3));
        assert!(decimal_op(&f(1.0), &[f(0.0)], Op::Div).is_err());
        assert_eq!(round(2.5, 0.0, 0.5), 3.0);
        assert_eq!(round(2.4, 0.0, 0.5), 2.0);
        assert_eq!(round(-2.5, 0.0, 0.5), -3.0);
    }
}
