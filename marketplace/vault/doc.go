// Package vault holds the node's secrets and what is done with them:
// dataset encryption (filippo.io/age) and content-addressed blobs, key
// delivery to a buyer (go-ethereum crypto/ecies to the buyer's secp256k1
// key), the keystore of accounts (go-ethereum accounts/keystore) with its
// unlocked signers, EIP-191 signing and recovery, and the node's own key.
//
// vault imports marketplace only. It must not import the chain, the
// contracts, store, catalog, provider, ledger, trials, app or frontend:
// the layers above hand it keys and bytes, and keep what it returns.
package vault
