// Package catalog builds the node's catalog from the chain: it reads the DataLicenseMarket's
// events by block range, joins each new listing with its dataset card (checked against the
// on-chain metadata hash), and applies them, in chain order, to the store's catalog index.
//
// The chain is the only input, so every node builds the same catalog, and re-indexing from the
// deployment block rebuilds it exactly (store.Catalog.Digest compares). The publishing node need
// not wait for the indexer: IndexTx applies its own transaction's events from the receipt, and the
// indexer later recognises them as applied.
//
// catalog imports marketplace and the parts it joins: chain (logs by range), contracts (the
// event binding, kept by each Indexer), store (the catalog index) and vault (card signatures).
// It must not import provider (cards come through the CardSource interface), ledger, trials,
// app or frontend.
package catalog
