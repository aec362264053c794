// Package app holds medmarket's use cases, composed once per data
// directory: one store, one keystore, one chain, one plugin host. The web
// UI (frontend), the desktop window (Desktop, bound by Wails) and the CLI
// (package main) all call App, or the chain-less Anonymizer; none of them
// reaches the layers below it directly.
//
// What app owns: the decisions that protect people. The policy gate's
// verdict on a dataset is computed here, from the pipeline app builds out
// of the publisher's choices (a preset with its privacy model and column
// roles, or a config file); a caller never hands in an anonymized table
// or a verdict. Licence checks before a download, and who may sign what,
// are made here or below, never taken from a caller.
//
// Imports: app may import every package below it (marketplace and its
// parts, anonymize, plugins) and must never import frontend or package
// main. Configuration read from the environment is read in main and passed
// in through Options.
//
// Files, one concern each:
//
//   - app.go: Options, Open, Close; chain.go: the chain and the contracts'
//     deployment; network.go, datadir_*.go, leftovers.go: the data dir.
//   - accounts.go, roles.go, unlock.go, session.go: accounts, roles,
//     unlocking and sessions; transactions.go: actors, signing, sending and
//     estimating transactions.
//   - input.go: the one reader of records files (anonymize.ReadInput);
//     pipeline_config.go: the one place a publisher's choices become an
//     anonymize.Config; anonymize.go: the CLI's Anonymizer; preview.go and
//     previews.go: the wizard's preview and the dry runs kept for publish;
//     encoding.go: a file's text encoding and the one it likely has;
//     configs.go: release configurations saved per account for reuse.
//   - A release (several tables, one patient key): release_preview.go runs
//     one (anonymize.Pipeline.RunRelease) for the wizard's preview and for
//     publish, per-table roles included; release_anonymize.go: the CLI's
//     Anonymizer writing a release (a folder of CSVs or a .zip package);
//     release_publish.go: the release package and its card (every table);
//     release_download.go: a bought release converted, and DownloadFile,
//     the name and content type of any download (.zip for a release).
//   - publish.go: Publish and its listing transactions; publish_hub.go:
//     publishing through a hub; publish_cost.go: what listing costs;
//     drafts.go: drafts left by a publish that did not list; uploads.go:
//     the wizard's uploads; cardsign.go: dataset cards.
//   - market.go: the marketplace state; catalog.go: search and listings;
//     buy.go; licences.go and seats; seller.go: price, delist, withdraw;
//     mydatasets.go: a seller's datasets and sales; download.go;
//     statement.go: purchase statements; prewrap.go: dataset keys wrapped
//     to buyers ahead of their downloads; market_loop.go: RunMarket;
//     provider.go: this node as a provider and a hub.
//   - trials.go, trialtypes.go: clinical trials; plugins.go: the node's
//     plugins and their trust; desktop.go: the Wails-bound Desktop.
package app
