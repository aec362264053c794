// Package chain gives the marketplace one view of an Ethereum chain, whatever
// runs it: an embedded go-ethereum dev node persisted in the data directory
// (OpenEmbedded) or any node reached over JSON-RPC (Dial).
//
// The package knows nothing about the marketplace's contracts. It deals in
// transactions, calls, receipts and logs; contract bindings (abigen v2) take a
// Chain as their backend, and the application sends through it.
//
// Errors that reach users carry a marketplace code: EUNAVAILABLE when the node
// cannot be reached, EINVALID when the node refuses a transaction (insufficient
// funds, a revert: the *RevertError in the chain names the decoded cause),
// ECONFLICT for nonce clashes and for a data dir used by another process.
//
// chain imports marketplace only (error codes, money formatting). It must not
// import contracts (the callers pass their error ABIs with WithErrorABIs), nor
// store, catalog, provider, vault, ledger, trials, app or frontend.
package chain
