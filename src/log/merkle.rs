//! The Merkle tree of a log (SPEC.md 11.15.3, RFC 9162 section 2.1): leaf and node hashes,
//! the frontier that makes appending O(log n) in the worst case and O(1) amortized, and
//! inclusion and consistency proofs, both their verification (SR-LOG-8, SR-LOG-9) and their
//! construction (for servers and tests, [`LogTree`]).
//!
//! Every loop here is bounded before it starts: a proof by [`MAX_PROOF_HASHES`], a frontier
//! by 64 hashes, a tree by the leaves the caller holds.

use sha2::{Digest, Sha256};

use crate::limits::{MAX_LOG_SIZE, MAX_PROOF_HASHES};
use crate::primitives::crypto;

/// A SHA-256 output: a leaf hash, a node hash or a root.
pub(crate) type Hash = [u8; 32];

/// SHA-256 of the empty string: the root of a log with no entries (RFC 9162 MTH({})).
pub(crate) fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// SHA-256(00 || entry): the leaf hash of an entry's exact bytes (SR-LOG-4).
pub(crate) fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(entry);
    h.finalize().into()
}

/// SHA-256(01 || left || right): an interior node (SR-LOG-4).
pub(crate) fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

fn lsb(x: u64) -> bool {
    x & 1 == 1
}

fn half(x: u64) -> u64 {
    x.wrapping_shr(1)
}

/// Appends a leaf to the frontier of a tree of `size` leaves: the roots of its perfect
/// subtrees, largest first, one per set bit of `size`. Merges as binary addition carries.
pub(crate) fn frontier_push(frontier: &mut Vec<Hash>, size: u64, leaf: Hash) {
    let mut node = leaf;
    let mut s = size;
    while lsb(s) {
        match frontier.pop() {
            Some(left) => node = node_hash(&left, &node),
            None => break,
        }
        s = half(s);
    }
    frontier.push(node);
}

/// The root of the tree whose frontier this is: the frontier folded from the right, since
/// RFC 9162 splits a tree at the largest power of two below its size.
pub(crate) fn frontier_root(frontier: &[Hash]) -> Hash {
    let mut nodes = frontier.iter().rev();
    match nodes.next() {
        None => empty_root(),
        Some(last) => nodes.fold(*last, |acc, left| node_hash(left, &acc)),
    }
}

/// Whether `frontier` is a frontier of a tree of `size` leaves with root `root`: one hash per
/// set bit of `size`, folding to `root` (SR-LOG-13).
pub(crate) fn frontier_matches(frontier: &[Hash], size: u64, root: &Hash) -> bool {
    u64::try_from(frontier.len()).ok() == Some(u64::from(size.count_ones()))
        && crypto::ct_eq(&frontier_root(frontier), root)
}

/// RFC 9162 section 2.1.3.2: verifies that `leaf` is the leaf at `index` of the tree of
/// `size` leaves with root `root` (SR-LOG-8).
pub(crate) fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> bool {
    if index >= size || size > MAX_LOG_SIZE || proof.len() > MAX_PROOF_HASHES {
        return false;
    }
    let mut f = index;
    let mut s = size.saturating_sub(1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return false;
        }
        if lsb(f) || f == s {
            r = node_hash(p, &r);
            while !lsb(f) && f != 0 {
                f = half(f);
                s = half(s);
            }
        } else {
            r = node_hash(&r, p);
        }
        f = half(f);
        s = half(s);
    }
    s == 0 && crypto::ct_eq(&r, root)
}

/// RFC 9162 section 2.1.4.2: verifies that the tree of `second` leaves with root
/// `second_root` extends the tree of `first` leaves with root `first_root`, for
/// 0 < first < second (SR-LOG-9). Other sizes are not the business of a proof: the caller
/// compares equal sizes directly, and every tree extends the empty one.
pub(crate) fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> bool {
    if first == 0 || first >= second || second > MAX_LOG_SIZE || proof.len() > MAX_PROOF_HASHES {
        return false;
    }
    // Step 2: a first tree that is a perfect subtree is its own first proof node.
    let (start, rest) = if first.is_power_of_two() {
        (*first_root, proof)
    } else {
        match proof.split_first() {
            Some((c, rest)) => (*c, rest),
            None => return false,
        }
    };
    if first.is_power_of_two() && proof.is_empty() {
        return false;
    }
    let mut f = first.saturating_sub(1);
    let mut s = second.saturating_sub(1);
    while lsb(f) {
        f = half(f);
        s = half(s);
    }
    let mut fr = start;
    let mut sr = start;
    for c in rest {
        if s == 0 {
            return false;
        }
        if lsb(f) || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while !lsb(f) && f != 0 {
                f = half(f);
                s = half(s);
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f = half(f);
        s = half(s);
    }
    s == 0 && crypto::ct_eq(&fr, first_root) && crypto::ct_eq(&sr, second_root)
}

/// The largest power of two strictly below `n`, for n >= 2 (RFC 9162's split point k).
fn split(n: usize) -> Option<usize> {
    let below = n.checked_sub(1)?;
    if below == 0 {
        return None;
    }
    let bits = usize::BITS
        .checked_sub(below.leading_zeros())?
        .checked_sub(1)?;
    1usize.checked_shl(bits)
}

/// MTH of a slice of leaf hashes.
fn mth(leaves: &[Hash]) -> Hash {
    let mut frontier = Vec::with_capacity(64);
    for (i, leaf) in leaves.iter().enumerate() {
        frontier_push(&mut frontier, i as u64, *leaf);
    }
    frontier_root(&frontier)
}

/// RFC 9162 PATH(m, D[n]), appended to `out` leaf side first.
fn path(m: usize, leaves: &[Hash], out: &mut Vec<Hash>) -> Option<()> {
    if leaves.len() <= 1 {
        return Some(());
    }
    let k = split(leaves.len())?;
    let (left, right) = leaves.split_at_checked(k)?;
    if m < k {
        path(m, left, out)?;
        out.push(mth(right));
    } else {
        path(m.checked_sub(k)?, right, out)?;
        out.push(mth(left));
    }
    Some(())
}

/// RFC 9162 SUBPROOF(m, D[n], b), appended to `out`.
fn subproof(m: usize, leaves: &[Hash], complete: bool, out: &mut Vec<Hash>) -> Option<()> {
    let n = leaves.len();
    if m == n {
        if !complete {
            out.push(mth(leaves));
        }
        return Some(());
    }
    let k = split(n)?;
    let (left, right) = leaves.split_at_checked(k)?;
    if m <= k {
        subproof(m, left, complete, out)?;
        out.push(mth(right));
    } else {
        subproof(m.checked_sub(k)?, right, false, out)?;
        out.push(mth(left));
    }
    Some(())
}

/// The leaf hashes of a log, as a server (or a test) keeps them, to compute roots,
/// frontiers and proofs for any size up to the number of leaves held.
///
/// A client never needs one: it keeps a [`crate::LogState`] (one frontier, at most 53
/// hashes) and verifies what a server sends. Proofs are computed here by the recursive
/// definitions of RFC 9162 sections 2.1.3.1 and 2.1.4.1, in time linear in the size of the
/// tree; a server with large logs stores interior nodes instead.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogTree {
    leaves: Vec<Hash>,
}

impl LogTree {
    /// An empty tree.
    pub fn new() -> Self {
        LogTree::default()
    }

    /// A tree of the given leaf hashes, in log order.
    pub fn from_leaf_hashes(leaves: Vec<[u8; 32]>) -> Self {
        LogTree { leaves }
    }

    /// The leaf hash of an entry: SHA-256(00 || the entry's exact bytes) (SR-LOG-4).
    pub fn leaf_hash(entry: &[u8]) -> [u8; 32] {
        leaf_hash(entry)
    }

    /// Appends the entry with these exact bytes.
    pub fn push_entry(&mut self, entry: &[u8]) {
        self.leaves.push(leaf_hash(entry));
    }

    /// Appends a leaf hash.
    pub fn push_leaf_hash(&mut self, leaf: [u8; 32]) {
        self.leaves.push(leaf);
    }

    /// The number of leaves held.
    pub fn len(&self) -> u64 {
        self.leaves.len() as u64
    }

    /// Whether the tree holds no leaf.
    pub fn is_empty(&self) -> bool {
        self.leaves.is_empty()
    }

    /// The leaf hashes, in log order.
    pub fn leaf_hashes(&self) -> &[[u8; 32]] {
        &self.leaves
    }

    fn prefix(&self, size: u64) -> Option<&[Hash]> {
        self.leaves.get(..usize::try_from(size).ok()?)
    }

    /// The root of the first `size` leaves (RFC 9162 MTH), or none if fewer are held.
    pub fn root(&self, size: u64) -> Option<[u8; 32]> {
        Some(mth(self.prefix(size)?))
    }

    /// The frontier of the first `size` leaves: the roots of its perfect subtrees, largest
    /// first (SR-LOG-13), or none if fewer leaves are held.
    pub fn frontier(&self, size: u64) -> Option<Vec<[u8; 32]>> {
        let mut frontier = Vec::with_capacity(64);
        for (i, leaf) in self.prefix(size)?.iter().enumerate() {
            frontier_push(&mut frontier, i as u64, *leaf);
        }
        Some(frontier)
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves (RFC 9162
    /// PATH), or none if `index >= size` or fewer leaves are held.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<InclusionProof> {
        let leaves = self.prefix(size)?;
        let m = usize::try_from(index).ok()?;
        if m >= leaves.len() {
            return None;
        }
        let mut out = Vec::new();
        path(m, leaves, &mut out)?;
        Some(InclusionProof(out))
    }

    /// The consistency proof from the first `old_size` leaves to the first `new_size` (RFC
    /// 9162 PROOF), or none unless `0 < old_size < new_size` and enough leaves are held.
    pub fn consistency_proof(&self, old_size: u64, new_size: u64) -> Option<ConsistencyProof> {
        let leaves = self.prefix(new_size)?;
        let m = usize::try_from(old_size).ok()?;
        if m == 0 || m >= leaves.len() {
            return None;
        }
        let mut out = Vec::new();
        subproof(m, leaves, true, &mut out)?;
        Some(ConsistencyProof(out))
    }
}

/// An inclusion proof (RFC 9162 section 2.1.3): the sibling hashes from a leaf up to the
/// root, as a server sends them. Not authenticated, and it need not be: it is checked
/// against a checkpoint's MACed root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InclusionProof(Vec<Hash>);

impl InclusionProof {
    /// A proof of these hashes, in RFC 9162 order (leaf side first).
    pub fn new(hashes: Vec<[u8; 32]>) -> Self {
        InclusionProof(hashes)
    }

    /// The hashes, leaf side first.
    pub fn hashes(&self) -> &[[u8; 32]] {
        &self.0
    }
}

/// A consistency proof (RFC 9162 section 2.1.4) from a pinned size to a served one, as a
/// server sends it. Not authenticated: it is checked against the pinned root and the
/// checkpoint's MACed root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConsistencyProof(Vec<Hash>);

impl ConsistencyProof {
    /// A proof of these hashes, in RFC 9162 order.
    pub fn new(hashes: Vec<[u8; 32]>) -> Self {
        ConsistencyProof(hashes)
    }

    /// The empty proof: what a checkpoint of the pinned size, or any checkpoint against an
    /// empty pin, comes with.
    pub fn empty() -> Self {
        ConsistencyProof(Vec::new())
    }

    /// The hashes, in RFC 9162 order.
    pub fn hashes(&self) -> &[[u8; 32]] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(&(i as u32).to_be_bytes()))
            .collect()
    }

    /// MTH by RFC 9162's recursive definition, independent of the frontier.
    fn mth_rec(d: &[Hash]) -> Hash {
        match d.len() {
            0 => empty_root(),
            1 => d[0],
            n => {
                let mut k = 1;
                while k * 2 < n {
                    k *= 2;
                }
                node_hash(&mth_rec(&d[..k]), &mth_rec(&d[k..]))
            }
        }
    }

    // SR-LOG-4: leaf = SHA-256(00 || entry), node = SHA-256(01 || l || r), MTH({}) =
    // SHA-256(""), and the frontier's root is RFC 9162's recursive MTH for every size.
    #[test]
    fn sr_log_4_hashing_and_frontier() {
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // RFC 6962/9162 reference: the leaf hash of the empty entry is SHA-256(00).
        assert_eq!(
            hex::encode(leaf_hash(b"")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        let d = leaves(70);
        let mut frontier = Vec::new();
        for n in 0..=d.len() {
            assert_eq!(frontier_root(&frontier), mth_rec(&d[..n]), "n = {n}");
            assert_eq!(frontier.len() as u32, (n as u64).count_ones());
            assert!(frontier_matches(&frontier, n as u64, &mth_rec(&d[..n])));
            if n < d.len() {
                frontier_push(&mut frontier, n as u64, d[n]);
            }
        }
        let tree = LogTree::from_leaf_hashes(d.clone());
        assert_eq!(tree.root(70), Some(mth_rec(&d)));
        assert_eq!(tree.root(71), None);
        assert_eq!(tree.frontier(70).unwrap(), frontier);
        // A frontier of the wrong length or with a changed hash does not match.
        assert!(!frontier_matches(&frontier[1..], 70, &mth_rec(&d)));
        let mut bad = frontier.clone();
        bad[0][0] ^= 1;
        assert!(!frontier_matches(&bad, 70, &mth_rec(&d)));
    }

    // SR-LOG-8: every inclusion proof of every leaf of trees of 1 to 40 leaves verifies, and
    // fails for another leaf, index or root, and for a proof one hash short or long. (A
    // proof can also fit another size with the same root, as RFC 9162's algorithm allows:
    // size and root come together from a MACed checkpoint.)
    #[test]
    fn sr_log_8_inclusion_exhaustive() {
        let d = leaves(40);
        let tree = LogTree::from_leaf_hashes(d.clone());
        for n in 1..=40u64 {
            let root = tree.root(n).unwrap();
            for i in 0..n {
                let p = tree.inclusion_proof(i, n).unwrap();
                let h = p.hashes();
                assert!(verify_inclusion(i, n, &d[i as usize], h, &root), "{i}/{n}");
                let other = d[((i + 1) % 40) as usize];
                assert!(!verify_inclusion(i, n, &other, h, &root));
                assert!(!verify_inclusion(i + 1, n, &d[i as usize], h, &root) || n == 1);
                assert!(!verify_inclusion(i, n, &d[i as usize], h, &[0; 32]));
                if !h.is_empty() {
                    assert!(!verify_inclusion(i, n, &d[i as usize], &h[1..], &root));
                }
                let mut longer = h.to_vec();
                longer.push([0; 32]);
                assert!(!verify_inclusion(i, n, &d[i as usize], &longer, &root));
            }
            assert!(tree.inclusion_proof(n, n).is_none());
        }
        // Bounds: an index outside the tree, a size above 2^53 - 1, a proof of 65 hashes.
        assert!(!verify_inclusion(0, 0, &d[0], &[], &empty_root()));
        assert!(!verify_inclusion(0, MAX_LOG_SIZE + 1, &d[0], &[], &d[0]));
        assert!(!verify_inclusion(0, 1, &d[0], &[[0; 32]; 65], &d[0]));
        assert!(verify_inclusion(0, 1, &d[0], &[], &d[0]));
    }

    // SR-LOG-9: every consistency proof between trees of 1 to 40 leaves verifies, and fails
    // against a forked root, a wrong old root, and a truncated or extended proof.
    #[test]
    fn sr_log_9_consistency_exhaustive() {
        let d = leaves(40);
        let tree = LogTree::from_leaf_hashes(d.clone());
        let mut forked = d.clone();
        forked[3] = leaf_hash(b"fork");
        let fork = LogTree::from_leaf_hashes(forked);
        for m in 1..40u64 {
            for n in (m + 1)..=40 {
                let (rm, rn) = (tree.root(m).unwrap(), tree.root(n).unwrap());
                let p = tree.consistency_proof(m, n).unwrap();
                let h = p.hashes();
                assert!(verify_consistency(m, n, &rm, &rn, h), "{m}->{n}");
                assert!(!verify_consistency(m, n, &rm, &[0; 32], h));
                assert!(!verify_consistency(m, n, &[0; 32], &rn, h));
                if m > 3 {
                    // The old tree held leaf 3 too: a fork there breaks every proof.
                    let rf = fork.root(n).unwrap();
                    assert!(!verify_consistency(m, n, &rm, &rf, h));
                    let pf = fork.consistency_proof(m, n).unwrap();
                    assert!(!verify_consistency(m, n, &rm, &rf, pf.hashes()));
                }
                assert!(!verify_consistency(m, n, &rm, &rn, &h[1..]));
                let mut longer = h.to_vec();
                longer.push([0; 32]);
                assert!(!verify_consistency(m, n, &rm, &rn, &longer));
            }
        }
        let r = tree.root(4).unwrap();
        assert!(!verify_consistency(0, 4, &empty_root(), &r, &[]));
        assert!(!verify_consistency(4, 4, &r, &r, &[]));
        assert!(!verify_consistency(2, 4, &r, &r, &[[0; 32]; 65]));
        assert!(tree.consistency_proof(0, 4).is_none());
        assert!(tree.consistency_proof(4, 4).is_none());
        assert!(tree.consistency_proof(4, 41).is_none());
    }

    // RFC 9162's example tree of 7 leaves (section 2.1.5): the proof shapes it gives.
    #[test]
    fn rfc9162_example_proof_shapes() {
        let d = leaves(7);
        let tree = LogTree::from_leaf_hashes(d.clone());
        // The inclusion proof for d0 is [b, h, l]: leaf 1, node(2,3), node(4,5,6).
        let p = tree.inclusion_proof(0, 7).unwrap();
        assert_eq!(
            p.hashes(),
            &[d[1], mth_rec(&d[2..4]), mth_rec(&d[4..7])][..]
        );
        // The inclusion proof for d3 is [c, g, l].
        let p = tree.inclusion_proof(3, 7).unwrap();
        assert_eq!(
            p.hashes(),
            &[d[2], mth_rec(&d[0..2]), mth_rec(&d[4..7])][..]
        );
        // The consistency proof between hash0 (3 leaves) and hash (7 leaves) is [c, d, g, l].
        let c = tree.consistency_proof(3, 7).unwrap();
        assert_eq!(
            c.hashes(),
            &[d[2], d[3], mth_rec(&d[0..2]), mth_rec(&d[4..7])][..]
        );
        // Between hash1 (4 leaves) and hash: [l].
        let c = tree.consistency_proof(4, 7).unwrap();
        assert_eq!(c.hashes(), &[mth_rec(&d[4..7])][..]);
        // Between hash2 (6 leaves) and hash: [i, j, k]: node(4,5), leaf 6, node(0..4).
        let c = tree.consistency_proof(6, 7).unwrap();
        assert_eq!(
            c.hashes(),
            &[mth_rec(&d[4..6]), d[6], mth_rec(&d[0..4])][..]
        );
    }
}
