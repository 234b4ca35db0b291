//! Finds how deep each entry point can nest on a 2 MiB stack (a dev aid for
//! choosing `MAX_DEPTH`): `cargo run --example depth_probe -- decode 500`.
use ferry_goyaml::{self as gy, JsonOptions};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let what = args.get(1).cloned().unwrap_or_default();
    let depth: usize = args.get(2).and_then(|d| d.parse().ok()).unwrap_or(100);
    let r = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let flow = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            match what.as_str() {
                "decode" => drop(gy::decode(flow.as_bytes())),
                "encode" => {
                    let v = gy::decode_json(&flow).expect("json");
                    drop(gy::encode(&v));
                }
                "json" => drop(gy::decode_json(&flow)),
                "pretty" => {
                    let v = gy::decode_json(&flow).expect("json");
                    drop(gy::encode_json(&v, JsonOptions::PRETTY));
                }
                "sigs" => drop(ferry_goyaml::sigs::unmarshal(flow.as_bytes())),
                "marshal" => {
                    let v = gy::decode_json(&flow).expect("json");
                    drop(ferry_goyaml::sigs::marshal(&v));
                }
                _ => {}
            }
        })
        .expect("spawn")
        .join();
    println!("{}", if r.is_ok() { "ok" } else { "failed" });
}
