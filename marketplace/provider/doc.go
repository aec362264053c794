// Package provider is the node-to-node API through which a providing node
// (the publisher's own node, or a hub) serves dataset cards, encrypted blobs
// and dataset keys to buyers' nodes, and the client that calls it. Server
// and client sit side by side, as the request format binds them.
//
// A download is a request signed by the buyer (or a member seated on its
// licence) with EIP-191: it names the chain, the contract, the listing, a
// one-use nonce and an expiry at most MaxRequestLifetime ahead. The provider
// recovers the signer's address and public key from the signature, checks
// the licence on chain (hasLicence), and answers with the blob and the
// dataset key wrapped (ECIES) to that public key. No licence, no key, no blob.
//
// provider imports marketplace and vault (signatures, key wrapping). What it
// needs of the chain, the store and the blobs it takes as interfaces
// (Backend, PreWrapper, Uploader, StatementBackend, Withdrawer,
// TrialBackend, QuestionBackend), which app
// implements: it must not import chain, contracts, store, catalog, ledger,
// trials, app or frontend.
package provider
