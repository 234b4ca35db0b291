//! Sprig's base64/base32 functions (`strings.go`). Decode failures return the
//! error text as the result, as Sprig does.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ferry_gotmpl::Function;

use super::{FuncMap, add, ok_str, s, t_str};
use crate::crypto::go_base64_error;

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// `base32.StdEncoding.EncodeToString`.
pub fn b32enc(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = buf.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                out.push(char::from(B32[((bits >> (35 - 5 * i)) & 31) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `base32.StdEncoding.DecodeString`, with Go's `CorruptInputError` text.
pub fn b32dec(s: &str) -> Result<Vec<u8>, String> {
    // Go strips newlines before decoding.
    let clean: Vec<u8> = s.bytes().filter(|&c| c != b'\n' && c != b'\r').collect();
    let corrupt = |at: usize| format!("illegal base32 data at input byte {at}");
    if !clean.len().is_multiple_of(8) {
        return Err(corrupt(clean.len() / 8 * 8));
    }
    let mut out = Vec::with_capacity(clean.len() / 8 * 5);
    for (ci, chunk) in clean.chunks(8).enumerate() {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        let data_len = 8 - pad;
        if !matches!(pad, 0 | 1 | 3 | 4 | 6) || (pad > 0 && ci + 1 != clean.len() / 8) {
            return Err(corrupt(ci * 8 + data_len));
        }
        let mut bits = 0u64;
        for (i, &c) in chunk[..data_len].iter().enumerate() {
            let v = B32.iter().position(|&x| x == c).ok_or_else(|| corrupt(ci * 8 + i))?;
            bits |= (v as u64) << (35 - 5 * i);
        }
        let nbytes = data_len * 5 / 8;
        for i in 0..nbytes {
            out.push((bits >> (32 - 8 * i)) as u8);
        }
    }
    Ok(out)
}

pub(super) fn register(m: &mut FuncMap) {
    add(m, "b64enc", Function::new(vec![t_str()], |_, a| ok_str(STANDARD.encode(s(a, 0)))).returns(t_str()));
    add(
        m,
        "b64dec",
        Function::new(vec![t_str()], |_, a| {
            let input = s(a, 0);
            ok_str(match STANDARD.decode(input) {
                Ok(d) => String::from_utf8_lossy(&d).into_owned(),
                Err(e) => go_base64_error(input, &e),
            })
        })
        .returns(t_str()),
    );
    add(m, "b32enc", Function::new(vec![t_str()], |_, a| ok_str(b32enc(s(a, 0).as_bytes()))).returns(t_str()));
    add(
        m,
        "b32dec",
        Function::new(vec![t_str()], |_, a| {
            ok_str(match b32dec(s(a, 0)) {
                Ok(d) => String::from_utf8_lossy(&d).into_owned(),
                Err(e) => e,
            })
        })
        .returns(t_str()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_round_trips_like_go() {
        // RFC 4648 test vectors (Go's base32_test.go pairs).
        let pairs = [
            ("", ""),
            ("f", "MY======"),
            ("fo", "MZXQ===="),
            ("foo", "MZXW6==="),
            ("foob", "MZXW6YQ="),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI======"),
        ];
        for (plain, enc) in pairs {
            assert_eq!(b32enc(plain.as_bytes()), enc);
            assert_eq!(b32dec(enc), Ok(plain.as_bytes().to_vec()));
        }
        assert!(b32dec("MZXW6YT").is_err());
    }
}
