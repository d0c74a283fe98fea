//! Config messages and payloads on arbitrary bytes: the parser never panics and what it
//! accepts round-trips; merging what parsed never panics, and a merged message parses back;
//! a config state fed the bytes as stored payloads never panics and stays consistent; as a
//! group member's credential or a request's signatures, only what the group signed passes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use session_protocol::config::{
    self, ConfigKind, ConfigMessage, Contacts, ConvoInfoVolatile, Merged, Signing, UserGroups,
    UserProfile,
};
use session_protocol::storage::{Namespace, SignedRequest, SubaccountFlags, verify_request};
use session_protocol::{IdPrefix, Identity, SessionId};

pub(crate) fn run(data: &[u8]) {
    let parsed = ConfigMessage::parse(data, Signing::default());
    if let Ok(m) = &parsed {
        // The hash is over the bytes as received; the data survives a rebuild.
        assert_eq!(m.bytes(), data);
        let next = m.next();
        if let Ok(d) = next {
            let built = d.build(None);
            let again = ConfigMessage::parse(built.bytes(), Signing::default()).unwrap();
            let mut want = m.data().clone();
            config::prune(&mut want);
            assert_eq!(again.data(), &want);
            assert_eq!(again.seqno(), m.seqno() + 1);
            // Merging the message with its successor keeps the successor.
            assert_eq!(
                config::merge(&[m.clone(), again.clone()], None).unwrap(),
                Merged::Single(1)
            );
        }
    }
    // Split the input in two and merge whatever parses.
    let cut = data.len() / 2;
    let parts: Vec<ConfigMessage> = [&data[..cut], &data[cut..]]
        .iter()
        .filter_map(|p| ConfigMessage::parse(p, Signing::default()).ok())
        .collect();
    if let Ok(Merged::Merged(m)) = config::merge(&parts, None) {
        assert!(ConfigMessage::parse(m.bytes(), Signing::default()).is_ok());
    }
    // As stored payloads: decrypt fails or the payload is skipped; nothing panics.
    let me = Identity::from_seed(&[0x42; 32]);
    let mut profile = UserProfile::new(&me);
    let accepted = profile.state_mut().merge(&[("h", data)]);
    assert!(accepted.len() <= 1);
    let _ = config::unwrap_plaintext(data);
    let _ = config::decrypt(&[7; 32], "UserProfile", data);
    let _ = UserProfile::load(&me, data);
    // As a group keys message: verification fails (the fuzzer cannot sign), nothing panics.
    let group = Identity::from_seed(&[0x43; 32]);
    assert!(config::KeysMessage::parse(data, &group.ed25519_public()).is_err());
    // The same bytes signed by the group (an admin's own buggy message): the shape checks
    // after the signature run too, and a member's trial decryption.
    if let Some(body) = data.strip_suffix(b"e") {
        let mut signed = body.to_vec();
        let sig = group.sign(&signed);
        signed.extend_from_slice(b"1:~64:");
        signed.extend_from_slice(&sig);
        signed.push(b'e');
        if let Ok(k) = config::KeysMessage::parse(&signed, &group.ed25519_public()) {
            let _ = k.admin_key(&group);
            let _ = k.member_keys(&me, &group.ed25519_public());
            assert!(k.is_supplemental() || k.copies() % config::KEY_MULTIPLE == 0);
        }
    }
    // As group Info/Members payloads, to a member and to an admin.
    let gpk = group.ed25519_public();
    let mut info = config::GroupInfo::new(&gpk, None, &[[9; 32]]).unwrap();
    assert!(info.state_mut().merge(&[("h", data)]).is_empty());
    let mut members = config::GroupMembers::new(&gpk, Some(&group), &[[9; 32]]).unwrap();
    assert!(members.state_mut().merge(&[("h", data)]).is_empty());
    // As a member's swarm credential from this group: the group's signature cannot be forged,
    // so only what verifies yields a signer, and nothing panics.
    let gid = SessionId::new(IdPrefix::Group, gpk.to_bytes());
    if let Some(first) = data.get(..config::AUTH_DATA_LEN) {
        let auth = config::MemberAuth::from_bytes(first).unwrap();
        let verified = auth.verify(&gid, &me, SubaccountFlags::READ).is_ok();
        assert_eq!(auth.signer(&gid, &me).is_ok(), verified);
    }
    // As a request's signature, subaccount token and token signature: the server side refuses
    // them (none is the group's or a signer's).
    if let (Some(sig), Some(token), Some(token_sig)) =
        (data.get(..64), data.get(64..100), data.get(100..164))
    {
        let sig: [u8; 64] = sig.try_into().unwrap();
        let token: [u8; 36] = token.try_into().unwrap();
        let token_sig: [u8; 64] = token_sig.try_into().unwrap();
        let request = SignedRequest::Retrieve {
            namespace: Namespace(i16::from(data[0])),
            timestamp_ms: 1_700_000_000_000,
        };
        assert!(verify_request(&gid, &request, &sig, None, Some((&token, &token_sig))).is_err());
        assert!(verify_request(&gid, &request, &sig, None, None).is_err());
        let ed = me.ed25519_public();
        assert!(verify_request(&me.session_id(), &request, &sig, Some(&ed), None).is_err());
    }
    // A message that parses, sealed as a genuine config of each user type (a compromised or
    // buggy device of the account): the typed readers take whatever data it holds.
    if parsed.is_ok() {
        let sealed = |kind: ConfigKind| {
            let padded = config::pad(data);
            config::encrypt(&me.seed(), kind.domain, &padded).unwrap()
        };
        let mut p = UserProfile::new(&me);
        p.state_mut()
            .merge(&[("h", &sealed(ConfigKind::USER_PROFILE))]);
        let _ = (
            p.name(),
            p.profile_pic(),
            p.nts_priority(),
            p.blinded_msgreqs(),
        );
        let mut c = Contacts::new(&me);
        c.state_mut().merge(&[("h", &sealed(ConfigKind::CONTACTS))]);
        for contact in c.iter() {
            assert_eq!(c.get(&contact.session_id), Some(contact.clone()));
        }
        let mut v = ConvoInfoVolatile::new(&me);
        v.state_mut()
            .merge(&[("h", &sealed(ConfigKind::CONVO_INFO_VOLATILE))]);
        for (conv, read) in v.iter() {
            assert_eq!(v.get(&conv), Some(read));
        }
        let _ = v.prune(1_700_000_000_000);
        let mut g = UserGroups::new(&me);
        g.state_mut()
            .merge(&[("h", &sealed(ConfigKind::USER_GROUPS))]);
        for id in g.group_ids() {
            let _ = (g.group(&id), g.legacy_group(&id));
        }
    }
}
