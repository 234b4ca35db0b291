//! Sprig `network.go`: `getHostByName` resolves through the system resolver.

use std::net::ToSocketAddrs as _;

use ferry_gotmpl::Function;

use super::{FuncMap, add, fail, ok_str, s, t_str};
use crate::crypto::rand_intn;

pub(super) fn register(m: &mut FuncMap) {
    add(
        m,
        "getHostByName",
        Function::new(vec![t_str()], |_, a| {
            let addrs: Vec<String> = (s(a, 0), 0u16)
                .to_socket_addrs()
                .map(|it| it.map(|sa| sa.ip().to_string()).collect())
                .unwrap_or_default();
            // Sprig picks one address at random; with none, rand.Intn(0) panics.
            let i = rand_intn(addrs.len() as i64).or_else(fail)?;
            ok_str(addrs.get(i as usize).cloned().unwrap_or_default())
        })
        .returns(t_str()),
    );
}
