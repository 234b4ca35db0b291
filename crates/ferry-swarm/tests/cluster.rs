//! The cluster Docker API against a real multi-node Swarm (see `support/bed.rs`), with the
//! real docker CLI as the client. One bed serves every test of this file and is torn down
//! after the last one.

mod support;

use libtest_mimic::{Arguments, Failed, Trial};
use support::bed::{Bed, Spec};
use support::{Shared, with_bed};

fn spec() -> Result<Spec, String> {
    Ok(Spec { nodes: 3, managers: 1, images: vec![support::images::busybox()?] })
}

static BED: Shared = Shared::new(spec);

fn bed_is_a_swarm_of_three_named_nodes(bed: &Bed) -> Result<(), Failed> {
    let listed = bed.nodes[0].docker(&["node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}"])?;
    for node in &bed.nodes {
        assert!(listed.contains(&format!("{} Ready", node.name)), "{listed}");
        let name = node.docker(&["info", "--format", "{{.Name}}"])?;
        assert_eq!(name.trim(), node.name);
    }
    let image = support::images::busybox()?;
    let out = bed.nodes[2].docker(&["run", "--rm", &image, "echo", "hello from n3"])?;
    assert_eq!(out.trim(), "hello from n3");
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let tests = vec![Trial::test("bed_is_a_swarm_of_three_named_nodes", || {
        with_bed(&BED, bed_is_a_swarm_of_three_named_nodes)
    })];
    let conclusion = libtest_mimic::run(&args, tests);
    BED.teardown();
    conclusion.exit()
}
