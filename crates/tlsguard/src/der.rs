//! The few DER primitives tlsguard reads by hand: one TLV, and the size of an RSA modulus
//! (the one bit counter, for the policy's key check and the linter).

/// One DER TLV: (tag, contents, rest).
pub(crate) fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

pub(crate) fn strip_zeros(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|x| **x == 0).count();
    &b[n..]
}

fn bit_len(b: &[u8]) -> usize {
    match b.first() {
        Some(&top) => b.len() * 8 - top.leading_zeros() as usize,
        None => 0,
    }
}

/// The exact size in bits of an RSA modulus (big-endian, possibly with leading zero bytes).
pub(crate) fn rsa_bits(modulus: &[u8]) -> usize {
    bit_len(strip_zeros(modulus))
}

/// Serializes a list of DER items as base64 strings (serde `serialize_with`).
pub(crate) fn base64_list<S, T>(ders: &[T], s: S) -> std::result::Result<S::Ok, S::Error>
where
    S: serde::Serializer,
    T: AsRef<[u8]>,
{
    use base64::Engine as _;
    s.collect_seq(ders.iter().map(|d| base64::engine::general_purpose::STANDARD.encode(d.as_ref())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_tlv_reads_short_and_long_lengths() {
        assert_eq!(der_tlv(&[0x02, 0x01, 0x05, 0xff]), Some((0x02, &[0x05][..], &[0xff][..])));
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend(std::iter::repeat_n(7u8, 0x80));
        let (tag, body, rest) = der_tlv(&long).unwrap();
        assert_eq!((tag, body.len(), rest.len()), (0x04, 0x80, 0));
        assert_eq!(der_tlv(&[0x04, 0x05, 0x00]), None);
        assert_eq!(der_tlv(&[0x04, 0x80]), None);
    }

    #[test]
    fn bit_len_counts_significant_bits() {
        assert_eq!(bit_len(&[0x01, 0x00]), 9);
        assert_eq!(bit_len(&[0x80]), 8);
        assert_eq!(bit_len(&[]), 0);
    }

    #[test]
    fn rsa_bits_counts_exactly() {
        assert_eq!(rsa_bits(&[0x00, 0x80, 0, 0]), 24);
        assert_eq!(rsa_bits(&[0x0f, 0xff]), 12);
        assert_eq!(rsa_bits(&[0, 0]), 0);
    }
}
