// Package pools owns patient pools' revenue sharing: the cumulative entitlements of a pool's
// contributors and the Merkle tree whose root the operator posts to the pool's PoolPayouts
// contract each payout round, with the proofs contributors (or a hub on their behalf) claim with.
//
// The tree matches PoolPayouts.sol exactly: a leaf is OpenZeppelin's standard-merkle-tree leaf,
// keccak256(keccak256(abi.encode(account, cumulativeAmount))), inner nodes hash their two children
// in sorted order, and leaves are laid out by account so that any node computes the same root from
// the same entitlements (and can therefore check the root an operator posted).
//
// It imports nothing of ours: the contract's bindings are in marketplace/contracts.
package pools
