//! A closed group's life: create, invite three, distribute the key, remove one, rekey, and
//! check who can still read. Every byte is what libsession-based clients store in the group's
//! swarm (namespaces 11 to 14); here the "swarm" is a vector.
//!
//! ```text
//! cargo run --example group
//! ```

use std::process::ExitCode;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::config::{GroupInfo, GroupKeys, GroupMembers, Member, Status};
use session_protocol::envelope::{Content, ProSignature, open_group_message, seal_group_message};
use session_protocol::{IdPrefix, Identity, SessionId, SymmetricKey};

#[path = "args/group.rs"]
mod args;
#[path = "args/cli.rs"]
mod cli;

fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok { Ok(()) } else { Err(what.to_owned()) }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    let now_ms = 1_700_000_000_000i64;

    // The admin makes the group's key pair; its public key is the group's 03 id.
    let admin = Identity::generate(&mut rng);
    let group = Identity::generate(&mut rng);
    let gpk = group.ed25519_public();
    println!(
        "group  {}",
        SessionId::new(IdPrefix::Group, *gpk.as_bytes())
    );
    let people: Vec<Identity> = (0..3).map(|_| Identity::generate(&mut rng)).collect();
    let names = ["Ana", "Bo", "Cy"];

    // Members list, keys (generation 0 for everyone listed), info: pushed to namespaces 14,
    // 12 and 13.
    let mut members = GroupMembers::new(&gpk, Some(&group), &[])?;
    let mut me = Member::new(admin.session_id());
    me.admin = true;
    me.name = "Admin".into();
    members.set(&me)?;
    for (p, name) in people.iter().zip(names) {
        let mut m = Member::new(p.session_id());
        m.name = name.into();
        m.invite = Status::Sent;
        members.set(&m)?;
    }
    let mut keys = GroupKeys::new(&admin, &gpk, Some(&group))?;
    let keys_msg0 = keys.rekey(&members.ids())?.to_vec();
    keys.load_message("keys-0", &keys_msg0, now_ms)?;
    let mut info = GroupInfo::new(&gpk, Some(&group), &keys.keys())?;
    info.set_name("Tomato sauce club")?;
    members.state_mut().replace_keys(&keys.keys(), true)?;
    let info0 = info.state_mut().push()?;
    let members0 = members.state_mut().push()?;
    println!(
        "stored keys message gen 0 ({} B), info ({} B), members ({} B)",
        keys_msg0.len(),
        info0.data.len(),
        members0.data.len()
    );

    // Each member recovers the key from the keys message and reads the group's configs.
    let mut views = Vec::new();
    for (p, name) in people.iter().zip(names) {
        let mut k = GroupKeys::new(p, &gpk, None)?;
        check(
            k.load_message("keys-0", &keys_msg0, now_ms)?,
            "a member finds its key",
        )?;
        let mut i = GroupInfo::new(&gpk, None, &k.keys())?;
        let mut m = GroupMembers::new(&gpk, None, &k.keys())?;
        i.state_mut().merge(&[("info-0", &info0.data)]);
        m.state_mut().merge(&[("members-0", &members0.data)]);
        println!(
            "{name:>3} reads {:?} with {} members",
            i.name().unwrap_or_default(),
            m.iter().count()
        );
        views.push((k, i));
    }

    // Cy is removed: off the list, a new generation for the rest, info re-encrypted.
    let cy = people.last().ok_or("no members")?.session_id();
    members.erase(&cy)?;
    let keys_msg1 = keys.rekey(&members.ids())?.to_vec();
    keys.load_message("keys-1", &keys_msg1, now_ms + 1000)?;
    info.state_mut().replace_keys(&keys.keys(), true)?;
    info.set_name("Tomato sauce club (two left)")?;
    let info1 = info.state_mut().push()?;
    let text = Content::text("Cy is gone", 1).to_bytes();
    let current = keys.encryption_key().ok_or("no key")?;
    let message = seal_group_message(
        &admin,
        &gpk,
        &SymmetricKey::from_bytes(current),
        &text,
        1,
        ProSignature::Omit,
        &mut rng,
    )?;
    println!(
        "rekeyed to generation {} after removing Cy",
        keys.current_generation()
    );

    for ((k, i), name) in views.iter_mut().zip(names) {
        let got_key = k.load_message("keys-1", &keys_msg1, now_ms + 1000)?;
        i.state_mut().replace_keys(&k.keys(), false)?;
        let read_info = !i.state_mut().merge(&[("info-1", &info1.data)]).is_empty();
        let held: Vec<SymmetricKey> = k.keys().into_iter().map(SymmetricKey::from_bytes).collect();
        let read_msg = open_group_message(&held, &gpk, &message).is_ok();
        println!(
            "{name:>3}: new key {got_key}, new info {read_info}, new message {read_msg}, sees {:?}",
            i.name().unwrap_or_default()
        );
        let removed = name == "Cy";
        check(
            got_key != removed && read_info != removed && read_msg != removed,
            name,
        )?;
    }
    Ok(())
}

fn main() -> ExitCode {
    if let Err(code) = cli::options_or_exit(args::USAGE, args::parse(&cli::env_args())) {
        return code;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("group example failed: {e}");
            ExitCode::FAILURE
        }
    }
}
