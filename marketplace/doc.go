// Package marketplace holds the domain types of the research data marketplace and the rules
// that need nothing but themselves: Listing and its DatasetCard, CatalogFilter and the
// CatalogService contract, ListingEvent, Terms (GA4GH DUO codes), Licence, Account, Role,
// Session, Node, trial steps, money formatting (ether.go), provider URL checks and the error
// codes every layer returns (errors.go: ENOTFOUND, EINVALID, EFORBIDDEN, ...).
//
// Each file holds one noun: listing.go (Listing, CatalogService), card.go (DatasetCard and what a
// card may name), catalogfilter.go (CatalogFilter, sort orders, page sizes), catalogfacets.go
// (CatalogFacets, the row and price bands and how each facet counts), events.go
// (ListingEvent), providerurl.go (ValidateProviderURL, PublicAddr, CheckProviderHost), and so
// on. Lists the domain fixes (DataTypes, CardFormats, CatalogSorts, AllRoles) are functions that
// return copies, so no caller can change what validation accepts.
//
// Dependencies point one way: every other package of ours may import marketplace, and
// marketplace imports none of ours: not its parts (chain, contracts, store, catalog, provider,
// vault, ledger, trials), not app, frontend, plugins or anonymize. Its parts live below it.
package marketplace
