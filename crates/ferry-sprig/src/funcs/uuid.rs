//! Sprig's `uuidv4`.

use ferry_gotmpl::{Function, Type};

use super::{FuncMap, add, ok_str, t_str};

pub(super) fn register(m: &mut FuncMap) {
    add(m, "uuidv4", Function::new(Vec::<Type>::new(), |_, _| ok_str(crate::crypto::uuidv4())).returns(t_str()));
}
