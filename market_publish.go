package main

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
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
	var risk acceptRiskFlags
	var budget privacyFlags
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
seller, and the listing names the hub, which serves buyers from then on.

When the highest re-identification risk is above the policy's threshold (20 %
unless the policy says otherwise) and that is the gate's only reason, publish
refuses unless --accept-risk PERCENT accepts a risk at least as high as the
report's; the acceptance (this account, the date, the figure, the threshold,
--accept-risk-words) is recorded on the dataset card for buyers to see.`,
		Args: cobra.NoArgs,
		RunE: c.command(action{parse: func([]string) error {
			if err := sale.parse(); err != nil {
				return err
			}
			if err := budget.parse(); err != nil {
				return err
			}
			return risk.parse()
		}, unlock: unlockAs(&as), node: true, publicURL: &publicURL, run: func(ctx context.Context, a *app.App, who account) (err error) {
			req := app.PublishRequest{Input: strings.Join(ins, ","), InputEncoding: encoding, Preset: preset, ConfigFile: config, Title: title, Description: desc, Publisher: publisher,
				Tags: splitCSV(tags), DataTypes: splitCSV(dataTypes), Format: format, Price: sale.wei, Table: table,
				Terms: sale.listingTerms(), Provider: providerURL, Release: table == "" && (release || isReleaseInput(ins)),
				AcceptRisk: risk.acceptance, Warn: func(msg string) { fmt.Fprintf(c.stderr, "warning: %s\n", msg) }}
			budget.apply(&req)
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
	risk.register(cmd)
	budget.register(cmd)
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

// acceptRiskFlags are publish's --accept-risk PERCENT and
// --accept-risk-words: the publisher's explicit acceptance of a highest
// re-identification risk above the policy's threshold.
type acceptRiskFlags struct {
	percent, words string
	acceptance     *app.RiskAcceptance // parsed; nil without --accept-risk
}

func (r *acceptRiskFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&r.percent, "accept-risk", "", "accept a highest re-identification risk above the policy's threshold, up to this percentage (e.g. 100 or 100%); recorded on the dataset card")
	f.StringVar(&r.words, "accept-risk-words", "", "your words for the risk acceptance, recorded on the card (with --accept-risk)")
}

// parse reads --accept-risk: a percentage in (0, 100].
func (r *acceptRiskFlags) parse() error {
	if r.percent == "" {
		if r.words != "" {
			return marketplace.Errorf(marketplace.EINVALID, "--accept-risk-words needs --accept-risk PERCENT.")
		}
		return nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(r.percent), "%")), 64)
	if err != nil || v <= 0 || v > 100 {
		return marketplace.Errorf(marketplace.EINVALID, "--accept-risk %q: want a percentage above 0 and at most 100 (e.g. 100 or 60%%).", r.percent)
	}
	r.acceptance = &app.RiskAcceptance{Risk: v / 100, Words: r.words}
	return nil
}
