package main

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/medmarket/medmarket/app"
	"github.com/medmarket/medmarket/marketplace"
)

// newPublishCmd builds `publish`: anonymize, encrypt and list a file of
// records, here or through a hub.
func newPublishCmd(c *cli) *cobra.Command {
	var ins []string
	var as, preset, config, title, desc, tags, publisher, format, dataTypes, publicURL, providerURL, copyTo, table, encoding string
	var sale saleFlags
	var release bool
	cmd := &cobra.Command{
		Use:   "publish --as NAME --in FILE --preset PRESET --title TITLE --price ETH --terms CODES",
		Short: "Anonymize a file of records, encrypt it and list it for sale; prints the listing id",
		Long: `Publish runs the anonymization preset on the records, refuses (with the reasons)
when the policy gate fails, encrypts the result to a fresh dataset key, stores the
blob and the key in the data dir, and lists it on chain with this node's provider
URL (--public-url, env ` + envPublicURL + `; buyers' nodes download from there).

A folder, several --in, or FHIR JSON is published as one release (unless
--table picks one table): every table anonymized, the privacy model decided on
patients, one ZIP of one file per table (--format) plus manifest.json, the card
listing every table. With ` + envSecret + ` set, the tables are linked by one
keyed pseudonym per patient; without it the patient key and joins are removed.

With --provider https://hub.example/ it publishes through a hub instead, for a
node that is not always online: the encrypted blob, the card and the dataset key
wrapped to the hub's node key are uploaded to the hub in a request signed by the
seller, and the listing names the hub, which serves buyers from then on.`,
		Args: cobra.NoArgs,
		RunE: c.command(action{parse: func([]string) error {
			return sale.parse()
		}, unlock: unlockAs(&as), node: true, publicURL: &publicURL, run: func(ctx context.Context, a *app.App, who account) (err error) {
			req := app.PublishRequest{Input: strings.Join(ins, ","), InputEncoding: encoding, Preset: preset, ConfigFile: config, Title: title, Description: desc, Publisher: publisher,
				Tags: splitCSV(tags), DataTypes: splitCSV(dataTypes), Format: format, Price: sale.wei, Table: table,
				Terms: sale.listingTerms(), Provider: providerURL, Release: table == "" && (release || isReleaseInput(ins)),
				Warn: func(msg string) { fmt.Fprintf(c.stderr, "warning: %s\n", msg) }}
			if s := c.getenv(envSecret); s != "" {
				req.Secret = []byte(s)
			}
			// The copy replaces --save-copy only once the publish succeeded.
			var copyFile *pendingFile
			if copyTo != "" {
				if copyFile, err = createPending(copyTo, "--save-copy"); err != nil {
					return err
				}
				defer copyFile.discard()
				req.Copy = copyFile
			}
			p, err := a.Publish(ctx, who.actor(), req)
			if err != nil {
				return err
			}
			if copyFile != nil {
				if err := copyFile.commit(); err != nil {
					return fmt.Errorf("listed as %d, but --save-copy: %w", p.ListingID, err)
				}
			}
			if len(p.Card.Tables) > 0 {
				fmt.Fprintf(c.stderr, "release: %d tables in a ZIP package, %d patients\n", len(p.Card.Tables), p.Card.Rows)
			}
			fmt.Fprintf(c.stderr, "listed: %d rows, content %s, provider %s, gas %d\n", p.Card.Rows, p.ContentHash.Hex(), p.Provider, p.GasUsed)
			_, err = fmt.Fprintln(c.stdout, p.ListingID)
			return err
		}}),
	}
	f := cmd.Flags()
	f.StringVar(&as, "as", "", "account that sells")
	f.StringArrayVar(&ins, "in", nil, "records to publish: CSV or TSV, or FHIR R4 JSON (a Bundle or NDJSON); a folder (its *.json and *.ndjson files, not subfolders), several --in or comma-separated files of FHIR are read as one release")
	f.StringVar(&encoding, "encoding", "", "CSV encoding: utf-8, latin1 (Windows-1252) or utf-16 (default: detected)")
	f.StringVar(&table, "table", "", "publish only this table of a FHIR import (Patient, Observation...) instead of the whole release")
	f.BoolVar(&release, "release", false, "publish every table of the input as one release (a ZIP of one file per table and manifest.json); the default for a folder, several files or FHIR JSON")
	f.StringVar(&preset, "preset", "safe-harbor-k5", "anonymization preset: safe-harbor or safe-harbor-k5")
	f.StringVar(&config, "config", "", "a pipeline config (YAML, as for anonymize --config; trusted plugins may be steps) instead of --preset")
	f.StringVar(&title, "title", "", "the dataset's title")
	f.StringVar(&desc, "description", "", "what the data is and where it comes from")
	f.StringVar(&tags, "tags", "", "comma-separated keywords")
	f.StringVar(&publisher, "publisher", "", "who publishes (patient, clinic, patient group)")
	f.StringVar(&dataTypes, "data-types", "", "comma-separated record kinds: "+strings.Join(marketplace.DataTypes(), ", "))
	f.StringVar(&format, "format", "csv", "what buyers download: csv or parquet")
	sale.register(cmd)
	f.StringVar(&publicURL, "public-url", "", "this node's provider URL (env "+envPublicURL+"; default http://<serve's --public-addr>/)")
	f.StringVar(&providerURL, "provider", "self", "who serves buyers: self (this node), or a hub's provider URL to publish through")
	f.StringVar(&copyTo, "save-copy", "", "also write the anonymized file (exactly what buyers decrypt) here")
	for _, n := range []string{"as", "in", "title"} {
		cmd.MarkFlagRequired(n)
	}
	return cmd
}

// saleFlags are a listing's price and terms as publish and drafts retry
// take them: --price and --terms (required), --duration and --seats.
type saleFlags struct {
	price, terms string
	duration     uint32
	seats        uint16
	wei          *big.Int        // price, parsed
	use          marketplace.DUO // terms, parsed
}

// register adds the flags to cmd.
func (s *saleFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&s.price, "price", "", "price of a licence in ether (decimal)")
	f.StringVar(&s.terms, "terms", "", "DUO codes, e.g. HMB,NCU (one permission: GRU, HMB, DS, POA or NRES)")
	f.Uint32Var(&s.duration, "duration", 365, "licence duration in days (0: perpetual)")
	f.Uint16Var(&s.seats, "seats", 0, "team members a licence holder may seat")
	cmd.MarkFlagRequired("price")
	cmd.MarkFlagRequired("terms")
}

// parse reads the price and the terms' codes; EINVALID names what is wrong.
func (s *saleFlags) parse() (err error) {
	if s.wei, err = marketplace.ParseEther(s.price); err != nil {
		return err
	}
	s.use, err = marketplace.ParseDUO(s.terms)
	return err
}

// listingTerms are the terms of the licences the listing sells.
func (s *saleFlags) listingTerms() marketplace.Terms {
	return marketplace.Terms{Use: s.use, DurationDays: s.duration, Seats: s.seats}
}

// isReleaseInput says whether the --in values are a release: several
// files, a folder, or FHIR JSON (.json, .ndjson).
func isReleaseInput(ins []string) bool {
	if len(ins) != 1 || strings.Contains(ins[0], ",") {
		return len(ins) > 0
	}
	if st, err := os.Stat(ins[0]); err == nil && st.IsDir() {
		return true
	}
	ext := strings.ToLower(filepath.Ext(ins[0]))
	return ext == ".json" || ext == ".ndjson"
}
