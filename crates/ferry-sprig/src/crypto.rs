//! Sprig's `crypto.go`: digests, bcrypt/htpasswd, random strings and bytes,
//! Master Password (`derivePassword`), `encryptAES`/`decryptAES` (AES-256-CBC,
//! zero-padded key, random IV prefix, PKCS#7-style padding, base64), private
//! keys and X.509 certificates shaped as Go's `x509.CreateCertificate` makes them.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use rand_core::{OsRng, RngCore};
use sha2::Digest as _;

/// Lowercase hex of bytes (`hex.EncodeToString`).
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// `sha1sum`.
pub fn sha1sum(input: &str) -> String {
    hex(&sha1::Sha1::digest(input.as_bytes()))
}

/// `sha256sum`.
pub fn sha256sum(input: &str) -> String {
    hex(&sha2::Sha256::digest(input.as_bytes()))
}

/// `sha512sum`.
pub fn sha512sum(input: &str) -> String {
    hex(&sha2::Sha512::digest(input.as_bytes()))
}

/// `adler32sum`: the checksum in decimal.
pub fn adler32sum(input: &str) -> String {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in input.as_bytes() {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    ((b << 16) | a).to_string()
}

/// `bcrypt` with Go's default cost 10 and `$2a$` prefix.
pub fn bcrypt(input: &str) -> String {
    match bcrypt::hash_with_result(input.as_bytes(), 10) {
        Ok(h) => h.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

/// `htpasswd`.
pub fn htpasswd(username: &str, password: &str) -> String {
    if username.contains(':') {
        return format!("invalid username: {username}");
    }
    format!("{username}:{}", bcrypt(password))
}

/// Random strings above this many characters are refused instead of exhausting memory.
pub const MAX_RANDOM_LEN: i64 = 1 << 20;

fn random_below(n: u32) -> u32 {
    // Rejection sampling keeps the distribution uniform.
    let zone = u32::MAX - (u32::MAX % n);
    loop {
        let v = OsRng.next_u32();
        if v < zone {
            return v % n;
        }
    }
}

fn random_from(count: i64, alphabet: &[u8]) -> String {
    if count <= 0 || alphabet.is_empty() {
        return String::new();
    }
    let count = count.min(MAX_RANDOM_LEN) as usize;
    (0..count).map(|_| char::from(alphabet[random_below(alphabet.len() as u32) as usize])).collect()
}

const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const DIGITS: &[u8] = b"0123456789";

/// `randAlphaNum` (goutils `CryptoRandomAlphaNumeric`): `[A-Za-z0-9]`.
pub fn rand_alpha_num(count: i64) -> String {
    let alphabet: Vec<u8> = ALPHA.iter().chain(DIGITS).copied().collect();
    random_from(count, &alphabet)
}

/// `randAlpha`: `[A-Za-z]`.
pub fn rand_alpha(count: i64) -> String {
    random_from(count, ALPHA)
}

/// `randNumeric`: `[0-9]`.
pub fn rand_numeric(count: i64) -> String {
    random_from(count, DIGITS)
}

/// `randAscii`: printable ASCII 32..=126.
pub fn rand_ascii(count: i64) -> String {
    let alphabet: Vec<u8> = (32u8..127).collect();
    random_from(count, &alphabet)
}

/// `randBytes`: `count` random bytes, base64-encoded. Go's `make([]byte, count)`
/// panics on a negative count.
pub fn rand_bytes(count: i64) -> Result<String, String> {
    if count < 0 {
        return Err("runtime error: makeslice: len out of range".into());
    }
    let mut buf = vec![0u8; count.min(MAX_RANDOM_LEN) as usize];
    OsRng.fill_bytes(&mut buf);
    Ok(B64.encode(buf))
}

/// `uuidv4`.
pub fn uuidv4() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A uniform random integer in `[0, n)` for `randInt` (Go's `rand.Intn`, which panics on n <= 0).
pub fn rand_intn(n: i64) -> Result<i64, String> {
    if n <= 0 {
        return Err("invalid argument to Intn".into());
    }
    let n = n as u64;
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let v = OsRng.next_u64();
        if v < zone {
            return Ok((v % n) as i64);
        }
    }
}

/// Shuffles the runes of a string (xstrings `Shuffle`).
pub fn shuffle(s: &str) -> String {
    let mut runes: Vec<char> = s.chars().collect();
    for i in (1..runes.len()).rev() {
        let j = random_below(i as u32 + 1) as usize;
        runes.swap(i, j);
    }
    runes.into_iter().collect()
}

const MASTER_PASSWORD_SEED: &str = "com.lyndir.masterpassword";

fn password_templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn template_characters(c: u8) -> &'static str {
    match c {
        b'V' => "AEIOU",
        b'C' => "BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => "aeiou",
        b'c' => "bcdfghjklmnpqrstvwxyz",
        b'A' => "AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => "0123456789",
        b'o' => "@&%?,=[]_:-+*$#!'^~;()/.",
        _ => "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// `derivePassword` (Master Password algorithm v3 as Sprig implements it).
pub fn derive_password(counter: u32, password_type: &str, password: &str, user: &str, site: &str) -> String {
    use hmac::Mac as _;
    let Some(templates) = password_templates(password_type) else {
        return format!("cannot find password template {password_type}");
    };
    let mut salt = MASTER_PASSWORD_SEED.as_bytes().to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user.as_bytes());
    let mut key = [0u8; 64];
    let params = match scrypt::Params::new(15, 8, 2, 64) {
        Ok(p) => p,
        Err(e) => return format!("failed to derive password: {e}"),
    };
    if let Err(e) = scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key) {
        return format!("failed to derive password: {e}");
    }
    let mut data = MASTER_PASSWORD_SEED.as_bytes().to_vec();
    data.extend_from_slice(&(site.len() as u32).to_be_bytes());
    data.extend_from_slice(site.as_bytes());
    data.extend_from_slice(&counter.to_be_bytes());
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key) else {
        return "failed to derive password: bad key".into();
    };
    mac.update(&data);
    let seed = mac.finalize().into_bytes();
    let template = templates[usize::from(seed[0]) % templates.len()];
    template
        .bytes()
        .enumerate()
        .map(|(i, element)| {
            let chars = template_characters(element).as_bytes();
            char::from(chars[usize::from(seed[i + 1]) % chars.len()])
        })
        .collect()
}

type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;
type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

fn aes_key(password: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let n = password.len().min(32);
    key[..n].copy_from_slice(&password.as_bytes()[..n]);
    key
}

/// `encryptAES`.
pub fn encrypt_aes(password: &str, plaintext: &str) -> Result<String, String> {
    use cbc::cipher::{BlockEncryptMut as _, KeyIvInit as _, block_padding::Pkcs7};
    if plaintext.is_empty() {
        return Ok(String::new());
    }
    let mut iv = [0u8; 16];
    OsRng.fill_bytes(&mut iv);
    let enc = Aes256CbcEnc::new(&aes_key(password).into(), &iv.into());
    let len = plaintext.len();
    let mut buf = plaintext.as_bytes().to_vec();
    buf.resize(len + 16 - len % 16, 0);
    let ct = enc.encrypt_padded_mut::<Pkcs7>(&mut buf, len).map_err(|e| e.to_string())?;
    let mut out = iv.to_vec();
    out.extend_from_slice(ct);
    Ok(B64.encode(out))
}

/// `decryptAES`, with the panics Go's code reaches on malformed input turned into errors.
pub fn decrypt_aes(password: &str, crypt64: &str) -> Result<String, String> {
    use cbc::cipher::{BlockDecryptMut as _, KeyIvInit as _, block_padding::NoPadding};
    if crypt64.is_empty() {
        return Ok(String::new());
    }
    let crypt = B64.decode(crypt64).map_err(|e| go_base64_error(crypt64, &e))?;
    if crypt.len() < 16 {
        return Err(format!("runtime error: slice bounds out of range [:16] with capacity {}", crypt.len()));
    }
    let (iv, body) = crypt.split_at(16);
    if body.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    let dec = Aes256CbcDec::new(&aes_key(password).into(), iv.into());
    let mut buf = body.to_vec();
    let plain = dec.decrypt_padded_mut::<NoPadding>(&mut buf).map_err(|e| e.to_string())?;
    let Some(&pad) = plain.last() else {
        return Err("runtime error: index out of range [-1]".into());
    };
    let keep = plain.len() as i64 - i64::from(pad);
    if keep < 0 {
        return Err(format!("runtime error: slice bounds out of range [:{keep}]"));
    }
    Ok(String::from_utf8_lossy(&plain[..keep as usize]).into_owned())
}

/// Go's `base64.CorruptInputError` text for a decode failure.
pub fn go_base64_error(input: &str, err: &base64::DecodeError) -> String {
    let offset = match err {
        base64::DecodeError::InvalidByte(i, _) | base64::DecodeError::InvalidLastSymbol(i, _) => *i,
        base64::DecodeError::InvalidLength(_) | base64::DecodeError::InvalidPadding => {
            input.trim_end_matches('=').len().saturating_sub(input.trim_end_matches('=').len() % 4)
        }
    };
    format!("illegal base64 data at input byte {offset}")
}

// ---------------------------------------------------------------------------
// DER writing, just enough for keys and certificates.

mod der {
    pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|&&b| b == 0).count();
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
        out.extend_from_slice(content);
        out
    }

    pub fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
        tlv(0x30, &parts.concat())
    }

    /// A non-negative INTEGER from big-endian magnitude bytes.
    pub fn uint(bytes: &[u8]) -> Vec<u8> {
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let mut v = bytes[skip..].to_vec();
        if v.first().is_none_or(|&b| b & 0x80 != 0) {
            v.insert(0, 0);
        }
        tlv(0x02, &v)
    }

    pub fn oid(arcs: &[u64]) -> Vec<u8> {
        let mut body = Vec::new();
        let first = arcs.first().copied().unwrap_or(0) * 40 + arcs.get(1).copied().unwrap_or(0);
        for arc in std::iter::once(first).chain(arcs.iter().skip(2).copied()) {
            let mut chunk = vec![(arc & 0x7f) as u8];
            let mut rest = arc >> 7;
            while rest > 0 {
                chunk.push(0x80 | (rest & 0x7f) as u8);
                rest >>= 7;
            }
            chunk.reverse();
            body.extend(chunk);
        }
        tlv(0x06, &body)
    }

    pub fn bit_string(unused: u8, bytes: &[u8]) -> Vec<u8> {
        let mut body = vec![unused];
        body.extend_from_slice(bytes);
        tlv(0x03, &body)
    }

    pub fn octets(bytes: &[u8]) -> Vec<u8> {
        tlv(0x04, bytes)
    }

    pub const NULL: [u8; 2] = [0x05, 0x00];
}

/// Go's `pem.EncodeToMemory`.
pub fn pem_encode(kind: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let mut out = format!("-----BEGIN {kind}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    let _ = writeln!(out, "-----END {kind}-----");
    out
}

/// Go's `pem.Decode` of the first block: (type, DER bytes).
pub fn pem_decode(text: &str) -> Option<(String, Vec<u8>)> {
    let start = text.find("-----BEGIN ")?;
    let rest = &text[start + 11..];
    let type_end = rest.find("-----")?;
    let kind = rest[..type_end].to_string();
    let body_start = rest[type_end + 5..].trim_start_matches(['\r', '\n']);
    let end_marker = format!("-----END {kind}-----");
    let end = body_start.find(&end_marker)?;
    let body: String = body_start[..end]
        .lines()
        .filter(|l| !l.contains(':'))
        .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
        .collect();
    Some((kind, B64.decode(body).ok()?))
}

/// A private key Sprig can generate or parse.
pub enum PrivateKey {
    /// `*rsa.PrivateKey`
    Rsa(Box<rsa::RsaPrivateKey>),
    /// `*ecdsa.PrivateKey` on P-256.
    EcdsaP256(p256::SecretKey),
    /// `ed25519.PrivateKey`
    Ed25519(Box<ed25519_dalek::SigningKey>),
    /// `*dsa.PrivateKey`: p, q, g, y, x as big-endian bytes.
    Dsa([Vec<u8>; 5]),
}

/// Key and certificate errors, worded as Sprig/Go word them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CryptoError(pub String);

fn err(s: impl Into<String>) -> CryptoError {
    CryptoError(s.into())
}

fn generate_dsa() -> Result<PrivateKey, CryptoError> {
    use dsa::{Components, KeySize, SigningKey};
    let components = Components::generate(&mut OsRng, KeySize::DSA_2048_256);
    let key = SigningKey::generate(&mut OsRng, components);
    let c = key.verifying_key().components();
    Ok(PrivateKey::Dsa([
        c.p().to_bytes_be(),
        c.q().to_bytes_be(),
        c.g().to_bytes_be(),
        key.verifying_key().y().to_bytes_be(),
        key.x().to_bytes_be(),
    ]))
}

/// `genPrivateKey`: a PEM key of type "rsa" (4096 bits, also for ""), "dsa",
/// "ecdsa" (P-256) or "ed25519"; otherwise Sprig's message.
pub fn gen_private_key(kind: &str) -> String {
    let key = match kind {
        "" | "rsa" => rsa::RsaPrivateKey::new(&mut OsRng, 4096)
            .map(|k| PrivateKey::Rsa(Box::new(k)))
            .map_err(|e| err(e.to_string())),
        "dsa" => generate_dsa(),
        "ecdsa" => Ok(PrivateKey::EcdsaP256(p256::SecretKey::random(&mut OsRng))),
        "ed25519" => Ok(PrivateKey::Ed25519(Box::new(ed25519_dalek::SigningKey::generate(&mut OsRng)))),
        _ => return format!("Unknown type {kind}"),
    };
    match key.and_then(|k| pem_for_key(&k)) {
        Ok(pem) => pem,
        Err(e) => format!("failed to generate private key: {e}"),
    }
}

/// Sprig's `pemBlockForKey`.
pub fn pem_for_key(key: &PrivateKey) -> Result<String, CryptoError> {
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    use rsa::pkcs8::EncodePrivateKey as _;
    Ok(match key {
        PrivateKey::Rsa(k) => {
            let doc = k.to_pkcs1_der().map_err(|e| err(e.to_string()))?;
            pem_encode("RSA PRIVATE KEY", doc.as_bytes())
        }
        PrivateKey::EcdsaP256(k) => {
            let doc = k.to_sec1_der().map_err(|e| err(e.to_string()))?;
            pem_encode("EC PRIVATE KEY", &doc)
        }
        PrivateKey::Ed25519(k) => {
            // Go's MarshalPKCS8PrivateKey: no public key attribute.
            let der = der::seq(&[
                der::tlv(0x02, &[0]),
                der::seq(&[der::oid(&[1, 3, 101, 112])]),
                der::octets(&der::octets(k.as_bytes())),
            ]);
            let _ = k.to_pkcs8_der();
            pem_encode("PRIVATE KEY", &der)
        }
        PrivateKey::Dsa(parts) => {
            let mut fields = vec![der::tlv(0x02, &[0])];
            fields.extend(parts.iter().map(|p| der::uint(p)));
            pem_encode("DSA PRIVATE KEY", &der::seq(&fields))
        }
    })
}

/// Sprig's `parsePrivateKeyPEM`.
pub fn parse_private_key_pem(pem: &str) -> Result<PrivateKey, CryptoError> {
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    use rsa::pkcs8::DecodePrivateKey as _;
    let (kind, der) = pem_decode(pem).ok_or_else(|| err("no PEM data in input"))?;
    if kind == "PRIVATE KEY" {
        if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_der(&der) {
            return Ok(PrivateKey::Rsa(Box::new(k)));
        }
        if let Ok(k) = p256::SecretKey::from_pkcs8_der(&der) {
            return Ok(PrivateKey::EcdsaP256(k));
        }
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_der(&der) {
            return Ok(PrivateKey::Ed25519(Box::new(k)));
        }
        return Err(err("decoding PEM as PKCS#8: x509: failed to parse private key"));
    }
    let Some(prefix) = kind.strip_suffix(" PRIVATE KEY") else {
        return Err(err(format!("no private key data in PEM block of type {kind}")));
    };
    match prefix {
        "RSA" => rsa::RsaPrivateKey::from_pkcs1_der(&der)
            .map(|k| PrivateKey::Rsa(Box::new(k)))
            .map_err(|e| err(format!("parsing RSA private key from PEM: x509: failed to parse private key: {e}"))),
        "EC" => p256::SecretKey::from_sec1_der(&der)
            .map(PrivateKey::EcdsaP256)
            .map_err(|_| err("parsing EC private key from PEM: x509: failed to parse EC private key")),
        "DSA" => parse_dsa(&der).ok_or_else(|| err("parsing DSA private key from PEM: asn1: structure error")),
        _ => Err(err(format!("invalid private key type {kind}"))),
    }
}

/// Reads one DER TLV: (tag, content, rest).
fn der_read(d: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *d.first()?;
    let first = *d.get(1)?;
    let (len, hdr) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | usize::from(*d.get(2 + i)?);
        }
        (len, 2 + n)
    };
    let content = d.get(hdr..hdr.checked_add(len)?)?;
    Some((tag, content, &d[hdr + len..]))
}

fn parse_dsa(der: &[u8]) -> Option<PrivateKey> {
    let (tag, mut body, _) = der_read(der)?;
    if tag != 0x30 {
        return None;
    }
    let mut ints = Vec::with_capacity(6);
    while !body.is_empty() {
        let (tag, content, rest) = der_read(body)?;
        if tag != 0x02 {
            return None;
        }
        ints.push(content.to_vec());
        body = rest;
    }
    let [_, p, q, g, y, x]: [Vec<u8>; 6] = ints.try_into().ok()?;
    Some(PrivateKey::Dsa([p, q, g, y, x]))
}

const OID_RSA: &[u64] = &[1, 2, 840, 113_549, 1, 1, 1];
const OID_SHA256_RSA: &[u64] = &[1, 2, 840, 113_549, 1, 1, 11];
const OID_EC_PUBLIC_KEY: &[u64] = &[1, 2, 840, 10_045, 2, 1];
const OID_P256: &[u64] = &[1, 2, 840, 10_045, 3, 1, 7];
const OID_ECDSA_SHA256: &[u64] = &[1, 2, 840, 10_045, 4, 3, 2];
const OID_ED25519: &[u64] = &[1, 3, 101, 112];

impl PrivateKey {
    /// The DER `SubjectPublicKeyInfo` and the public key bit string's bytes.
    fn public_key_info(&self) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
        let (alg, key) = match self {
            PrivateKey::Rsa(k) => {
                use rsa::pkcs1::EncodeRsaPublicKey as _;
                let pk = k.to_public_key().to_pkcs1_der().map_err(|e| err(e.to_string()))?;
                (der::seq(&[der::oid(OID_RSA), der::NULL.to_vec()]), pk.as_bytes().to_vec())
            }
            PrivateKey::EcdsaP256(k) => {
                use p256::elliptic_curve::sec1::ToEncodedPoint as _;
                let point = k.public_key().to_encoded_point(false);
                (der::seq(&[der::oid(OID_EC_PUBLIC_KEY), der::oid(OID_P256)]), point.as_bytes().to_vec())
            }
            PrivateKey::Ed25519(k) => (der::seq(&[der::oid(OID_ED25519)]), k.verifying_key().to_bytes().to_vec()),
            PrivateKey::Dsa(_) => return Err(err("x509: unsupported public key type: *dsa.PublicKey")),
        };
        Ok((der::seq(&[alg, der::bit_string(0, &key)]), key))
    }

    fn signature_algorithm(&self) -> Result<Vec<u8>, CryptoError> {
        match self {
            PrivateKey::Rsa(_) => Ok(der::seq(&[der::oid(OID_SHA256_RSA), der::NULL.to_vec()])),
            PrivateKey::EcdsaP256(_) => Ok(der::seq(&[der::oid(OID_ECDSA_SHA256)])),
            PrivateKey::Ed25519(_) => Ok(der::seq(&[der::oid(OID_ED25519)])),
            PrivateKey::Dsa(_) => Err(err("x509: certificate private key does not implement crypto.Signer")),
        }
    }

    fn sign(&self, tbs: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match self {
            PrivateKey::Rsa(k) => {
                let digest = sha2::Sha256::digest(tbs);
                k.sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &digest).map_err(|e| err(e.to_string()))
            }
            PrivateKey::EcdsaP256(k) => {
                use p256::ecdsa::signature::Signer as _;
                let sk = p256::ecdsa::SigningKey::from(k);
                let sig: p256::ecdsa::Signature = sk.sign(tbs);
                Ok(sig.to_der().as_bytes().to_vec())
            }
            PrivateKey::Ed25519(k) => {
                use ed25519_dalek::Signer as _;
                Ok(k.sign(tbs).to_bytes().to_vec())
            }
            PrivateKey::Dsa(_) => Err(err("x509: certificate private key does not implement crypto.Signer")),
        }
    }
}

/// Sprig's `certificate` struct: PEM certificate and PEM key.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Certificate {
    /// `Cert`: the PEM certificate.
    pub cert: String,
    /// `Key`: the PEM private key.
    pub key: String,
}

/// What `getBaseCertTemplate` and its callers fill in.
struct CertTemplate {
    cn: String,
    ips: Vec<Vec<u8>>,
    dns: Vec<String>,
    not_before: i64,
    not_after: i64,
    is_ca: bool,
}

/// Go's `net.ParseIP`, returning 4 bytes for IPv4 (as `To4` then gives).
fn parse_ip(s: &str) -> Option<Vec<u8>> {
    match s.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V4(v4) => Some(v4.octets().to_vec()),
        std::net::IpAddr::V6(v6) => Some(match v6.to_ipv4_mapped() {
            Some(v4) => v4.octets().to_vec(),
            None => v6.octets().to_vec(),
        }),
    }
}

fn time_der(unix: i64) -> Vec<u8> {
    let t = crate::gotime::Time::from_unix(unix, 0).in_location(&crate::gotime::Location::utc());
    let year: i64 = t.format("2006").parse().unwrap_or(0);
    if (1950..2050).contains(&year) {
        der::tlv(0x17, t.format("060102150405Z").as_bytes())
    } else {
        der::tlv(0x18, t.format("20060102150405Z").as_bytes())
    }
}

fn is_printable(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?*&".contains(&b))
}

fn name_der(cn: &str) -> Vec<u8> {
    if cn.is_empty() {
        return der::seq(&[]);
    }
    let value = if is_printable(cn) { der::tlv(0x13, cn.as_bytes()) } else { der::tlv(0x0c, cn.as_bytes()) };
    der::seq(&[der::tlv(0x31, &der::seq(&[der::oid(&[2, 5, 4, 3]), value]))])
}

fn extension(oid: &[u64], critical: bool, value: Vec<u8>) -> Vec<u8> {
    let mut parts = vec![der::oid(oid)];
    if critical {
        parts.push(der::tlv(0x01, &[0xff]));
    }
    parts.push(der::octets(&value));
    der::seq(&parts)
}

/// Builds and signs a certificate the way `x509.CreateCertificate` lays it out.
fn create_certificate(
    tpl: &CertTemplate,
    subject_key: &PrivateKey,
    issuer: Option<(&[u8], Option<Vec<u8>>)>,
    signing_key: &PrivateKey,
) -> Result<Vec<u8>, CryptoError> {
    let sig_alg = signing_key.signature_algorithm()?;
    let (spki, pub_bits) = subject_key.public_key_info()?;
    let mut serial = [0u8; 16];
    OsRng.fill_bytes(&mut serial);
    let subject = name_der(&tpl.cn);
    let (issuer_name, authority_key_id) = match issuer {
        Some((name, akid)) => (name.to_vec(), akid),
        None => (subject.clone(), None),
    };
    let subject_key_id = tpl.is_ca.then(|| sha1::Sha1::digest(&pub_bits).to_vec());
    let mut exts = Vec::new();
    // KeyUsage: DigitalSignature|KeyEncipherment (+ CertSign for a CA), bits reversed.
    let ku = if tpl.is_ca { der::bit_string(2, &[0xa4]) } else { der::bit_string(5, &[0xa0]) };
    exts.push(extension(&[2, 5, 29, 15], true, ku));
    exts.push(extension(
        &[2, 5, 29, 37],
        false,
        der::seq(&[der::oid(&[1, 3, 6, 1, 5, 5, 7, 3, 1]), der::oid(&[1, 3, 6, 1, 5, 5, 7, 3, 2])]),
    ));
    let bc = if tpl.is_ca { der::seq(&[der::tlv(0x01, &[0xff])]) } else { der::seq(&[]) };
    exts.push(extension(&[2, 5, 29, 19], true, bc));
    if let Some(skid) = &subject_key_id {
        exts.push(extension(&[2, 5, 29, 14], false, der::octets(skid)));
    }
    if let Some(akid) = authority_key_id {
        exts.push(extension(&[2, 5, 29, 35], false, der::seq(&[der::tlv(0x80, &akid)])));
    }
    if !tpl.dns.is_empty() || !tpl.ips.is_empty() {
        let mut names: Vec<Vec<u8>> = tpl.dns.iter().map(|d| der::tlv(0x82, d.as_bytes())).collect();
        names.extend(tpl.ips.iter().map(|ip| der::tlv(0x87, ip)));
        exts.push(extension(&[2, 5, 29, 17], false, der::seq(&names)));
    }
    let tbs = der::seq(&[
        der::tlv(0xa0, &der::tlv(0x02, &[2])),
        der::uint(&serial),
        sig_alg.clone(),
        issuer_name,
        der::seq(&[time_der(tpl.not_before), time_der(tpl.not_after)]),
        subject,
        spki,
        der::tlv(0xa3, &der::seq(&exts)),
    ]);
    let signature = signing_key.sign(&tbs)?;
    Ok(der::seq(&[tbs, sig_alg, der::bit_string(0, &signature)]))
}

fn now_unix() -> i64 {
    crate::gotime::Time::now().unix()
}

fn base_template(
    cn: &str,
    ips: &[String],
    dns: &[String],
    days: i64,
    is_ca: bool,
) -> Result<CertTemplate, CryptoError> {
    let mut parsed = Vec::with_capacity(ips.len());
    for ip in ips {
        parsed.push(parse_ip(ip).ok_or_else(|| err(format!("error parsing ip: {ip}")))?);
    }
    let now = now_unix();
    Ok(CertTemplate {
        cn: cn.to_string(),
        ips: parsed,
        dns: dns.to_vec(),
        not_before: now,
        not_after: now.saturating_add(days.saturating_mul(86_400)),
        is_ca,
    })
}

fn finish(der: Vec<u8>, key: &PrivateKey) -> Result<Certificate, CryptoError> {
    let key_pem = pem_for_key(key).map_err(|e| err(format!("error pem-encoding key: {e}")))?;
    Ok(Certificate { cert: pem_encode("CERTIFICATE", &der), key: key_pem })
}

fn rsa2048() -> Result<PrivateKey, CryptoError> {
    rsa::RsaPrivateKey::new(&mut OsRng, 2048)
        .map(|k| PrivateKey::Rsa(Box::new(k)))
        .map_err(|e| err(format!("error generating rsa key: {e}")))
}

fn creating(e: CryptoError) -> CryptoError {
    err(format!("error creating certificate: {}", e.0))
}

/// `genCA` / `genCAWithKey` (with `key`).
pub fn gen_ca(cn: &str, days: i64, key: Option<&str>) -> Result<Certificate, CryptoError> {
    let key = match key {
        Some(pem) => parse_private_key_pem(pem).map_err(|e| err(format!("parsing private key: {e}")))?,
        None => rsa2048()?,
    };
    let tpl = base_template(cn, &[], &[], days, true)?;
    let der = create_certificate(&tpl, &key, None, &key).map_err(creating)?;
    finish(der, &key)
}

/// `genSelfSignedCert` / `genSelfSignedCertWithKey`.
pub fn gen_self_signed_cert(
    cn: &str,
    ips: &[String],
    dns: &[String],
    days: i64,
    key: Option<&str>,
) -> Result<Certificate, CryptoError> {
    let key = match key {
        Some(pem) => parse_private_key_pem(pem).map_err(|e| err(format!("parsing private key: {e}")))?,
        None => rsa2048()?,
    };
    let tpl = base_template(cn, ips, dns, days, false)?;
    let der = create_certificate(&tpl, &key, None, &key).map_err(creating)?;
    finish(der, &key)
}

/// The subject name (DER) and subject key id of a PEM certificate.
fn ca_identity(cert_pem: &str) -> Result<(Vec<u8>, Option<Vec<u8>>), CryptoError> {
    use x509_cert::der::{Decode as _, Encode as _};
    let (_, der) = pem_decode(cert_pem).ok_or_else(|| err("unable to decode certificate"))?;
    let cert = x509_cert::Certificate::from_der(&der).map_err(|e| {
        err(format!("error parsing certificate: decodedSignerCert.Bytes: x509: malformed certificate: {e}"))
    })?;
    let subject = cert.tbs_certificate.subject.to_der().map_err(|e| err(e.to_string()))?;
    let skid = cert.tbs_certificate.extensions.as_ref().and_then(|exts| {
        exts.iter().find(|e| e.extn_id.to_string() == "2.5.29.14").and_then(|e| {
            x509_cert::der::asn1::OctetString::from_der(e.extn_value.as_bytes()).ok().map(|o| o.as_bytes().to_vec())
        })
    });
    Ok((subject, skid))
}

/// `genSignedCert` / `genSignedCertWithKey`.
pub fn gen_signed_cert(
    cn: &str,
    ips: &[String],
    dns: &[String],
    days: i64,
    ca: &Certificate,
    key: Option<&str>,
) -> Result<Certificate, CryptoError> {
    let key = match key {
        Some(pem) => parse_private_key_pem(pem).map_err(|e| err(format!("parsing private key: {e}")))?,
        None => rsa2048()?,
    };
    let (issuer, skid) = ca_identity(&ca.cert)?;
    let signer = parse_private_key_pem(&ca.key).map_err(|e| err(format!("error parsing private key: {e}")))?;
    let tpl = base_template(cn, ips, dns, days, false)?;
    let der = create_certificate(&tpl, &key, Some((&issuer, skid)), &signer).map_err(creating)?;
    finish(der, &key)
}

/// `buildCustomCert`: validates base64 PEM certificate and key and returns them decoded.
pub fn build_custom_cert(b64cert: &str, b64key: &str) -> Result<Certificate, CryptoError> {
    use x509_cert::der::Decode as _;
    let cert = B64.decode(b64cert).map_err(|_| err("unable to decode base64 certificate"))?;
    let key = B64.decode(b64key).map_err(|_| err("unable to decode base64 private key"))?;
    let cert = String::from_utf8_lossy(&cert).into_owned();
    let key = String::from_utf8_lossy(&key).into_owned();
    let (_, der) = pem_decode(&cert).ok_or_else(|| err("unable to decode certificate"))?;
    x509_cert::Certificate::from_der(&der)
        .map_err(|e| err(format!("error parsing certificate: decodedCert.Bytes: x509: malformed certificate: {e}")))?;
    parse_private_key_pem(&key).map_err(|e| err(format!("error parsing private key: {e}")))?;
    Ok(Certificate { cert, key })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_sprig_tests() {
        // From sprig crypto_test.go.
        assert_eq!(sha256sum("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(sha1sum("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(adler32sum("abc"), "38600999");
        assert_eq!(
            sha512sum("abc"),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
    }

    #[test]
    fn derive_password_matches_sprig_tests() {
        // From sprig crypto_test.go TestDerivePassword.
        let cases = [
            (1u32, "long", "password", "user", "example.com", "ZedaFaxcZaso9*"),
            (2, "long", "password", "user", "example.com", "Fovi2@JifpTupx"),
            (1, "maximum", "password", "user", "example.com", "pf4zS1LjCg&LjhsZ7T2~"),
            (1, "medium", "password", "user", "example.com", "ZedJuz8$"),
            (1, "basic", "password", "user", "example.com", "pIS54PLs"),
            (1, "short", "password", "user", "example.com", "Zed5"),
            (1, "pin", "password", "user", "example.com", "6685"),
        ];
        for (counter, kind, pass, user, site, want) in cases {
            assert_eq!(derive_password(counter, kind, pass, user, site), want, "{kind} {counter}");
        }
    }

    #[test]
    fn aes_round_trip_and_bcrypt() {
        let enc = encrypt_aes("secretkey", "plaintext").unwrap_or_default();
        assert_eq!(decrypt_aes("secretkey", &enc), Ok("plaintext".to_string()));
        assert!(decrypt_aes("secretkey", "YWJj").is_err());
        let h = bcrypt("abc");
        assert!(h.starts_with("$2a$10$"));
        assert!(bcrypt::verify("abc", &h).unwrap_or(false));
        assert_eq!(htpasswd("a:b", "x"), "invalid username: a:b");
    }

    fn parse_cert(pem: &str) -> x509_cert::Certificate {
        use x509_cert::der::Decode as _;
        let (kind, der) = pem_decode(pem).unwrap_or_default();
        assert_eq!(kind, "CERTIFICATE");
        x509_cert::Certificate::from_der(&der).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn certificates_parse_and_chain() {
        let ec_key = gen_private_key("ecdsa");
        assert!(ec_key.starts_with("-----BEGIN EC PRIVATE KEY-----\n"));
        let ca = gen_ca("foo-ca", 365, Some(&ec_key)).unwrap_or_else(|e| panic!("{e}"));
        let ca_cert = parse_cert(&ca.cert);
        assert_eq!(ca_cert.tbs_certificate.subject.to_string(), "CN=foo-ca");
        let ed_key = gen_private_key("ed25519");
        let leaf =
            gen_signed_cert("foo.com", &["10.0.0.1".to_string()], &["bar.com".to_string()], 365, &ca, Some(&ed_key))
                .unwrap_or_else(|e| panic!("{e}"));
        let leaf_cert = parse_cert(&leaf.cert);
        assert_eq!(leaf_cert.tbs_certificate.issuer.to_string(), "CN=foo-ca");
        assert_eq!(leaf.key, ed_key);
        // The leaf's signature verifies with the CA's P-256 key.
        use p256::ecdsa::signature::Verifier as _;
        use x509_cert::der::Encode as _;
        let tbs = leaf_cert.tbs_certificate.to_der().unwrap_or_default();
        let sig = p256::ecdsa::Signature::from_der(leaf_cert.signature.raw_bytes()).unwrap_or_else(|e| panic!("{e}"));
        let PrivateKey::EcdsaP256(ca_key) = parse_private_key_pem(&ca.key).unwrap_or_else(|e| panic!("{e}")) else {
            panic!("CA key is not P-256");
        };
        let vk = p256::ecdsa::VerifyingKey::from(ca_key.public_key());
        assert!(vk.verify(&tbs, &sig).is_ok());
        let rebuilt = build_custom_cert(&B64.encode(&leaf.cert), &B64.encode(&leaf.key));
        assert_eq!(rebuilt, Ok(leaf.clone()));
        assert!(gen_signed_cert("x", &["nope".into()], &[], 1, &ca, Some(&ed_key)).is_err());
    }

    #[test]
    fn dsa_keys_generate_and_cannot_sign() {
        let dsa = gen_private_key("dsa");
        assert!(dsa.starts_with("-----BEGIN DSA PRIVATE KEY-----\n"), "{dsa}");
        assert!(parse_private_key_pem(&dsa).is_ok());
        assert_eq!(
            gen_ca("x", 1, Some(&dsa)),
            Err(CryptoError(
                "error creating certificate: x509: certificate private key does not implement crypto.Signer".into()
            ))
        );
        assert_eq!(gen_private_key("bad"), "Unknown type bad");
    }

    #[test]
    fn rsa_self_signed_certificate_parses() {
        let cert =
            gen_self_signed_cert("foo.com", &[], &["foo.com".into()], 10, None).unwrap_or_else(|e| panic!("{e}"));
        assert!(cert.key.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
        let parsed = parse_cert(&cert.cert);
        assert_eq!(parsed.tbs_certificate.subject.to_string(), "CN=foo.com");
        assert!(parse_private_key_pem(&cert.key).is_ok());
    }
}
