//! Sprig's `fail`.

use ferry_gotmpl::Function;

use super::{FuncMap, add, fail, s, t_str};

pub(super) fn register(m: &mut FuncMap) {
    add(m, "fail", Function::new(vec![t_str()], |_, a| fail(s(a, 0))).returns(t_str()));
}
