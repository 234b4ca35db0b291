//! Keys as people make them with OpenSSL (Humanitec's documentation: `openssl genrsa 4096`),
//! and OpenSSL as the judge of fingerprints and signatures.

use std::path::Path;
use std::process::Command;

use ferry_stream::identity::{PrivateKey, PublicKey, hello_message};
use uuid::Uuid;

fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = match Command::new("openssl").args(args).current_dir(dir).output() {
        Ok(out) => out,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("skipping: openssl not found ({e}); CI installs it");
            return Vec::new();
        }
        Err(e) => panic!("openssl is required: {e}"),
    };
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn have_openssl() -> bool {
    let found = Command::new("openssl").arg("version").output().is_ok();
    assert!(found || std::env::var_os("CI").is_none(), "openssl is required under CI");
    found
}

/// The fingerprint OpenSSL computes: SHA-256 of the SubjectPublicKeyInfo DER, base64.
fn openssl_fingerprint(dir: &Path, public_pem: &str) -> String {
    let der = openssl(dir, &["pkey", "-pubin", "-in", public_pem, "-outform", "DER"]);
    std::fs::write(dir.join("pub.der"), der).unwrap();
    let digest = openssl(dir, &["dgst", "-sha256", "-binary", "pub.der"]);
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, digest);
    format!("SHA256:{}", b64.trim_end_matches('='))
}

fn check(dir: &Path, private_pem: &str, public_pem: &str, verify: &dyn Fn(&Path)) {
    let key = PrivateKey::parse(&std::fs::read_to_string(dir.join(private_pem)).unwrap()).unwrap();
    let public = PublicKey::parse(&std::fs::read_to_string(dir.join(public_pem)).unwrap()).unwrap();
    assert_eq!(key.public_key(), public, "the private key's public half is the registered key");
    assert_eq!(public.fingerprint(), openssl_fingerprint(dir, public_pem));
    let message = hello_message("nonce", Uuid::from_u128(9), "host-a", 1_700_000_000);
    let sig = key.sign(&message).unwrap();
    public.verify(&message, &sig).unwrap();
    std::fs::write(dir.join("msg"), &message).unwrap();
    std::fs::write(dir.join("sig"), base64::Engine::decode(&base64::engine::general_purpose::STANDARD, sig).unwrap())
        .unwrap();
    verify(dir);
}

#[test]
fn rsa_4096_from_openssl_genrsa() {
    if !have_openssl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(d, &["genrsa", "-out", "key.pem", "4096"]);
    openssl(d, &["rsa", "-in", "key.pem", "-pubout", "-out", "pub.pem"]);
    let verify = |d: &Path| {
        let out = Command::new("openssl")
            .args(["dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"])
            .args(["-verify", "pub.pem", "-signature", "sig", "msg"])
            .current_dir(d)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "OpenSSL rejects our RSA-PSS signature: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    };
    check(d, "key.pem", "pub.pem", &verify);
    assert_eq!(PublicKey::parse(&std::fs::read_to_string(d.join("pub.pem")).unwrap()).unwrap().describe(), "rsa-4096");
    // The traditional PKCS#1 forms (OpenSSL 1.x's genrsa, `-RSAPublicKey_out`) read the same.
    openssl(d, &["rsa", "-in", "key.pem", "-traditional", "-out", "key1.pem"]);
    openssl(d, &["rsa", "-in", "key.pem", "-RSAPublicKey_out", "-out", "pub1.pem"]);
    let k1 = PrivateKey::parse(&std::fs::read_to_string(d.join("key1.pem")).unwrap()).unwrap();
    let p1 = PublicKey::parse(&std::fs::read_to_string(d.join("pub1.pem")).unwrap()).unwrap();
    assert_eq!(k1.public_key(), p1);
    assert_eq!(p1.fingerprint(), openssl_fingerprint(d, "pub.pem"));
}

#[test]
fn ed25519_from_openssl_genpkey() {
    if !have_openssl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(d, &["genpkey", "-algorithm", "ed25519", "-out", "key.pem"]);
    openssl(d, &["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"]);
    let verify = |d: &Path| {
        let out = Command::new("openssl")
            .args(["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "msg", "-sigfile", "sig"])
            .current_dir(d)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "OpenSSL rejects our Ed25519 signature: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    };
    check(d, "key.pem", "pub.pem", &verify);
}

#[test]
fn small_and_encrypted_keys_are_refused_clearly() {
    if !have_openssl() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(d, &["genrsa", "-out", "small.pem", "1024"]);
    openssl(d, &["rsa", "-in", "small.pem", "-pubout", "-out", "small.pub"]);
    let e = PublicKey::parse(&std::fs::read_to_string(d.join("small.pub")).unwrap()).unwrap_err();
    assert_eq!(e.to_string(), "RSA keys must have 2048 to 8192 bits (4096 recommended), this one has 1024");
    openssl(d, &["genpkey", "-algorithm", "ed25519", "-aes256", "-pass", "pass:x", "-out", "enc.pem"]);
    let e = PrivateKey::parse(&std::fs::read_to_string(d.join("enc.pem")).unwrap()).unwrap_err();
    assert!(e.to_string().starts_with("the private key is encrypted"), "{e}");
}
