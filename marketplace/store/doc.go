// Package store keeps the node's local state in buntdb: the node record, the
// catalog index built from chain events, sessions, wrapped dataset keys,
// publishes, used nonces, account roles and buyers' statements. Every write
// is fsynced before it is acknowledged.
//
// Time is the caller's: methods whose answer depends on it (sessions,
// nonces) take the time to judge by, so a node and its tests decide expiry
// by the clock they were given. A session record stores its expiry and
// SweepSessions deletes the expired ones; no record expires by wall clock
// behind the caller's back.
//
// store imports marketplace only (and buntdb). It must not import the chain,
// the contracts or the other parts (catalog, provider, vault, ledger,
// trials), nor app or frontend: it stores what they hand it. Packages that
// keep their own keys in the node's database (the trial ledger) reach it
// through DB and touch only their own prefixes.
package store
