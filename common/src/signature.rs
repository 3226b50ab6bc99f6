//! Module signatures: the trailer the kernel's `sign-file` appends to a module, read the way
//! modinfo shows it (`sig_id`, `signer`, `sig_key`, `sig_hashalgo`, `signature`). Nothing is
//! verified.
//!
//! Layout (the kernel's `Documentation/admin-guide/module-signing.rst` and `docs/kmod-facts.md`,
//! "ELF sections that matter"): a signed image ends with `~Module signature appended~\n`
//! ([`SIGNATURE_MAGIC`]), preceded by a 12-byte header: u8 key algorithm, u8 hash algorithm,
//! u8 identifier type, u8 signer length, u8 key id length, 3 bytes of padding, big-endian u32
//! signature length. Before the header lie the signer name, the key id and the signature, in
//! that order.
//!
//! Identifier types 0 (PGP) and 1 (X.509) carry signer, key id and signature as raw bytes and
//! the hash algorithm as an index. Type 2, what the kernel has produced for years, is a PKCS#7
//! `SignedData` (RFC 2315; CMS, RFC 5652, is its successor with the same encoding) in DER as the
//! signature, with empty signer and key id fields: the first `SignerInfo` then gives the signer
//! (the common name of the certificate issuer, else the issuer name's last attribute), the key
//! id (the certificate serial number's magnitude, without leading zero bytes), the hash
//! algorithm (its digest algorithm) and the signature bytes (its `signature` OCTET STRING).
//! Bytes after the DER structure are ignored.
//!
//! Anything kmod 30 rejects makes [`parse`] fail, so that modinfo shows no signature fields for
//! it: a key algorithm other than DSA (0) or RSA (1) in the header (ECDSA-signed PKCS#7 modules
//! carry 0 there), a hash index past `sm3`, an unknown identifier type, an empty signature, sizes
//! that don't fit in the image, a PKCS#7 blob that doesn't decode as strict DER, a `SignerInfo`
//! that names its key by subject key identifier, and digest algorithms outside the hash table.

use der::asn1::{AnyRef, IntRef, ObjectIdentifier, OctetStringRef};
use der::{Decode, Reader, SliceReader, Tag, TagNumber, Tagged};

pub use crate::elf::SIGNATURE_MAGIC;

/// Size of the header between the signature data and [`SIGNATURE_MAGIC`].
pub const HEADER_LEN: usize = 12;

/// How the signer is identified ([`ModuleSignature::id_type`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdType {
    /// 0: an OpenPGP key.
    Pgp,
    /// 1: an X.509 certificate, identified by signer name and key id.
    X509,
    /// 2: a PKCS#7 `SignedData` message holding everything.
    Pkcs7,
}

impl IdType {
    /// The identifier type of header value `id`.
    pub fn from_index(id: u8) -> Option<IdType> {
        match id {
            0 => Some(IdType::Pgp),
            1 => Some(IdType::X509),
            2 => Some(IdType::Pkcs7),
            _ => None,
        }
    }

    /// The name modinfo prints as `sig_id`: `PGP`, `X509` or `PKCS#7`.
    pub fn name(self) -> &'static str {
        match self {
            IdType::Pgp => "PGP",
            IdType::X509 => "X509",
            IdType::Pkcs7 => "PKCS#7",
        }
    }
}

/// A hash algorithm a module signature may use, in the order of the header's hash index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgo {
    /// MD4.
    Md4,
    /// MD5.
    Md5,
    /// SHA-1.
    Sha1,
    /// RIPEMD-160.
    Rmd160,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
    /// SHA-224.
    Sha224,
    /// SM3.
    Sm3,
}

/// Every hash algorithm with its header index (the position), name and object identifier.
const HASHES: [(HashAlgo, &str, ObjectIdentifier); 9] = [
    (
        HashAlgo::Md4,
        "md4",
        ObjectIdentifier::new_unwrap("1.2.840.113549.2.4"),
    ),
    (
        HashAlgo::Md5,
        "md5",
        ObjectIdentifier::new_unwrap("1.2.840.113549.2.5"),
    ),
    (
        HashAlgo::Sha1,
        "sha1",
        ObjectIdentifier::new_unwrap("1.3.14.3.2.26"),
    ),
    (
        HashAlgo::Rmd160,
        "rmd160",
        ObjectIdentifier::new_unwrap("1.3.36.3.2.1"),
    ),
    (
        HashAlgo::Sha256,
        "sha256",
        ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1"),
    ),
    (
        HashAlgo::Sha384,
        "sha384",
        ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2"),
    ),
    (
        HashAlgo::Sha512,
        "sha512",
        ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.3"),
    ),
    (
        HashAlgo::Sha224,
        "sha224",
        ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.4"),
    ),
    (
        HashAlgo::Sm3,
        "sm3",
        ObjectIdentifier::new_unwrap("1.2.156.10197.1.401"),
    ),
];

impl HashAlgo {
    /// The algorithm of header hash index `index`.
    pub fn from_index(index: u8) -> Option<HashAlgo> {
        HASHES.get(usize::from(index)).map(|h| h.0)
    }

    /// The algorithm a digest-algorithm object identifier names.
    pub fn from_oid(oid: &ObjectIdentifier) -> Option<HashAlgo> {
        HASHES.iter().find(|h| h.2 == *oid).map(|h| h.0)
    }

    /// The name modinfo prints as `sig_hashalgo` (`sha256`, ...).
    pub fn name(self) -> &'static str {
        HASHES
            .iter()
            .find(|h| h.0 == self)
            .map(|h| h.1)
            .unwrap_or_default()
    }
}

/// What a module's signature trailer says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleSignature {
    /// How the signer is identified.
    pub id_type: IdType,
    /// The signer's name, raw bytes as stored (a PKCS#7 issuer name's string value is not
    /// converted from its ASN.1 string type).
    pub signer: Vec<u8>,
    /// The key id (for PKCS#7: the certificate serial number, big-endian magnitude).
    pub key_id: Vec<u8>,
    /// The hash algorithm.
    pub hash: HashAlgo,
    /// The signature bytes.
    pub signature: Vec<u8>,
}

/// Why an image has no usable signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The image doesn't end with [`SIGNATURE_MAGIC`].
    #[error("module is not signed")]
    Unsigned,
    /// The header or the lengths it gives don't fit in the image.
    #[error("signature trailer is truncated")]
    Truncated,
    /// The header's key algorithm is unknown.
    #[error("unknown signature key algorithm {0}")]
    KeyAlgorithm(u8),
    /// The header's hash index is unknown.
    #[error("unknown signature hash algorithm {0}")]
    HashIndex(u8),
    /// The header's identifier type is unknown.
    #[error("unknown signer identifier type {0}")]
    IdType(u8),
    /// The signature is empty.
    #[error("empty signature")]
    Empty,
    /// The PKCS#7 message is malformed or not what a module signature holds.
    #[error("bad PKCS#7 signature: {0}")]
    Pkcs7(String),
}

/// Where the signer, key id and signature of a signed image lie, from its last
/// `HEADER_LEN + SIGNATURE_MAGIC.len()` bytes alone (the rest of `image` may be unread);
/// `None` when the image is unsigned or the lengths don't fit.
pub fn fields_range(image: &[u8]) -> Option<std::ops::Range<usize>> {
    let body = image.strip_suffix(SIGNATURE_MAGIC)?;
    let header_at = body.len().checked_sub(HEADER_LEN)?;
    let header = body.get(header_at..)?;
    let sig_len = u32::from_be_bytes(header.get(8..12)?.try_into().ok()?) as usize;
    let (&signer_len, &key_len) = (header.get(3)?, header.get(4)?);
    let total = sig_len.checked_add(usize::from(signer_len) + usize::from(key_len))?;
    Some(header_at.checked_sub(total)?..header_at)
}

/// Reads the signature trailer of a (decompressed) module image.
pub fn parse(image: &[u8]) -> Result<ModuleSignature, SignatureError> {
    let body = image
        .strip_suffix(SIGNATURE_MAGIC)
        .ok_or(SignatureError::Unsigned)?;
    let header_at = body
        .len()
        .checked_sub(HEADER_LEN)
        .ok_or(SignatureError::Truncated)?;
    let (data, header) = body.split_at(header_at);
    let &[algo, hash, id, signer_len, key_len, _, _, _, s0, s1, s2, s3] = header else {
        return Err(SignatureError::Truncated);
    };
    let sig_len = u32::from_be_bytes([s0, s1, s2, s3]) as usize;
    let (signer_len, key_len) = (usize::from(signer_len), usize::from(key_len));
    let total = sig_len
        .checked_add(signer_len + key_len)
        .ok_or(SignatureError::Truncated)?;
    let start = data
        .len()
        .checked_sub(total)
        .ok_or(SignatureError::Truncated)?;
    let fields = &data[start..];
    let (signer, rest) = fields.split_at(signer_len);
    let (key_id, signature) = rest.split_at(key_len);
    if algo > 1 {
        return Err(SignatureError::KeyAlgorithm(algo));
    }
    let hash = HashAlgo::from_index(hash).ok_or(SignatureError::HashIndex(hash))?;
    let id_type = IdType::from_index(id).ok_or(SignatureError::IdType(id))?;
    if signature.is_empty() {
        return Err(SignatureError::Empty);
    }
    if id_type == IdType::Pkcs7 {
        return parse_pkcs7(signature).map_err(|e| SignatureError::Pkcs7(e.to_string()));
    }
    Ok(ModuleSignature {
        id_type,
        signer: signer.to_vec(),
        key_id: key_id.to_vec(),
        hash,
        signature: signature.to_vec(),
    })
}

/// `pkcs7-signedData` (RFC 2315 section 14).
const SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// X.520 `commonName`.
const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

/// Why a PKCS#7 blob was not accepted.
#[derive(Debug)]
enum Pkcs7Error {
    Der(der::Error),
    Other(&'static str),
}

impl std::fmt::Display for Pkcs7Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pkcs7Error::Der(e) => write!(f, "{e}"),
            Pkcs7Error::Other(what) => f.write_str(what),
        }
    }
}

impl From<der::Error> for Pkcs7Error {
    fn from(e: der::Error) -> Self {
        Pkcs7Error::Der(e)
    }
}

/// A constructed value's contents, after checking its tag.
fn contents(any: AnyRef<'_>, tag: Tag) -> Result<SliceReader<'_>, Pkcs7Error> {
    any.tag().assert_eq(tag)?;
    Ok(SliceReader::new(any.value())?)
}

fn context_tag(number: TagNumber) -> Tag {
    Tag::ContextSpecific {
        constructed: true,
        number,
    }
}

/// Reads the first `SignerInfo` of a DER `ContentInfo` holding `SignedData`.
fn parse_pkcs7(blob: &[u8]) -> Result<ModuleSignature, Pkcs7Error> {
    // ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY }; what follows the
    // outer SEQUENCE is ignored.
    let mut outer = SliceReader::new(blob)?;
    let mut content_info = contents(AnyRef::decode(&mut outer)?, Tag::Sequence)?;
    if ObjectIdentifier::decode(&mut content_info)? != SIGNED_DATA {
        return Err(Pkcs7Error::Other("not a SignedData message"));
    }
    let mut explicit = contents(
        AnyRef::decode(&mut content_info)?,
        context_tag(TagNumber::N0),
    )?;
    // SignedData ::= SEQUENCE { version, digestAlgorithms SET, contentInfo SEQUENCE,
    //   certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos SET }
    let mut signed = contents(AnyRef::decode(&mut explicit)?, Tag::Sequence)?;
    IntRef::decode(&mut signed)?;
    AnyRef::decode(&mut signed)?.tag().assert_eq(Tag::Set)?;
    AnyRef::decode(&mut signed)?
        .tag()
        .assert_eq(Tag::Sequence)?;
    let mut signer_infos = loop {
        let any = AnyRef::decode(&mut signed)?;
        match any.tag() {
            Tag::ContextSpecific { .. } => continue,
            _ => break contents(any, Tag::Set)?,
        }
    };
    if signer_infos.is_finished() {
        return Err(Pkcs7Error::Other("no SignerInfo"));
    }
    // SignerInfo ::= SEQUENCE { version, issuerAndSerialNumber, digestAlgorithm,
    //   authenticatedAttributes [0] IMPLICIT OPTIONAL, digestEncryptionAlgorithm,
    //   encryptedDigest OCTET STRING, unauthenticatedAttributes [1] IMPLICIT OPTIONAL }
    let mut info = contents(AnyRef::decode(&mut signer_infos)?, Tag::Sequence)?;
    IntRef::decode(&mut info)?;
    let sid = AnyRef::decode(&mut info)?;
    if sid.tag() != Tag::Sequence {
        return Err(Pkcs7Error::Other(
            "signer identified by subject key identifier",
        ));
    }
    let mut sid = contents(sid, Tag::Sequence)?;
    let signer = issuer_signer(AnyRef::decode(&mut sid)?)?;
    let serial = IntRef::decode(&mut sid)?;
    let mut digest = contents(AnyRef::decode(&mut info)?, Tag::Sequence)?;
    let hash = HashAlgo::from_oid(&ObjectIdentifier::decode(&mut digest)?)
        .ok_or(Pkcs7Error::Other("unknown digest algorithm"))?;
    let mut next = AnyRef::decode(&mut info)?;
    if next.tag() == context_tag(TagNumber::N0) {
        next = AnyRef::decode(&mut info)?;
    }
    next.tag().assert_eq(Tag::Sequence)?;
    let signature = OctetStringRef::decode(&mut info)?;
    Ok(ModuleSignature {
        id_type: IdType::Pkcs7,
        signer,
        key_id: magnitude(serial.as_bytes()),
        hash,
        signature: signature.as_bytes().to_vec(),
    })
}

/// The signer name kmod shows for an issuer `Name` (a SEQUENCE of SETs of
/// `{ type OID, value ANY }`): the value of the first commonName, else of the last attribute;
/// empty for an empty name.
fn issuer_signer(name: AnyRef<'_>) -> Result<Vec<u8>, Pkcs7Error> {
    let mut rdns = contents(name, Tag::Sequence)?;
    let mut last: &[u8] = &[];
    while !rdns.is_finished() {
        let mut rdn = contents(AnyRef::decode(&mut rdns)?, Tag::Set)?;
        while !rdn.is_finished() {
            let mut attribute = contents(AnyRef::decode(&mut rdn)?, Tag::Sequence)?;
            let kind = ObjectIdentifier::decode(&mut attribute)?;
            let value = AnyRef::decode(&mut attribute)?.value();
            if kind == COMMON_NAME {
                return Ok(value.to_vec());
            }
            last = value;
        }
    }
    Ok(last.to_vec())
}

/// The magnitude of a two's-complement big-endian integer, without leading zero bytes (zero is
/// empty).
fn magnitude(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if out.first().is_some_and(|b| b & 0x80 != 0) {
        // Negative: negate (invert, add one).
        let mut carry = true;
        for b in out.iter_mut().rev() {
            let (v, c) = (!*b).overflowing_add(u8::from(carry));
            *b = v;
            carry = c;
        }
    }
    let zeros = out.iter().take_while(|&&b| b == 0).count();
    out.split_off(zeros)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests-data/signature/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// A module image: `body`, then signer, key id, signature, header and magic.
    fn signed(
        body: &[u8],
        algo: u8,
        hash: u8,
        id: u8,
        signer: &[u8],
        key: &[u8],
        sig: &[u8],
    ) -> Vec<u8> {
        let mut v = body.to_vec();
        v.extend_from_slice(signer);
        v.extend_from_slice(key);
        v.extend_from_slice(sig);
        v.extend_from_slice(&[algo, hash, id, signer.len() as u8, key.len() as u8, 0, 0, 0]);
        v.extend_from_slice(&(sig.len() as u32).to_be_bytes());
        v.extend_from_slice(SIGNATURE_MAGIC);
        v
    }

    fn pkcs7(name: &str) -> Result<ModuleSignature, SignatureError> {
        parse(&signed(b"\x7fELF...", 0, 0, 2, b"", b"", &fixture(name)))
    }

    fn hex(s: &str) -> Vec<u8> {
        s.split(':')
            .map(|b| u8::from_str_radix(b, 16).expect("hex"))
            .collect()
    }

    #[test]
    fn debian_rsa_module_signature() {
        // Values as kmod 30's modinfo shows them for Debian's 6.1 dummy.ko.
        let s = pkcs7("debian-6.1-rsa.p7").expect("parse");
        assert_eq!(s.id_type.name(), "PKCS#7");
        assert_eq!(s.signer, b"Build time autogenerated kernel key");
        assert_eq!(
            s.key_id,
            hex("66:F5:4E:15:66:A0:43:CC:30:30:42:0E:18:1C:F8:50:FB:9F:42:AC")
        );
        assert_eq!(s.hash.name(), "sha256");
        assert_eq!(s.signature.len(), 512);
        assert_eq!(s.signature[..4], [0x4E, 0x0A, 0xD1, 0xF8]);
        assert_eq!(s.signature[508..], [0xBB, 0xC3, 0x1A, 0xCE]);
    }

    #[test]
    fn debian_ecdsa_module_signature() {
        let s = pkcs7("debian-6.12-ecdsa.p7").expect("parse");
        assert_eq!(s.signer, b"Build time autogenerated kernel key");
        assert_eq!(
            s.key_id,
            hex("15:FD:60:7C:19:67:0F:4F:E8:28:62:01:B8:64:0F:FA:2B:93:5D:AE")
        );
        assert_eq!(s.hash, HashAlgo::Sha256);
        // An ECDSA-Sig-Value, shown as the raw OCTET STRING contents.
        assert_eq!(s.signature[..4], [0x30, 0x64, 0x02, 0x30]);
        assert_eq!(s.signature.len(), 102);
        assert_eq!(s.signature[100..], [0x46, 0x2F]);
    }

    #[test]
    fn issuer_names_and_serials() {
        // C, O, CN, emailAddress: the common name; serial 0x80112233 (DER 00 80 11 22 33).
        let s = pkcs7("high-bit-serial.p7").expect("parse");
        assert_eq!(s.signer, b"Test Signer");
        assert_eq!(s.key_id, [0x80, 0x11, 0x22, 0x33]);
        assert_eq!(s.hash.name(), "sha1");
        // Only O: that.
        assert_eq!(pkcs7("no-cn.p7").expect("parse").signer, b"Only Org");
        // O then C, no CN: the last attribute.
        let s = pkcs7("no-cn-last.p7").expect("parse");
        assert_eq!(s.signer, b"DE");
        assert_eq!(s.key_id, [1, 2]);
        // A T61String common name: its bytes as they are.
        assert_eq!(pkcs7("t61-cn.p7").expect("parse").signer, b"\xDCn\xEFcode");
        // Serial -5: its magnitude.
        assert_eq!(pkcs7("negative-serial.p7").expect("parse").key_id, [5]);
        // Certificates included: skipped.
        assert_eq!(pkcs7("with-cert.p7").expect("parse").signer, b"Test Signer");
        // Two SignerInfos: the first in file order.
        assert_eq!(pkcs7("two-signers.p7").expect("parse").signer, b"Only Org");
    }

    #[test]
    fn rejected_pkcs7_messages() {
        for name in ["key-id.p7", "sha3.p7", "non-minimal-serial.p7"] {
            assert!(
                matches!(pkcs7(name), Err(SignatureError::Pkcs7(_))),
                "{name}: {:?}",
                pkcs7(name)
            );
        }
        let good = fixture("debian-6.1-rsa.p7");
        // Truncated anywhere: rejected; trailing bytes: ignored.
        for cut in [0, 1, 2, 100, good.len() - 1] {
            let r = parse(&signed(b"x", 0, 0, 2, b"", b"", &good[..cut]));
            assert!(r.is_err(), "cut at {cut}");
        }
        let mut long = good.clone();
        long.extend_from_slice(b"junk");
        assert!(parse(&signed(b"x", 0, 0, 2, b"", b"", &long)).is_ok());
        // Signer and key id fields are ignored for PKCS#7.
        let s = parse(&signed(b"x", 0, 0, 2, b"XX", b"YY", &good)).expect("parse");
        assert_eq!(s.signer, b"Build time autogenerated kernel key");
        // The header's algorithm and hash must still be valid.
        assert_eq!(
            parse(&signed(b"x", 2, 0, 2, b"", b"", &good)),
            Err(SignatureError::KeyAlgorithm(2))
        );
        assert_eq!(
            parse(&signed(b"x", 0, 9, 2, b"", b"", &good)),
            Err(SignatureError::HashIndex(9))
        );
        assert!(parse(&signed(b"x", 1, 8, 2, b"", b"", &good)).is_ok());
    }

    #[test]
    fn raw_signatures() {
        let sig: Vec<u8> = (0..40).collect();
        let s = parse(&signed(
            b"body",
            0,
            0,
            1,
            b"Signer Name",
            &[1, 2, 0xAB],
            &sig,
        ))
        .expect("parse");
        assert_eq!(s.id_type.name(), "X509");
        assert_eq!(s.signer, b"Signer Name");
        assert_eq!(s.key_id, [1, 2, 0xAB]);
        assert_eq!(s.hash.name(), "md4");
        assert_eq!(s.signature, sig);
        let s = parse(&signed(b"", 1, 4, 0, b"", b"", &[1])).expect("parse");
        assert_eq!((s.id_type.name(), s.hash.name()), ("PGP", "sha256"));
        let names: Vec<_> = (0..9)
            .map(|i| HashAlgo::from_index(i).map(HashAlgo::name))
            .collect();
        assert_eq!(
            names,
            ["md4", "md5", "sha1", "rmd160", "sha256", "sha384", "sha512", "sha224", "sm3"]
                .map(Some)
        );
    }

    #[test]
    fn rejected_trailers() {
        assert_eq!(parse(b"\x7fELF"), Err(SignatureError::Unsigned));
        assert_eq!(parse(SIGNATURE_MAGIC), Err(SignatureError::Truncated));
        let one = [1u8];
        assert_eq!(
            parse(&signed(b"", 0, 9, 1, b"S", b"K", &one)),
            Err(SignatureError::HashIndex(9))
        );
        assert_eq!(
            parse(&signed(b"", 0, 4, 3, b"S", b"K", &one)),
            Err(SignatureError::IdType(3))
        );
        assert_eq!(
            parse(&signed(b"", 0, 4, 1, b"S", b"K", &[])),
            Err(SignatureError::Empty)
        );
        // Lengths past the start of the image.
        let mut v = signed(b"", 0, 4, 1, b"", b"", &[7; 10]);
        let at = v.len() - SIGNATURE_MAGIC.len() - 1;
        v[at] = 11;
        assert_eq!(parse(&v), Err(SignatureError::Truncated));
        v[at] = 10;
        assert!(parse(&v).is_ok());
        // Every truncation of a valid image fails cleanly.
        let v = signed(b"", 0, 0, 2, b"", b"", &fixture("debian-6.1-rsa.p7"));
        for cut in 0..v.len() {
            let _ = parse(&v[cut..]);
        }
    }

    #[test]
    fn field_ranges() {
        let v = signed(b"body", 0, 0, 1, b"S", b"KK", &[1, 2, 3]);
        assert_eq!(fields_range(&v), Some(4..10));
        // Only the tail is needed.
        let mut blank = vec![0u8; v.len()];
        let tail = v.len() - HEADER_LEN - SIGNATURE_MAGIC.len();
        blank[tail..].copy_from_slice(&v[tail..]);
        assert_eq!(fields_range(&blank), Some(4..10));
        assert_eq!(fields_range(b"unsigned"), None);
        assert_eq!(fields_range(&v[3..]), Some(1..7));
        assert_eq!(fields_range(&v[5..]), None);
    }

    #[test]
    fn magnitudes() {
        assert_eq!(magnitude(&[0]), Vec::<u8>::new());
        assert_eq!(magnitude(&[0, 0x80]), [0x80]);
        assert_eq!(magnitude(&[0xFB]), [5]);
        assert_eq!(magnitude(&[0xFF, 0x00]), [1, 0]);
        assert_eq!(magnitude(&[0x80]), [0x80]);
    }
}
