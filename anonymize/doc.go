// Package anonymize is medmarket's anonymization engine: it turns a
// patient's or a clinic's records into a table that can be published, and
// measures how safe and how useful the result is. It is pure Go and does
// no I/O beyond the io.Reader and io.Writer values it is given (hierarchy
// files a config names come through [Env]'s Open, which the caller provides).
//
// It owns the table model, the readers and writers of its formats, the
// transforms, the privacy models and their search, the report and the
// policy gate. It imports nothing of medmarket's (DESIGN.md's rule for the
// engine; the repository's layering test enforces it): the plugin host,
// the marketplace and the apps build on it, never the other way round.
// Helpers for tests live in [github.com/medmarket/medmarket/anonymize/anonymizetest].
//
// # Data
//
// A [Table] is a set of dictionary-encoded [Column] values: each column
// holds its distinct strings once (Dict) and one uint32 code per row
// (Codes), so grouping rows is integer work and transforms that work value
// by value (Safe Harbor, pseudonyms) touch each distinct value once. Every
// column has a [Type] and a [Role]: direct identifier, quasi-identifier,
// sensitive or insensitive. Tables are immutable in practice: transforms
// return new tables that share unchanged columns.
//
// Readers: [ReadInput] is the one entry point for a user's file: it
// recognises the format by content and extension ([SniffFormat]; an
// explicit format overrides) and calls the reader for it; [ReadInputs]
// reads several FHIR files (a folder of Bundles, NDJSON) as one release.
// Below them,
// [ReadCSV] and the streaming [CSVReader] (delimiter, header and
// type detection, quoted fields, UTF-8 BOM; errors are [*ParseError] values
// naming line and column); [ReadFHIR] and [FHIRImporter] for FHIR R4
// Bundles or NDJSON, flattened into one table per resource type joined by a
// "patient" column, codes with their system, resource types it skips
// counted by name ([FHIRImporter.Skipped]). Writers: [WriteCSV] and [WriteParquet].
//
// # Transforms and pipelines
//
// Every step implements [Transform]: Describe says its name, version and
// [Scope] (row-scoped transforms may run on any batch of rows — see
// [Table.Batches] and [Concat] — which is what a plugin host streaming
// column-wise batches needs; table-scoped ones see all rows), and Apply
// maps a table to a new one. Built-ins: [SafeHarbor], [Pseudonymize]
// (keyed HMAC-SHA256), [DateShift] (per-patient keyed shifts that keep
// intervals), [Generalize] (hierarchies: ARX CSV files via
// [ReadHierarchy], or automatic ones for numbers, dates and ZIP codes),
// [Suppress], [Drop] and [Privacy] (k-anonymity, l-diversity,
// t-closeness through an optimal full-domain lattice search or Mondrian
// partitioning, with a suppression limit: privacy.go holds the transform,
// space.go the search space both searches share, lattice.go, classes.go
// and search.go the optimal search, mondrian.go the partitioning, and
// privacymodels.go the per-class l-diversity and t-closeness checks). A [Transforms] value names the
// transforms a config may use: [NewTransforms] holds the built-ins, its
// owner (a plugin host) registers more with [Transforms.Register], and
// [Transforms.New] builds one from [Params].
//
// A [Config] (YAML via [LoadConfig], or a [Preset]: "safe-harbor",
// "safe-harbor-k5"; [SuggestConfig] writes a starting one from the data)
// names column roles and hierarchies, the transforms in order, report
// options and the [Policy]. [Config.Build] turns it into a [Pipeline];
// [Pipeline.Run] (one table) and [Pipeline.RunAll] (the tables of one
// dataset) return a [Result]: the table, its [Report] and the policy's
// [Verdict].
//
// A [Release] (release.go) is the tables of one publication linked by a
// patient key ([NewFHIRRelease]: Patient's id, every other table's
// patient column). [Release.Key] gives each patient one keyed pseudonym
// and one date offset in every table (Pseudonymize's and DateShift's
// derivations), so a patient's rows still join and the intervals between
// a patient's events survive; [Release.PatientPrivacy] decides k, l and t
// on the Patient table and removes a suppressed patient from every table
// ([Release.RemovePatients]). [Pipeline.RunRelease] (release_run.go) runs
// a pipeline on a whole release: the privacy step on the Patient table's
// quasi-identifiers, the other steps on every table (a table named in
// [Pipeline.Tables] runs its own), the columns [Release.Notes] declares
// treated as notes, and one [Verdict] for the release whose reasons name
// their table ([ReleaseResult]). releasezip.go writes and reads the
// release package, a ZIP of one CSV or Parquet file per table and
// manifest.json ([WriteReleaseZIP], [ReadReleaseZIP] within [ZIPLimits],
// [ReleaseManifest]).
//
// Free text (freetext.go) is a column whose contents are prose, or whose
// name declares notes ([IsNoteName]: "note", "comments"...), whatever its
// values; [SafeHarbor] scrubs it with the built-in [Scrubber] (scrub.go,
// scrub_patterns.go, scrub_names.go; [ScrubNotes] in scrub_transform.go)
// or drops it, and the gate refuses one no scrubber processed.
//
// # Reports and the gate
//
// [Assess] computes a [Report] from a published table alone: equivalence
// classes and their size histogram; prosecutor, journalist and marketer
// re-identification risk, records at risk and sample uniques (ARX's
// definitions); normalized certainty penalty, discernibility and average
// class size; l and t reached per sensitive column; direct identifiers and
// identifier-like contents left. [Policy.Check] passes a report or gives
// the exact reasons it fails.
//
// [Suggest] proposes a role, an identifier [Category] (the 18 HIPAA Safe
// Harbor categories and demographics) and a transform for every column from
// its name (detect_name.go) and a [ColumnSample] of its contents
// (detect_content.go, sample.go).
package anonymize
