//! Sprig `crypto.go` bindings.

use ferry_gotmpl::{FuncError, Function, Type, Value};

use super::{FuncMap, add, arg, fail, int, ok_str, s, t_int, t_list, t_str};
use crate::crypto::{self as c, Certificate, CryptoError};
use crate::objects::{CertificateValue, as_certificate, certificate_type};

fn cert_result(r: Result<Certificate, CryptoError>) -> Result<Value, FuncError> {
    r.map(|cert| Value::object(CertificateValue(cert))).or_else(|e| fail(e.0))
}

/// Sprig's `getNetIPs` / `getAlternateDNSStrs`: every element must be a string.
fn strings_of(v: &Value, what: &str) -> Result<Vec<String>, FuncError> {
    let Some(list) = v.as_list() else { return Ok(Vec::new()) };
    list.items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.to_string()),
            other => {
                fail(format!("{what}: {} is not a string", ferry_gotmpl::gofmt::sprint(std::slice::from_ref(other))))
            }
        })
        .collect()
}

fn ca_arg(a: &[Value], i: usize) -> Certificate {
    as_certificate(arg(a, i)).cloned().unwrap_or_default()
}

pub(super) fn register(m: &mut FuncMap) {
    add(m, "bcrypt", Function::new(vec![t_str()], |_, a| ok_str(c::bcrypt(s(a, 0)))).returns(t_str()));
    add(
        m,
        "htpasswd",
        Function::new(vec![t_str(), t_str()], |_, a| ok_str(c::htpasswd(s(a, 0), s(a, 1)))).returns(t_str()),
    );
    add(m, "genPrivateKey", Function::new(vec![t_str()], |_, a| ok_str(c::gen_private_key(s(a, 0)))).returns(t_str()));
    add(
        m,
        "derivePassword",
        Function::new(vec![Type::Uint32, t_str(), t_str(), t_str(), t_str()], |_, a| {
            ok_str(c::derive_password(int(a, 0) as u32, s(a, 1), s(a, 2), s(a, 3), s(a, 4)))
        })
        .returns(t_str()),
    );
    add(
        m,
        "buildCustomCert",
        Function::new(vec![t_str(), t_str()], |_, a| cert_result(c::build_custom_cert(s(a, 0), s(a, 1))))
            .returns(certificate_type()),
    );
    add(
        m,
        "genCA",
        Function::new(vec![t_str(), t_int()], |_, a| cert_result(c::gen_ca(s(a, 0), int(a, 1), None)))
            .returns(certificate_type()),
    );
    add(
        m,
        "genCAWithKey",
        Function::new(vec![t_str(), t_int(), t_str()], |_, a| {
            cert_result(c::gen_ca(s(a, 0), int(a, 1), Some(s(a, 2))))
        })
        .returns(certificate_type()),
    );
    add(
        m,
        "genSelfSignedCert",
        Function::new(vec![t_str(), t_list(), t_list(), t_int()], |_, a| {
            let ips = strings_of(arg(a, 1), "error parsing ip")?;
            let dns = strings_of(arg(a, 2), "error processing alternate dns name")?;
            cert_result(c::gen_self_signed_cert(s(a, 0), &ips, &dns, int(a, 3), None))
        })
        .returns(certificate_type()),
    );
    add(
        m,
        "genSelfSignedCertWithKey",
        Function::new(vec![t_str(), t_list(), t_list(), t_int(), t_str()], |_, a| {
            let ips = strings_of(arg(a, 1), "error parsing ip")?;
            let dns = strings_of(arg(a, 2), "error processing alternate dns name")?;
            cert_result(c::gen_self_signed_cert(s(a, 0), &ips, &dns, int(a, 3), Some(s(a, 4))))
        })
        .returns(certificate_type()),
    );
    add(
        m,
        "genSignedCert",
        Function::new(vec![t_str(), t_list(), t_list(), t_int(), certificate_type()], |_, a| {
            let ips = strings_of(arg(a, 1), "error parsing ip")?;
            let dns = strings_of(arg(a, 2), "error processing alternate dns name")?;
            cert_result(c::gen_signed_cert(s(a, 0), &ips, &dns, int(a, 3), &ca_arg(a, 4), None))
        })
        .returns(certificate_type()),
    );
    add(
        m,
        "genSignedCertWithKey",
        Function::new(vec![t_str(), t_list(), t_list(), t_int(), certificate_type(), t_str()], |_, a| {
            let ips = strings_of(arg(a, 1), "error parsing ip")?;
            let dns = strings_of(arg(a, 2), "error processing alternate dns name")?;
            cert_result(c::gen_signed_cert(s(a, 0), &ips, &dns, int(a, 3), &ca_arg(a, 4), Some(s(a, 5))))
        })
        .returns(certificate_type()),
    );
    add(
        m,
        "encryptAES",
        Function::new(vec![t_str(), t_str()], |_, a| c::encrypt_aes(s(a, 0), s(a, 1)).map(Value::from).or_else(fail))
            .returns(t_str()),
    );
    add(
        m,
        "decryptAES",
        Function::new(vec![t_str(), t_str()], |_, a| c::decrypt_aes(s(a, 0), s(a, 1)).map(Value::from).or_else(fail))
            .returns(t_str()),
    );
    add(
        m,
        "randBytes",
        Function::new(vec![t_int()], |_, a| c::rand_bytes(int(a, 0)).map(Value::from).or_else(fail)).returns(t_str()),
    );
}
