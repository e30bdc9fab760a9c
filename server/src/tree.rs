//! The server's Merkle tree of one log history (SPEC.md 11.15.3): every complete subtree's
//! hash is kept, level by level, so that an append costs O(1) amortized and a root, a
//! frontier or a proof of RFC 9162 costs O(log^2 n) instead of the O(n) of the library's
//! [`strongroom::LogTree`], which the tests use as the reference.

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// `SHA-256("")`: the root of the empty tree.
pub fn empty_root() -> Hash {
    Sha256::digest(b"").into()
}

fn node(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two strictly below `n` (`n >= 2`).
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// `levels[k][i]` is the hash of the perfect subtree over leaves `i * 2^k .. (i + 1) * 2^k`.
#[derive(Clone, Debug, Default)]
pub struct Tree {
    levels: Vec<Vec<Hash>>,
}

impl Tree {
    /// A tree of these leaf hashes, in log order.
    pub fn from_leaves(leaves: impl IntoIterator<Item = Hash>) -> Self {
        let mut tree = Tree::default();
        for leaf in leaves {
            tree.push(leaf);
        }
        tree
    }

    /// The number of leaves.
    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut carry = leaf;
        let mut k = 0;
        loop {
            if self.levels.len() == k {
                self.levels.push(Vec::new());
            }
            let level = &mut self.levels[k];
            level.push(carry);
            let n = level.len();
            if n % 2 == 1 {
                return;
            }
            carry = node(&level[n - 2], &level[n - 1]);
            k += 1;
        }
    }

    /// MTH of the `len >= 1` leaves from `start`, where `start` is a multiple of the largest
    /// power of two not above `len` (every range of the RFC 9162 recursions is).
    fn mth(&self, start: u64, len: u64) -> Hash {
        if len.is_power_of_two() {
            let k = len.trailing_zeros() as usize;
            return self.levels[k][(start >> k) as usize];
        }
        let k = split(len);
        node(&self.mth(start, k), &self.mth(start + k, len - k))
    }

    /// The root of the first `size` leaves, or none if fewer are held.
    #[cfg(test)]
    pub fn root(&self, size: u64) -> Option<Hash> {
        match size {
            0 => Some(empty_root()),
            s if s <= self.len() => Some(self.mth(0, s)),
            _ => None,
        }
    }

    /// The frontier of the first `size` leaves (largest subtree first), or none.
    pub fn frontier(&self, size: u64) -> Option<Vec<Hash>> {
        if size > self.len() {
            return None;
        }
        let mut out = Vec::new();
        let mut offset = 0;
        for k in (0..64).rev() {
            if size & (1 << k) != 0 {
                out.push(self.levels[k][(offset >> k) as usize]);
                offset += 1 << k;
            }
        }
        Some(out)
    }

    /// The root of the first `size` leaves followed by `leaf`: the frontier appended to and
    /// folded from the right (SPEC.md 11.15.3).
    pub fn root_with(&self, size: u64, leaf: Hash) -> Hash {
        let mut frontier = self.frontier(size).unwrap_or_default();
        let mut h = leaf;
        let mut s = size;
        while s % 2 == 1 {
            if let Some(f) = frontier.pop() {
                h = node(&f, &h);
            }
            s >>= 1;
        }
        frontier.push(h);
        let mut r = frontier.pop().unwrap_or(h);
        while let Some(f) = frontier.pop() {
            r = node(&f, &r);
        }
        r
    }

    /// A tree of the first `size` leaves (all of them if fewer are held).
    pub fn prefix(&self, size: u64) -> Tree {
        match self.levels.first() {
            Some(leaves) => {
                let n = usize::try_from(size)
                    .unwrap_or(usize::MAX)
                    .min(leaves.len());
                if n == leaves.len() {
                    self.clone()
                } else {
                    Tree::from_leaves(leaves[..n].iter().copied())
                }
            }
            None => Tree::default(),
        }
    }

    /// RFC 9162 `PATH(index, D[size])`, or none unless `index < size <= len`.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Option<Vec<Hash>> {
        if index >= size || size > self.len() {
            return None;
        }
        let mut out = Vec::new();
        self.path(index, 0, size, &mut out);
        Some(out)
    }

    fn path(&self, m: u64, start: u64, n: u64, out: &mut Vec<Hash>) {
        if n <= 1 {
            return;
        }
        let k = split(n);
        if m < k {
            self.path(m, start, k, out);
            out.push(self.mth(start + k, n - k));
        } else {
            self.path(m - k, start + k, n - k, out);
            out.push(self.mth(start, k));
        }
    }

    /// RFC 9162 `PROOF(old, D[new])`; empty unless `0 < old < new <= len`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Vec<Hash> {
        let mut out = Vec::new();
        if 0 < old && old < new && new <= self.len() {
            self.subproof(old, 0, new, true, &mut out);
        }
        out
    }

    fn subproof(&self, m: u64, start: u64, n: u64, whole: bool, out: &mut Vec<Hash>) {
        if m == n {
            if !whole {
                out.push(self.mth(start, n));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, start, k, whole, out);
            out.push(self.mth(start + k, n - k));
        } else {
            self.subproof(m - k, start + k, n - k, false, out);
            out.push(self.mth(start, k));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strongroom::LogTree;

    #[test]
    fn matches_the_library_tree() {
        let mut ours = Tree::default();
        let mut reference = LogTree::new();
        assert_eq!(ours.root(0), reference.root(0));
        for i in 0..70u32 {
            let leaf = LogTree::leaf_hash(&i.to_be_bytes());
            assert_eq!(ours.root_with(ours.len(), leaf), {
                let mut t = reference.clone();
                t.push_leaf_hash(leaf);
                t.root(t.len()).unwrap()
            });
            ours.push(leaf);
            reference.push_leaf_hash(leaf);
        }
        for size in 0..=70u64 {
            assert_eq!(ours.root(size), reference.root(size), "root {size}");
            assert_eq!(
                ours.frontier(size),
                reference.frontier(size),
                "frontier {size}"
            );
            for index in 0..size {
                assert_eq!(
                    ours.inclusion_proof(index, size).unwrap(),
                    reference.inclusion_proof(index, size).unwrap().hashes(),
                    "inclusion {index} {size}"
                );
            }
            for old in 1..size {
                assert_eq!(
                    ours.consistency_proof(old, size),
                    reference.consistency_proof(old, size).unwrap().hashes(),
                    "consistency {old} {size}"
                );
            }
        }
        assert_eq!(ours.root(71), None);
        for size in [0, 1, 5, 64, 70] {
            let prefix = ours.prefix(size);
            assert_eq!(prefix.root(size), reference.root(size));
            let leaf = LogTree::leaf_hash(b"x");
            let mut t =
                LogTree::from_leaf_hashes(reference.leaf_hashes()[..size as usize].to_vec());
            t.push_leaf_hash(leaf);
            assert_eq!(ours.root_with(size, leaf), t.root(size + 1).unwrap());
        }
        assert!(ours.consistency_proof(0, 5).is_empty());
        assert!(ours.consistency_proof(5, 5).is_empty());
    }
}

#[cfg(test)]
mod timing {
    use super::*;

    /// 10^4 entries: every append check and a proof per entry, timed (printed with
    /// `--nocapture`); the library's O(n) `LogTree` would hash 10^4 leaves per proof.
    #[test]
    fn ten_thousand_entries() {
        let leaves: Vec<Hash> = (0..10_000u32)
            .map(|i| strongroom::LogTree::leaf_hash(&i.to_be_bytes()))
            .collect();
        let start = std::time::Instant::now();
        let mut tree = Tree::default();
        for leaf in &leaves {
            let _ = tree.root_with(tree.len(), *leaf);
            tree.push(*leaf);
        }
        let appends = start.elapsed();
        let start = std::time::Instant::now();
        for i in 0..10_000u64 {
            assert!(tree.inclusion_proof(i, 10_000).is_some());
            let _ = tree.consistency_proof(i + 1, 10_000);
        }
        eprintln!(
            "10^4 appends with their root check in {appends:?}; 10^4 inclusion and 10^4 \
             consistency proofs in {:?}",
            start.elapsed()
        );
    }
}
