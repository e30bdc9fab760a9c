//! Chain vs Merkle tree (RFC 6962 hashing) for a Strongroom log: measured costs.
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::time::Instant;

type H = [u8; 32];
fn leaf(record: &[u8]) -> H {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(record);
    h.finalize().into()
}
fn node(l: &H, r: &H) -> H {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(l);
    h.update(r);
    h.finalize().into()
}
fn chain(prev: &H, l: &H) -> H {
    let mut h = Sha256::new();
    h.update([2u8]);
    h.update(prev);
    h.update(l);
    h.finalize().into()
}
fn mac(key: &[u8; 32], msg: &[u8]) -> H {
    let mut m = <Hmac<Sha256>>::new_from_slice(key).unwrap();
    m.update(msg);
    m.finalize().into_bytes().into()
}

/// Frontier: roots of the perfect subtrees of the tree, largest first (one per 1 bit of n).
struct Frontier {
    n: u64,
    stack: Vec<H>,
}
impl Frontier {
    fn new() -> Self {
        Self {
            n: 0,
            stack: Vec::new(),
        }
    }
    fn push(&mut self, l: H) {
        let mut cur = l;
        let mut n = self.n;
        while n & 1 == 1 {
            let left = self.stack.pop().unwrap();
            cur = node(&left, &cur);
            n >>= 1;
        }
        self.stack.push(cur);
        self.n += 1;
    }
    /// RFC 6962 MTH of the n leaves: fold the frontier right to left.
    fn root(&self) -> H {
        let mut it = self.stack.iter().rev();
        let mut acc = *it.next().unwrap();
        for h in it {
            acc = node(h, &acc);
        }
        acc
    }
}
/// RFC 6962 MTH over leaves[lo..hi].
fn mth(leaves: &[H]) -> H {
    if leaves.len() == 1 {
        return leaves[0];
    }
    let k = (leaves.len().next_power_of_two()) / 2;
    let k = if k == leaves.len() { k / 2 } else { k };
    node(&mth(&leaves[..k]), &mth(&leaves[k..]))
}
/// Inclusion path (RFC 6962 2.1.1 PATH(m, D[n])).
fn path(m: usize, leaves: &[H]) -> Vec<H> {
    if leaves.len() == 1 {
        return vec![];
    }
    let mut k = leaves.len().next_power_of_two() / 2;
    if k == leaves.len() {
        k /= 2;
    }
    if m < k {
        let mut p = path(m, &leaves[..k]);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = path(m - k, &leaves[k..]);
        p.push(mth(&leaves[..k]));
        p
    }
}
/// RFC 9162 2.1.3.2 inclusion verification.
fn verify_inclusion(mut fnode: u64, mut snode: u64, leaf: H, proof: &[H], root: &H) -> bool {
    let mut r = leaf;
    for p in proof {
        if snode == 0 {
            return false;
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    snode == 0 && &r == root
}

fn main() {
    let key = [7u8; 32];
    let record = vec![0xa5u8; 200]; // a sealed log entry of ~200 bytes
    for &n in &[1_000usize, 1_000_000] {
        // leaves (hash of each record's exact bytes)
        let t = Instant::now();
        let leaves: Vec<H> = (0..n)
            .map(|i| {
                let mut r = record.clone();
                r[..8].copy_from_slice(&(i as u64).to_be_bytes());
                leaf(&r)
            })
            .collect();
        let t_leaves = t.elapsed();
        // tree: append with frontier + root + checkpoint MAC, per entry
        let t = Instant::now();
        let mut f = Frontier::new();
        let mut cp = [0u8; 32];
        for l in &leaves {
            f.push(*l);
            let root = f.root();
            let mut msg = (f.n).to_be_bytes().to_vec();
            msg.extend_from_slice(&root);
            cp = mac(&key, &msg);
        }
        let t_tree_append = t.elapsed();
        let root = f.root();
        assert_eq!(root, mth(&leaves));
        // chain: append + checkpoint MAC, per entry
        let t = Instant::now();
        let mut head = [0u8; 32];
        for l in &leaves {
            head = chain(&head, l);
            let mut msg = (n as u64).to_be_bytes().to_vec();
            msg.extend_from_slice(&head);
            cp = mac(&key, &msg);
        }
        let t_chain_append = t.elapsed();
        // verify one entry (middle): tree inclusion proof; chain needs every later leaf
        let m = n / 2;
        let proof = path(m, &leaves);
        let reps = 10_000u32;
        let t = Instant::now();
        for _ in 0..reps {
            assert!(verify_inclusion(
                m as u64,
                (n - 1) as u64,
                leaves[m],
                &proof,
                &root
            ));
        }
        let t_tree_one = t.elapsed() / reps;
        let t = Instant::now();
        let mut h2 = [0u8; 32];
        for l in &leaves[..m] {
            h2 = chain(&h2, l);
        } // the client holds h_{m-1}? no: it holds nothing but the head; worst honest case
        let mid = h2;
        let t_prefix = t.elapsed();
        let t = Instant::now();
        let mut h3 = mid;
        for l in &leaves[m..] {
            h3 = chain(&h3, l);
        }
        assert_eq!(h3, head);
        let t_chain_one = t.elapsed();
        // whole log: recompute from leaves
        let t = Instant::now();
        let r2 = mth(&leaves);
        assert_eq!(r2, root);
        let t_tree_all = t.elapsed();
        let t = Instant::now();
        let mut h4 = [0u8; 32];
        for l in &leaves {
            h4 = chain(&h4, l);
        }
        assert_eq!(h4, head);
        let t_chain_all = t.elapsed();
        println!(
            "n = {n}: leaf hashes of 200-byte entries {:?} total ({:?}/entry)",
            t_leaves,
            t_leaves / n as u32
        );
        println!(
            "  append per entry (incl. checkpoint HMAC): tree {:?}, chain {:?}",
            t_tree_append / n as u32,
            t_chain_append / n as u32
        );
        println!("  verify one entry (middle): tree {:?} ({} proof hashes, {} bytes), chain {:?} (the {} later leaves; {:?} for the earlier half)", t_tree_one, proof.len(), proof.len()*32, t_chain_one, n - m, t_prefix);
        println!(
            "  verify whole log structure from leaves: tree {:?}, chain {:?}",
            t_tree_all, t_chain_all
        );
        println!("  frontier size {} hashes; {}", f.stack.len(), cp[0]);
    }
}
