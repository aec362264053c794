package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"path/filepath"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/medmarket/medmarket/anonymize"
	"github.com/medmarket/medmarket/marketplace"
	"github.com/medmarket/medmarket/marketplace/contracts"
	"github.com/medmarket/medmarket/marketplace/store"
	"github.com/medmarket/medmarket/marketplace/vault"
)

// PublishRequest is everything a publish needs: the records, how to
// anonymize them, the card's text and the listing's terms.
type PublishRequest struct {
	// Input is a file path; or Reader with InputName (for messages and the
	// format guess). InputFormat is "csv" or "fhir" ("" guesses from the
	// name: .json is a FHIR Bundle).
	Input       string
	Reader      io.Reader
	InputName   string
	InputFormat string
	// InputEncoding of a CSV file: "" detects it, else utf-8, latin1 or utf-16.
	InputEncoding string
	// Table picks one table of a FHIR import ("Patient", "Observation"...);
	// required when the import yields several, unless Release.
	Table string
	// Release publishes every table of the input as one release: a ZIP
	// of one file per table (in Format) plus manifest.json, the privacy
	// model decided on patients, a suppressed patient removed from every
	// table; a one-table input is a one-table release. TableRoles gives
	// each table its roles (table -> column -> role, as Roles), which is
	// then ignored, as is Table. Without a Secret the tables' patient key
	// and joins are removed (the tables do not link); the manifest says so.
	Release    bool
	TableRoles map[string]map[string]string
	// Warn, when set, hears what the read skipped (FHIR resource types
	// medmarket does not read, by name and count).
	Warn func(string)

	// Preset names a built-in anonymization ("safe-harbor",
	// "safe-harbor-k5", or PresetCustom with Privacy, its privacy model);
	// Roles are the column roles the publisher chose (column -> "direct",
	// "quasi", "sensitive" or "insensitive"), as PreviewRequest.Roles. Or
	// ConfigFile (YAML, as `anonymize --config` reads) is used instead: a
	// custom pipeline, whose steps may be trusted plugins. The app builds
	// the pipeline from these choices. Secret keys pseudonyms and date
	// shifts; without one, record identifiers are removed.
	Preset     string
	Privacy    *PrivacyParams
	Roles      map[string]string
	ConfigFile string
	Secret     []byte
	// Policy, when set, replaces the preset's or config's policy gate.
	Policy *anonymize.Policy
	// Preview, when set, names a dry run of this anonymization the app
	// made for the publisher (PreviewResult.ID): when it ran what this
	// request publishes (the same file, table, preset, privacy model and
	// roles), its output is published as it is, instead of reading the
	// input and running the pipeline again; the policy gate is checked on
	// it again here. Otherwise the input is anonymized as usual; with no
	// input, the publish is refused.
	Preview string
	// AcceptRisk, when set, is the publisher's explicit acceptance of a
	// highest re-identification risk above the policy's threshold
	// (risk_acceptance.go): recorded on the card when the gate refuses for
	// that risk alone and the acceptance covers the report's figure.
	AcceptRisk *RiskAcceptance

	Title, Description, Publisher string
	Tags                          []string
	DataTypes                     []string // see marketplace.DataTypes
	Format                        string   // what buyers download: "csv" (default) or "parquet"

	Price       *big.Int          // wei; required (0 is allowed)
	Terms       marketplace.Terms // DUO codes, duration, seats
	TermsDetail map[string]string // the disease for DS, the approval for IRB...

	// Provider is where buyers fetch from: "" or "self" for this node (its
	// PublicURL), or a hub's provider URL: the blob, the card and the dataset
	// key wrapped to the hub's node key are uploaded there (signed by the
	// publisher) and the listing names the hub, so buyers are served while
	// this node is offline.
	Provider string

	// Copy, when set, receives the published (anonymized, unencrypted)
	// file: exactly the bytes a buyer decrypts.
	Copy io.Writer

	// CardEpsilon is the ε the card's statistics spend, a plain decimal
	// ("" is marketplace.DefaultCardEpsilon); QuestionsEpsilon and
	// QuestionsPerRequester the budget of questions before buying (""
	// are the defaults), unless QuestionsOff (cardstats.go).
	CardEpsilon, QuestionsEpsilon, QuestionsPerRequester string
	QuestionsOff                                         bool
}

// Published is a completed publish.
type Published struct {
	ListingID    uint64
	ContentHash  common.Hash
	MetadataHash common.Hash
	TxHash       common.Hash
	GasUsed      uint64
	Provider     string
	Card         *marketplace.DatasetCard
	Report       *anonymize.Report
	Verdict      anonymize.Verdict
	Size         int64 // encrypted bytes
	// FromPreview says the published file is the output of the dry run
	// PublishRequest.Preview named, not anonymized again.
	FromPreview bool
}

// prepared is a publish before the chain: the anonymized file and its card.
type prepared struct {
	plain   []byte
	card    *marketplace.DatasetCard
	encoded []byte
	report  *anonymize.Report
	verdict anonymize.Verdict
	// previewed: the output of a kept dry run, not anonymized again.
	previewed bool
}

// runPublishPipeline resolves the pipeline (req.Config, req.ConfigFile or
// req.Preset; trusted third-party plugins may take part), reads the input
// and runs the pipeline on it.
func (a *App) runPublishPipeline(ctx context.Context, req *PublishRequest) (*anonymize.Result, error) {
	cfg, env, err := req.pipelineConfig()
	if err != nil {
		return nil, err
	}
	h := a.plugins
	if _, err := h.RegisterAnonymizers(); err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "Cannot read the plugin allow-list")
	}
	env.Transforms = h.Transforms()
	env.AsOf = a.asOf()
	pipe, err := cfg.Build(env)
	if err != nil {
		return nil, marketplace.Wrap(marketplace.EINVALID, err, "Anonymization config: %v", err)
	}
	table, err := req.readTable()
	if err != nil {
		return nil, err
	}
	res, err := pipe.Run(ctx, table)
	if err != nil {
		if errors.Is(err, anonymize.ErrInvalid) {
			return nil, marketplace.Wrap(marketplace.EINVALID, err, "Anonymization failed: %v", err)
		}
		return nil, engineError("anonymize", err)
	}
	return res, nil
}

// readTables reads every table of the records to publish.
func (req *PublishRequest) readTables() ([]*anonymize.Table, error) {
	name := req.InputName
	if name == "" {
		name = filepath.Base(req.Input)
	}
	if req.Reader == nil && req.Input == "" {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Input: choose a file of records to publish.")
	}
	return records{Path: req.Input, Reader: req.Reader, Name: name, Format: req.InputFormat, Encoding: req.InputEncoding, Warn: req.Warn}.read()
}

// readTable reads the records to publish: the CSV file, or the table
// req.Table of a FHIR Bundle.
func (req *PublishRequest) readTable() (*anonymize.Table, error) {
	name := req.InputName
	if name == "" {
		name = filepath.Base(req.Input)
	}
	ts, err := req.readTables()
	if err != nil {
		return nil, err
	}
	var table *anonymize.Table
	var names []string
	for _, t := range ts {
		names = append(names, t.Name)
		if t.Name == req.Table || (req.Table == "" && len(ts) == 1) {
			table = t
		}
	}
	if table == nil {
		return nil, marketplace.Errorf(marketplace.EINVALID, "Table: choose one of the tables in %s (%s).", name, strings.Join(names, ", "))
	}
	return table, nil
}

// anonymizeForPublish anonymizes the input (or takes owner's dry run
// req.Preview) and encodes the published file and its card. The policy
// gate's failure is EINVALID with its reasons.
func (a *App) anonymizeForPublish(ctx context.Context, owner common.Address, req *PublishRequest) (*prepared, error) {
	if req.Release {
		return a.prepareRelease(ctx, owner, req)
	}
	res, err := a.previewedResult(owner, req)
	if err != nil {
		return nil, err
	}
	previewed := res != nil
	if !previewed {
		if res, err = a.runPublishPipeline(ctx, req); err != nil {
			return nil, err
		}
	}
	if err := a.gate(res, owner.Hex(), req.AcceptRisk); err != nil {
		return nil, err
	}

	format := req.Format
	if format == "" {
		format = "csv"
	}
	var buf bytes.Buffer
	switch format {
	case "csv":
		err = anonymize.WriteCSV(&buf, res.Table, anonymize.CSVWriteOptions{})
	case "parquet":
		err = anonymize.WriteParquet(&buf, res.Table)
	default:
		return nil, marketplace.Errorf(marketplace.EINVALID, "Format %q unknown (want csv or parquet).", format)
	}
	if err != nil {
		return nil, fmt.Errorf("encode the published %s: %w", format, err)
	}

	card := &marketplace.DatasetCard{
		Version: marketplace.CardVersion, Title: req.Title, Description: req.Description,
		Tags: nonNil(req.Tags), Publisher: req.Publisher, Rows: uint64(res.Table.NumRows()),
		DataTypes: nonNil(req.DataTypes), Format: format, TermsDetail: req.TermsDetail,
		RiskAccepted: cardAcceptance(res.Verdict),
	}
	for _, c := range res.Table.Columns {
		card.Columns = append(card.Columns, marketplace.CardColumn{Name: c.Name, Type: c.Type.String(), Role: c.Role.String()})
	}
	// The report goes on the card whole, or the publish is refused: a card
	// that silently lacks its report would hide the risk figures from buyers.
	rep, err := json.Marshal(res.Report)
	if err != nil {
		return nil, fmt.Errorf("encode the anonymization report for the dataset card: %w", err)
	}
	if len(rep) > marketplace.MaxCardReportBytes {
		return nil, marketplace.Errorf(marketplace.EINVALID,
			"Publishing refused: the anonymization report is %d bytes, more than a dataset card holds (%d bytes); publish fewer columns.",
			len(rep), marketplace.MaxCardReportBytes)
	}
	card.Report = rep
	if err := a.describe(card, req, singleCardTable(res.Table)); err != nil {
		return nil, err
	}
	enc, err := card.Encode()
	if err != nil {
		return nil, err
	}
	return &prepared{plain: buf.Bytes(), card: card, encoded: enc, report: res.Report, verdict: res.Verdict, previewed: previewed}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// checkListing validates what goes on chain, before any work is done, and
// returns the provider URL to list: this node's, or a hub's. The URL must be
// one other nodes may contact (marketplace.CheckProviderHost): public, unless
// this node is configured for a local network.
func (a *App) checkListing(ctx context.Context, req *PublishRequest) (string, error) {
	if req.Price == nil || req.Price.Sign() < 0 {
		return "", marketplace.Errorf(marketplace.EINVALID, "Price: required, 0 or more.")
	}
	if err := req.Terms.Validate(); err != nil {
		return "", err
	}
	if _, _, err := req.budgets(); err != nil {
		return "", err
	}
	u := a.PublicURL()
	switch req.Provider {
	case "", "self":
	default:
		if err := marketplace.ValidateProviderURL(req.Provider); err != nil {
			return "", err
		}
		if strings.TrimSuffix(req.Provider, "/") != strings.TrimSuffix(u, "/") {
			u = req.Provider
			if !strings.HasSuffix(u, "/") {
				u += "/"
			}
		}
	}
	if err := marketplace.CheckProviderHost(ctx, u, a.allowPrivate); err != nil {
		return "", err
	}
	return u, nil
}

// Publish anonymizes the records, refuses them if the policy gate fails
// (EINVALID with the reasons; nothing is written), encrypts the published
// file to a fresh dataset key, stores the blob and the key (wrapped to the
// node key) durably with a pending-publish record, lists it on chain with
// this node's provider URL, and indexes the listing at once so that it is
// searchable when Publish returns.
//
// Crash safety: blob, key and card are durable before the transaction. A
// crash before it leaves a draft (MySales.Drafts; RetryPublish lists it); a
// crash after it leaves a listing whose blob and key are here; the catalog
// converges from the chain's events on the next sync.
func (a *App) Publish(ctx context.Context, who Actor, req PublishRequest) (Published, error) {
	if _, err := a.marketAddr(); err != nil {
		return Published{}, err
	}
	providerURL, err := a.checkListing(ctx, &req)
	if err != nil {
		return Published{}, err
	}
	sg, release, err := a.signer(ctx, who)
	if err != nil {
		return Published{}, err
	}
	defer release()
	p, err := a.anonymizeForPublish(ctx, sg.Address(), &req)
	if err != nil {
		return Published{}, err
	}
	if req.Copy != nil {
		if _, err := req.Copy.Write(p.plain); err != nil {
			return Published{}, fmt.Errorf("write the copy of the published file: %w", err)
		}
	}

	dk, err := vault.NewDatasetKey()
	if err != nil {
		return Published{}, err
	}
	ct, err := dk.EncryptBytes(p.plain)
	if err != nil {
		return Published{}, err
	}
	if err := a.signCard(sg, p, common.Hash(sha256.Sum256(ct))); err != nil {
		return Published{}, err
	}
	if a.isHub(providerURL) {
		content := common.Hash(sha256.Sum256(ct))
		if err := a.uploadToHub(ctx, sg, providerURL, dk, ct, content, p.encoded); err != nil {
			return Published{}, err
		}
		// A draft naming the hub, with the card (kept here too, so this
		// node's catalog shows its own listing without asking the hub): if
		// the listing transaction fails, RetryPublish lists it there
		// without uploading again.
		rec := store.Publish{ContentHash: content, MetadataHash: marketplace.CardHash(p.encoded), Seller: sg.Address(),
			State: store.PublishPending, Size: int64(len(ct)), Created: a.now().UTC(), Provider: providerURL}
		if old, err := a.store.Publish(ctx, content); err == nil {
			rec.HubUpload = old.HubUpload // this node is the hub
		}
		return a.storeAndList(ctx, sg, rec, p, req, providerURL)
	}
	sum, size, err := a.market.blobs.Put(ctx, bytes.NewReader(ct))
	if err != nil {
		return Published{}, err
	}
	content := common.Hash(sum)
	wrapped, err := a.market.nodeKey.Wrap(dk)
	if err != nil {
		return Published{}, err
	}
	if err := a.store.PutDatasetKey(ctx, store.DatasetKeyRecord{ContentHash: content, Wrapped: wrapped, Uploader: sg.Address(), Created: a.now().UTC()}); err != nil {
		return Published{}, err
	}
	if err := a.publishStep(StepKeyed); err != nil {
		return Published{}, err
	}
	rec := store.Publish{ContentHash: content, MetadataHash: marketplace.CardHash(p.encoded), Seller: sg.Address(),
		State: store.PublishPending, Size: size, Created: a.now().UTC()}
	return a.storeAndList(ctx, sg, rec, p, req, providerURL)
}

// storeAndList ends a publish once the ciphertext is safe (on the hub or
// here): it records the draft with its card, then lists it. Publish reports
// what the anonymizer said of the file along with the listing.
func (a *App) storeAndList(ctx context.Context, sg *vault.Signer, rec store.Publish, p *prepared, req PublishRequest, providerURL string) (Published, error) {
	if err := a.store.PutPublish(ctx, rec, p.encoded); err != nil {
		return Published{}, err
	}
	if err := a.publishStep(StepStored); err != nil {
		return Published{}, err
	}
	out, err := a.list(ctx, sg, rec, req.Price, req.Terms, providerURL)
	if err != nil {
		return Published{}, err
	}
	out.Card, out.Report, out.Verdict, out.FromPreview = p.card, p.report, p.verdict, p.previewed
	return out, nil
}

// list sends the listing transaction of a stored publish, indexes it and
// marks the publish listed. The listing is commit-reveal: first a commit of
// contracts.Commitment(seller, content hash, salt), with a random salt kept
// in the publish record before the commit is sent, mined in a block of its
// own; then the list transaction with the salt, in a later block. A retry
// after a crash between the two finds the commitment on chain and only
// lists.
func (a *App) list(ctx context.Context, sg *vault.Signer, rec store.Publish, price *big.Int, terms marketplace.Terms, providerURL string) (Published, error) {
	if rec.Salt == (common.Hash{}) {
		rec.Salt = contracts.NewSalt()
		if err := a.store.PutPublish(ctx, rec, nil); err != nil {
			return Published{}, err
		}
	}
	if err := a.commitListing(ctx, sg, rec.ContentHash, rec.Salt); err != nil {
		return Published{}, err
	}
	if err := a.publishStep(StepCommitted); err != nil {
		return Published{}, err
	}
	data := a.market.abi.PackList(rec.ContentHash, rec.Salt, price, terms.Pack(), rec.MetadataHash, providerURL)
	r, err := a.sendTx(ctx, sg, nil, data)
	if err != nil {
		return Published{}, err
	}
	var id uint64
	for _, lg := range r.Logs {
		if ev, err := a.market.abi.UnpackListedEvent(lg); err == nil {
			id = ev.Id.Uint64()
		}
	}
	if err := a.publishStep(StepListed); err != nil {
		return Published{}, err
	}
	if ix, _, err := a.ready(); err == nil {
		if err := ix.IndexTx(ctx, r); err != nil {
			a.log.Warn("index listing", "tx", r.TxHash, "err", err)
		}
	}
	rec.State, rec.ListingID, rec.TxHash = store.PublishListed, id, r.TxHash
	if err := a.store.PutPublish(ctx, rec, nil); err != nil {
		return Published{}, err
	}
	a.log.Info("dataset published", "listing", id, "content", rec.ContentHash, "provider", providerURL, "tx", r.TxHash, "gas", r.GasUsed)
	return Published{ListingID: id, ContentHash: rec.ContentHash, MetadataHash: rec.MetadataHash, TxHash: r.TxHash,
		GasUsed: r.GasUsed, Provider: providerURL, Size: rec.Size}, nil
}

// commitListing makes sure sg's commitment to list content with salt is
// on chain: it sends the commit transaction and waits until it is mined,
// unless the commitment is there already (a retried publish).
func (a *App) commitListing(ctx context.Context, sg *vault.Signer, content, salt common.Hash) error {
	commitment := contracts.Commitment(sg.Address(), content, salt)
	at, err := call(ctx, a, a.market.abi.PackCommitBlock(commitment), a.market.abi.UnpackCommitBlock)
	if err != nil {
		return err
	}
	if at.Sign() != 0 {
		return nil
	}
	if _, err := a.sendTx(ctx, sg, nil, a.market.abi.PackCommit(commitment)); err != nil {
		return marketplace.Wrap(marketplace.ErrorCode(err), err, "Cannot commit to listing dataset %s", content.Hex())
	}
	return nil
}

func (a *App) publishStep(step string) error {
	if a.market.hook != nil {
		return a.market.hook(step)
	}
	return nil
}

// SetPublishHook installs a function called between publish steps
// (StepKeyed, StepStored, StepCommitted, StepListed); an error stops the publish there. For crash
// tests only.
func (a *App) SetPublishHook(f func(step string) error) { a.market.hook = f }
