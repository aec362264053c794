// Package pools owns patient pools: a pool's published configuration, the entries of its
// tamper-evident log (configuration versions, patients' signed consents and withdrawals, released
// versions, payout rounds) and the rules a log must keep, the entitlements of its contributors and
// the payout tree, and the privacy check over the union of contributions. It is pure logic: no
// I/O, no chain, no clock; the caller brings the log's leaves and the chain's sales.
//
// Files, one concern each:
//   - config.go: Config, what a patient consents to (Version, Hash), and Validate, which refuses a
//     pipeline a patient's node could not run alike for everyone (hierarchy files, intervals
//     without a width, a privacy step, a secret).
//   - consent.go: Consent and Withdrawal, EIP-191 personal messages a patient reads and signs with
//     the account that is paid.
//   - release.go: Release (a version and exactly which contributions it holds), its
//     ContributionsRoot with the proof a patient checks their inclusion with, and Round.
//   - entry.go: Entry, one log leaf (canonical JSON; ParseEntry is strict).
//   - state.go: Replay, which rebuilds a pool's State from its leaves and refuses any entry that
//     breaks a rule, naming its index.
//   - entitlements.go: Entitlements from the log and the pool's sales (deterministic integer
//     maths; the operator's fee and the rounding dust go to the operator; they add up to the sales
//     exactly), and Compare.
//   - tree.go: the payout tree whose root the operator posts to the pool's PoolPayouts contract
//     each round, and the proofs contributors (or a hub on their behalf) claim with.
//   - verify.go: VerifyRound, which recomputes a posted round and says what differs.
//   - union.go: CheckUnion, k-anonymity over the union on patient-level quasi-identifiers.
//
// The payout tree matches PoolPayouts.sol exactly: a leaf is OpenZeppelin's standard-merkle-tree
// leaf, keccak256(keccak256(abi.encode(account, cumulativeAmount))), inner nodes hash their two
// children in sorted order, and leaves are laid out by account so that any node computes the same
// root from the same entitlements (and can therefore check the root an operator posted). The
// contributions root of a version is built the same way over (account, contribution, records).
//
// It imports marketplace (error codes, terms, provider URLs) and anonymize (the pipeline a pool
// publishes), nothing else of ours: the contract's bindings are in marketplace/contracts.
package pools
